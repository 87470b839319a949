"""Per-meeting readiness: each participant room ready at the last check and online throughout."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from central.availability import USABLE, overlap, seconds
from central.report.intervals import days
from central.report.model import Attendance
from central.report.rules import Interval

if TYPE_CHECKING:
    from central.store import MeetingRow, ReadinessRow


def attend(  # noqa: PLR0917 - one meeting, one room, and that room's timelines
    m: MeetingRow,
    key: str,
    label: str,
    readiness: Sequence[ReadinessRow],
    online: Sequence[Interval],
    blind: Sequence[Interval],
) -> Attendance:
    """How room `key` attended meeting `m`: its last pre-meeting check, and online throughout."""
    checks = [
        x for x in readiness if x.trigger == "schedule" and x.meeting_id == m.id and x.ts <= m.start
    ]
    last = checks[-1] if checks else None
    ready = last is not None and last.verdict in USABLE
    throughout = seconds(overlap(online, m.start, m.end)) >= (m.end - m.start).total_seconds()
    if overlap(blind, m.start, m.end):
        status = "no_data"
    elif not ready:
        status = "not_ready"
    elif not throughout:
        status = "offline"
    else:
        status = "ok"
    return Attendance(
        meeting=m.id,
        title=m.title,
        start=m.start,
        end=m.end,
        room=key,
        name=label,
        check_ts=last.ts if last else None,
        check_verdict=last.verdict if last else "",
        ready_at_check=ready,
        online_throughout=throughout,
        status=status,
    )


def daily_meetings(
    attendance: Sequence[Attendance], start: datetime, end: datetime, zone: ZoneInfo
) -> list[tuple[str, float | None]]:
    """Per local day, the share of (meeting, room) pairs with data that went ok."""
    out = []
    for day, lo, hi in days(start, end, zone):
        pairs = [a for a in attendance if lo <= a.start < hi and a.status != "no_data"]
        ok = sum(a.ok for a in pairs)
        out.append((day, round(100 * ok / len(pairs), 3) if pairs else None))
    return out
