"""`hnth-agent ptz COMMAND`: drive the PTZ camera (VISCA or Pelco, by URL), print its answers."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from agent.cli.common import load_config, print_json
from agent.errors import AgentError, UsageError
from agent.i18n import t
from agent.visca import MOVES

if TYPE_CHECKING:
    from types import FrameType

    from agent.pelco import Camera as PelcoCamera
    from agent.ptz import PtzCamera

log = logging.getLogger(__name__)

# Commands after which the zoom may be moving too (a recalled preset includes the zoom).
ZOOMING = frozenset({"zoom", "zoom-to", "preset"})


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare `ptz [--port URL] [--address N] [--json] COMMAND …`."""
    _common(p, suppress=False)
    sub = p.add_subparsers(dest="ptz_command", metavar="COMMAND", parser_class=type(p))

    def cmd(name: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(
            name, help=t(f"ptz.cli.help.{name}"), description=t(f"ptz.cli.help.{name}")
        )
        _common(sp, suppress=True)
        return sp

    cmd("info")
    cmd("power").add_argument("state", choices=["on", "off", "status"])
    sp = cmd("move")
    sp.add_argument("direction", choices=MOVES)
    sp.add_argument("--speed", type=int, default=8, metavar="N", help=t("ptz.cli.opt.speed"))
    sp.add_argument("--duration", type=float, metavar="SEC", help=t("ptz.cli.opt.duration"))
    cmd("stop")
    sp = cmd("zoom")
    sp.add_argument("action", choices=["in", "out", "stop"])
    sp.add_argument("--speed", type=int, metavar="0-7", help=t("ptz.cli.opt.zoom_speed"))
    cmd("zoom-to").add_argument("position", type=int)
    # VISCA: auto, manual, one-push; Pelco (continuous focus only): near, far, stop.
    cmd("focus").add_argument("mode", choices=["auto", "manual", "one-push", "near", "far", "stop"])
    cmd("home")
    sp = cmd("goto")
    sp.add_argument("pan", type=int)
    sp.add_argument("tilt", type=int)
    sp.add_argument("--speed", type=int, metavar="N", help=t("ptz.cli.opt.speed"))
    sp = cmd("preset")
    sp.add_argument("action", choices=["recall", "set", "clear"])
    sp.add_argument("number", type=int)
    cmd("position")
    cmd("discover")


def _common(p: argparse.ArgumentParser, *, suppress: bool) -> None:
    # Accepted before or after COMMAND; a sub-parser's defaults must not overwrite the first.
    d: dict[str, Any] = {"default": argparse.SUPPRESS} if suppress else {}
    p.add_argument("--port", metavar="URL", help=t("ptz.cli.opt.port"), **d)
    p.add_argument("--address", type=int, metavar="N", help=t("ptz.cli.opt.address"), **d)
    p.add_argument("--json", action="store_true", help=t("cli.opt.json"), **d)


def main(args: argparse.Namespace) -> int:
    """Run one camera command; exit 0 on success, 1 with a what-to-check message on failure."""
    if not args.ptz_command:
        raise UsageError(t("ptz.cli.which"))
    cfg = load_config(args)
    port = args.port or cfg.ptz.port
    if not port:
        raise UsageError(t("ptz.no_port"), hint=t("ptz.no_port_hint"))
    ptz = dataclasses.replace(cfg.ptz, port=port)
    try:
        from agent.ptz import is_pelco, open_camera

        if args.address is not None and not is_pelco(port):
            ptz = dataclasses.replace(ptz, address=args.address)
        # --address overrides a Pelco URL's ?address= too (1..255, checked by the client).
        camera = open_camera(ptz, address=args.address)
        try:
            with stop_on_signal(camera, zoom=args.ptz_command in ZOOMING):
                result = run_command(camera, args)
        finally:
            camera.close()
    except AgentError as exc:
        if args.json:
            print_json(
                {"ok": False, "error": {"code": exc.code, "message": exc.message, "hint": exc.hint}}
            )
        text = f"{exc.message}: {exc.hint}" if exc.hint else exc.message
        print(f"hnth-agent: {text}", file=sys.stderr)
        return 1
    if is_pelco(port) and ptz.home_preset <= 0:
        # The check sends a Pelco camera to the URL's home= preset (34) when none is configured.
        ptz = dataclasses.replace(ptz, home_preset=getattr(camera, "home_preset", -1))
    if args.ptz_command == "preset" and args.action != "recall" and args.number == ptz.home_preset:
        from agent.checks.ptz import forget_baseline

        forget_baseline(dataclasses.replace(cfg, ptz=ptz))  # the check learns the new home next run
    if args.json:
        print_json({"ok": True, "result": result})
    else:
        print(render(args.ptz_command, result))
    return 0


class Signalled(BaseException):
    """SIGINT or SIGTERM arrived during a command (a BaseException: no handler may swallow it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def stop_on_signal(camera: PtzCamera, *, zoom: bool = False) -> Iterator[None]:
    """Ctrl-C or SIGTERM during the block: STOP goes out before the process exits.

    A camera left panning is the worst failure. STOP jumps the queue, so it never waits
    behind the command the camera is not answering. Afterwards SIGINT ends the process as
    Ctrl-C always does (exit 130), SIGTERM with exit 143. Pelco's one STOP frame stops
    pan, tilt, zoom and focus alike, and never waits behind a position query.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach only the main thread; nothing to guard here
        return

    def interrupt(signum: int, _frame: FrameType | None) -> None:
        raise Signalled(signum)

    watched = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, interrupt) for s in watched}
    try:
        yield
    except (Signalled, KeyboardInterrupt) as exc:
        signum = exc.signum if isinstance(exc, Signalled) else signal.SIGINT
        for s in watched:
            signal.signal(s, signal.SIG_IGN)  # a second Ctrl-C must not cut the STOP short
        name = signal.Signals(signum).name
        try:
            camera.halt(zoom=zoom)
        except AgentError as err:
            print(t("ptz.cli.signal_stop_failed", signal=name, error=err.message), file=sys.stderr)
        else:
            print(t("ptz.cli.signal_stop", signal=name), file=sys.stderr)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt from None
        raise SystemExit(128 + signum) from None
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


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


