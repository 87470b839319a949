"""What is due at time t: pre-meeting checks from the merged meeting list; clock passed in."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo

from agent import config_fields
from agent.contract import payloads, validate
from agent.contract.groups import Selector
from agent.errors import RemoteProtocolError

MEETING_SCHEMA: Final = payloads.MEETING
MEETING_SCHEMAS: Final = (payloads.MEETING, payloads.MEETING_V1)  # v1 while central migrates
_DAYS: Final = config_fields.WEEKDAYS


class Source(StrEnum):
    """Where a meeting came from."""

    MQTT = "mqtt"  # a retained hnth.meeting/2 message from central staff
    ICS = "ics"  # the province's iCalendar file
    WEEKLY = "weekly"  # a fixed weekly slot in config


@dataclass(frozen=True, slots=True)
class Meeting:
    """One meeting this room takes part in; times are aware datetimes."""

    id: str
    title: str
    start: datetime
    end: datetime
    source: Source = Source.MQTT

    def info(self) -> dict[str, str]:
        """Return the contract's `meeting` object for readiness reports."""
        from agent.contract.clock import iso

        return {"id": self.id, "title": self.title, "start": iso(self.start)}


@dataclass(frozen=True, slots=True)
class Due:
    """A pre-meeting check to run now; `offsets` are every offset it stands for."""

    meeting: Meeting
    offset_min: float
    at: datetime
    offsets: tuple[float, ...]

    def keys(self) -> list[tuple[str, str, float]]:
        """Return the done-keys this run settles, one per offset."""
        return [done_key(self.meeting, o) for o in self.offsets]


def done_key(meeting: Meeting, offset_min: float) -> tuple[str, str, float]:
    """Identify one (meeting, start, offset) slot; a rescheduled meeting gets new slots."""
    return (meeting.id, meeting.start.isoformat(), float(offset_min))


def due(
    meetings: Iterable[Meeting],
    offsets_min: Sequence[float],
    now: datetime,
    done: Iterable[tuple[str, str, float]] = (),
) -> list[Due]:
    """Return the checks due at `now`, earliest meeting first.

    A slot is due once its time has come and the meeting has not started yet, so a check
    missed by a restart or a clock jump runs late rather than never. When several offsets of
    one meeting are overdue together, one run (at the nearest offset) settles them all.
    """
    settled = set(done)
    out: list[Due] = []
    for m in sorted(meetings, key=lambda m: (m.start, m.id)):
        if now >= m.start:
            continue
        overdue = [
            o
            for o in sorted(offsets_min, reverse=True)
            if m.start - timedelta(minutes=o) <= now and done_key(m, o) not in settled
        ]
        if overdue:
            nearest = overdue[-1]
            out.append(Due(m, nearest, m.start - timedelta(minutes=nearest), tuple(overdue)))
    return out


def next_wakeup(
    meetings: Iterable[Meeting],
    offsets_min: Sequence[float],
    now: datetime,
    done: Iterable[tuple[str, str, float]] = (),
) -> datetime | None:
    """Return when the next slot falls due after `now`, or None when nothing is ahead."""
    settled = set(done)
    times = [
        m.start - timedelta(minutes=o)
        for m in meetings
        for o in offsets_min
        if m.start > now and done_key(m, o) not in settled and m.start - timedelta(minutes=o) > now
    ]
    return min(times, default=None)


def current(meetings: Iterable[Meeting], now: datetime) -> Meeting | None:
    """Return the meeting in progress at `now` (start <= now < end), if any."""
    live = [m for m in meetings if m.start <= now < m.end]
    return min(live, key=lambda m: m.start) if live else None


def upcoming(meetings: Iterable[Meeting], now: datetime, within: timedelta) -> list[Meeting]:
    """Return meetings starting within `within` from now, soonest first."""
    return sorted((m for m in meetings if now <= m.start <= now + within), key=lambda m: m.start)


def overlaps(meetings: Sequence[Meeting]) -> list[tuple[Meeting, Meeting]]:
    """Return pairs of meetings whose times overlap (the room cannot be in both)."""
    ordered = sorted(meetings, key=lambda m: m.start)
    return [
        (a, b)
        for i, a in enumerate(ordered)
        for b in ordered[i + 1 :]
        if b.start < a.end and a.id != b.id
    ]


def takes_part(data: Mapping[str, Any], meeting_id: str, room: str, groups: Iterable[str]) -> bool:
    """True when a meeting (v2 rooms and groups, or v1 room patterns) selects this room."""
    return meeting_selector(data, meeting_id).selects(room, groups)


class ScheduleError(ValueError):
    """A schedule message or file could not be understood; the message says why."""


def parse_meeting_message(meeting_id: str, payload: bytes) -> Mapping[str, Any] | None:
    """Decode a retained schedule message; None for an empty payload (a cancellation)."""
    if not payload:
        return None
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScheduleError(f"meeting {meeting_id}: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ScheduleError(f"meeting {meeting_id}: payload is not a JSON object")
    if data.get("schema") not in MEETING_SCHEMAS:
        got = data.get("schema")
        raise ScheduleError(f"meeting {meeting_id}: schema {got!r}, expected {MEETING_SCHEMA!r}")
    return data


def meeting_selector(data: Mapping[str, Any], meeting_id: str) -> Selector:
    """The rooms a meeting message selects; ScheduleError when it is malformed."""
    return _validated(data, meeting_id).selector


def meeting_from_message(meeting_id: str, data: Mapping[str, Any]) -> Meeting:
    """Build a Meeting from a decoded hnth.meeting/2 (or /1) object."""
    m = _validated(data, meeting_id)
    return Meeting(m.id, m.title, m.start, m.end, Source.MQTT)


def _validated(data: Mapping[str, Any], meeting_id: str) -> validate.Meeting:
    try:
        return validate.meeting(data, meeting_id)
    except RemoteProtocolError as exc:
        raise ScheduleError(f"meeting {meeting_id}: {exc.message}") from None


def weekly_meetings(
    slots: Iterable[str], now: datetime, tz: ZoneInfo, days_ahead: int = 8
) -> list[Meeting]:
    """Expand fixed weekly slots ("mon 08:00 120 Giao ban") into meetings around `now`."""
    out: list[Meeting] = []
    local_today = now.astimezone(tz).date()
    for slot in slots:
        day, at, minutes, title = parse_weekly(slot)
        for delta in range(-1, days_ahead):
            d = local_today + timedelta(days=delta)
            if d.weekday() != day:
                continue
            start = datetime.combine(d, at, tzinfo=tz)
            out.append(
                Meeting(
                    f"weekly-{_DAYS[day]}-{at.strftime('%H%M')}-{d.isoformat()}",
                    title,
                    start.astimezone(UTC),
                    (start + timedelta(minutes=minutes)).astimezone(UTC),
                    Source.WEEKLY,
                )
            )
    return out


# The weekly slot grammar is config grammar: agent.config_fields, below the config layer.
def parse_weekly(slot: str) -> tuple[int, time, int, str]:
    """Parse "mon 08:00 120 Title" into (weekday, time, minutes, title)."""
    try:
        return config_fields.parse_weekly(slot)
    except ValueError as exc:
        raise ScheduleError(str(exc)) from None
