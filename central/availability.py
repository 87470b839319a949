"""The monthly availability report: pure arithmetic over a room's stored history."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from agent.contract.clock import iso
from agent.errors import UsageError
from agent.i18n import t

if TYPE_CHECKING:
    from central.store import CoverageRow, MeetingRow, ReadinessRow, StatusRow, Store

Interval = tuple[datetime, datetime]
USABLE = frozenset({"ready", "degraded"})


@dataclass(frozen=True, slots=True)
class RoomAvailability:
    """One room's figures for one month; percentages are None when there is nothing to divide by."""

    room: str  # province/room
    province: str
    groups: str  # the room's group ids, comma-separated
    name: str
    observed_s: float
    online_s: float
    online_pct: float | None
    outages: int
    longest_outage_s: float
    meetings: int
    meeting_s: float
    ready_in_meetings_s: float
    ready_in_meetings_pct: float | None
    checks_expected: int
    checks_missed: int
    no_data_s: float = 0.0  # no board was ingesting: counts neither for nor against the room
    no_data: tuple[tuple[str, str], ...] = ()  # those intervals within the observed time

    def as_dict(self) -> dict[str, Any]:
        """Return the row as plain JSON-able data (intervals as [start, end] ISO pairs)."""
        out = asdict(self)
        out["no_data"] = [list(i) for i in self.no_data]
        return out


def month_bounds(month: str, tz: str) -> tuple[datetime, datetime]:
    """Return [start, end) of `YYYY-MM` in the province's time zone."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", month)
    if not m or not 1 <= int(m[2]) <= 12:
        raise UsageError(t("board.report.bad_month", month=month))
    year, mon = int(m[1]), int(m[2])
    zone = ZoneInfo(tz)
    start = datetime(year, mon, 1, tzinfo=zone)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=zone)
    return start, end


def online_intervals(statuses: Sequence[StatusRow], end: datetime) -> list[Interval]:
    """Turn status changes into the intervals the room was online, up to `end`."""
    out: list[Interval] = []
    since: datetime | None = None
    for row in statuses:
        if row.state == "online" and since is None:
            since = row.ts
        elif row.state == "offline" and since is not None:
            out.append((since, row.ts))
            since = None
    if since is not None and since < end:
        out.append((since, end))
    return out


def ready_intervals(
    statuses: Sequence[StatusRow], readiness: Sequence[ReadinessRow], end: datetime
) -> list[Interval]:
    """Intervals when the room was online and its latest verdict was ready or degraded."""
    points = sorted(
        [(s.ts, 0, s.state) for s in statuses] + [(r.ts, 1, r.verdict) for r in readiness],
        key=lambda p: (p[0], p[1]),
    )
    out: list[Interval] = []
    online, verdict = False, ""
    since: datetime | None = None
    for ts, kind, value in points:
        if kind == 0:
            online = value == "online"
        else:
            verdict = value
        good = online and verdict in USABLE
        if good and since is None:
            since = ts
        elif not good and since is not None:
            out.append((since, ts))
            since = None
    if since is not None and since < end:
        out.append((since, end))
    return out


def subtract(intervals: Iterable[Interval], holes: Sequence[Interval]) -> list[Interval]:
    """Cut the holes (sorted, disjoint) out of the intervals."""
    out: list[Interval] = []
    for a, b in intervals:
        cursor = a
        for h0, h1 in holes:
            if h1 <= cursor or h0 >= b:
                continue
            if h0 > cursor:
                out.append((cursor, h0))
            cursor = max(cursor, h1)
        if cursor < b:
            out.append((cursor, b))
    return out


def no_data_intervals(
    coverage: Sequence[CoverageRow], first: datetime | None, start: datetime, end: datetime
) -> list[Interval]:
    """When no board was ingesting within [start, end), from the first session ever on."""
    if first is None:
        return []  # a history from before coverage was recorded: nothing to say
    covered = union((c.started, c.end(end)) for c in coverage)
    return _gaps(covered, max(start, first), end) if max(start, first) < end else []


def overlap(intervals: Iterable[Interval], lo: datetime, hi: datetime) -> list[Interval]:
    """Clip intervals to [lo, hi), dropping empty ones."""
    return [(max(a, lo), min(b, hi)) for a, b in intervals if min(b, hi) > max(a, lo)]


def seconds(intervals: Iterable[Interval]) -> float:
    """Total length of intervals, in seconds."""
    return sum((b - a).total_seconds() for a, b in intervals)


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Merge overlapping intervals into sorted disjoint ones."""
    out: list[Interval] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def room_availability(
    *,
    room: tuple[str, str, tuple[str, ...], str],
    statuses: Sequence[StatusRow],
    readiness: Sequence[ReadinessRow],
    merged: Sequence[tuple[Sequence[StatusRow], Sequence[ReadinessRow]]] = (),
    meetings: Sequence[MeetingRow],
    start: datetime,
    end: datetime,
    offsets_min: Sequence[float] = (30.0, 5.0),
    tolerance_min: float = 3.0,
    no_data: Sequence[Interval] = (),
) -> RoomAvailability:
    """Compute one room's month: [start, end) is the month, already cut at 'now' if it is running.

    The room is observed from its first status; time before that (not yet installed) counts neither
    way. A room is online between an `online` status and the next `offline`; an outage is the time
    between them. In a meeting the room counts as ready when online with a ready or degraded
    verdict. `merged` holds the histories of rooms recorded as merged into this one (renames and
    merges): the room was online whenever one of them was. `no_data` (sorted, disjoint) is when no
    board was ingesting: it counts neither way, so % online is over observed time minus it, an
    outage is cut by it, and meeting time and pre-meeting checks inside it are not expected.
    """
    key, province, groups, label = room
    timelines = [(statuses, readiness), *merged]
    firsts = [tl[0][0].ts for tl in timelines if tl[0]]
    first = min(firsts) if firsts else None
    lo = max(start, first) if first else end
    observed = max((end - lo).total_seconds(), 0.0)
    blind = overlap(no_data, lo, end)
    seen_s = observed - seconds(blind)
    online = overlap(union(i for st, _ in timelines for i in online_intervals(st, end)), lo, end)
    online_s = seconds(subtract(online, blind))
    gaps = subtract(_gaps(online, lo, end), blind) if observed else []
    good = union(i for st, rd in timelines for i in ready_intervals(st, rd, end))
    all_readiness = [r for _, rd in timelines for r in rd]
    room_id = key.rpartition("/")[2]
    meeting_s = ready_s = 0.0
    n_meetings = expected = missed = 0
    tol = timedelta(minutes=tolerance_min)
    for m in meetings:
        if m.cancelled or m.province != province or not m.selector.selects(room_id, groups):
            continue
        clipped = subtract(overlap([(m.start, m.end)], lo, end), blind)
        if not clipped:
            continue
        n_meetings += 1
        meeting_s += seconds(clipped)
        ready_s += sum(seconds(overlap(good, a, b)) for a, b in clipped)
        for o in offsets_min:
            due = m.start - timedelta(minutes=o)
            if due < lo or due >= end or any(a <= due < b for a, b in blind):
                continue
            expected += 1
            if not any(
                r.trigger == "schedule" and r.meeting_id == m.id and abs(r.ts - due) <= tol
                for r in all_readiness
            ):
                missed += 1
    return RoomAvailability(
        room=key,
        province=province,
        groups=",".join(groups),
        name=label,
        observed_s=observed,
        online_s=online_s,
        online_pct=round(100 * online_s / seen_s, 3) if seen_s > 0 else None,
        outages=len(gaps),
        longest_outage_s=max((seconds([g]) for g in gaps), default=0.0),
        meetings=n_meetings,
        meeting_s=meeting_s,
        ready_in_meetings_s=ready_s,
        ready_in_meetings_pct=round(100 * ready_s / meeting_s, 3) if meeting_s else None,
        checks_expected=expected,
        checks_missed=missed,
        no_data_s=seconds(blind),
        no_data=tuple((iso(a), iso(b)) for a, b in blind),
    )