def render(name: str, r: dict[str, Any]) -> str:
    """One or two readable lines for a result."""
    lines = []
    if name == "info" and "protocol" in r:
        lines.append(t("ptz.cli.info_pelco", **r))
        lines.append(
            t("ptz.cli.cap.pelco_position")
            if r["position_query"]
            else t("ptz.cli.cap.pelco_no_position")
        )
    elif name == "info":
        lines.append(t("ptz.cli.info", **r))
        lines += _capabilities(r)
    elif name == "power" and r.get("confirmed") is False:
        lines.append(t(f"ptz.cli.power_sent_{r['power']}", **r))
    elif name == "power":
        lines.append(t("ptz.cli.power_on" if r["power"] == "on" else "ptz.cli.power_standby", **r))
    elif name == "move" and r.get("moving"):
        lines.append(t("ptz.cli.moving", **r))
    elif name == "zoom":
        lines.append(t("ptz.cli.zoom", action=r["zoom_action"]))
    elif name == "focus":
        lines.append(t("ptz.cli.focus", mode=r["focus"]))
    elif name == "preset":
        lines.append(t(f"ptz.cli.preset_{r['action']}", n=r["preset"]))
    elif name == "discover":
        lines.append(t("ptz.cli.discover", n=r["cameras"], port=r["port"]))
    elif name != "position":
        lines.append(t("ptz.cli.done"))
    if "position_unavailable" in r:
        lines.append(t("ptz.cli.position_unavailable", why=r["position_unavailable"]))
    if "pan" in r and r["zoom"] is None:
        lines.append(t("ptz.cli.position_no_zoom", pan=r["pan"], tilt=r["tilt"]))
    elif "pan" in r:
        lines.append(t("ptz.cli.position", pan=r["pan"], tilt=r["tilt"], zoom=r["zoom"]))
    return "\n".join(lines)


def _capabilities(r: dict[str, Any]) -> list[str]:
    """The probe's answers, one line each; what the camera did not answer is said so."""
    lines = [t(f"ptz.cli.cap.power_{r['power'] or 'none'}")]
    if r["power"] == "standby":
        lines.append(t("ptz.cli.cap.standby"))
    else:
        zoom = r["zoom"]
        lines.append(
            t("ptz.cli.cap.zoom", zoom=zoom) if zoom is not None else t("ptz.cli.cap.zoom_none")
        )
        focus = r["focus"]
        lines.append(t("ptz.cli.cap.focus", mode=focus) if focus else t("ptz.cli.cap.focus_none"))
    speed = r["max_speed"]
    lines.append(
        t("ptz.cli.cap.speed", pan=speed[0], tilt=speed[1])
        if speed
        else t("ptz.cli.cap.speed_none")
    )
    lines.append(t("ptz.cli.cap.presets", last=r["presets"] - 1))
    origin = "ptz.cli.cap.profile_detected" if r["detected"] else "ptz.cli.cap.profile"
    lines.append(t(origin, name=r["profile"]))
    rng = r["position_range"]
    lines.append(
        t("ptz.cli.cap.range", lo=rng[0], hi=rng[1]) if rng else t("ptz.cli.cap.range_none")
    )
    return lines
