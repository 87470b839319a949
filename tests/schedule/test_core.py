"""The pure scheduler (agent.schedule.core) as a function of (meetings, offsets, now)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agent.schedule import (
    Meeting,
    ScheduleError,
    Source,
    current,
    due,
    meeting_from_message,
    next_wakeup,
    overlaps,
    parse_meeting_message,
    takes_part,
    weekly_meetings,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 3, 4, 8, 0, tzinfo=HCM)  # 08:00 in Vietnam = 01:00Z


def meeting(mid="m1", start=T0, minutes=120):
    return Meeting(mid, "Họp trực tuyến", start, start + timedelta(minutes=minutes))


def simulate(meetings, offsets, start, end, step=timedelta(seconds=30)):
    """Walk the clock forward, 'running' every due check; return (time, meeting id, offset) runs."""
    done: set = set()
    runs = []
    now = start
    while now <= end:
        for d in due(meetings, offsets, now, done):
            runs.append((now, d.meeting.id, d.offset_min))
            done.update(d.keys())
        now += step
    return runs


def test_offsets_fire_once_each_at_their_time():
    runs = simulate([meeting()], [30, 5], T0 - timedelta(hours=2), T0 + timedelta(hours=3))
    assert [(r[1], r[2]) for r in runs] == [("m1", 30), ("m1", 5)]
    assert runs[0][0] == T0 - timedelta(minutes=30)
    assert runs[1][0] == T0 - timedelta(minutes=5)


def test_days_of_schedule_in_milliseconds():
    meetings = [meeting(f"m{d}", T0 + timedelta(days=d)) for d in range(7)]
    runs = simulate(
        meetings,
        [30, 5],
        T0 - timedelta(hours=1),
        T0 + timedelta(days=7),
        step=timedelta(minutes=1),
    )
    assert len(runs) == 14
    assert {r[1] for r in runs} == {f"m{d}" for d in range(7)}


def test_fractional_offsets():
    runs = simulate([meeting()], [0.05], T0 - timedelta(minutes=1), T0, step=timedelta(seconds=1))
    assert runs == [(T0 - timedelta(seconds=3), "m1", 0.05)]


def test_restart_runs_a_missed_check_once_and_settles_older_offsets():
    # The agent was down from T-40 to T-3: both slots were missed; one run now settles both.
    now = T0 - timedelta(minutes=3)
    found = due([meeting()], [30, 5], now)
    assert len(found) == 1
    assert found[0].offset_min == 5
    assert set(found[0].offsets) == {30, 5}
    assert due([meeting()], [30, 5], now, found[0].keys()) == []


def test_no_check_after_the_meeting_started():
    assert due([meeting()], [30, 5], T0 + timedelta(seconds=1)) == []
    assert due([meeting()], [30, 5], T0 - timedelta(hours=2)) == []


def test_clock_jump_backwards_does_not_repeat_done_checks():
    m = meeting()
    done = set()
    for d in due([m], [30, 5], T0 - timedelta(minutes=4)):
        done.update(d.keys())
    # NTP pulls the clock back 20 minutes: the settled slots stay settled.
    assert due([m], [30, 5], T0 - timedelta(minutes=24), done) == []


def test_rescheduled_meeting_gets_new_slots():
    m = meeting()
    done = set()
    for d in due([m], [30], T0 - timedelta(minutes=29)):
        done.update(d.keys())
    moved = meeting(start=T0 + timedelta(hours=1))
    found = due([moved], [30], T0 + timedelta(minutes=31), done)
    assert [d.meeting.start for d in found] == [moved.start]


def test_cancellation_removes_future_checks():
    runs = simulate([], [30, 5], T0 - timedelta(hours=1), T0)
    assert runs == []


def test_overlapping_meetings_both_checked_and_reported():
    a = meeting("a", T0, 60)
    b = meeting("b", T0 + timedelta(minutes=30), 60)
    assert overlaps([a, b]) == [(a, b)]
    runs = simulate([a, b], [30, 5], T0 - timedelta(hours=1), T0 + timedelta(hours=2))
    assert [(r[1], r[2]) for r in runs] == [("a", 30), ("a", 5), ("b", 30), ("b", 5)]


def test_next_wakeup():
    assert next_wakeup([meeting()], [30, 5], T0 - timedelta(hours=1)) == T0 - timedelta(minutes=30)
    assert next_wakeup([meeting()], [30, 5], T0 - timedelta(minutes=10)) == T0 - timedelta(
        minutes=5
    )
    assert next_wakeup([meeting()], [30, 5], T0) is None


def test_current_meeting_window():
    m = meeting()
    assert current([m], T0 - timedelta(seconds=1)) is None
    assert current([m], T0) == m
    assert current([m], T0 + timedelta(minutes=119)) == m
    assert current([m], T0 + timedelta(minutes=120)) is None


MEETING_V1 = {
    "schema": "hnth.meeting/1",
    "id": "hop-1",
    "start": "2026-03-04T08:00:00+07:00",
    "end": "2026-03-04T10:00:00+07:00",
}


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        (["*"], True),
        (["moc-chau/*"], True),
        (["moc-chau/xa-chieng-son"], True),
        (["*/xa-chieng-son"], True),
        (["yen-chau/*"], False),
        (["moc-chau/xa-khac"], False),
        (["_/ubnd-tinh"], False),
        (["moc-chau", "yen-chau/*"], False),
    ],
)
def test_v1_room_patterns(patterns, expected):
    # A v1 meeting still reaches a v2 room whose group is its former district.
    data = {**MEETING_V1, "rooms": patterns}
    assert takes_part(data, "hop-1", "xa-chieng-son", ["moc-chau"]) is expected


def test_province_hall_pattern():
    assert takes_part({**MEETING_V1, "rooms": ["_/ubnd-tinh"]}, "hop-1", "ubnd-tinh", [])


@pytest.mark.parametrize(
    ("rooms", "groups", "expected"),
    [
        (["*"], [], True),
        (["xa-chieng-son"], [], True),
        ([], ["moc-chau"], True),
        (["xa-khac"], ["yen-chau"], False),
    ],
)
def test_v2_rooms_and_groups(rooms, groups, expected):
    data = {**MEETING_V1, "schema": "hnth.meeting/2", "rooms": rooms, "groups": groups}
    assert takes_part(data, "hop-1", "xa-chieng-son", ["moc-chau", "cum-1"]) is expected


def test_a_meeting_that_selects_nobody_is_refused():
    with pytest.raises(ScheduleError, match="select"):
        takes_part({**MEETING_V1, "rooms": []}, "hop-1", "xa-chieng-son", [])


def test_meeting_message_with_vietnam_offsets():
    payload = (
        b'{"schema":"hnth.meeting/1","id":"hop-1","title":"H\\u1ecdp","start":"2026-03-04T08:00:00+07:00",'
        b'"end":"2026-03-04T10:00:00+07:00","rooms":["*"]}'
    )
    data = parse_meeting_message("hop-1", payload)
    assert data is not None
    m = meeting_from_message("hop-1", data)
    assert m.start == datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
    assert m.info()["start"] == "2026-03-04T01:00:00.000Z"
    assert m.title == "Họp"


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        (b"{not json", "not JSON"),
        (b"[1,2]", "not a JSON object"),
        (b'{"schema":"hnth.meeting/9"}', "schema"),
    ],
)
def test_bad_meeting_messages(payload, needle):
    with pytest.raises(ScheduleError, match=needle):
        parse_meeting_message("x", payload)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"start": "2026-03-04T08:00:00+07:00"}, "time None"),
        ({"start": "yesterday", "end": "2026-03-04T10:00:00Z"}, "yesterday"),
        ({"start": "2026-03-04T08:00:00", "end": "2026-03-04T10:00:00"}, "offset"),
        ({"start": "2026-03-04T10:00:00Z", "end": "2026-03-04T08:00:00Z"}, "not after"),
        ({"start": "2026-03-04T08:00:00Z", "end": "2026-03-04T10:00:00Z", "rooms": "*"}, "rooms"),
    ],
)
def test_bad_meeting_fields(data, needle):
    with pytest.raises(ScheduleError, match=needle):
        meeting_from_message("x", {"schema": "hnth.meeting/1", "rooms": ["*"], **data})


def test_empty_payload_is_a_cancellation():
    assert parse_meeting_message("x", b"") is None


def test_weekly_slots_in_local_time():
    now = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a Monday, 07:00 in Vietnam
    found = weekly_meetings(["mon 08:00 120 Giao ban"], now, HCM)
    starts = sorted(m.start for m in found)
    assert datetime(2026, 3, 2, 1, 0, tzinfo=UTC) in starts
    assert all(m.source == Source.WEEKLY for m in found)
    assert all(m.end - m.start == timedelta(minutes=120) for m in found)
