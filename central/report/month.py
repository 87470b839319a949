"""One month by the contract's rules: per room, per meeting, outages and exclusions.

The result's types live in `model`, interval arithmetic in `intervals`, per-meeting readiness in
`readiness`; this module assembles them into the month's `MonthReport`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from central.availability import (
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
from central.report.intervals import complement, days, intersect
from central.report.model import (
    Attendance,
    ExclusionUse,
    MonthReport,
    Outage,
    RoomMonth,
    Totals,
)
from central.report.readiness import attend, daily_meetings
from central.report.rules import Interval, Rules, tier_label

if TYPE_CHECKING:
    from central.config import BoardConfig, ReportConfig
    from central.store import Store

__all__ = [
    "Attendance",
    "ExclusionUse",
    "MonthReport",
    "Outage",
    "RoomMonth",
    "Totals",
    "build",
    "generate",
]

# How far outside the month the history is read, so an outage across the boundary is measured
# whole against the minimum length (each month still counts only its own part).
_MARGIN = timedelta(days=7)


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
        service = intersect(windows, seen)
        mine = union((e.start, e.end) for e in counted_ex if e.covers(keys))
        service_eff = subtract(service, mine)
        for e in counted_ex:
            if e.covers(keys):
                ex_seconds[e.id] = ex_seconds.get(e.id, 0.0) + seconds(
                    intersect(service, [(e.start, e.end)])
                )
        # Outages: the offline time from the first status on, cut by no data, measured whole.
        room_outages: list[Outage] = []
        if first is not None:
            offline = subtract(complement(online_wide, first, wide_hi), blind_wide)
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
                        downtime_s=seconds(intersect([(pa, pb)], service_eff)) if counted else 0.0,
                        excluded_s=seconds(intersect(intersect([(pa, pb)], service), mine)),
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
            att = attend(m, key, label, readiness, online_wide, blind)
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
        down_eff = intersect(union(down), service_eff)
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
                not_ready_down_s=seconds(intersect(not_ready_u, service_eff)),
                meetings=n_meet,
                meetings_ok=n_ok,
                meetings_no_data=n_nodata,
                legacy=legacy.as_dict(),
            )
        )
        outages.extend(room_outages)
        for day, lo_d, hi_d in days(start, end, zone):
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
        daily = [(d, None) for d, _, _ in days(start, end, zone)]
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
        daily_meetings=daily_meetings(attendance, start, end, zone),
        totals=_totals(rooms, outages, attendance, rules),
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


# ---------------------------------------------------------------- helpers


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
