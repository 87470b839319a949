"""What a month's report holds: rooms, meetings, outages, exclusions and the fleet's totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agent.contract.clock import iso
from central.report.exclusions import Exclusion
from central.report.rules import Interval, Rules


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


# ---------------------------------------------------------------- helpers


def _r3(x: Any) -> Any:
    """A percentage in JSON: three decimals (the dataclasses keep the exact figure)."""
    return round(x, 3) if isinstance(x, float) else x
