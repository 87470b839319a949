"""The constructed October's figures, computed from the store, against the hand-computed ones."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from central.config import BoardConfig, ReportConfig
from central.report.month import generate
from central.store import SqliteStore
from tests.central.report.conftest import EXPECTED, NOW, TOTAL_AVAILABILITY, build_october, vn


@pytest.fixture
def store(tmp_path: Path):
    build_october(tmp_path / "board.sqlite")
    s = SqliteStore(str(tmp_path / "board.sqlite"))
    yield s
    s.close()


def test_rooms_match_the_hand_computed_figures(store):
    r = generate(store, BoardConfig(), ReportConfig(), "2026-10", now=NOW)
    rooms = {x.room: x for x in r.rooms}
    assert set(rooms) == set(EXPECTED)  # the old key is counted inside xa-c
    for key, want in EXPECTED.items():
        x = rooms[key]
        assert x.service_s == pytest.approx(want["service_s"]), key
        assert x.excluded_s == pytest.approx(want["excluded_s"]), key
        assert x.downtime_s == pytest.approx(want["downtime_s"]), key
        assert x.availability_pct == pytest.approx(want["availability"]), key
        assert x.penalty_pct == want["penalty"], key
        assert (x.outages, x.short_drops) == (want["outages"], want["short"]), key
        assert (x.meetings_ok, x.meetings - x.meetings_no_data) == want["meetings"], key
        assert x.no_data_s == 40 * 60, key
    assert rooms["son-la/xa-b"].installed == vn(2026, 10, 16)
    assert rooms["son-la/xa-a"].installed is None
    assert [x.tier for x in r.rooms] == ["≥ 99 %", "98–99 %", "< 98 %"]


def test_outages_midnight_boundary_short_and_maintenance(store):
    r = generate(store, BoardConfig(), ReportConfig(), "2026-10", now=NOW)
    a = [o for o in r.outages if o.room == "son-la/xa-a"]
    assert [(o.start, o.end, o.counted) for o in a] == [
        (vn(2026, 10, 5, 22), vn(2026, 10, 6, 2, 30), True),  # across midnight: one outage
        (vn(2026, 10, 10, 9), vn(2026, 10, 10, 9, 0, 19), False),  # 19 s: shorter than 5 min
        (vn(2026, 10, 12, 8, 30), vn(2026, 10, 12, 9, 30), True),
        (vn(2026, 10, 31, 23), vn(2026, 11, 1), True),  # its October part
    ]
    assert a[2].downtime_s == 0  # inside the maintenance window
    assert a[2].excluded_s == 3600
    assert a[3].length_s == 2 * 3600  # measured whole against the minimum
    nov = generate(store, BoardConfig(), ReportConfig(), "2026-11", now=NOW)
    [part] = [o for o in nov.outages if o.room == "son-la/xa-a"]
    assert (part.start, part.end) == (vn(2026, 11, 1), vn(2026, 11, 1, 1))


def test_meetings_per_room_and_month(store):
    r = generate(store, BoardConfig(), ReportConfig(), "2026-10", now=NOW)
    got = {(x.meeting, x.room.rpartition("/")[2]): x.status for x in r.attendance}
    assert got == {
        ("m2", "xa-a"): "ok",
        ("m2", "xa-c"): "ok",  # addressed by its old id, before the rename
        ("m3", "xa-a"): "not_ready",  # no pre-meeting check
        ("m3", "xa-c"): "ok",
        ("m1", "xa-a"): "ok",
        ("m1", "xa-b"): "offline",  # dropped 08:30–08:50
        ("m1", "xa-c"): "not_ready",  # the last check before the start said not ready
        ("m4", "xa-a"): "no_data",
        ("m4", "xa-b"): "no_data",
        ("m4", "xa-c"): "no_data",
    }
    tot = r.totals
    assert (tot.attendances_ok, tot.attendances) == (4, 7)
    assert tot.meeting_success_pct == pytest.approx(400 / 7)
    assert tot.meetings == 4
    assert tot.meetings_all_ok == 1


def test_totals_and_exclusions(store):
    r = generate(store, BoardConfig(), ReportConfig(), "2026-10", now=NOW)
    tot = r.totals
    assert tot.availability_pct == pytest.approx(TOTAL_AVAILABILITY)
    assert tot.penalty_pct == pytest.approx(35 / 3)
    assert tot.rooms_below_target == 2
    assert (tot.outages, tot.short_drops) == (6, 1)
    status = {u.exclusion.reason: (u.status, u.excluded_s) for u in r.exclusions}
    assert status == {
        "Nâng cấp phần mềm codec": ("counted", 7200.0),
        "Thay bộ lưu điện": ("withdrawn", 0.0),
        "Khai báo muộn": ("flagged", 0.0),
        "Mất điện lưới khu vực": ("counted", 8 * 3600.0),
    }  # November's window is not October's
    assert r.no_data == [(vn(2026, 10, 20, 10), vn(2026, 10, 20, 10, 40))]


def test_not_ready_in_a_meeting_counts_as_down_when_the_contract_says_so(store):
    cfg = dataclasses.replace(ReportConfig(), not_ready_in_meeting_is_down=True)
    r = generate(store, BoardConfig(), cfg, "2026-10", now=NOW)
    c = next(x for x in r.rooms if x.room == "son-la/xa-c")
    # xa-c was online but its latest verdict was not ready for all of m1 (2 h).
    assert c.not_ready_down_s == 2 * 3600
    assert c.downtime_s == pytest.approx(18 * 3600)


def test_office_hours_only_count_service_time():
    from central.report.rules import Rules

    cfg = dataclasses.replace(ReportConfig(), service_hours="office", holidays=("2026-10-02",))
    rules = Rules.from_config(cfg, "Asia/Ho_Chi_Minh")
    w = rules.service_windows(vn(2026, 10, 1), vn(2026, 10, 5))  # Thu 1 … Sun 4
    # Thursday only (Friday is a holiday, then the weekend): 4 h + 3.5 h.
    assert sum((b - a).total_seconds() for a, b in w) == 7.5 * 3600
    assert rules.penalty(98.5) == 10
    assert rules.penalty(99) == 0
    assert rules.penalty(12) == 25


def test_a_month_with_no_data_says_so(tmp_path):
    s = SqliteStore(str(tmp_path / "empty.sqlite"))
    r = generate(s, BoardConfig(), ReportConfig(), "2026-10", now=NOW)
    assert not r.has_data
    assert r.totals.availability_pct is None
    assert r.totals.meeting_success_pct is None
    s.close()
