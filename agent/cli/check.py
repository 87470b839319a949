"""`hnth-agent check`: run the self-tests once and print the report.

When the daemon runs, the daemon runs them (over its local socket: no config to read, no
port to fight over) and this prints its fresh answer; otherwise this process runs them,
with the same call detection: a call on means look, never play or move.
"""

from __future__ import annotations

import argparse
import sys
import threading
import uuid
from typing import TYPE_CHECKING, Any

from agent.checks import CheckContext, CheckResult, Trigger, Verdict
from agent.checks.runner import Report, run_checks
from agent.cli.common import add_daemon, add_json, ask_daemon, load_config, print_json
from agent.config import CHECK_NAMES
from agent.errors import UsageError
from agent.i18n import current_language, t, tn
from agent.mqtt.reports import readiness
from agent.output import paint, table, use_colour

if TYPE_CHECKING:
    from collections.abc import Mapping

    from agent.config import Config
    from agent.mqtt.link import Link
    from agent.room.call import Call

EXIT_CODES = {Verdict.READY: 0, Verdict.DEGRADED: 1, Verdict.NOT_READY: 2}
PUBLISH_TIMEOUT_S = 30.0
DAEMON_TIMEOUT_S = 180.0  # a whole run with every check at its deadline, and some


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the options of `check`."""
    p.add_argument("--only", metavar="A,B", help=t("cli.check.only", names=", ".join(CHECK_NAMES)))
    add_json(p)
    p.add_argument("--in-meeting", action="store_true", help=t("cli.check.in_meeting"))
    p.add_argument("--publish", action="store_true", help=t("mqtt.publish.opt"))
    p.add_argument(
        "--publish-timeout",
        type=float,
        default=PUBLISH_TIMEOUT_S,
        metavar="S",
        help=t("mqtt.publish.opt_timeout", default=f"{PUBLISH_TIMEOUT_S:g}"),
    )
    add_daemon(p)


def main(args: argparse.Namespace) -> int:
    """Run the checks; exit 0 ready, 1 degraded, 2 not ready (the Nagios convention)."""
    only = _names(args.only) if args.only else None
    answer = ask_daemon(
        args,
        "check",
        {"only": only, "in_meeting": bool(args.in_meeting)},
        timeout=DAEMON_TIMEOUT_S,
        waiting=t("report.asking_daemon"),
    )
    if answer is not None:
        body = answer["run"]
        if args.json:
            print_json(body)
        else:
            print(render_body(body, colour=use_colour()))
        return EXIT_CODES[Verdict(body["verdict"])]
    cfg = load_config(args)
    names = select(cfg, args.only)
    # Open the MQTT link first: an unsafe or broken [mqtt] is a config error (exit 3)
    # before any time is spent on checks.
    link = _open_link(cfg) if getattr(args, "publish", False) else None
    ctx = CheckContext(cfg, lang=current_language(), in_meeting=args.in_meeting, call=look(cfg))
    progress = _Progress(names) if not args.json and sys.stderr.isatty() else None
    report = run_checks(
        names, ctx, trigger=Trigger.MANUAL, on_result=progress.done if progress else None
    )
    if progress:
        progress.clear()
    body = readiness(report, cfg.room, boot_id=uuid.uuid4().hex, seq=1)
    if args.json:
        print_json(body)
    else:
        print(render_body(body, colour=use_colour()))
    code = EXIT_CODES[report.verdict]
    if link is not None and not _publish(link, report, cfg, args.publish_timeout):
        code = max(code, 1)
    return code


def look(cfg: Config) -> Call:
    """Is a call on? (No daemon runs, so this process looks itself.)"""
    from agent.room.call import detect
    from agent.room.sound import Sound

    sound = Sound(cfg)
    pulse = sound.open()
    try:
        return detect(cfg, audio=sound.audio(), pulse=pulse)
    finally:
        if pulse is not None:
            pulse.close()


def _open_link(cfg: Config) -> Link:
    from agent.mqtt.link import Link

    return Link(cfg, one_shot=True)


def _publish(link: Link, report: Report, cfg: Config, timeout: float) -> bool:
    """Publish the room's readiness (this run merged into the saved book), snapshot and events
    once; say how many events stay queued."""
    from agent.checks.book import Book, book_path

    book = Book(book_path(cfg))
    book.load()
    book.record(report)
    room = book.report(cfg, trigger=report.trigger, started_at=report.started_at, call=report.call)
    broker = f"{cfg.mqtt.host}:{link.settings.port}"
    link.start(emit_started=False)
    try:
        link.publish_report(room)
        connected, left = link.flush(timeout)
    finally:
        link.stop()
    if not connected:
        print(
            t(
                "mqtt.publish.not_connected",
                broker=broker,
                seconds=f"{timeout:g}",
                error=link.failure_text(),
                n=left,
            ),
            file=sys.stderr,
        )
        print(f"  → {t('mqtt.publish.hint')}", file=sys.stderr)
        return False
    if left:
        print(tn("mqtt.publish.queued", left, seconds=f"{timeout:g}"), file=sys.stderr)
        return False
    print(t("mqtt.publish.done", broker=broker), file=sys.stderr)
    return True


def select(cfg: Config, only: str | None) -> list[str]:
    """Return the checks to run: --only if given (validated), else [checks] enabled."""
    return _names(only) if only else list(cfg.checks.enabled)


def _names(only: str) -> list[str]:
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in CHECK_NAMES]
    if unknown or not names:
        raise UsageError(
            t("cli.check.unknown", names=", ".join(unknown) or "''", known=", ".join(CHECK_NAMES))
        )
    return list(dict.fromkeys(names))


def render(report: Report, cfg: Config, *, colour: bool) -> str:
    """Render a report as the technician's table."""
    return render_body(readiness(report, cfg.room, boot_id="-", seq=0), colour=colour)


