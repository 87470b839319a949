"""Meetings from iCalendar data (RFC 5545): icalendar parses, recurring-ical-events expands.

No I/O here: callers hand in the bytes (a file, a download, a cached copy). Any input either
reads or raises ScheduleError. Expansion is bounded three ways: the size of the data, a window,
and a cap on occurrences; rules too dense to expand in the window (every minute since 1970)
are skipped and named, never expanded.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Final

from agent.schedule.core import Meeting, ScheduleError, Source

log = logging.getLogger(__name__)

MAX_BYTES: Final = 5 * 1024 * 1024  # a year of a province's meetings is well under 1 MB
MAX_OCCURRENCES: Final = 5000
# dateutil steps through every period from DTSTART; past this many, a rule costs seconds.
MAX_RULE_STEPS: Final = 200_000
DEFAULT_LENGTH: Final = timedelta(hours=1)  # an event with no end, no duration, or zero length

# Outlook writes Windows zone names. Ours win over icalendar's CLDR table: CLDR says
# Asia/Bangkok for "SE Asia Standard Time", the same offset, but Vietnam reads better.
WINDOWS_ZONES: Final = {"SE Asia Standard Time": "Asia/Ho_Chi_Minh", "UTC": "UTC"}

_PER_DAY: Final = {
    "SECONDLY": 86400.0,
    "MINUTELY": 1440.0,
    "HOURLY": 24.0,
    "DAILY": 1.0,
    "WEEKLY": 1 / 7,
    "MONTHLY": 1 / 28,
    "YEARLY": 1 / 365,
}
_TZID_RE: Final = re.compile(r';TZID=("?)([^";:]+)\1(?=[;:]|$)', re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CalendarRead:
    """What one calendar yielded: its meetings and what was left out, and why."""

    meetings: tuple[Meeting, ...]
    all_day: int = 0  # all-day events: not meetings to check at midnight
    cancelled: int = 0  # STATUS:CANCELLED occurrences, or every event under METHOD:CANCEL
    skipped: tuple[str, ...] = ()  # UIDs left out: unreadable, ending before starting, too dense
    truncated: bool = False  # more than MAX_OCCURRENCES in the window; the earliest kept


def read_calendar(
    data: bytes,
    *,
    default_tz: tzinfo,
    window: tuple[datetime, datetime],
    max_occurrences: int = MAX_OCCURRENCES,
) -> CalendarRead:
    """Return the meetings of iCalendar `data` overlapping `window` (aware datetimes)."""
    if len(data) > MAX_BYTES:
        raise ScheduleError(f"calendar too large: {len(data)} bytes (limit {MAX_BYTES})")
    text = _prepare(data)
    if not text.startswith("BEGIN:VCALENDAR"):
        raise ScheduleError("not an iCalendar file (no BEGIN:VCALENDAR at the start)")
    import icalendar
    import recurring_ical_events  # type: ignore[import-untyped]

    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception as exc:
        raise ScheduleError(f"not a valid iCalendar file ({_short(exc)})") from None
    events = [c for c in cal.subcomponents if c.name == "VEVENT"]
    if str(cal.get("METHOD", "")).upper() == "CANCEL":
        # A cancellation notice: every event in it is called off, none is a meeting.
        return CalendarRead((), cancelled=len(events))
    all_day, skipped = _screen(cal, events, window[1])
    events = [c for c in cal.subcomponents if c.name == "VEVENT"]
    recurring = {
        str(e.get("UID", ""))
        for e in events
        if any(k in e for k in ("RRULE", "RDATE", "RECURRENCE-ID"))
    }
    try:
        # skip_bad_series: one broken series must not hide a province's other meetings.
        query = recurring_ical_events.of(cal, keep_recurrence_attributes=True, skip_bad_series=True)
        found = query.between(window[0].astimezone(UTC), window[1].astimezone(UTC))
    except Exception as exc:
        raise ScheduleError(f"cannot expand the calendar's events ({_short(exc)})") from None
    meetings: list[Meeting] = []
    cancelled = 0
    for occ in found:
        try:
            if _is_date(occ.get("DTSTART")):
                continue
            if str(occ.get("STATUS", "")).upper() == "CANCELLED":
                cancelled += 1
                continue
            meeting = _meeting(occ, default_tz, recurring)
        except Exception:
            meeting = None  # a value recurring-ical-events passed through unread
        if meeting is None:
            skipped.append(str(occ.get("UID", "")))
            continue
        meetings.append(meeting)
    meetings.sort(key=lambda m: (m.start, m.id))
    return CalendarRead(
        tuple(meetings[:max_occurrences]),
        all_day=all_day,
        cancelled=cancelled,
        skipped=tuple(dict.fromkeys(skipped)),
        truncated=len(meetings) > max_occurrences,
    )


def windows_zone(name: str) -> str | None:
    """Return the IANA name for an Outlook (Windows) zone name, or None if it is not one."""
    if name in WINDOWS_ZONES:
        return WINDOWS_ZONES[name]
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    found = WINDOWS_TO_OLSON.get(name)
    return str(found) if found else None


# ---------------------------------------------------------------- private


def _prepare(data: bytes) -> str:
    """Unfold, decode, and put Windows zone names into zoneinfo's terms."""
    # Unfold before decoding: a fold may split a UTF-8 character between two lines.
    text = re.sub(rb"\r?\n[ \t]", b"", data).decode("utf-8", errors="replace").lstrip("\ufeff")
    out: list[str] = []
    block: list[str] | None = None
    # Split on line ends only: str.splitlines() would also cut at U+2028 inside a SUMMARY.
    for line in re.split(r"\r\n|\n|\r", text):
        if not line.strip():
            continue
        upper = line.upper()
        if block is not None:
            block.append(line)
            if upper.startswith("END:VTIMEZONE"):
                out.extend(_timezone_block(block))
                block = None
            continue
        if upper.startswith("BEGIN:VTIMEZONE"):
            block = [line]
            continue
        out.append(_map_tzid(line))
    if block is not None:
        out.extend(block)  # unterminated: icalendar says what is wrong with it
    ends = [i for i, ln in enumerate(out) if ln.strip().upper() == "END:VCALENDAR"]
    if ends and not any(ln.upper().startswith("BEGIN:VCALENDAR") for ln in out[ends[0] :]):
        out = out[: ends[0] + 1]  # a web server's trailing bytes are not the calendar's
    return "\r\n".join(out).lstrip() + "\r\n"


