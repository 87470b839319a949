"""Report arithmetic on constructed histories, against figures computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from agent.errors import UsageError
from central.availability import month_bounds, room_availability
from central.store import MeetingRow, ReadinessRow, StatusRow

VN = timezone(timedelta(hours=7))
ROOM = ("son-la/xa-a", "son-la", ("moc-chau",), "Xã A")


def st(state: str, *args: int, boot: str = "b1") -> StatusRow:
    return StatusRow("xa-a", boot, state, datetime(*args, tzinfo=VN))  # type: ignore[misc]


def rd(
    verdict: str, *args: int, trigger: str = "periodic", meeting: str | None = None
) -> ReadinessRow:
    return ReadinessRow("xa-a", datetime(*args, tzinfo=VN), verdict, trigger, meeting)  # type: ignore[misc]


def test_month_bounds_are_local_midnights():
    start, end = month_bounds("2026-12", "Asia/Ho_Chi_Minh")
    assert start == datetime(2026, 11, 30, 17, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 17, tzinfo=UTC)
    with pytest.raises(UsageError):
        month_bounds("2026-13", "Asia/Ho_Chi_Minh")
    with pytest.raises(UsageError):
        month_bounds("10/2026", "Asia/Ho_Chi_Minh")


def test_outage_spanning_midnight_and_month_boundary():
    # October 2026 has 31 days = 2,678,400 s (local time, UTC+7, no DST).
    start, end = month_bounds("2026-10", "Asia/Ho_Chi_Minh")
    statuses = [
        st("online", 2026, 9, 20, 8, 0),  # online since September: the whole month is observed
        st(
            "offline", 2026, 10, 5, 22, 0
        ),  # outage 1: 22:00 → 02:30 next day = 4.5 h, spans midnight
        st("online", 2026, 10, 6, 2, 30, boot="b2"),
        st("offline", 2026, 10, 20, 10, 0, boot="b2"),  # outage 2: 10:00 → 10:30 = 0.5 h
        st("online", 2026, 10, 20, 10, 30, boot="b3"),
        st(
            "offline", 2026, 10, 31, 23, 0, boot="b3"
        ),  # outage 3: 23:00 → month end = 1 h (clipped)
        st("online", 2026, 11, 1, 3, 0, boot="b4"),  # the rest belongs to November
    ]
    r = room_availability(
        room=ROOM, statuses=statuses, readiness=[], meetings=[], start=start, end=end
    )
    assert r.observed_s == 2_678_400
    assert r.outages == 3
    assert r.longest_outage_s == 4.5 * 3600
    assert r.online_s == 2_678_400 - 6 * 3600
    assert r.online_pct == round(100 * (2_678_400 - 21_600) / 2_678_400, 3)  # 99.194
    assert r.online_pct == 99.194
    assert r.meetings == 0
    assert r.ready_in_meetings_pct is None

    # November sees the tail of the outage that began on 31 October: 00:00 → 03:00 = 3 h.
    n_start, n_end = month_bounds("2026-11", "Asia/Ho_Chi_Minh")
    n = room_availability(
        room=ROOM, statuses=statuses, readiness=[], meetings=[], start=n_start, end=n_end
    )
    assert n.outages == 1
    assert n.longest_outage_s == 3 * 3600
    assert n.online_s == 30 * 86400 - 3 * 3600


def test_room_installed_mid_month_is_observed_from_first_status():
    start, end = month_bounds("2026-10", "Asia/Ho_Chi_Minh")
    statuses = [st("online", 2026, 10, 16, 0, 0)]  # 16 days observed
    r = room_availability(
        room=ROOM, statuses=statuses, readiness=[], meetings=[], start=start, end=end
    )
    assert r.observed_s == 16 * 86400
    assert r.online_pct == 100.0
    assert r.outages == 0
    assert r.longest_outage_s == 0


def test_ready_during_meetings_and_missed_pre_meeting_checks():
    start, end = month_bounds("2026-10", "Asia/Ho_Chi_Minh")
    m1 = MeetingRow(
        "son-la",
        "m1",
        "Giao ban",
        datetime(2026, 10, 7, 8, 0, tzinfo=VN),
        datetime(2026, 10, 7, 10, 0, tzinfo=VN),
        (),
        False,
        ("moc-chau",),  # by group: the room's former district
    )
    m2 = MeetingRow(
        "son-la",
        "m2",
        "Họp",
        datetime(2026, 10, 14, 14, 0, tzinfo=VN),
        datetime(2026, 10, 14, 15, 0, tzinfo=VN),
        ("*",),
        False,
    )
    other = MeetingRow(
        "son-la",
        "m3",
        "Khác",
        datetime(2026, 10, 15, 8, 0, tzinfo=VN),
        datetime(2026, 10, 15, 9, 0, tzinfo=VN),
        (),
        False,
        ("yen-chau",),
    )
    cancelled = MeetingRow(
        "son-la",
        "m4",
        "Hủy",
        datetime(2026, 10, 16, 8, 0, tzinfo=VN),
        datetime(2026, 10, 16, 9, 0, tzinfo=VN),
        ("*",),
        True,
    )
    statuses = [
        st("online", 2026, 10, 1, 0, 0),
        st("offline", 2026, 10, 7, 9, 30),  # drops out for the last 30 min of m1
        st("online", 2026, 10, 7, 11, 0, boot="b2"),
    ]
    readiness = [
        rd("ready", 2026, 10, 7, 7, 30, trigger="schedule", meeting="m1"),  # T-30 done
        rd("ready", 2026, 10, 7, 7, 55, trigger="schedule", meeting="m1"),  # T-5 done
        rd(
            "not_ready", 2026, 10, 14, 13, 30, trigger="schedule", meeting="m2"
        ),  # T-30 done, not ready
        rd("degraded", 2026, 10, 14, 14, 20),  # fixed 20 min into m2; degraded counts as usable
        # T-5 of m2 missing
    ]
    r = room_availability(
        room=ROOM,
        statuses=statuses,
        readiness=readiness,
        meetings=[m1, m2, other, cancelled],
        start=start,
        end=end,
    )
    assert r.meetings == 2
    assert r.meeting_s == 3 * 3600
    # m1: ready 08:00-09:30 = 90 min; m2: ready 14:20-15:00 = 40 min → 130 min of 180 min
    assert r.ready_in_meetings_s == 130 * 60
    assert r.ready_in_meetings_pct == round(100 * 130 / 180, 3)
    assert r.checks_expected == 4
    assert r.checks_missed == 1
    # outage 09:30 → 11:00 on 7 October
    assert r.outages == 1
    assert r.longest_outage_s == 90 * 60


def test_cut_at_now_for_the_running_month():
    start, _ = month_bounds("2026-10", "Asia/Ho_Chi_Minh")
    now = datetime(2026, 10, 11, 0, 0, tzinfo=VN)
    statuses = [st("online", 2026, 10, 1, 0, 0), st("offline", 2026, 10, 10, 0, 0)]
    r = room_availability(
        room=ROOM, statuses=statuses, readiness=[], meetings=[], start=start, end=now
    )
    assert r.observed_s == 10 * 86400
    assert r.online_pct == 90.0
    assert r.outages == 1
    assert r.longest_outage_s == 86400


def test_no_data_counts_neither_for_nor_against_the_room():
    start, end = month_bounds("2026-10", "Asia/Ho_Chi_Minh")
    d = lambda day, h=0, m=0: datetime(2026, 10, day, h, m, tzinfo=VN)  # noqa: E731
    # Online all month but for a 2 h outage on the 10th; no board ingesting 08:00-12:00 on the
    # 12th (the room's real state then is unknown), nor 08:30-09:00 on the 10th, inside the outage.
    statuses = [
        st("online", 2026, 10, 1),
        st("offline", 2026, 10, 10, 8),
        st("online", 2026, 10, 10, 10),
    ]
    blind = [(d(10, 8, 30), d(10, 9)), (d(12, 8), d(12, 12))]
    meetings = [MeetingRow("son-la", "m1", "Họp", d(12, 11), d(12, 13), ("*",), False)]
    r = room_availability(
        room=ROOM,
        statuses=statuses,
        readiness=[rd("ready", 2026, 10, 1)],
        meetings=meetings,
        start=start,
        end=end,
        no_data=blind,
    )
    assert r.observed_s == 31 * 86400
    assert r.no_data_s == 4.5 * 3600
    seen = 31 * 86400 - 4.5 * 3600
    assert r.online_s == seen - 1.5 * 3600  # a 2 h outage, half an hour of it unknown
    assert r.online_pct == round(100 * (seen - 5400) / seen, 3)
    assert r.outages == 2  # the outage is cut in two by the unknown half hour
    assert r.longest_outage_s == 3600
    assert r.meetings == 1
    assert r.meeting_s == 3600  # 12:00-13:00; 11:00-12:00 was not observed
    assert r.ready_in_meetings_s == 3600
    assert r.checks_expected == 0  # T-30 (10:30) and T-5 (10:55) fell in the blind hours
    assert r.as_dict()["no_data"] == [
        ["2026-10-10T01:30:00.000Z", "2026-10-10T02:00:00.000Z"],
        ["2026-10-12T01:00:00.000Z", "2026-10-12T05:00:00.000Z"],
    ]
