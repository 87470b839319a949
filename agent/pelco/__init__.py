"""Pelco-D and Pelco-P PTZ cameras on RS-485/RS-232: sans-IO core, client, emulator.

The public surface (see docs/pelco.md):

    from agent.pelco import Camera
    with Camera("pelco-d:///dev/ttyUSB0?baud=2400&address=1") as cam:
        cam.drive("left", 0x20)     # also cam.move(); pan speed 1..64 (64 = turbo)
        cam.stop()                  # everything stops; never waits behind a query
        cam.zoom("in"); cam.zoom("stop"); cam.focus("near"); cam.focus("stop")
        cam.preset_set(5); cam.preset_recall(5); cam.preset_clear(5)
        cam.home()                  # recalls the home preset (34 unless `&home=N`)
        cam.position()              # Position(pan, tilt, zoom); None for an unanswered axis
        cam.counters()              # garbage, bad frames, wrong addresses seen on the line

`position()` raises PositionUnavailableError on Pelco-P (the protocol has no query) and
when a Pelco-D camera answers neither pan nor tilt. Every call raises
DeviceUnavailableError while the adapter is gone and recovers once it is back.

`agent.pelco.protocol` and `agent.pelco.commands` import no I/O modules; `client` owns the
line and the exchange, `camera` what a caller asks of it; the emulator lives in
`agent.pelco.emulator`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.pelco.camera import Camera, Position, PositionUnavailableError
    from agent.pelco.client import Counters, Timeouts
    from agent.pelco.commands import DEFAULT_HOME_PRESET, Axis
    from agent.pelco.protocol import (
        Frame,
        Garbage,
        Parser,
        PelcoLocalError,
        PelcoRemoteError,
        Variant,
    )
    from agent.pelco.transport import PelcoEndpoint, is_pelco_url, parse_url
    from agent.ptz_moves import Direction

# Loaded on first use, so that importing the sans-IO core (or `hnth-agent --help`)
# does not pull in the serial port module.
_HOMES = {
    "agent.pelco.camera": ("Camera", "Position", "PositionUnavailableError"),
    "agent.pelco.client": ("Counters", "Timeouts"),
    "agent.pelco.commands": ("DEFAULT_HOME_PRESET", "Axis"),
    "agent.ptz_moves": ("Direction",),
    "agent.pelco.protocol": (
        "Frame",
        "Garbage",
        "Parser",
        "PelcoLocalError",
        "PelcoRemoteError",
        "Variant",
    ),
    "agent.pelco.transport": ("PelcoEndpoint", "is_pelco_url", "parse_url"),
}
_WHERE = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'agent.pelco' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "DEFAULT_HOME_PRESET",
    "Axis",
    "Camera",
    "Counters",
    "Direction",
    "Frame",
    "Garbage",
    "Parser",
    "PelcoEndpoint",
    "PelcoLocalError",
    "PelcoRemoteError",
    "Position",
    "PositionUnavailableError",
    "Timeouts",
    "Variant",
    "is_pelco_url",
    "parse_url",
]