def _timezone_block(block: list[str]) -> list[str]:
    """Drop a VTIMEZONE that zoneinfo replaces (Windows names) or that defines nothing."""
    tzid = next((ln.partition(":")[2].strip() for ln in block if ln.upper().startswith("TZID")), "")
    empty = not any(ln.upper().startswith(("BEGIN:STANDARD", "BEGIN:DAYLIGHT")) for ln in block)
    if windows_zone(tzid) or empty:
        return []
    return block


def _map_tzid(line: str) -> str:
    head, sep, value = line.partition(":")
    if ";" not in head or "TZID" not in head.upper():
        return line

    def repl(m: re.Match[str]) -> str:
        iana = windows_zone(m.group(2))
        return f";TZID={iana}" if iana else m.group(0)

    return _TZID_RE.sub(repl, head) + sep + value


def _screen(cal: Any, events: list[Any], until: datetime) -> tuple[int, list[str]]:
    """Count all-day events; remove broken events and rules too dense to expand to `until`."""
    all_day: set[str] = set()
    drop: set[str] = set()
    for event in events:
        uid = str(event.get("UID", ""))
        try:
            first = event["DTSTART"].dt
            last = event["DTEND"].dt if "DTEND" in event else first
            if "RECURRENCE-ID" in event:
                _ = event["RECURRENCE-ID"].dt
            if not isinstance(first, datetime):
                all_day.add(uid)
                continue
            if isinstance(last, datetime) and _aware(last, UTC) < _aware(first, UTC):
                drop.add(uid)  # ends before it starts: which of the two is wrong is a guess
                continue
            if first.tzinfo is None:
                first = first.replace(tzinfo=UTC)
            days = max(1.0, (until - first).total_seconds() / 86400 + 1)
            rules = event.get("RRULE")
            for rule in rules if isinstance(rules, list) else [] if rules is None else [rules]:
                if _rule_steps(rule, days) > MAX_RULE_STEPS:
                    drop.add(uid)
        except Exception:
            drop.add(uid)  # no DTSTART, or a value icalendar could not read
    if drop:
        cal.subcomponents = [
            c for c in cal.subcomponents if c.name != "VEVENT" or str(c.get("UID", "")) not in drop
        ]
    return len(all_day), sorted(drop)


def _rule_steps(rule: Any, days: float) -> float:
    """Estimate, from above, the candidates dateutil generates for `days` of a rule."""
    freq = str(_first(rule.get("FREQ"), "DAILY")).upper()
    try:
        interval = max(1, int(_first(rule.get("INTERVAL"), 1)))
    except (TypeError, ValueError):
        interval = 1
    steps = days * _PER_DAY.get(freq, 1.0) / interval
    finer = list(_PER_DAY)
    for key, level in (("BYSECOND", "SECONDLY"), ("BYMINUTE", "MINUTELY"), ("BYHOUR", "HOURLY")):
        values = rule.get(key)
        if values and finer.index(freq) > finer.index(level):
            steps *= len(values) if isinstance(values, list) else 1
    return steps


def _first(value: Any, default: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else default
    return default if value is None else value


def _is_date(prop: Any) -> bool:
    return prop is not None and isinstance(prop.dt, date) and not isinstance(prop.dt, datetime)


def _meeting(occ: Any, default_tz: tzinfo, recurring: Iterable[str]) -> Meeting | None:
    uid = str(occ.get("UID", ""))
    start = _aware(occ["DTSTART"].dt, default_tz)
    if "DTEND" in occ and isinstance(occ["DTEND"].dt, datetime):
        end = _aware(occ["DTEND"].dt, default_tz)
    elif "DURATION" in occ:
        end = start + occ["DURATION"].dt
    else:
        end = start + DEFAULT_LENGTH
    if end == start:
        end = start + DEFAULT_LENGTH  # RFC 5545 says zero length; a meeting needs some
    if end < start:
        return None
    mid = uid or f"ics-{_stamp(start)}"
    if uid in recurring:
        # One series, many meetings: the original start (RECURRENCE-ID) names each one, so a
        # moved occurrence keeps its name and never collides with its neighbours.
        rid = occ.get("RECURRENCE-ID")
        original = rid.dt if rid is not None and isinstance(rid.dt, datetime) else start
        mid = f"{uid}/{_stamp(_aware(original, default_tz))}"
    title = str(occ.get("SUMMARY", ""))
    return Meeting(mid, title, start.astimezone(UTC), end.astimezone(UTC), Source.ICS)


def _aware(dt: datetime, default_tz: tzinfo) -> datetime:
    # Floating times (no TZID, or a TZID nobody knows) are in the room's configured zone.
    return dt.replace(tzinfo=default_tz) if dt.tzinfo is None else dt


def _stamp(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


__all__ = ["MAX_BYTES", "CalendarRead", "read_calendar", "windows_zone"]
