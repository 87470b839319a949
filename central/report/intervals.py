"""Interval arithmetic for the contract's time: intersections, offline gaps, local days."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from central.availability import union
from central.report.rules import Interval


def complement(online: Sequence[Interval], lo: datetime, hi: datetime) -> list[Interval]:
    """The gaps between `online` within [lo, hi)."""
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


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """The intersection of two interval lists (each sorted, disjoint)."""
    out: list[Interval] = []
    for x0, x1 in a:
        for y0, y1 in b:
            lo, hi = max(x0, y0), min(x1, y1)
            if lo < hi:
                out.append((lo, hi))
    return union(out)


def days(start: datetime, end: datetime, zone: ZoneInfo) -> list[tuple[str, datetime, datetime]]:
    """The local days of [start, end): (YYYY-MM-DD, their part of the span)."""
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
