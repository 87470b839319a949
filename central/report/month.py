"""One month by the contract's rules: per room, per meeting, outages and exclusions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from agent.contract.clock import iso
from central.availability import (
    USABLE,
    month_bounds,
    no_data_intervals,
    online_intervals,
    overlap,
    ready_intervals,
    room_availability,
    seconds,
    subtract,
    union,
)
from central.report.exclusions import Exclusion, Flag, rooms_meet
from central.report.rules import Interval, Rules, tier_label

if TYPE_CHECKING:
    from central.config import BoardConfig, ReportConfig
    from central.store import MeetingRow, ReadinessRow, Store

# How far outside the month the history is read, so an outage across the boundary is measured
# whole against the minimum length (each month still counts only its own part).
_MARGIN = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Outage:
    """One offline interval of a room within the month (its part in this month)."""

    room: str
    name: str
    start: datetime
    end: datetime
    length_s: float  # the whole outage, also outside the month: what the minimum is measured on
    counted: bool  # at least the minimum length
    downtime_s: float  # what counts: within service hours, outside exclusions
    excluded_s: float
    exclusions: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data."""
        return {
            "room": self.room,
            "name": self.name,
            "start": iso(self.start),
            "end": iso(self.end),
            "duration_s": (self.end - self.start).total_seconds(),
            "length_s": self.length_s,
            "counted": self.counted,
            "downtime_s": self.downtime_s,
            "excluded_s": self.excluded_s,
            "exclusions": list(self.exclusions),
        }


@dataclass(frozen=True, slots=True)
class Attendance:
    """One participant room of one meeting."""

    meeting: str
    title: str
    start: datetime
    end: datetime
    room: str
    name: str
    check_ts: datetime | None  # the last pre-meeting check before the start
    check_verdict: str  # its verdict ("" when there was none)
    ready_at_check: bool
    online_throughout: bool
    status: str  # "ok", "not_ready", "offline", "no_data"

    @property
    def ok(self) -> bool:
        """Ready at the last check and online from start to end."""
        return self.status == "ok"

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data."""
        return {
            "meeting": self.meeting,
            "title": self.title,
            "start": iso(self.start),
            "end": iso(self.end),
            "room": self.room,
            "name": self.name,
            "check_ts": iso(self.check_ts) if self.check_ts else None,
            "check_verdict": self.check_verdict,
            "ready_at_check": self.ready_at_check,
            "online_throughout": self.online_throughout,
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class RoomMonth:
    """One room's month by the contract's rules; percentages are None when there is no data."""

    room: str
    name: str
    province: str
    groups: str
    installed: datetime | None  # first status, when within the month
    observed_s: float
    no_data_s: float
    service_s: float  # service hours within the observed time, minus no data
    excluded_s: float  # of which excluded (maintenance, tagged outages)
    downtime_s: float
    availability_pct: float | None
    penalty_pct: float | None
    tier: str
    outages: int  # counted outages (at least the minimum length)
    short_drops: int  # shorter ones, not counted
    longest_outage_s: float
    not_ready_down_s: float  # meeting time online but not ready (down when the rules say so)
    meetings: int
    meetings_ok: int
    meetings_no_data: int
    legacy: dict[str, Any] = field(default_factory=dict)  # central.availability's figures

    @property
    def below_target(self) -> bool:
        """Whether the room's availability costs a penalty."""
        return bool(self.penalty_pct)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data: central.availability's keys, then the contract's."""
        out = dict(self.legacy)
        out.update(
            {
                "installed": iso(self.installed) if self.installed else None,
                "service_s": self.service_s,
                "excluded_s": self.excluded_s,
                "downtime_s": self.downtime_s,
                "availability_pct": _r3(self.availability_pct),
                "penalty_pct": self.penalty_pct,
                "tier": self.tier,
                "outages_counted": self.outages,
                "short_drops": self.short_drops,
                "not_ready_down_s": self.not_ready_down_s,
                "meetings_scheduled": self.meetings,
                "meetings_ok": self.meetings_ok,
                "meetings_no_data": self.meetings_no_data,
            }
        )
        return out


@dataclass(frozen=True, slots=True)
class ExclusionUse:
    """An exclusion as this month saw it."""

    exclusion: Exclusion
    status: str  # "counted", "flagged", "withdrawn"
    excluded_s: float  # service time it took out, summed over its rooms

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data."""
        return {**self.exclusion.as_dict(), "status": self.status, "excluded_s": self.excluded_s}


