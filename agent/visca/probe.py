"""What a camera answers: the capability probe behind `hnth-agent ptz info`.

Each inquiry is asked once; a refusal (syntax error) or silence means "not available",
never a failed probe, so a cheap camera is described rather than rejected.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from agent.errors import DeviceTimeoutError
from agent.visca import commands as cmds
from agent.visca.errors import ViscaReplyError
from agent.visca.framing import Command, decode_unsigned

if TYPE_CHECKING:
    from collections.abc import Callable

    from agent.visca.camera import Camera, VersionInfo

T = TypeVar("T")

FOCUS_MODES = {b"\x02": "auto", b"\x03": "manual"}


@dataclass(frozen=True, slots=True)
class Capabilities:
    """The answers to the probe; None where the camera did not answer that inquiry."""

    version: VersionInfo
    response_ms: float
    power: str | None  # "on", "standby", or None if not answered
    zoom: int | None  # the zoom position, None if the zoom inquiry is refused
    focus: str | None  # "auto" / "manual", None if the focus-mode inquiry is refused
    max_speed: tuple[int, int] | None  # pan, tilt, from `8x 09 06 11 FF`
    presets: int  # presets 0..presets-1 as configured ([ptz] max_preset + 1)
    position_range: tuple[int, int] | None  # no VISCA inquiry tells it; None when unknown

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            **self.version.as_dict(),
            "response_ms": self.response_ms,
            "power": self.power,
            "zoom_inquiry": None if self.power == "standby" else self.zoom is not None,
            "zoom": self.zoom,
            "focus_inquiry": None if self.power == "standby" else self.focus is not None,
            "focus": self.focus,
            "max_speed": list(self.max_speed) if self.max_speed else None,
            "presets": self.presets,
            "position_range": list(self.position_range) if self.position_range else None,
        }


def probe(camera: Camera) -> Capabilities:
    """Ask the version (timed; it must answer), then every optional inquiry once."""
    t0 = time.monotonic()
    version = camera.version()
    response_ms = round((time.monotonic() - t0) * 1000, 1)
    power = _optional(lambda: "on" if camera.power_status() else "standby")
    zoom = focus = None
    if power != "standby":  # in standby the lens inquiries are "not executable", not absent
        zoom = _optional(lambda: decode_unsigned(_ask(camera, cmds.zoom_inquiry(), 4, 5)))
        camera.zoom_inquiry = zoom is not None
        focus = _optional(lambda: FOCUS_MODES.get(_ask(camera, cmds.focus_mode_inquiry(), 1)))
    speeds = _optional(lambda: _ask(camera, cmds.max_speed_inquiry(), 2, raw=True))
    return Capabilities(
        version=version,
        response_ms=response_ms,
        power=power,
        zoom=zoom,
        focus=focus,
        max_speed=(speeds[0], speeds[1]) if speeds else None,
        presets=camera.limits.max_preset + 1,
        position_range=None,
    )


def _ask(camera: Camera, command: Command, *lengths: int, raw: bool = False) -> bytes:
    def ok(d: bytes) -> bool:
        return len(d) in lengths and (raw or all(b <= 0x0F for b in d))

    return camera.execute(command, accept=ok).data


def _optional(ask: Callable[[], T]) -> T | None:
    try:
        return ask()
    except (ViscaReplyError, DeviceTimeoutError):
        return None  # refused, or not answered: this camera does not have it