def report(
    store: Store,
    month: str,
    *,
    tz: str,
    now: datetime,
    offsets_min: Sequence[float],
    tolerance_min: float,
) -> list[RoomAvailability]:
    """Compute the availability of every known room for `month` (cut at `now` if still running)."""
    start, end = month_bounds(month, tz)
    end = min(end, now)
    meetings = store.meetings(include_cancelled=False)
    merges = store.merges()  # old key → the key its history now counts as
    blind = no_data_intervals(store.coverage(start, end), store.first_coverage(), start, end)
    rooms = store.rooms()
    absorbed: dict[str, list[str]] = {}
    for old, new in merges.items():
        absorbed.setdefault(new, []).append(old)
    out = []
    for r in rooms:
        key = r.path.key
        if key in merges:
            continue  # its history is counted in the room it was merged into
        out.append(
            room_availability(
                room=(key, r.path.province, tuple(g.id for g in r.groups), r.name or r.path.room),
                statuses=store.statuses(key, end),
                readiness=store.readiness_rows(key, end),
                merged=[
                    (store.statuses(old, end), store.readiness_rows(old, end))
                    for old in sorted(absorbed.get(key, []))
                ],
                meetings=meetings,
                start=start,
                end=end,
                offsets_min=offsets_min,
                tolerance_min=tolerance_min,
                no_data=blind,
            )
        )
    return out


def _gaps(online: list[Interval], lo: datetime, hi: datetime) -> list[Interval]:
    """The complement of sorted online intervals within [lo, hi): the outages."""
    out: list[Interval] = []
    cursor = lo
    for a, b in sorted(online):
        if a > cursor:
            out.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < hi:
        out.append((cursor, hi))
    return out


def to_csv(rows: Sequence[RoomAvailability]) -> str:
    """Render availability rows as CSV with a header line."""
    out = io.StringIO()
    fields = list(rows[0].as_dict()) if rows else ["room"]
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for r in rows:
        row = r.as_dict()
        row["no_data"] = " ".join(f"{a}/{b}" for a, b in r.no_data)  # ISO 8601 intervals
        writer.writerow(row)
    return out.getvalue()
