"""The emulator's UseCases: what a test or a demo does to the camera: faults, scripted
replies, pulling the cable, power cycles (pyatv's fake-device shape).
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from agent.visca.errors import ErrorCode
from agent.visca.framing import TERMINATOR

if TYPE_CHECKING:
    from agent.visca.emulator.device import Emulator
    from agent.visca.emulator.state import CameraState


class Fault(StrEnum):
    """A way the emulated camera or its line misbehaves."""

    SILENT = "silent"  # never answers (RX wire cut, wrong baud, camera off at the mains)
    GARBAGE = "garbage"  # line noise before every reply
    DROP = "drop"  # reply bytes lost at random (drop_rate)
    SLOW = "slow"  # answers slow_ms late
    ERRORS = "errors"  # refuses every command and inquiry with error_code
    NO_ACK = "no-ack"  # sends Completion without an ACK first
    DISCONNECT = "disconnect"  # the line goes away on the next packet (a pulled USB adapter)


@dataclass(slots=True)
class Faults:
    """The active faults and their parameters; shared by every link of one emulator."""

    active: set[Fault] = field(default_factory=set)
    drop_rate: float = 0.05
    slow_ms: float = 300.0
    error_code: int = ErrorCode.NOT_EXECUTABLE
    hang_prefixes: list[bytes] = field(default_factory=list)
    script: deque[tuple[bytes, ...]] = field(default_factory=deque)
    rng: random.Random = field(default_factory=lambda: random.Random(3))


class UseCases:
    """What tests and demos do to the camera: faults, scripts, cables, power."""

    def __init__(self, emulator: Emulator) -> None:
        self._emu = emulator

    @property
    def state(self) -> CameraState:
        """Camera 1's state."""
        return self._emu.chain.camera(1)

    def camera(self, address: int) -> CameraState:
        """The state of camera `address`."""
        return self._emu.chain.camera(address)

    def set_faults(self, *faults: Fault | str) -> None:
        """Replace the active faults."""
        self._emu.faults.active = {Fault(f) for f in faults}

    def clear_faults(self) -> None:
        """Behave again; forget hangs and scripts."""
        f = self._emu.faults
        f.active.clear()
        f.hang_prefixes.clear()
        f.script.clear()

    def go_silent(self) -> None:
        """Stop answering anything."""
        self._emu.faults.active.add(Fault.SILENT)

    def refuse_everything(self, code: int = ErrorCode.NOT_EXECUTABLE) -> None:
        """Answer every packet with error `code`."""
        self._emu.faults.error_code = code
        self._emu.faults.active.add(Fault.ERRORS)

    def hang_on(self, body_prefix: bytes) -> None:
        """Ignore (never answer, never execute) packets whose message starts with `body_prefix`."""
        self._emu.faults.hang_prefixes.append(body_prefix)

    def script(self, *replies: bytes) -> None:
        """Answer the next request with exactly these packets instead of executing it."""
        self._emu.faults.script.append(tuple(replies))

    def send(self, packet: bytes) -> None:
        """Put bytes on every line now (e.g. a stray `90 38 FF`)."""
        for svc in self._emu.services:
            svc.schedule(time.monotonic(), packet, None)

    def network_change(self, address: int = 1) -> None:
        """Send `z0 38 FF`, as a camera does when it powers up."""
        self.send(bytes([0x80 | address << 4, 0x38, TERMINATOR]))

    def power_cycle(self) -> None:
        """Mains off and on: stop everything, power on, announce a network change."""
        with self._emu.chain.lock:
            for cam in self._emu.chain.cameras:
                cam.clear()
                cam.powered = True
        for cam in self._emu.chain.cameras:
            self.network_change(cam.address)

    def set_power(self, on: bool, address: int = 1) -> None:
        """Put a camera on or in standby without a command."""
        with self._emu.chain.lock:
            self.camera(address).powered = on

    def place(self, pan: float, tilt: float, zoom: float = 0.0, address: int = 1) -> None:
        """Put a camera at a position at once."""
        with self._emu.chain.lock:
            cam = self.camera(address)
            cam.advance(time.monotonic())
            cam.pan, cam.tilt, cam.zoom = pan, tilt, zoom

    def set_model(self, **changes: Any) -> None:
        """Change what every camera is (e.g. `zoom_inquiry=False` for a camera without it)."""
        with self._emu.chain.lock:
            for cam in self._emu.chain.cameras:
                cam.model = dataclasses.replace(cam.model, **changes)

    def refuse_zoom_inquiry(self) -> None:
        """Answer `8x 09 04 47 FF` with a syntax error, as many cheap cameras do."""
        self.set_model(zoom_inquiry=False)

    def set_motion_scale(self, scale: float) -> None:
        """Make every motion `scale` times faster (tests keep moves short)."""
        with self._emu.chain.lock:
            for cam in self._emu.chain.cameras:
                cam.motion_scale = scale

    def disconnect(self) -> None:
        """Pull the cable on every link."""
        for svc in self._emu.services:
            svc.link.drop()

    def reconnect(self) -> None:
        """Plug the cable back in (same path: the pty symlink is repointed)."""
        for svc in self._emu.services:
            svc.link.restore()
