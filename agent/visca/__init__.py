"""Sony VISCA for PTZ cameras: sans-IO protocol, transports by URL, a client, an emulator.

The layers, bottom up:
- `errors`, `framing`, `session`, `commands`, `ip`: the sans-IO core; no serial, socket,
  asyncio or threading, no message catalogue (errors carry a key and its arguments).
- `text`: renders those keys through the catalogue.
- `transport`: the only pyserial import; serial, TCP, raw UDP and Sony VISCA over IP by URL.
- `client` (the threaded exchange) and `camera` (what callers ask of a camera); the one camera
  per port the daemon, its MQTT verbs and the ptz check share is `agent.ptz.shared`, for VISCA
  and Pelco alike.
- `emulator`: a camera that speaks real VISCA, for tests, demos and `hnth-agent sim visca`.

Callers outside this package import from here. Names load on first use, so importing
the core does not pull in pyserial or the catalogue.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from agent.ptz_moves import Direction
    from agent.visca.camera import Camera, Position, Reading, VersionInfo
    from agent.visca.client import CommandSupersededError, Result, Timeouts
    from agent.visca.commands import DEFAULT_LIMITS, MOVES, Limits
    from agent.visca.errors import (
        ERRORS,
        BufferFullError,
        CommandCancelledError,
        ErrorCode,
        MessageLengthError,
        NoSocketError,
        NotExecutableError,
        ViscaLocalError,
        ViscaRemoteError,
        ViscaReplyError,
        ViscaSyntaxError,
    )
    from agent.visca.framing import Command, Finish, hexs
    from agent.visca.probe import Capabilities, probe
    from agent.visca.session import Session
    from agent.visca.text import localize, render
    from agent.visca.transport import Endpoint, parse_url, serial_ports

_WHERE: Final = {
    "agent.visca.camera": ("Camera", "Position", "Reading", "VersionInfo"),
    "agent.visca.client": ("CommandSupersededError", "Result", "Timeouts"),
    "agent.visca.commands": ("DEFAULT_LIMITS", "MOVES", "Limits"),
    "agent.ptz_moves": ("Direction",),
    "agent.visca.errors": (
        "ERRORS",
        "BufferFullError",
        "CommandCancelledError",
        "ErrorCode",
        "MessageLengthError",
        "NoSocketError",
        "NotExecutableError",
        "ViscaLocalError",
        "ViscaRemoteError",
        "ViscaReplyError",
        "ViscaSyntaxError",
    ),
    "agent.visca.framing": ("Command", "Finish", "hexs"),
    "agent.visca.probe": ("Capabilities", "probe"),
    "agent.visca.session": ("Session",),
    "agent.visca.text": ("localize", "render"),
    "agent.visca.transport": ("Endpoint", "parse_url", "serial_ports"),
}
_MODULE_OF: Final = {name: module for module, names in _WHERE.items() for name in names}

__all__ = [
    "DEFAULT_LIMITS",
    "ERRORS",
    "MOVES",
    "BufferFullError",
    "Camera",
    "Capabilities",
    "Command",
    "CommandCancelledError",
    "CommandSupersededError",
    "Direction",
    "Endpoint",
    "ErrorCode",
    "Finish",
    "Limits",
    "MessageLengthError",
    "NoSocketError",
    "NotExecutableError",
    "Position",
    "Reading",
    "Result",
    "Session",
    "Timeouts",
    "VersionInfo",
    "ViscaLocalError",
    "ViscaRemoteError",
    "ViscaReplyError",
    "ViscaSyntaxError",
    "hexs",
    "localize",
    "parse_url",
    "probe",
    "render",
    "serial_ports",
]


def __getattr__(name: str) -> object:
    """Load a public name from the module that defines it (PEP 562)."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(name)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
