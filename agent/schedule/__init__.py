"""Meetings and the checks before them: the pure scheduler and its sources.

- `core`: the scheduler as pure functions of (meetings, offsets, now), MQTT messages, weekly slots;
- `calendar`: iCalendar data to meetings (icalendar + recurring-ical-events), no I/O;
- `fetch`: a calendar URL over HTTP(S), conditional and bounded;
- `sources`: every source merged, read one way by the daemon and `hnth-agent schedule`.
"""

from __future__ import annotations

from agent.config_fields import valid_weekly  # the slot grammar is config grammar
from agent.schedule.calendar import CalendarRead, read_calendar, windows_zone
from agent.schedule.core import (
    MEETING_SCHEMA,
    Due,
    Meeting,
    ScheduleError,
    Source,
    current,
    done_key,
    due,
    meeting_from_message,
    next_wakeup,
    overlaps,
    parse_meeting_message,
    parse_weekly,
    takes_part,
    upcoming,
    weekly_meetings,
)
from agent.schedule.fetch import Fetched, FetchError, fetch, http_url, is_url
from agent.schedule.sources import WINDOW, CalendarSource, MeetingBook, read_retained

__all__ = [
    "MEETING_SCHEMA",
    "WINDOW",
    "CalendarRead",
    "CalendarSource",
    "Due",
    "FetchError",
    "Fetched",
    "Meeting",
    "MeetingBook",
    "ScheduleError",
    "Source",
    "current",
    "done_key",
    "due",
    "fetch",
    "http_url",
    "is_url",
    "meeting_from_message",
    "next_wakeup",
    "overlaps",
    "parse_meeting_message",
    "parse_weekly",
    "read_calendar",
    "read_retained",
    "takes_part",
    "upcoming",
    "valid_weekly",
    "weekly_meetings",
    "windows_zone",
]
