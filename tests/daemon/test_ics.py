"""The iCalendar reader on files as Outlook and Google write them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agent import ics
from agent.schedule import ScheduleError

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
WINDOW = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC))

CAL = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Microsoft Corporation//Outlook 16.0//EN\r
BEGIN:VTIMEZONE\r
TZID:SE Asia Standard Time\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:hop-ubnd-1\r
SUMMARY:Họp UBND tỉnh\\, trực tuyến\r
DTSTART;TZID=SE Asia Standard Time:20260304T080000\r
DTEND;TZID=SE Asia Standard Time:20260304T100000\r
BEGIN:VALARM\r
TRIGGER:-PT15M\r
DESCRIPTION:nhắc\r
END:VALARM\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:giao-ban\r
SUMMARY:Giao ban tuần với các xã có tên rất dài để dòng bị gấp theo chuẩn RFC 5545 khi vư\r
 ợt quá 75 octet\r
DTSTART;TZID=Asia/Ho_Chi_Minh:20260302T073000\r
DURATION:PT1H30M\r
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:utc-event\r
SUMMARY:UTC\r
DTSTART:20260310T020000Z\r
DTEND:20260310T030000Z\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:huy\r
SUMMARY:Đã hủy\r
DTSTART:20260311T020000Z\r
STATUS:CANCELLED\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_outlook_calendar():
    found = {m.id: m for m in ics.parse(CAL, default_tz=HCM, window=WINDOW)}
    ubnd = found["hop-ubnd-1"]
    assert ubnd.start == datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
    assert ubnd.end - ubnd.start == timedelta(hours=2)
    assert ubnd.title == "Họp UBND tỉnh, trực tuyến"
    assert found["utc-event"].start == datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    assert "huy" not in found


def test_weekly_rule_and_folded_lines():
    found = [
        m for m in ics.parse(CAL, default_tz=HCM, window=WINDOW) if m.id.startswith("giao-ban")
    ]
    assert [m.start for m in found] == [
        datetime(2026, 3, 2, 0, 30, tzinfo=UTC),
        datetime(2026, 3, 9, 0, 30, tzinfo=UTC),
        datetime(2026, 3, 16, 0, 30, tzinfo=UTC),
    ]
    assert found[0].title.endswith("vượt quá 75 octet")
    assert all(m.end - m.start == timedelta(minutes=90) for m in found)
    assert len({m.id for m in found}) == 3


def test_window_limits_expansion():
    event = "UID:d\nDTSTART:20260301T010000Z\nRRULE:FREQ=DAILY\n"
    text = f"BEGIN:VCALENDAR\nBEGIN:VEVENT\n{event}END:VEVENT\nEND:VCALENDAR\n"
    found = ics.parse(text, default_tz=HCM, window=(WINDOW[0], WINDOW[0] + timedelta(days=3)))
    assert len(found) == 3


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("hello", "not an iCalendar"),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nEND:VEVENT\nEND:VCALENDAR", "no DTSTART"),
        (
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:tomorrow\nEND:VEVENT\nEND:VCALENDAR",
            "bad date-time",
        ),
        (
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260301T010000Z\nDURATION:soon\nEND:VEVENT\nEND:VCALENDAR",
            "DURATION",
        ),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\ngarbage line\nEND:VEVENT\nEND:VCALENDAR", "malformed"),
    ],
)
def test_malformed_files_raise_schedule_error(text, needle):
    with pytest.raises(ScheduleError, match=needle):
        ics.parse(text, default_tz=HCM, window=WINDOW)
