"""Contract v2 on central: meta, v1 and v2 rooms side by side, bad meta, renames and merges."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from agent.contract import payloads
from agent.contract.groups import Group, UnitKind
from agent.contract.topics import RoomId, RoomTopics
from agent.errors import InvalidArgumentError
from central.availability import report
from central.config import BoardConfig
from central.model import Message, RoomPath, iso
from central.service import Board
from central.state import Fleet
from central.store import SqliteStore

T0 = datetime(2026, 10, 7, 1, 0, tzinfo=UTC)
VN = ZoneInfo("Asia/Ho_Chi_Minh")
V2 = RoomTopics.v2("son-la", "xa-chieng-son")
V1 = RoomTopics.v1("son-la", "yen-chau", "xa-cu")


@pytest.fixture
def fleet(tmp_path):
    store = SqliteStore(str(tmp_path / "h.sqlite"))
    f = Fleet(BoardConfig(stale_after_s=600), store, clock=lambda: T0)
    yield f
    store.close()


def msg(topic: str, body: dict, retain: bool = True) -> Message:
    return Message(topic, payloads.encode(body), retain)


def meta(**over):
    body = payloads.meta(
        V2.id,
        name="UBND xã Chiềng Sơn",
        unit=UnitKind.XA,
        groups=[Group("moc-chau", "Mộc Châu (huyện cũ)")],
    )
    return {**body, **over}


def status(boot: str = "b1") -> dict:
    return payloads.status("online", boot_id=boot, agent_version="2.0", ts=iso(T0))


def readiness(topics: RoomTopics, seq: int = 1) -> dict:
    body = payloads.readiness(
        room=topics.id,
        name="Xã cũ (v1)",
        boot_id="b1",
        seq=seq,
        started_at=T0,
        trigger="periodic",
        meeting=None,
        verdict="ready",
        duration_ms=5,
        checks=[payloads.check_entry("camera", "pass", "ok", None, {}, 1)],
    )
    if topics.version == 1:
        body["schema"] = payloads.READINESS_V1
        body["room"]["district"] = topics.district
    return body


def test_v1_and_v2_rooms_side_by_side(fleet):
    for m in (
        msg(V2.meta, meta()),
        msg(V2.status, status()),
        msg(V2.readiness, readiness(V2)),
        msg(V1.status, status()),
        msg(V1.readiness, readiness(V1)),
    ):
        fleet.ingest(m)
    assert fleet.stats.rejected == 0
    rows = {r["room"]: r for r in fleet.rooms()}
    assert set(rows) == {"son-la/xa-chieng-son", "son-la/xa-cu"}
    v2, v1 = rows["son-la/xa-chieng-son"], rows["son-la/xa-cu"]
    assert (v2["name"], v2["unit"], v2["version"]) == ("UBND xã Chiềng Sơn", "xa", 2)
    assert v2["groups"] == [{"id": "moc-chau", "name": "Mộc Châu (huyện cũ)"}]
    assert v2["state"] == v1["state"] == "ready"
    # A v1 room shows its district as its group, and its name from its reports.
    assert v1["groups"] == [{"id": "yen-chau", "name": "yen-chau"}]
    assert (v1["name"], v1["version"]) == ("Xã cũ (v1)", 1)


@pytest.mark.parametrize(
    "bad",
    [
        {"unit": "huyen"},
        {"name": ""},
        {"groups": "moc-chau"},
        {"replaces": ["xa-chieng-son"]},  # a loop: it replaces itself
    ],
)
def test_a_bad_meta_is_refused_and_the_last_good_one_stays(fleet, caplog, bad):
    fleet.ingest(msg(V2.meta, meta()))
    fleet.ingest(msg(V2.meta, meta(**bad)))
    assert fleet.stats.rejected == 1
    assert len([r for r in caplog.records if "meta" in r.getMessage()]) >= 1
    [row] = fleet.rooms()
    assert row["name"] == "UBND xã Chiềng Sơn"
    assert row["groups"][0]["id"] == "moc-chau"
    assert row["meta_error"]


def test_a_meta_cannot_claim_another_room(fleet):
    fleet.ingest(msg(V2.meta, meta(room="xa-khac")))
    assert fleet.stats.rejected == 1
    assert all(r["name"] != "UBND xã Chiềng Sơn" for r in fleet.rooms())


def _history(store: SqliteStore, key: str, changes: list[tuple[str, datetime]]) -> None:
    province, _, room = key.partition("/")
    with store.transaction() as db:
        db.add_room(RoomPath(province, room), "", changes[0][1])
        for state, ts in changes:
            db.add_status(key, "b", state, ts)


def test_a_merge_counts_both_histories_as_the_new_room(tmp_path):
    store = SqliteStore(str(tmp_path / "h.sqlite"))
    d = lambda day, h=0, m=0: datetime(2026, 10, day, h, m, tzinfo=VN)  # noqa: E731
    # X, the old commune room: online from 1 Oct, out 08:00-09:00 on 3 Oct, retired on 15 Oct.
    _history(
        store,
        "son-la/xa-x",
        [("online", d(1)), ("offline", d(3, 8)), ("online", d(3, 9)), ("offline", d(15))],
    )
    # Y, merged in with it: out 08:30-08:45 on 3 Oct (covered by X except 15 min), retired too.
    _history(
        store,
        "son-la/xa-y",
        [("online", d(1)), ("offline", d(3, 8, 30)), ("online", d(3, 8, 45)), ("offline", d(15))],
    )
    # Z, the merged commune's room: online from 15 Oct, out 08:00-10:00 on 20 Oct.
    _history(
        store, "son-la/xa-z", [("online", d(15)), ("offline", d(20, 8)), ("online", d(20, 10))]
    )
    board = Board(BoardConfig(), store)
    with pytest.raises(InvalidArgumentError, match="xa-nowhere"):
        board.merge("chi.lan", "son-la/xa-z", ["son-la/xa-x", "son-la/xa-nowhere"])
    assert store.merges() == {}  # a refused merge records nothing
    assert {r["room"] for r in board.fleet.rooms()} == {"son-la/xa-x", "son-la/xa-y", "son-la/xa-z"}
    board.merge("chi.lan", "son-la/xa-z", ["son-la/xa-x", "son-la/xa-y"], "NQ sáp nhập 2025")
    # The board shows the merged room once, as the report does.
    assert {r["room"] for r in board.fleet.rooms()} == {"son-la/xa-z"}
    rows = report(
        store,
        "2026-10",
        tz="Asia/Ho_Chi_Minh",
        now=d(31, 23) + timedelta(hours=2),
        offsets_min=(30, 5),
        tolerance_min=3,
    )
    [row] = rows  # the merged room once; X and Y are counted in it
    month = 31 * 86400
    down = 15 * 60 + 2 * 3600
    assert row.room == "son-la/xa-z"
    assert row.observed_s == month
    assert row.online_s == month - down
    assert row.outages == 2
    assert row.longest_outage_s == 2 * 3600
    [entry] = store.audit(target="son-la/xa-z")
    assert (entry.action, entry.user) == ("room.merge", "chi.lan")
    store.close()


def test_board_merge_command_refuses_an_unknown_room(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[agent]\nstate_dir = "{tmp_path}"\n', encoding="utf-8")
    store = SqliteStore(str(tmp_path / "board.sqlite"))
    _history(store, "son-la/xa-z", [("online", T0)])
    store.close()
    hnth = str(Path(sys.executable).parent / "hnth-agent")
    env = {**os.environ, "HNTH_AGENT_CONFIG": str(config)}
    bad = subprocess.run(
        [hnth, "board", "--lang", "en", "merge", "--into", "son-la/xa-z", "son-la/xa-ghost"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 1
    assert "no room son-la/xa-ghost" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_an_old_database_is_migrated_to_province_keys(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE rooms(room TEXT PRIMARY KEY, province TEXT NOT NULL, district TEXT NOT NULL,
          name TEXT NOT NULL DEFAULT '', first_seen TEXT NOT NULL);
        CREATE TABLE status(room TEXT NOT NULL, boot_id TEXT NOT NULL, state TEXT NOT NULL,
          ts TEXT NOT NULL);
        CREATE TABLE readiness(room TEXT NOT NULL, boot_id TEXT NOT NULL, seq INTEGER NOT NULL,
          ts TEXT NOT NULL, verdict TEXT NOT NULL, trigger TEXT NOT NULL, meeting_id TEXT,
          body TEXT NOT NULL, UNIQUE(room, boot_id, seq));
        CREATE TABLE events(room TEXT NOT NULL, boot_id TEXT NOT NULL, seq INTEGER NOT NULL,
          ts TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, UNIQUE(room, boot_id, seq));
        CREATE TABLE meetings(province TEXT NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL,
          start TEXT NOT NULL, "end" TEXT NOT NULL, rooms TEXT NOT NULL,
          cancelled INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(province, id));
        CREATE TABLE audit(id INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL,
          user TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, args TEXT NOT NULL,
          ok INTEGER NOT NULL, result TEXT NOT NULL);
        CREATE TABLE users(name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL,
          created TEXT NOT NULL);
        INSERT INTO rooms VALUES('xa-a', 'son-la', 'moc-chau', 'Xã A', '2026-09-01T00:00:00.000Z');
        INSERT INTO status VALUES('xa-a', 'b', 'online', '2026-09-01T00:00:00.000Z');
        INSERT INTO meetings VALUES('son-la', 'm1', 'Họp', '2026-10-01T01:00:00.000Z',
          '2026-10-01T02:00:00.000Z', '["moc-chau/*", "_/ubnd-tinh"]', 0);
        """
    )
    db.close()
    store = SqliteStore(str(path))
    [room] = store.rooms()
    assert room.path.key == "son-la/xa-a"
    assert [g.id for g in room.groups] == ["moc-chau"]
    assert len(store.statuses("son-la/xa-a", T0)) == 1
    [m] = store.meetings()
    assert (m.rooms, m.groups) == (("ubnd-tinh",), ("moc-chau",))
    store.close()
    assert SqliteStore(str(path)).rooms()[0].path.key == "son-la/xa-a"  # migrating twice is a no-op
    json.dumps([room.name])  # the name survived as text


def test_room_ids_are_the_same_under_v1_and_v2():
    assert RoomPath.of(V1).key == RoomId("son-la", "xa-cu").__str__()
    assert RoomPath.of(RoomTopics.v2("son-la", "xa-cu")).key == RoomPath.of(V1).key


def test_the_pad_gets_the_rooms_ptz_ranges(fleet):
    ptz = {"protocol": "pelco-d", "speed_max": 64, "presets_max": 255}
    fleet.ingest(msg(V2.meta, meta(ptz=ptz)))
    [row] = fleet.rooms()
    assert row["ptz"] == ptz
