"""`hnth-agent check`: run the self-tests once and print the report."""

from __future__ import annotations

import argparse
import sys
import threading
import uuid
from typing import TYPE_CHECKING

from agent.checks import CheckContext, CheckResult, Trigger, Verdict
from agent.checks.runner import Report, run_checks
from agent.cli.common import add_json, load_config, print_json
from agent.config import CHECK_NAMES
from agent.errors import UsageError
from agent.i18n import current_language, t, tn
from agent.mqtt.reports import readiness
from agent.output import paint, table, use_colour

if TYPE_CHECKING:
    from agent.config import Config
    from agent.mqtt.link import Link

EXIT_CODES = {Verdict.READY: 0, Verdict.DEGRADED: 1, Verdict.NOT_READY: 2}
PUBLISH_TIMEOUT_S = 30.0


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


def main(args: argparse.Namespace) -> int:
    """Run the checks; exit 0 ready, 1 degraded, 2 not ready (the Nagios convention)."""
    cfg = load_config(args)
    names = select(cfg, args.only)
    # Open the MQTT link first: an unsafe or broken [mqtt] is a config error (exit 3)
    # before any time is spent on checks.
    link = _open_link(cfg) if getattr(args, "publish", False) else None
    ctx = CheckContext(cfg, lang=current_language(), in_meeting=args.in_meeting)
    progress = _Progress(names) if not args.json and sys.stderr.isatty() else None
    report = run_checks(
        names, ctx, trigger=Trigger.MANUAL, on_result=progress.done if progress else None
    )
    if progress:
        progress.clear()
    if args.json:
        print_json(readiness(report, cfg.room, boot_id=uuid.uuid4().hex, seq=1))
    else:
        print(render(report, cfg, colour=use_colour()))
    code = EXIT_CODES[report.verdict]
    if link is not None and not _publish(link, report, cfg, args.publish_timeout):
        code = max(code, 1)
    return code


def _open_link(cfg: Config) -> Link:
    from agent.mqtt.link import Link

    return Link(cfg, one_shot=True)


def _publish(link: Link, report: Report, cfg: Config, timeout: float) -> bool:
    """Publish readiness, snapshot and events once; say how many events stay queued."""
    broker = f"{cfg.mqtt.host}:{link.settings.port}"
    link.start(emit_started=False)
    try:
        link.publish_report(report)
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
    if not only:
        return list(cfg.checks.enabled)
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in CHECK_NAMES]
    if unknown or not names:
        raise UsageError(
            t("cli.check.unknown", names=", ".join(unknown) or "''", known=", ".join(CHECK_NAMES))
        )
    return list(dict.fromkeys(names))


def render(report: Report, cfg: Config, *, colour: bool) -> str:
    """Render a report as the technician's table."""
    room = cfg.room
    label = room.name or room.id
    lines = [t("report.room", name=label, path=str(room.room_id))]
    rows = [[t("report.col.check"), t("report.col.status"), t("report.col.summary")]]
    states: list[str | None] = [None]
    for c in report.checks:
        rows.append([t(f"check.{c.name}"), t(f"status.{c.status.value}"), c.summary])
        states.append(c.status.value)
    lines.append(table(rows, states, colour))
    hints = [(c, c.hint) for c in report.checks if c.hint and c.status.value != "pass"]
    if hints:
        lines.append("")
        lines.append(t("report.todo"))
        lines.extend(f"  • {t(f'check.{c.name}')}: {hint}" for c, hint in hints)
    snapshot = _snapshot(report.checks)
    if snapshot:
        lines.append(t("report.snapshot", path=snapshot))
    v = report.verdict.value
    lines.append("")
    lines.append(
        t("report.verdict", verdict=paint(t(f"verdict.{v}"), v, colour), ms=report.duration_ms)
    )
    return "\n".join(lines)


def _snapshot(checks: tuple[CheckResult, ...]) -> str | None:
    for c in checks:
        path = c.metrics.get("snapshot_path")
        if isinstance(path, str):
            return path
    return None


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
