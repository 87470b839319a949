"""PTZ commands as `hnth-agent ptz` names them, run on a camera, returning what they printed.

The command line runs them on a camera it opened; the daemon runs them for it on the camera
it owns (agent.local.verbs), so a technician's `ptz` never fights the daemon for the port.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agent.errors import UsageError
from agent.i18n import t

if TYPE_CHECKING:
    from agent.pelco import Camera as PelcoCamera
    from agent.ptz import PtzCamera


def run_command(cam: PtzCamera, args: argparse.Namespace) -> dict[str, Any]:
    """Execute the parsed command on `cam` and return its result object."""
    name = args.ptz_command
    base: dict[str, Any] = {"port": cam.label, "address": cam.address}
    from agent.pelco import Camera as PelcoCamera

    if isinstance(cam, PelcoCamera):
        return _run_pelco(cam, args, base)
    from agent.visca import Camera

    if not isinstance(cam, Camera):
        raise TypeError(type(cam).__name__)
    if name == "info":
        from agent.visca import probe

        caps = probe(cam).as_dict()
        return {**base, **caps, "profile": str(cam.profile.name), "detected": cam.profile_detected}
    if name == "power":
        if args.state != "status":
            cam.power(args.state == "on")
        return {**base, "power": "on" if cam.power_status() else "standby"}
    if name == "move":
        return _move(cam, args, base, lambda: _position(cam))
    if name == "stop":
        cam.stop()
        return {**base, "moving": False, **_position(cam)}
    if name == "zoom":
        cam.zoom(args.action, args.speed)
        return {**base, "zoom_action": args.action}
    if name == "zoom-to":
        cam.zoom_to(args.position)
        return {**base, **_position(cam)}
    if name == "focus":
        cam.focus(args.mode)
        return {**base, "focus": args.mode}
    if name == "home":
        cam.home()
        return {**base, **_position(cam)}
    if name == "goto":
        cam.goto(args.pan, args.tilt, args.speed)
        return {**base, **_position(cam)}
    if name == "preset":
        getattr(cam, f"preset_{args.action}")(args.number)
        extra = _position(cam) if args.action in ("recall", "set") else {}
        return {**base, "preset": args.number, "action": args.action, **extra}
    if name == "position":
        return {**base, **_position(cam)}
    if name == "discover":
        return {**base, "cameras": cam.discover()}
    raise UsageError(t("ptz.cli.which"))


def _move(
    cam: PtzCamera,
    args: argparse.Namespace,
    base: dict[str, Any],
    position: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """Drive; with --duration, stop after it and add `position()` (VISCA's or Pelco's)."""
    cam.drive(args.direction, args.speed)
    if args.duration is None:
        return {**base, "direction": args.direction, "speed": args.speed, "moving": True}
    try:
        time.sleep(max(args.duration, 0.0))
    finally:
        cam.stop()  # also on Ctrl-C: a camera left panning is the worst outcome
    return {
        **base,
        "direction": args.direction,
        "speed": args.speed,
        "duration": args.duration,
        "moving": False,
        **position(),
    }


def _position(cam: PtzCamera) -> dict[str, int | None]:
    """Pan and tilt, and zoom when the camera answers the zoom inquiry (else None)."""
    pos = cam.read_position()
    return {"pan": pos.pan, "tilt": pos.tilt, "zoom": pos.zoom}


def _run_pelco(cam: PelcoCamera, args: argparse.Namespace, base: dict[str, Any]) -> dict[str, Any]:
    """The commands on a Pelco camera; what Pelco has not is refused with a clear message."""
    from agent.pelco import PositionUnavailableError

    name = args.ptz_command
    base = {**base, "protocol": f"pelco-{cam.variant}"}
    if name == "info":
        try:
            pos = _position(cam)
        except PositionUnavailableError:
            pos = {}
        return {
            **base,
            "baud": cam.baud,
            "home_preset": cam.home_preset,
            "position_query": bool(pos),
            **_pelco_position(cam, pos),
        }
    if name == "move":
        return _move(cam, args, base, lambda: _pelco_position(cam))
    if name == "stop":
        cam.stop()
        return {**base, "moving": False, **_pelco_position(cam)}
    if name == "zoom":
        cam.zoom(args.action, args.speed)
        return {**base, "zoom_action": args.action}
    if name == "focus":
        cam.focus(args.mode)
        return {**base, "focus": args.mode}
    if name == "home":
        cam.home()
        return {**base, "preset": cam.home_preset, **_pelco_position(cam)}
    if name == "preset":
        getattr(cam, f"preset_{args.action}")(args.number)
        extra = _pelco_position(cam) if args.action in ("recall", "set") else {}
        return {**base, "preset": args.number, "action": args.action, **extra}
    if name == "position":
        return {**base, **_position(cam)}  # PositionUnavailableError says why, exit 1
    if name == "power" and args.state != "status":  # Pelco has no power inquiry
        cam.power(args.state == "on")
        return {**base, "power": "on" if args.state == "on" else "standby", "confirmed": False}
    raise cam.unsupported("power status" if name == "power" else name)


def _pelco_position(cam: PelcoCamera, known: dict[str, int | None] | None = None) -> dict[str, Any]:
    """The position after a command, or why there is none (Pelco has no completion, so a
    recalled preset may still be on its way; the position is what the camera says now)."""
    from agent.pelco import PositionUnavailableError

    if known:
        return known
    try:
        return _position(cam)
    except PositionUnavailableError as exc:
        return {"position_unavailable": exc.message, "unavailable": list(exc.axes)}


__all__ = ["run_command"]
