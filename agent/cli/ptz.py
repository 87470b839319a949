"""`hnth-agent ptz COMMAND`: drive the PTZ camera (VISCA or Pelco, by URL), print its answers."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

from agent.cli.common import ask_daemon, load_config, print_json
from agent.errors import AgentError, UsageError
from agent.i18n import t
from agent.local.ptz import run_command
from agent.local.verbs import PTZ_COMMANDS
from agent.visca import MOVES

if TYPE_CHECKING:
    from types import FrameType


log = logging.getLogger(__name__)

# Commands after which the zoom may be moving too (a recalled preset includes the zoom).
ZOOMING = frozenset({"zoom", "zoom-to", "preset"})
DAEMON_TIMEOUT_S = 150.0  # the longest move plus its STOP and read-back


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
    p.add_argument("--socket", metavar="PATH", help=t("cli.opt.socket"), **d)
    p.add_argument("--standalone", action="store_true", help=t("cli.opt.standalone"), **d)


def main(args: argparse.Namespace) -> int:
    """Run one camera command; exit 0 on success, 1 with a what-to-check message on failure.

    Without --port (or --address), the daemon runs it on the camera it owns, when it runs.
    """
    if not args.ptz_command:
        raise UsageError(t("ptz.cli.which"))
    if args.port is None and args.address is None and args.ptz_command in PTZ_COMMANDS:
        try:
            result = _through_daemon(args)
        except AgentError as exc:
            return _failed(args, exc)
        if result is not None:
            _show(args, result)
            return 0
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
        return _failed(args, exc)
    if is_pelco(port) and ptz.home_preset <= 0:
        # The check sends a Pelco camera to the URL's home= preset (34) when none is configured.
        ptz = dataclasses.replace(ptz, home_preset=getattr(camera, "home_preset", -1))
    if args.ptz_command == "preset" and args.action != "recall" and args.number == ptz.home_preset:
        from agent.checks.ptz import forget_baseline

        forget_baseline(dataclasses.replace(cfg, ptz=ptz))  # the check learns the new home next run
    _show(args, result)
    return 0


def _through_daemon(args: argparse.Namespace) -> dict[str, Any] | None:
    """Ask the daemon to run the command on its camera; None when no daemon runs.

    Ctrl-C or SIGTERM while it runs sends STOP through the daemon too.
    """
    fields = {name: getattr(args, name, None) for name in PTZ_COMMANDS[args.ptz_command]}
    payload = {"command": args.ptz_command, **fields}
    with stop_on_signal(_DaemonStop(args), zoom=args.ptz_command in ZOOMING):
        result: dict[str, Any] | None = ask_daemon(args, "ptz", payload, timeout=DAEMON_TIMEOUT_S)
    return result


class _DaemonStop:
    """What stop_on_signal needs of a camera, when the daemon holds the camera."""

    def __init__(self, args: argparse.Namespace) -> None:
        self._args = args

    def halt(self, *, zoom: bool = False) -> None:
        del zoom  # the daemon's STOP stops everything the camera does
        ask_daemon(self._args, "halt", timeout=10.0)


def _show(args: argparse.Namespace, result: dict[str, Any]) -> None:
    if args.json:
        print_json({"ok": True, "result": result})
    else:
        print(render(args.ptz_command, result))


def _failed(args: argparse.Namespace, exc: AgentError) -> int:
    if args.json:
        print_json(
            {"ok": False, "error": {"code": exc.code, "message": exc.message, "hint": exc.hint}}
        )
    text = f"{exc.message}: {exc.hint}" if exc.hint else exc.message
    print(f"hnth-agent: {text}", file=sys.stderr)
    return 1


class Halts(Protocol):
    """What stop_on_signal needs: a camera (or the daemon holding it) that can STOP."""

    def halt(self, *, zoom: bool = False) -> None: ...


class Signalled(BaseException):
    """SIGINT or SIGTERM arrived during a command (a BaseException: no handler may swallow it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def stop_on_signal(camera: Halts, *, zoom: bool = False) -> Iterator[None]:
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
