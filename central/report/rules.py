"""The lease contract's rules, as the report applies them: service hours, minimum outage, tiers.

Pure: no store, no I/O. Built from the [report] section and the board's time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from central.config import ReportConfig

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Rules:
    """What the contract says counts: when service is due, what is an outage, what it costs."""

    timezone: str
    service_hours: str  # "24x7" or "office"
    office_hours: tuple[tuple[time, time], ...]
    working_days: tuple[int, ...]  # ISO weekdays
    holidays: frozenset[date]
    min_outage_s: float
    not_ready_is_down: bool
    tiers: tuple[tuple[float, float], ...]  # (availability at least %, penalty %), falling
    cap_pct: float
    notice_h: float
    late_maintenance: str  # "refuse" or "flag"
    overlapping: str  # "refuse" or "flag"
    contract: str = ""

    @classmethod
    def from_config(cls, cfg: ReportConfig, timezone: str) -> Rules:
        """The rules of a [report] section, in the board's time zone."""
        slots = []
        for slot in cfg.office_hours:
            a, b = slot.split("-")
            slots.append((_hhmm(a), _hhmm(b)))
        return cls(
            timezone=timezone,
            service_hours=cfg.service_hours,
            office_hours=tuple(slots),
            working_days=tuple(sorted(set(cfg.working_days))),
            holidays=frozenset(date.fromisoformat(d) for d in cfg.holidays),
            min_outage_s=cfg.min_outage_min * 60,
            not_ready_is_down=cfg.not_ready_in_meeting_is_down,
            tiers=tuple((float(p[0]), float(p[1])) for p in cfg.penalty_tiers),
            cap_pct=cfg.penalty_cap_pct,
            notice_h=cfg.maintenance_notice_h,
            late_maintenance=cfg.late_maintenance,
            overlapping=cfg.overlapping_exclusions,
            contract=cfg.contract,
        )

    @property
    def target_pct(self) -> float:
        """The lowest availability that costs nothing (the first tier without a penalty)."""
        free = [t for t, p in self.tiers if p == 0]
        return min(free) if free else 100.0

    def penalty(self, availability_pct: float | None) -> float | None:
        """The penalty % of the month's fee for one room's availability (None: no data)."""
        if availability_pct is None:
            return None
        for threshold, pct in self.tiers:
            if availability_pct >= threshold:
                return min(pct, self.cap_pct)
        return min(self.tiers[-1][1], self.cap_pct)

    def service_windows(self, start: datetime, end: datetime) -> list[Interval]:
        """When service is due within [start, end), as sorted disjoint intervals."""
        if start >= end:
            return []
        if self.service_hours == "24x7":
            return [(start, end)]
        zone = ZoneInfo(self.timezone)
        out: list[Interval] = []
        day = start.astimezone(zone).date()
        last = end.astimezone(zone).date()
        while day <= last:
            if day.isoweekday() in self.working_days and day not in self.holidays:
                for a, b in self.office_hours:
                    lo = datetime.combine(day, a, zone)
                    hi = (
                        datetime.combine(day + timedelta(days=1), time(0), zone)
                        if b == time(0)
                        else datetime.combine(day, b, zone)
                    )
                    lo, hi = max(lo, start), min(hi, end)
                    if lo < hi:
                        out.append((lo, hi))
            day += timedelta(days=1)
        return out

    def as_dict(self) -> dict[str, Any]:
        """The rules as plain data (printed, exported and hashed with a closed month)."""
        return {
            "timezone": self.timezone,
            "contract": self.contract,
            "service_hours": self.service_hours,
            "office_hours": [f"{a:%H:%M}-{b:%H:%M}" for a, b in self.office_hours],
            "working_days": list(self.working_days),
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "min_outage_min": self.min_outage_s / 60,
            "not_ready_in_meeting_is_down": self.not_ready_is_down,
            "penalty_tiers": [list(t) for t in self.tiers],
            "penalty_cap_pct": self.cap_pct,
            "target_pct": self.target_pct,
            "maintenance_notice_h": self.notice_h,
            "late_maintenance": self.late_maintenance,
            "overlapping_exclusions": self.overlapping,
        }


def tier_label(rules: Rules, availability_pct: float | None) -> str:
    """The tier a figure falls in, as "≥ 99 %" or "98–99 %" or "< 98 %" (— for no data)."""
    if availability_pct is None:
        return "—"
    bounds: Sequence[tuple[float, float]] = rules.tiers
    for i, (threshold, _) in enumerate(bounds):
        if availability_pct >= threshold:
            if i == 0:
                return f"≥ {_n(threshold)} %"
            if threshold == 0:
                return f"< {_n(bounds[i - 1][0])} %"
            return f"{_n(threshold)}–{_n(bounds[i - 1][0])} %"
    return "—"


def _n(x: float) -> str:
    return f"{x:g}"


def _hhmm(text: str) -> time:
    h, m = text.split(":")
    return time(0) if h == "24" else time(int(h), int(m))
