"""The history interface, the same tests on SQLite and on a real PostgreSQL (see `store`)."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.contract.groups import Group
from central import schema
from central.availability import report
from central.config import BoardConfig
from central.model import Message, RoomPath, iso
from central.service import Board
from central.state import Fleet
from central.store import CoverageRow, MeetingRow, Store, StoreUnavailable, open_store
from tests.fixtures.postgres import Postgres

T0 = datetime(2026, 10, 7, 1, 0, tzinfo=UTC)
XA = RoomPath("son-la", "xa-a")


def _readiness(seq: int, verdict: str = "ready", boot: str = "b1", ts: datetime = T0) -> dict:
    return {
        "schema": "hnth.readiness/1",
        "boot_id": boot,
        "seq": seq,
        "ts": iso(ts),
        "trigger": "schedule",
        "meeting": {"id": "m1"},
        "verdict": verdict,
        "checks": [],
        "name": "UBND xã A",
    }


def test_a_new_database_gets_the_latest_schema_and_reopening_migrates_nothing(store_url, tmp_path):
    first = open_store(store_url, str(tmp_path))
    assert (first.migrated_from, first.version) == (0, schema.VERSION)
    first.close()
    again = open_store(store_url, str(tmp_path))
    assert (again.migrated_from, again.version) == (schema.VERSION, schema.VERSION)
    again.close()


def test_rooms_keep_their_first_sight_and_latest_name(store: Store):
    with store.transaction() as w:
        w.add_room(XA, "", T0)
        w.add_room(XA, "UBND xã A", T0 + timedelta(hours=1))
        w.add_room(XA, "", T0 - timedelta(hours=1))  # an older report, delivered late
        w.set_meta(XA.key, "UBND xã A mới", "commune", (Group("nhom-1", "Nhóm 1"),))
    [room] = store.rooms()
    assert room.path.key == "son-la/xa-a"
    assert room.first_seen == T0 - timedelta(hours=1)
    assert room.name == "UBND xã A mới"
    assert room.unit == "commune"
    assert room.groups == (Group("nhom-1", "Nhóm 1"),)


def test_statuses_readiness_and_events_are_stored_once(store: Store):
    with store.transaction() as w:
        assert w.add_status(XA.key, "b1", "online", T0)
        assert not w.add_status(XA.key, "b1", "online", T0)  # replayed or re-imported
        assert w.add_status(XA.key, "b1", "offline", T0 + timedelta(minutes=5))
        assert w.add_status(XA.key, "b2", "online", T0 + timedelta(minutes=9))
        assert w.add_readiness(XA.key, _readiness(1), T0)
        assert not w.add_readiness(XA.key, _readiness(1, "not_ready"), T0)
        assert w.add_readiness(XA.key, _readiness(2, "degraded"), T0 + timedelta(minutes=1))
        for seq in (1, 2, 2):
            w.add_event(XA.key, {"boot_id": "b1", "seq": seq, "kind": "x", "n": seq}, T0)
    end = T0 + timedelta(days=1)
    assert [(s.state, s.boot_id) for s in store.statuses(XA.key, end)] == [
        ("online", "b1"),
        ("offline", "b1"),
        ("online", "b2"),
    ]
    assert store.statuses(XA.key, end, since=T0 + timedelta(minutes=5))[0].state == "offline"
    assert store.last_statuses()[XA.key].boot_id == "b2"
    rows = store.readiness_rows(XA.key, end)
    assert [(r.verdict, r.meeting_id, r.trigger) for r in rows] == [
        ("ready", "m1", "schedule"),
        ("degraded", "m1", "schedule"),
    ]
    assert [e["n"] for e in store.events(XA.key)] == [2, 1]
    assert [json.loads(b)["seq"] for _, _, b in store.bodies("readiness", T0, end)] == [1, 2]


def test_a_failed_transaction_writes_nothing(store: Store):
    def half_done() -> None:
        with store.transaction() as w:
            w.add_room(XA, "A", T0)
            w.add_status(XA.key, "b1", "online", T0)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        half_done()
    assert store.rooms() == []
    assert store.last_statuses() == {}


def test_meetings_audit_users_and_merges(store: Store):
    m = MeetingRow("son-la", "m1", "Giao ban", T0, T0 + timedelta(hours=2), ("*",), False)
    with store.transaction() as w:
        w.put_meeting(m)
        w.put_meeting(MeetingRow("son-la", "m2", "B", T0, T0, ("xa-a",), False, ("nhom-1",)))
        w.put_meeting(m.__class__(**{**_fields(m), "title": "Giao ban tháng"}))
        w.cancel_meeting("son-la", "m2")
    assert [(x.id, x.title) for x in store.meetings()] == [("m1", "Giao ban tháng")]
    every = store.meetings(include_cancelled=True)
    assert [(x.id, x.cancelled, x.groups) for x in every] == [
        ("m1", False, ()),
        ("m2", True, ("nhom-1",)),
    ]
    a = store.add_audit("chi", "cmd:check", XA.key, args={"x": 1}, ok=True, result={}, ts=T0)
    b = store.add_audit("chi", "meeting.cancel", "son-la/m2", args={}, ok=False, result={}, ts=T0)
    assert b > a
    assert [r.id for r in store.audit()] == [b, a]
    [row] = store.audit(target=XA.key)
    assert (row.user, row.args, row.ok) == ("chi", {"x": 1}, True)
    store.put_user("chi", "viewer", "h1", T0)
    store.put_user("chi", "operator", "h2", T0)
    assert store.user("chi") == ("operator", "h2")
    assert store.user("nobody") is None
    store.add_merge("son-la/x", "son-la/y", user="chi", ts=T0, reason="")
    store.add_merge("son-la/y", "son-la/z", user="chi", ts=T0, reason="NQ 2025")
    assert store.merges() == {"son-la/x": "son-la/z", "son-la/y": "son-la/z"}


def test_ingest_dedupes_across_a_restart_on_either_database(store: Store):
    topic = "hnth/v1/son-la/moc-chau/xa-a"
    body = _readiness(7) | {
        "room": {"province": "son-la", "district": "moc-chau", "room": "xa-a", "name": "A"},
        "trigger": "periodic",
        "meeting": None,
        "duration_ms": 1,
    }
    online = {"schema": "hnth.status/1", "state": "online", "boot_id": "b1", "ts": iso(T0)}
    for _ in range(2):  # the second Fleet is a board restart on the same history
        fleet = Fleet(BoardConfig(), store, clock=lambda: T0 + timedelta(minutes=1))
        fleet.ingest(Message(f"{topic}/status", json.dumps(online).encode(), True))
        fleet.ingest(Message(f"{topic}/readiness", json.dumps(body).encode(), True))
        assert fleet.flush()
    end = T0 + timedelta(days=1)
    assert len(store.statuses(XA.key, end)) == 1
    assert len(store.readiness_rows(XA.key, end)) == 1


def test_the_report_is_the_same_on_either_database(store: Store):
    with store.transaction() as w:
        w.add_room(XA, "A", T0)
        w.add_status(XA.key, "b1", "online", T0)
        w.add_status(XA.key, "b1", "offline", T0 + timedelta(hours=1))
        w.add_status(XA.key, "b2", "online", T0 + timedelta(hours=1, minutes=30))
    [row] = report(
        store,
        "2026-10",
        tz="UTC",
        now=T0 + timedelta(hours=4),
        offsets_min=(30, 5),
        tolerance_min=3,
    )
    assert row.observed_s == 4 * 3600
    assert row.online_s == 3.5 * 3600
    assert (row.outages, row.longest_outage_s) == (1, 1800)


@pytest.mark.postgres
def test_postgresql_down_keeps_the_live_view_counts_and_recovers(postgres: Postgres, tmp_path):
    store = open_store(postgres.new_database(), str(tmp_path))
    fleet = Fleet(BoardConfig(), store, clock=lambda: T0)
    topic = "hnth/v1/son-la/moc-chau/xa-a/status"
    online = {"schema": "hnth.status/1", "state": "online", "boot_id": "b1", "ts": iso(T0)}
    try:
        postgres.stop()
        fleet.ingest(Message(topic, json.dumps(online).encode(), True))
        assert not fleet.flush()
        assert not fleet.flush()
        health = fleet.health()
        assert health["db_ok"] is False
        assert health["db_errors"] == 2
        assert health["db_pending"] == 3  # the room, its district and its status, kept
        assert health["db_error"]
        assert fleet.rooms()[0]["status"] == "online"  # served from memory meanwhile
        assert fleet.detail("son-la/xa-a") is not None  # its event list is empty, not an error
        with pytest.raises(StoreUnavailable):
            store.ping()
    finally:
        postgres.start()
    assert fleet.flush()  # the connection is reopened by itself
    assert fleet.health()["db_ok"] is True
    assert fleet.health()["db_pending"] == 0
    assert [s.state for s in store.statuses("son-la/xa-a", T0 + timedelta(1))] == ["online"]
    store.ping()
    store.close()


def test_board_migrate_command_on_either_database(store_url, tmp_path: Path):
    from tests.central.test_cli import run

    config = tmp_path / "config.toml"
    config.write_text(
        f'[agent]\nstate_dir = "{tmp_path / "state"}"\n[board]\ndatabase = "{store_url}"\n',
        encoding="utf-8",
    )
    r = run("board", "migrate", "--lang", "en", env_config=config)
    assert r.returncode == 0, r.stderr
    assert f"schema version {schema.VERSION} (was: -)" in r.stdout
    assert "password" not in r.stdout
    r = run("board", "migrate", "--lang", "en", env_config=config)
    assert r.returncode == 0, r.stderr
    assert f"schema version {schema.VERSION} (was: {schema.VERSION})" in r.stdout


def test_an_unreachable_postgresql_is_a_clear_config_error(tmp_path: Path, closed_port: int):
    from agent.errors import ConfigError

    with pytest.raises(ConfigError, match=rf"127\.0\.0\.1:{closed_port}/board") as err:
        open_store(f"postgresql://hnth:secret-pw@127.0.0.1:{closed_port}/board", str(tmp_path))
    assert "secret-pw" not in str(err.value)


def _fields(m: MeetingRow) -> dict:
    return {f: getattr(m, f) for f in m.__dataclass_fields__}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _wait(cond, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _beat_at(store: Store, ts: datetime) -> bool:
    rows = store.coverage(ts - timedelta(days=1), ts + timedelta(days=1))
    return any(r.beat == ts or r.stopped == ts for r in rows)


def test_a_board_down_for_ten_minutes_is_ten_minutes_of_no_data(store: Store):
    clock = Clock(T0)
    cfg = BoardConfig(coverage_heartbeat_s=60)
    topic = "hnth/v1/son-la/moc-chau/xa-a/status"
    online = {"schema": "hnth.status/1", "state": "online", "boot_id": "b1", "ts": iso(T0)}
    retained = Message(topic, json.dumps(online).encode(), True)
    for start, stop in ((T0, T0 + timedelta(hours=1)), (T0 + timedelta(minutes=70), None)):
        clock.now = start
        board = Board(cfg, store, clock=clock)
        board.fleet.set_broker(connected=True)  # what the MQTT link reports on connect
        board.start()
        try:
            _wait(lambda: _beat_at(store, start))  # noqa: B023 - waited for in this iteration
            board.on_message(retained)  # the retained status, found again after the restart
            clock.now = start + timedelta(minutes=30)
            _wait(lambda: _beat_at(store, clock.now))
        finally:
            if stop is not None:
                clock.now = stop
                board.stop()
        if stop is None:
            clock.now = T0 + timedelta(hours=2)
            _wait(lambda: _beat_at(store, clock.now))
            running = board
    [row] = report(store, "2026-10", tz="UTC", now=clock.now, offsets_min=(), tolerance_min=3)
    running.stop()
    assert row.observed_s == 2 * 3600
    assert row.no_data_s == 600
    assert row.no_data == (("2026-10-07T02:00:00.000Z", "2026-10-07T02:10:00.000Z"),)
    assert row.online_s == 2 * 3600 - 600  # not uptime
    assert (row.outages, row.online_pct) == (0, 100.0)  # and not an outage
    [first, second] = store.coverage(T0, T0 + timedelta(days=1))
    assert (first.started, first.stopped) == (T0, T0 + timedelta(hours=1))
    assert second.stopped == T0 + timedelta(hours=2)  # the second board's clean stop


def test_a_board_that_died_covers_until_its_last_heartbeat(store: Store):
    with store.transaction() as w:
        w.add_room(XA, "A", T0)
        w.add_status(XA.key, "b1", "online", T0)
        w.put_coverage(CoverageRow("s1", "hnth-board", T0, T0 + timedelta(minutes=20), None, 30))
        w.put_coverage(
            CoverageRow(
                "s2", "hnth-board", T0 + timedelta(hours=1), T0 + timedelta(hours=1), None, 30
            )
        )
    now = T0 + timedelta(hours=1, seconds=20)  # s2 is alive: it beat 20 s ago
    [row] = report(store, "2026-10", tz="UTC", now=now, offsets_min=(), tolerance_min=3)
    assert row.no_data_s == 40 * 60
    assert row.online_s == (now - T0).total_seconds() - 40 * 60


def test_schema_3_is_migrated_to_4(store_url: str, tmp_path: Path):
    store = open_store(store_url, str(tmp_path))
    store.close()
    if store_url.startswith("sqlite"):
        db = sqlite3.connect(store_url.removeprefix("sqlite:///"))
        db.execute("DROP TABLE coverage")
        db.execute("PRAGMA user_version=3")
        db.commit()
        db.close()
    else:
        import psycopg

        with psycopg.connect(store_url, autocommit=True) as conn:
            conn.execute("DROP TABLE coverage")
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version VALUES(3)")
    store = open_store(store_url, str(tmp_path))
    assert (store.migrated_from, store.version) == (3, schema.VERSION)
    with store.transaction() as w:
        w.put_coverage(CoverageRow("s1", "b", T0, T0, None, 30))
    assert len(store.coverage(T0, T0 + timedelta(1))) == 1
    store.close()
