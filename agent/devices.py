"""What the daemon does to the room's devices outside a check.

Before a meeting it prepares the room: the camera is powered on ([ptz]
power_on_before_meeting; a VISCA camera when its inquiry says standby, a Pelco camera always,
since Pelco cannot tell) and the display is woken over CEC when the platform can; the ptz
check that follows sends the camera home. At shutdown it sends STOP to the shared PTZ camera
before anything slower, then closes it.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from agent.errors import AgentError
from agent.ptz_url import is_pelco

if TYPE_CHECKING:
    from agent.config import PtzConfig

log = logging.getLogger(__name__)


def camera(ptz: PtzConfig) -> Any:
    """Return the process-wide PTZ camera (VISCA or Pelco); None when [ptz] port is not set."""
    if not ptz.port:
        return None
    from agent.ptz import shared

    # One client per port, shared with the MQTT handler and the ptz check.
    return shared(ptz)


def prepare(ptz: PtzConfig) -> tuple[list[str], list[str]]:
    """Prepare the room for a meeting; return (the actions done, the problems met)."""
    done: list[str] = []
    problems: list[str] = []
    if ptz.port and ptz.power_on_before_meeting:
        try:
            cam = camera(ptz)
            if cam is not None and is_pelco(ptz.port):
                cam.power(True)  # no inquiry to ask first; "on" leaves a camera that is on as is
                done.append("camera.power_on_sent")
            elif cam is not None and not cam.power_status():
                cam.power(True)
                done.append("camera.power_on")
        except AgentError as exc:
            problems.append(f"camera power: {exc}")
    if cec_wake():
        done.append("display.wake")
    return done, problems


def stop_camera(ptz: PtzConfig) -> None:
    """STOP the shared PTZ camera: a timed move or a hold must not outlive the process."""
    if ptz.port:
        from agent.ptz import stop_shared

        stop_shared()


def close_camera(ptz: PtzConfig) -> None:
    """Close the shared PTZ camera; never raises (the process is exiting)."""
    if ptz.port:
        from agent.ptz import close_shared

        with contextlib.suppress(Exception):
            close_shared()


def cec_wake() -> bool:
    """Wake the display over HDMI-CEC when the platform offers it; True if it did."""
    try:
        from agent.media import display as display_media
    except ImportError:
        return False
    wake = getattr(display_media, "cec_wake", None)
    if wake is None:
        return False
    try:
        return bool(wake())
    except Exception:
        log.debug("CEC wake failed", exc_info=True)
        return False


__all__ = ["camera", "cec_wake", "close_camera", "prepare", "stop_camera"]
