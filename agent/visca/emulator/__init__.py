"""A faithful VISCA camera emulator, shaped like pyatv's fake devices.

- State (`state`, `model`, `requests`): what each camera believes and what each message
  means to it; pure functions of time, no I/O.
- Links (`links`): a pty, TCP, raw UDP or Sony VISCA over IP.
- Service (`service`): the wire side: line timing in both directions, replies one video
  field after a packet has fully arrived.
- UseCases (`usecases`): what a test or a demo calls: faults, scripted replies, pulling
  the cable, power cycles.

It is also `hnth-agent sim visca` (`cli`), so technicians and tests share one camera.
"""

from __future__ import annotations

from agent.visca.emulator.cli import HELP_KEY, add_arguments, main
from agent.visca.emulator.device import Emulator
from agent.visca.emulator.links import Link, PtyLink, TcpLink, UdpLink
from agent.visca.emulator.model import Axis, Job, Model
from agent.visca.emulator.profiles import MODELS
from agent.visca.emulator.service import Service
from agent.visca.emulator.state import CameraState, Chain
from agent.visca.emulator.usecases import Fault, Faults, UseCases

__all__ = [
    "HELP_KEY",
    "MODELS",
    "Axis",
    "CameraState",
    "Chain",
    "Emulator",
    "Fault",
    "Faults",
    "Job",
    "Link",
    "Model",
    "PtyLink",
    "Service",
    "TcpLink",
    "UdpLink",
    "UseCases",
    "add_arguments",
    "main",
]
