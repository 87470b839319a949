"""Audited exclusions: maintenance declared in advance, outages tagged after the fact.

Each records who, when and why; it can be withdrawn (who, when, why) but never edited. The
checks here are pure; `central.report.db` stores them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from agent.contract.clock import iso, parse_time
from agent.errors import UsageError
from agent.i18n import t
from central.report.rules import Interval, Rules


class Kind(StrEnum):
    """How an exclusion came to be."""

    MAINTENANCE = "maintenance"  # a planned window, declared before it starts
    TAGGED = "tagged"  # an outage explained after the fact


class Category(StrEnum):
    """Why the time does not count against the operator."""

    MAINTENANCE = "maintenance"  # planned maintenance
    POWER_CUT = "power_cut"  # the commune's power failed
    CUSTOMER = "customer"  # caused by the customer (the province, the commune)
    FORCE_MAJEURE = "force_majeure"  # storm, flood, fire


class Flag(StrEnum):
    """Why an exclusion is shown but not counted."""

    LATE = "late"  # maintenance declared after it started, or with less notice than the rules say
    OVERLAP = "overlap"  # overlaps another exclusion of the same room


@dataclass(frozen=True, slots=True)
class Exclusion:
    """One stored exclusion."""

    id: str
    kind: Kind
    category: Category
    rooms: tuple[str, ...]  # room keys, "province/*" or "*"
    start: datetime
    end: datetime
    reason: str
    user: str
    created: datetime
    flags: tuple[Flag, ...] = ()
    withdrawn: datetime | None = None
    withdrawn_by: str = ""
    withdraw_reason: str = ""

    @property
    def counted(self) -> bool:
        """Whether the report cuts this window out of the service time."""
        return self.withdrawn is None and not self.flags

    def covers(self, keys: tuple[str, ...]) -> bool:
        """Whether it names one of these room keys (a room and the rooms merged into it)."""
        for pattern in self.rooms:
            if pattern == "*":
                return True
            for key in keys:
                if pattern == key or (
                    pattern.endswith("/*") and key.startswith(pattern.removesuffix("*"))
                ):
                    return True
        return False

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data."""
        return {
            "id": self.id,
            "kind": str(self.kind),
            "category": str(self.category),
            "rooms": list(self.rooms),
            "start": iso(self.start),
            "end": iso(self.end),
            "reason": self.reason,
            "user": self.user,
            "created": iso(self.created),
            "flags": [str(f) for f in self.flags],
            "withdrawn": iso(self.withdrawn) if self.withdrawn else None,
            "withdrawn_by": self.withdrawn_by,
            "withdraw_reason": self.withdraw_reason,
        }


def check_new(
    rules: Rules,
    *,
    kind: Kind,
    rooms: tuple[str, ...],
    start: datetime,
    end: datetime,
    reason: str,
    now: datetime,
    existing: list[Exclusion],
    closed: list[Interval],
) -> tuple[Flag, ...]:
    """Refuse a bad new exclusion (UsageError); return the flags it is stored with.

    Refused always: an empty or inverted window, no rooms, no reason, a tagged outage that has
    not happened yet, a window touching a closed month (correct it with an amendment). Late
    maintenance and overlaps are refused or flagged as the rules say.
    """
    if end <= start:
        raise UsageError(t("monthly.excl.inverted"))
    if not rooms or not reason.strip():
        raise UsageError(t("monthly.excl.incomplete"))
    if kind is Kind.TAGGED and start > now:
        raise UsageError(t("monthly.excl.future_tag"))
    for lo, hi in closed:
        if start < hi and end > lo:
            raise UsageError(t("monthly.excl.closed", month=f"{lo.astimezone(start.tzinfo):%Y-%m}"))
    flags: list[Flag] = []
    if kind is Kind.MAINTENANCE and start - now < timedelta(hours=rules.notice_h):
        if rules.late_maintenance == "refuse":
            raise UsageError(t("monthly.excl.late", hours=f"{rules.notice_h:g}"))
        flags.append(Flag.LATE)
    for other in existing:
        if other.withdrawn is not None or not (start < other.end and end > other.start):
            continue
        if rooms_meet(rooms, other.rooms):
            if rules.overlapping == "refuse":
                raise UsageError(t("monthly.excl.overlap", other=other.id))
            flags.append(Flag.OVERLAP)
            break
    return tuple(flags)


def from_row(r: tuple[Any, ...]) -> Exclusion:
    """Build an Exclusion from a stored row (see central.report.db)."""
    return Exclusion(
        id=r[0],
        kind=Kind(r[1]),
        category=Category(r[2]),
        rooms=tuple(json.loads(r[3])),
        start=parse_time(r[4]),
        end=parse_time(r[5]),
        reason=r[6],
        user=r[7],
        created=parse_time(r[8]),
        flags=tuple(Flag(f) for f in json.loads(r[9])),
        withdrawn=parse_time(r[10]) if r[10] else None,
        withdrawn_by=r[11] or "",
        withdraw_reason=r[12] or "",
    )


def rooms_meet(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two room lists (keys, "province/*", "*") name a room in common."""

    def meet(x: str, y: str) -> bool:
        if x == y or "*" in (x, y):
            return True
        if x.endswith("/*"):
            return y.startswith(x[:-1])
        return y.endswith("/*") and x.startswith(y[:-1])

    return any(meet(x, y) for x in a for y in b)