@dataclass(frozen=True, slots=True)
class Totals:
    """The fleet's month."""

    rooms: int
    rooms_with_data: int
    rooms_below_target: int
    service_s: float
    excluded_s: float
    downtime_s: float
    availability_pct: float | None
    penalty_pct: float | None  # mean of the rooms' penalties (equal shares of the fee), capped
    outages: int
    short_drops: int
    meetings: int
    attendances: int  # (meeting, room) pairs with data
    attendances_ok: int
    meeting_success_pct: float | None
    meetings_all_ok: int


@dataclass(frozen=True, slots=True)
class MonthReport:
    """Everything the outputs show."""

    month: str
    start: datetime
    end: datetime  # the month's end, or now for the running month
    generated: datetime
    rules: Rules
    rooms: list[RoomMonth]
    outages: list[Outage]
    attendance: list[Attendance]
    exclusions: list[ExclusionUse]
    no_data: list[Interval]
    daily: list[tuple[str, float | None]]  # (YYYY-MM-DD, fleet availability %)
    daily_meetings: list[tuple[str, float | None]]  # (YYYY-MM-DD, meeting success %)
    totals: Totals

    @property
    def has_data(self) -> bool:
        """False when no room had any service time with data this month."""
        return self.totals.rooms_with_data > 0

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON-able data."""
        t = self.totals
        return {
            "month": self.month,
            "timezone": self.rules.timezone,
            "from": iso(self.start),
            "to": iso(self.end),
            "generated": iso(self.generated),
            "has_data": self.has_data,
            "rules": self.rules.as_dict(),
            "totals": {
                k: _r3(getattr(t, k)) if k.endswith("_pct") else getattr(t, k)
                for k in Totals.__slots__
            },
            "rooms": [r.as_dict() for r in self.rooms],
            "meetings": [a.as_dict() for a in self.attendance],
            "outages": [o.as_dict() for o in self.outages],
            "exclusions": [e.as_dict() for e in self.exclusions],
            "no_data": [[iso(a), iso(b)] for a, b in self.no_data],
            "daily": [{"date": d, "availability_pct": p} for d, p in self.daily],
            "daily_meetings": [{"date": d, "success_pct": p} for d, p in self.daily_meetings],
        }


def build(
    store: Store,
    month: str,
    rules: Rules,
    exclusions: Sequence[Exclusion],
    *,
    now: datetime,
    offsets_min: Sequence[float] = (30.0, 5.0),
    tolerance_min: float = 3.0,
) -> MonthReport:
    """Compute `month` from the store by the rules, with these exclusions (withdrawn ones shown)."""
    start, month_end = month_bounds(month, rules.timezone)
    end = max(min(month_end, now), start)
    wide_lo, wide_hi = start - _MARGIN, max(min(month_end + _MARGIN, now), end)
    first_cov = store.first_coverage()
    blind_wide = no_data_intervals(store.coverage(wide_lo, wide_hi), first_cov, wide_lo, wide_hi)
    blind = overlap(blind_wide, start, end)
    meetings = [
        m
        for m in store.meetings(include_cancelled=False)
        if start <= m.start < end and m.end <= end
    ]
    all_meetings = store.meetings(include_cancelled=False)
    merges = store.merges()
    absorbed: dict[str, list[str]] = {}
    for old, new in merges.items():
        absorbed.setdefault(new, []).append(old)
    counted_ex, ex_uses = _sort_exclusions(exclusions, start, end)
    windows = rules.service_windows(start, end)
    rooms: list[RoomMonth] = []
    outages: list[Outage] = []
    attendance: list[Attendance] = []
    ex_seconds: dict[str, float] = {}
    daily_service: dict[str, float] = {}
    daily_down: dict[str, float] = {}
    zone = ZoneInfo(rules.timezone)
    for r in store.rooms():
        key = r.path.key
        if key in merges:
            continue  # its history is counted in the room it was merged into
        keys = (key, *sorted(absorbed.get(key, [])))
        label = r.name or r.path.room
        groups = tuple(g.id for g in r.groups)
        timelines = [(store.statuses(k, wide_hi), store.readiness_rows(k, wide_hi)) for k in keys]
        legacy = room_availability(
            room=(key, r.path.province, groups, label),
            statuses=[s for s in timelines[0][0] if s.ts < end],
            readiness=[x for x in timelines[0][1] if x.ts < end],
            merged=[
                ([s for s in st if s.ts < end], [x for x in rd if x.ts < end])
                for st, rd in timelines[1:]
            ],
            meetings=all_meetings,
            start=start,
            end=end,
            offsets_min=offsets_min,
            tolerance_min=tolerance_min,
            no_data=blind,
        )
        firsts = [st[0].ts for st, _ in timelines if st]
        first = min(firsts) if firsts else None
        lo = max(start, first) if first and first < end else end
        seen = subtract([(lo, end)], blind) if lo < end else []
        online_wide = union(i for st, _ in timelines for i in online_intervals(st, wide_hi))
        service = _intersect(windows, seen)
        mine = union((e.start, e.end) for e in counted_ex if e.covers(keys))
        service_eff = subtract(service, mine)
        for e in counted_ex:
            if e.covers(keys):
                ex_seconds[e.id] = ex_seconds.get(e.id, 0.0) + seconds(
                    _intersect(service, [(e.start, e.end)])
                )
        # Outages: the offline time from the first status on, cut by no data, measured whole.
        room_outages: list[Outage] = []
        if first is not None:
            offline = subtract(_complement(online_wide, first, wide_hi), blind_wide)
            for a, b in offline:
                part = overlap([(a, b)], lo, end)
                if not part:
                    continue
                pa, pb = part[0]
                length = (b - a).total_seconds()
                counted = length >= rules.min_outage_s
                room_outages.append(
                    Outage(
                        room=key,
                        name=label,
                        start=pa,
                        end=pb,
                        length_s=length,
                        counted=counted,
                        downtime_s=seconds(_intersect([(pa, pb)], service_eff)) if counted else 0.0,
                        excluded_s=seconds(_intersect(_intersect([(pa, pb)], service), mine)),
                        exclusions=tuple(
                            e.id
                            for e in counted_ex
                            if e.covers(keys) and e.start < pb and e.end > pa
                        ),
                    )
                )
        down = [(o.start, o.end) for o in room_outages if o.counted]
        # Meetings: ready at the last pre-meeting check, and online from start to end.
        readiness = sorted((x for _, rd in timelines for x in rd), key=lambda x: x.ts)
        good = union(i for st, rd in timelines for i in ready_intervals(st, rd, wide_hi))
        room_ids = {k.rpartition("/")[2] for k in keys}
        n_meet = n_ok = n_nodata = 0
        not_ready: list[Interval] = []
        for m in meetings:
            if m.province != r.path.province or not any(
                m.selector.selects(rid, groups) for rid in room_ids
            ):
                continue
            if first is None or m.start < first:
                continue  # not installed yet
            att = _attend(m, key, label, readiness, online_wide, blind)
            attendance.append(att)
            n_meet += 1
            n_ok += att.ok
            n_nodata += att.status == "no_data"
            if att.status != "no_data":
                online_m = overlap(online_wide, m.start, m.end)
                not_ready.extend(subtract(online_m, good))
        not_ready_u = union(not_ready)
        if rules.not_ready_is_down:
            down = [*down, *not_ready_u]
        down_eff = _intersect(union(down), service_eff)
        service_s, eff_s = seconds(service), seconds(service_eff)
        down_s = seconds(down_eff)
        pct = 100 * (eff_s - down_s) / eff_s if eff_s > 0 else None
        counted_outages = [o for o in room_outages if o.counted]
        rooms.append(
            RoomMonth(
                room=key,
                name=label,
                province=r.path.province,
                groups=",".join(groups),
                installed=first if first and first > start else None,
                observed_s=legacy.observed_s,
                no_data_s=legacy.no_data_s,
                service_s=service_s,
                excluded_s=service_s - eff_s,
                downtime_s=down_s,
                availability_pct=pct,
                penalty_pct=rules.penalty(pct),
                tier=tier_label(rules, pct),
                outages=len(counted_outages),
                short_drops=len(room_outages) - len(counted_outages),
                longest_outage_s=max(
                    ((o.end - o.start).total_seconds() for o in counted_outages), default=0.0
                ),
                not_ready_down_s=seconds(_intersect(not_ready_u, service_eff)),
                meetings=n_meet,
                meetings_ok=n_ok,
                meetings_no_data=n_nodata,
                legacy=legacy.as_dict(),
            )
        )
        outages.extend(room_outages)
        for day, lo_d, hi_d in _days(start, end, zone):
            daily_service[day] = daily_service.get(day, 0.0) + seconds(
                overlap(service_eff, lo_d, hi_d)
            )
            daily_down[day] = daily_down.get(day, 0.0) + seconds(overlap(down_eff, lo_d, hi_d))
    uses = [
        ExclusionUse(e, status, ex_seconds.get(e.id, 0.0) if status == "counted" else 0.0)
        for e, status in ex_uses
    ]
    daily = [
        (d, round(100 * (s - daily_down[d]) / s, 3) if s > 0 else None)
        for d, s in daily_service.items()
    ]
    if not daily:
        daily = [(d, None) for d, _, _ in _days(start, end, zone)]
    return MonthReport(
        month=month,
        start=start,
        end=end,
        generated=now,
        rules=rules,
        rooms=rooms,
        outages=sorted(outages, key=lambda o: (o.start, o.room)),
        attendance=sorted(attendance, key=lambda a: (a.start, a.meeting, a.room)),
        exclusions=uses,
        no_data=blind,
        daily=daily,
        daily_meetings=_daily_meetings(attendance, start, end, zone),
        totals=_totals(rooms, outages, attendance, rules),
    )


# ---------------------------------------------------------------- helpers


def _r3(x: Any) -> Any:
    """A percentage in JSON: three decimals (the dataclasses keep the exact figure)."""
    return round(x, 3) if isinstance(x, float) else x


def _attend(  # noqa: PLR0917 - one meeting, one room, and that room's timelines
    m: MeetingRow,
    key: str,
    label: str,
    readiness: Sequence[ReadinessRow],
    online: Sequence[Interval],
    blind: Sequence[Interval],
) -> Attendance:
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


def _sort_exclusions(
    exclusions: Iterable[Exclusion], start: datetime, end: datetime
) -> tuple[list[Exclusion], list[tuple[Exclusion, str]]]:
    """The counted exclusions touching the month, and every one touching it with its status."""
    counted: list[Exclusion] = []
    uses: list[tuple[Exclusion, str]] = []
    for e in sorted(exclusions, key=lambda e: (e.start, e.id)):
        if not (e.start < end and e.end > start):
            continue  # outside the month: another month's report shows it
        if e.withdrawn is not None:
            uses.append((e, "withdrawn"))
        elif e.flags:
            uses.append((e, "flagged"))
        elif any(
            c.start < e.end and e.start < c.end and _share_room(c, e) for c in counted
        ):  # stored before the rules refused overlaps: shown, never counted twice
            uses.append((replace(e, flags=(Flag.OVERLAP,)), "flagged"))
        else:
            counted.append(e)
            uses.append((e, "counted"))
    return counted, uses


def _share_room(a: Exclusion, b: Exclusion) -> bool:
    return rooms_meet(a.rooms, b.rooms)


def _complement(online: Sequence[Interval], lo: datetime, hi: datetime) -> list[Interval]:
    out: list[Interval] = []
    cursor = lo
    for a, b in sorted(online):
        if a > cursor:
            out.append((cursor, min(a, hi)))
        cursor = max(cursor, b)
        if cursor >= hi:
            break
    if cursor < hi:
        out.append((cursor, hi))
    return [(a, b) for a, b in out if b > a]


def _intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """The intersection of two interval lists (each sorted, disjoint)."""
    out: list[Interval] = []
    for x0, x1 in a:
        for y0, y1 in b:
            lo, hi = max(x0, y0), min(x1, y1)
            if lo < hi:
                out.append((lo, hi))
    return union(out)


def _days(start: datetime, end: datetime, zone: ZoneInfo) -> list[tuple[str, datetime, datetime]]:
    out = []
    day = start.astimezone(zone).date()
    while True:
        lo = datetime.combine(day, datetime.min.time(), zone)
        if lo >= end:
            break
        hi = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
        out.append((day.isoformat(), max(lo, start), min(hi, end)))
        day += timedelta(days=1)
    return out


def _daily_meetings(
    attendance: Sequence[Attendance], start: datetime, end: datetime, zone: ZoneInfo
) -> list[tuple[str, float | None]]:
    out = []
    for day, lo, hi in _days(start, end, zone):
        pairs = [a for a in attendance if lo <= a.start < hi and a.status != "no_data"]
        ok = sum(a.ok for a in pairs)
        out.append((day, round(100 * ok / len(pairs), 3) if pairs else None))
    return out


def _totals(
    rooms: Sequence[RoomMonth],
    outages: Sequence[Outage],
    attendance: Sequence[Attendance],
    rules: Rules,
) -> Totals:
    with_data = [r for r in rooms if r.availability_pct is not None]
    service = sum(r.service_s for r in with_data)
    excluded = sum(r.excluded_s for r in with_data)
    down = sum(r.downtime_s for r in with_data)
    eff = service - excluded
    pairs = [a for a in attendance if a.status != "no_data"]
    ok = sum(a.ok for a in pairs)
    by_meeting: dict[tuple[str, datetime], list[Attendance]] = {}
    for a in pairs:
        by_meeting.setdefault((a.meeting, a.start), []).append(a)
    penalties = [r.penalty_pct for r in with_data if r.penalty_pct is not None]
    return Totals(
        rooms=len(rooms),
        rooms_with_data=len(with_data),
        rooms_below_target=sum(r.below_target for r in with_data),
        service_s=service,
        excluded_s=excluded,
        downtime_s=down,
        availability_pct=100 * (eff - down) / eff if eff > 0 else None,
        penalty_pct=min(sum(penalties) / len(penalties), rules.cap_pct) if penalties else None,
        outages=sum(o.counted for o in outages),
        short_drops=sum(not o.counted for o in outages),
        meetings=len({(a.meeting, a.start) for a in attendance}),
        attendances=len(pairs),
        attendances_ok=ok,
        meeting_success_pct=100 * ok / len(pairs) if pairs else None,
        meetings_all_ok=sum(all(a.ok for a in v) for v in by_meeting.values()),
    )


def generate(
    store: Store, board: BoardConfig, cfg: ReportConfig, month: str, *, now: datetime
) -> MonthReport:
    """The month from the store by the [report] rules, with its stored exclusions."""
    from central.report.db import ReportDb

    rules = Rules.from_config(cfg, board.timezone)
    start, end = month_bounds(month, board.timezone)
    return build(
        store,
        month,
        rules,
        ReportDb(store).exclusions(start, end),
        now=now,
        offsets_min=board.pre_meeting_offsets_min,
        tolerance_min=board.pre_meeting_tolerance_min,
    )
