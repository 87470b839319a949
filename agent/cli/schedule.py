"""`hnth-agent schedule`: the meetings this room will have, and when its checks will run.

Sources are read exactly as the daemon reads them (agent.schedule.MeetingBook): the broker's
retained schedule when [mqtt] is configured (a short timeout; an unreachable broker is said
once and the other sources are still listed), the calendar file or URL (the last good copy
when the link is down), and the weekly slots. Exit 0 with the list, 3 on a usage error.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from agent.cli.common import add_json, load_config, print_json
from agent.config import Config
from agent.errors import UsageError
from agent.i18n import t, tn
from agent.output import table
from agent.schedule import Meeting, MeetingBook, read_retained

DAYS: Final = 7
MAX_DAYS: Final = 366
MQTT_TIMEOUT_S: Final = 3.0
MQTT_UNREACHABLE: Final = "schedule.mqtt_unreachable"


@dataclass(frozen=True, slots=True)
class Problem:
    """Something a source said while being read (an event kind and its message)."""

    kind: str
    message: str


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the options of `schedule`."""
    p.add_argument(
        "--days", type=int, default=DAYS, metavar="N", help=t("schedule.cli.opt_days", default=DAYS)
    )
    p.add_argument("--now", metavar="TIME", help=t("schedule.cli.opt_now"))
    p.add_argument(
        "--timeout",
        type=float,
        default=MQTT_TIMEOUT_S,
        metavar="S",
        help=t("schedule.cli.opt_timeout", default=f"{MQTT_TIMEOUT_S:g}"),
    )
    add_json(p)


def main(args: argparse.Namespace) -> int:
    """List the meetings of the next --days days with their check times."""
    cfg = load_config(args)
    now = _now(args.now)
    if not 1 <= args.days <= MAX_DAYS:
        raise UsageError(t("schedule.cli.bad_days", value=args.days, max=MAX_DAYS))
    horizon = timedelta(days=args.days)
    meetings, problems, sources = collect(cfg, now, horizon, args.timeout)
    tz = ZoneInfo(cfg.schedule.timezone)
    if args.json:
        print_json(
            {
                "room": f"{cfg.room.province}/{cfg.room.id}",
                "now": _iso(now, tz),
                "days": args.days,
                "sources": sources,
                "meetings": [as_json(m, cfg, tz) for m in meetings],
                "problems": [{"kind": p.kind, "message": p.message} for p in problems],
            }
        )
        return 0
    for p in problems:
        if p.kind == MQTT_UNREACHABLE:
            print(t("schedule.cli.mqtt_failed", error=p.message), file=sys.stderr)
        else:
            print(t("schedule.cli.problem", kind=p.kind, message=p.message), file=sys.stderr)
    _print_table(cfg, now, days=args.days, meetings=meetings, sources=sources, tz=tz)
    return 0


def collect(
    cfg: Config, now: datetime, horizon: timedelta, mqtt_timeout_s: float
) -> tuple[list[Meeting], list[Problem], list[str]]:
    """Read every configured source; return the meetings not over by `now`, soonest first."""
    problems: list[Problem] = []
    book = MeetingBook(cfg, lambda kind, message: problems.append(Problem(kind, message)))
    sources: list[str] = []
    if cfg.mqtt.host:
        sources.append("mqtt")
        # The client logs every failed attempt; here the outcome is said once, in our words.
        client_log = logging.getLogger("agent.mqtt.client")
        if not client_log.isEnabledFor(logging.DEBUG):
            client_log.setLevel(logging.ERROR)
        why = read_retained(cfg, book, mqtt_timeout_s)
        if why is not None:
            problems.append(Problem(MQTT_UNREACHABLE, why))
    if cfg.schedule.ics_file:
        sources.append("ics")
        book.refresh_ics(now, block=True)
    if cfg.schedule.weekly:
        sources.append("weekly")
    end = now + horizon
    found = [m for m in book.meetings(now, horizon) if m.end > now and m.start < end]
    found.sort(key=lambda m: (m.start, m.id))
    return found, problems, sources


def checks_at(meeting: Meeting, cfg: Config) -> list[datetime]:
    """Return when the pre-meeting checks of `meeting` run, earliest first."""
    return sorted(meeting.start - timedelta(minutes=o) for o in cfg.schedule.offsets_min)


def as_json(meeting: Meeting, cfg: Config, tz: ZoneInfo) -> dict[str, Any]:
    """Return one meeting as the `--json` item (times ISO 8601 with the room's offset)."""
    return {
        "id": meeting.id,
        "title": meeting.title,
        "start": _iso(meeting.start, tz),
        "end": _iso(meeting.end, tz),
        "source": meeting.source.value,
        "checks_at": [_iso(c, tz) for c in checks_at(meeting, cfg)],
    }


# ---------------------------------------------------------------- private


def _now(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise UsageError(t("schedule.cli.bad_now", value=text))
    return value.astimezone(UTC)


def _iso(dt: datetime, tz: ZoneInfo) -> str:
    return dt.astimezone(tz).isoformat(timespec="seconds")


def _print_table(
    cfg: Config,
    now: datetime,
    *,
    days: int,
    meetings: list[Meeting],
    sources: list[str],
    tz: ZoneInfo,
) -> None:
    room = f"{cfg.room.province}/{cfg.room.id}"
    local_now = now.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    print(tn("schedule.cli.header", days, room=room, now=local_now, zone=cfg.schedule.timezone))
    if sources:
        names = ", ".join(t(f"schedule.cli.source.{s}") for s in sources)
        print(t("schedule.cli.sources", sources=names))
    else:
        print(t("schedule.cli.no_sources"))
    print()
    if not meetings:
        print(tn("schedule.cli.none", days))
        return
    rows: list[list[str]] = [
        [
            t("schedule.cli.col.start"),
            t("schedule.cli.col.end"),
            t("schedule.cli.col.source"),
            t("schedule.cli.col.checks"),
            t("schedule.cli.col.title"),
        ]
    ]
    for m in meetings:
        start, end = m.start.astimezone(tz), m.end.astimezone(tz)
        same_day = start.date() == end.date()
        rows.append(
            [
                start.strftime("%Y-%m-%d %H:%M"),
                end.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M"),
                t(f"schedule.cli.source.{m.source.value}"),
                ", ".join(_check_time(c.astimezone(tz), start) for c in checks_at(m, cfg)),
                m.title or t("schedule.cli.untitled"),
            ]
        )
    print(table(rows))
    print()
    print(tn("schedule.cli.count", len(meetings)))


def _check_time(at: datetime, start: datetime) -> str:
    return at.strftime("%H:%M" if at.date() == start.date() else "%m-%d %H:%M")
