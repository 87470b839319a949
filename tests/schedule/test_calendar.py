"""iCalendar data to meetings (agent.schedule.calendar), as Google and Outlook write it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.schedule import ScheduleError, Source, read_calendar, windows_zone
from agent.schedule.calendar import MAX_BYTES
from tests.schedule.calendars import EXPECTED, GOOGLE, NOW, calendar, crlf

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime.fromisoformat(NOW)
WINDOW = (T0, T0 + timedelta(days=120))


def read(data: bytes, window: tuple[datetime, datetime] = WINDOW, **kw):
    return read_calendar(data, default_tz=HCM, window=window, **kw)


def rows(data: bytes, window: tuple[datetime, datetime] = WINDOW):
    return [
        (m.id, m.title, m.start.astimezone(HCM).isoformat(), m.end.astimezone(HCM).isoformat())
        for m in read(data, window).meetings
    ]


def test_google_export_gives_exactly_the_expected_meetings():
    assert rows(GOOGLE) == EXPECTED
    found = read(GOOGLE)
    assert found.all_day == 1
    assert found.cancelled == 2  # the cancelled occurrence and the cancelled single event
    assert found.skipped == ()
    assert not found.truncated
    assert all(m.source is Source.ICS for m in found.meetings)
    assert all(m.start.tzinfo is not None for m in found.meetings)


def test_moved_occurrence_once_at_its_new_time_deleted_and_cancelled_ones_gone():
    series = [r for r in rows(GOOGLE) if r[0].startswith("5k2v9q1r0giaoban@google.com/")]
    starts = [r[2][:16] for r in series]
    assert starts == [
        "2026-03-02T08:00",
        "2026-03-17T14:00",
        "2026-03-30T08:00",
        "2026-04-06T08:00",
    ]
    assert "2026-03-09T08:00" not in starts  # EXDATE
    assert "2026-03-16T08:00" not in starts  # moved away
    assert "2026-03-23T08:00" not in starts  # STATUS:CANCELLED on an '@' UID
    assert len({r[0] for r in series}) == len(series)


def test_ids_are_stable_across_reads_and_windows():
    wide = {m.id: m.start for m in read(GOOGLE).meetings}
    narrow = read(GOOGLE, (T0 + timedelta(days=15), T0 + timedelta(days=20))).meetings
    assert narrow
    assert all(wide[m.id] == m.start for m in narrow)


def test_method_cancel_cancels_everything_in_the_file():
    data = GOOGLE.replace(b"METHOD:PUBLISH", b"METHOD:CANCEL")
    found = read(data)
    assert found.meetings == ()
    assert found.cancelled > 0


def test_outlook_windows_zone_names_through_zoneinfo():
    assert windows_zone("SE Asia Standard Time") == "Asia/Ho_Chi_Minh"
    assert windows_zone("W. Europe Standard Time") == "Europe/Berlin"
    assert windows_zone("Asia/Ho_Chi_Minh") is None
    # Outlook sometimes writes a VTIMEZONE that defines nothing: the name alone must do.
    empty = "BEGIN:VTIMEZONE\nTZID:SE Asia Standard Time\nEND:VTIMEZONE\n"
    data = calendar(
        "UID:o\nSUMMARY:x\nDTSTART;TZID=SE Asia Standard Time:20260304T080000\n"
        'DTEND;TZID="SE Asia Standard Time":20260304T100000',
        head=empty,
    )
    (m,) = read(data).meetings
    assert m.start == datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
    assert m.end == datetime(2026, 3, 4, 3, 0, tzinfo=UTC)


def test_unknown_zone_and_floating_times_use_the_configured_zone():
    data = calendar("UID:u\nDTSTART;TZID=Nowhere/Else:20260304T080000\nDURATION:PT30M")
    (m,) = read(data).meetings
    assert m.start == datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
    assert m.end - m.start == timedelta(minutes=30)


def test_fold_inside_a_utf8_character():
    # Some exporters fold at 75 octets without minding UTF-8: "ệ" is split across two lines.
    title = "Họp hệ thống".encode()
    cut = title.index("ệ".encode()) + 1
    data = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:f\r\nDTSTART:20260304T010000Z\r\n"
        b"SUMMARY:" + title[:cut] + b"\r\n " + title[cut:] + b"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (m,) = read(data).meetings
    assert m.title == "Họp hệ thống"
    assert m.end - m.start == timedelta(hours=1)  # no DTEND, no DURATION: one hour


def test_all_day_events_are_not_meetings():
    data = calendar("UID:a\nDTSTART;VALUE=DATE:20260304\nSUMMARY:Lễ", "UID:b\nDTSTART:20260304")
    found = read(data)
    assert found.meetings == ()
    assert found.all_day == 2


def test_an_rrule_without_end_is_bounded_by_the_window():
    data = calendar("UID:d\nDTSTART:20200101T010000Z\nRRULE:FREQ=DAILY")
    found = read(data, (T0, T0 + timedelta(days=3)))
    assert len(found.meetings) == 3


def test_a_rule_too_dense_to_expand_is_skipped_fast_and_named():
    data = calendar(
        "UID:every-second\nDTSTART:19700101T000000Z\nRRULE:FREQ=SECONDLY",
        "UID:every-minute\nDTSTART:20000101T000000Z\nRRULE:FREQ=DAILY;BYHOUR=8;"
        "BYMINUTE=" + ",".join(str(i) for i in range(60)) + ";BYSECOND=0,30",
        "UID:ok\nDTSTART:20260302T010000Z\nRRULE:FREQ=WEEKLY",
    )
    t0 = time.monotonic()
    found = read(data)
    assert time.monotonic() - t0 < 5
    assert found.skipped == ("every-minute", "every-second")
    assert {m.id.split("/")[0] for m in found.meetings} == {"ok"}


def test_occurrences_are_capped():
    data = calendar("UID:h\nDTSTART:20260301T000000Z\nRRULE:FREQ=HOURLY")
    found = read(data, max_occurrences=50)
    assert len(found.meetings) == 50
    assert found.truncated
    assert found.meetings[0].start == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


def test_a_file_over_the_size_limit_is_refused_before_parsing():
    big = GOOGLE + b" " * (MAX_BYTES + 1)
    with pytest.raises(ScheduleError, match="too large"):
        read(big)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"hello", "not an iCalendar"),
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "not an iCalendar"),
        (b"", "not an iCalendar"),
        (b"\x00\xff\xfe garbage", "not an iCalendar"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n", "not a valid iCalendar"),
    ],
)
def test_bad_input_raises_schedule_error(data, needle):
    with pytest.raises(ScheduleError, match=needle):
        read(data)


def test_a_broken_event_is_skipped_and_named_not_fatal():
    data = calendar(
        "UID:bad\nDTSTART:20260304T020000Z\nDTEND:20260304T010000Z",
        "UID:no-date\nDTSTART:tomorrow",
        "UID:no-start\nSUMMARY:x",
        "UID:good\nDTSTART:20260305T020000Z\nDTEND:20260305T030000Z",
    )
    found = read(data)
    assert [m.id for m in found.meetings] == ["good"]
    assert sorted(found.skipped) == ["bad", "no-date", "no-start"]


LINES = st.sampled_from(
    [
        "BEGIN:VEVENT",
        "END:VEVENT",
        "BEGIN:VTIMEZONE",
        "END:VTIMEZONE",
        "UID:x@google.com",
        "DTSTART:20260304T010000Z",
        "DTSTART;TZID=SE Asia Standard Time:20260304T080000",
        "DTSTART;VALUE=DATE:20260304",
        "DTEND:20260304T020000Z",
        "DURATION:PT1H",
        "RRULE:FREQ=WEEKLY;COUNT=3",
        "RRULE:FREQ=MONTHLY",
        "RRULE:FREQ=SECONDLY",
        "RRULE:FREQ=BOGUS",
        "EXDATE:20260311T010000Z",
        "RDATE:20260312T010000Z",
        "RECURRENCE-ID:20260311T010000Z",
        "STATUS:CANCELLED",
        "TZID:SE Asia Standard Time",
        "BEGIN:STANDARD",
        "END:STANDARD",
        "TZOFFSETFROM:+0700",
        "TZOFFSETTO:+0700",
        "DTSTART:tomorrow",
        "garbage",
        ";;;:",
        " folded",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, max_size=25), st.binary(max_size=40))
def test_any_input_reads_or_raises_schedule_error(lines, tail):
    data = crlf("BEGIN:VCALENDAR\n" + "\n".join(lines) + "\nEND:VCALENDAR\n") + tail
    try:
        found = read(data, (T0, T0 + timedelta(days=30)))
    except ScheduleError:
        return
    for m in found.meetings:
        assert m.start.tzinfo is not None
        assert m.end > m.start


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda d: d.replace(b"\r\n", b"\n"), id="LF line ends"),
        pytest.param(lambda d: b"\xef\xbb\xbf" + d, id="byte order mark"),
        pytest.param(lambda d: d + b"\r\n<!-- served by nginx -->\r\n", id="trailing bytes"),
        pytest.param(
            lambda d: d.replace("Hội thảo".encode(), "Hội\u2028thảo".encode()),
            id="line separator in a title",
        ),
    ],
)
def test_the_same_meetings_however_the_bytes_arrive(variant):
    assert [r[0] for r in rows(variant(GOOGLE))] == [e[0] for e in EXPECTED]


def test_two_calendars_glued_together_are_refused_not_half_read():
    with pytest.raises(ScheduleError, match="multiple"):
        read(GOOGLE + GOOGLE)


RULES = st.builds(
    lambda freq, interval, hours, minutes, seconds, year: (
        f"UID:r\nDTSTART:{year}0101T000000Z\nRRULE:FREQ={freq};INTERVAL={interval}"
        + (f";BYHOUR={','.join(map(str, hours))}" if hours else "")
        + (f";BYMINUTE={','.join(map(str, minutes))}" if minutes else "")
        + (f";BYSECOND={','.join(map(str, seconds))}" if seconds else "")
    ),
    st.sampled_from(["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
    st.integers(1, 5),
    st.lists(st.integers(0, 23), max_size=24, unique=True),
    st.lists(st.integers(0, 59), max_size=60, unique=True),
    st.lists(st.integers(0, 59), max_size=60, unique=True),
    st.integers(1970, 2026),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RULES)
def test_any_rule_without_an_end_expands_quickly_or_is_skipped(rule):
    t0 = time.monotonic()
    found = read(calendar(rule), (T0, T0 + timedelta(days=14)))
    assert time.monotonic() - t0 < 5, rule
    assert len(found.meetings) <= 5000