def render_body(body: Mapping[str, Any], *, colour: bool) -> str:
    """Render a readiness object (ours or the daemon's) in this process's language."""
    room = body.get("room") or {}
    label = room.get("name") or room.get("room", "")
    lines = [t("report.room", name=label, path=f"{room.get('province')}/{room.get('room')}")]
    call = body.get("call") or {}
    if call.get("on"):
        lines.append(t("report.call_on", holders=_holders(call) or ", ".join(call["signals"])))
    rows = [[t("report.col.check"), t("report.col.status"), t("report.col.summary")]]
    states: list[str | None] = [None]
    checks = body.get("checks", [])
    for c in checks:
        rows.append([t(f"check.{c['name']}"), t(f"status.{c['status']}"), _text(c, "")])
        states.append(c["status"])
    lines.append(table(rows, states, colour))
    hints = [(c, _text(c, "hint_")) for c in checks if c.get("hint") and c["status"] != "pass"]
    if hints:
        lines.append("")
        lines.append(t("report.todo"))
        lines.extend(f"  • {t('check.' + c['name'])}: {hint}" for c, hint in hints)
    snapshot = next(
        (p for c in checks if isinstance(p := c.get("metrics", {}).get("snapshot_path"), str)),
        None,
    )
    if snapshot:
        lines.append(t("report.snapshot", path=snapshot))
    v = body["verdict"]
    lines.append("")
    lines.append(
        t("report.verdict", verdict=paint(t(f"verdict.{v}"), v, colour), ms=body["duration_ms"])
    )
    return "\n".join(lines)


def _text(entry: Mapping[str, Any], field: str) -> str:
    """A check's summary or hint in this process's language (rendered again from its key)."""
    key = entry.get(f"{field}key")
    text = entry.get("summary" if not field else "hint") or ""
    if isinstance(key, str) and key:
        return t(key, **(entry.get(f"{field}args") or {}))
    return str(text)


def _holders(call: Mapping[str, Any]) -> str:
    seen = []
    for h in call.get("holders", []):
        who = f"{h.get('name') or '?'}" + (f" (pid {h['pid']})" if h.get("pid") else "")
        seen.append(f"{t('check.' + str(h.get('device')))}: {who}")
    return "; ".join(dict.fromkeys(seen))


class _Progress:
    """A one-line live status on stderr while checks run, for a technician at a terminal."""

    def __init__(self, names: list[str]) -> None:
        self._names = names
        self._done: list[str] = []
        self._lock = threading.Lock()
        self._draw()

    def done(self, result: CheckResult) -> None:
        with self._lock:
            self._done.append(result.name)
            self._draw()

    def clear(self) -> None:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()

    def _draw(self) -> None:
        waiting = [t(f"check.{n}") for n in self._names if n not in self._done]
        text = t(
            "report.progress",
            done=len(self._done),
            total=len(self._names),
            waiting=", ".join(waiting),
        )
        sys.stderr.write("\r\033[K" + text)
        sys.stderr.flush()
