"""Ingest, dedupe, late Wills, staleness and bad input, on plain messages (no broker)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from central.config import BoardConfig
from central.model import Message, iso
from central.state import Fleet
from central.store import SqliteStore

BASE = "hnth/v1/son-la/moc-chau/xa-a"  # these tests feed contract v1: central still reads it
T0 = datetime(2026, 10, 7, 1, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def fleet(tmp_path):
    clock = Clock()
    store = SqliteStore(str(tmp_path / "h.sqlite"))
    f = Fleet(BoardConfig(stale_after_s=600), store, clock=clock)
    f.clock = clock  # type: ignore[attr-defined]
    yield f
    store.close()


def status(state: str, boot: str = "b1", ts: datetime = T0, retain: bool = False) -> Message:
    body = {
        "schema": "hnth.status/1",
        "state": state,
        "boot_id": boot,
        "agent_version": "1.0",
        "ts": iso(ts),
    }
    return Message(f"{BASE}/status", json.dumps(body).encode(), retain)


def readiness(
    seq: int, verdict: str = "ready", boot: str = "b1", ts: datetime = T0, **extra
) -> Message:
    body = {
        "schema": "hnth.readiness/1",
        "boot_id": boot,
        "seq": seq,
        "ts": iso(ts),
        "room": {"province": "son-la", "district": "moc-chau", "room": "xa-a", "name": "UBND xã A"},
        "trigger": "periodic",
        "meeting": None,
        "verdict": verdict,
        "duration_ms": 5,
        "checks": [
            {
                "name": "camera",
                "status": "fail" if verdict == "not_ready" else "pass",
                "summary": "s",
                "hint": "check the lens cap",
                "metrics": {},
                "duration_ms": 1,
            }
        ],
        **extra,
    }
    return Message(f"{BASE}/readiness", json.dumps(body).encode(), True)


def event(seq: int, boot: str = "b1", ts: datetime = T0) -> Message:
    body = {
        "schema": "hnth.event/1",
        "boot_id": boot,
        "seq": seq,
        "ts": iso(ts),
        "kind": "agent.started",
    }
    return Message(f"{BASE}/events", json.dumps(body).encode())


def test_ready_room_then_dedupe_and_history(fleet):
    fleet.ingest(status("online"))
    fleet.ingest(readiness(1))
    fleet.ingest(readiness(1))  # retained redelivery: a duplicate
    fleet.ingest(event(2))
    fleet.ingest(event(2))
    assert fleet.flush()
    row = fleet.rooms()[0]
    assert row["state"] == "ready"
    assert row["name"] == "UBND xã A"
    assert fleet.stats.duplicates == 2
    assert len(fleet.store.events("son-la/xa-a")) == 1
    assert len(fleet.store.readiness_rows("son-la/xa-a", T0 + timedelta(1))) == 1
    # a restarted board dedupes against the database too
    again = Fleet(fleet.cfg, fleet.store, clock=fleet.clock)
    again.ingest(readiness(1))
    again.ingest(event(2))
    assert again.flush()
    assert len(fleet.store.events("son-la/xa-a")) == 1
    assert len(fleet.store.readiness_rows("son-la/xa-a", T0 + timedelta(1))) == 1


def test_late_will_from_old_session_is_ignored(fleet):
    fleet.ingest(status("online", "b1"))
    fleet.ingest(status("online", "b2", T0 + timedelta(seconds=5)))  # restarted without a Will yet
    fleet.ingest(status("offline", "b1"))  # the old session's Will arrives late
    fleet.ingest(readiness(1, boot="b2"))
    assert fleet.stats.late_wills == 1
    assert fleet.rooms()[0]["state"] == "ready"
    fleet.ingest(status("offline", "b2"))  # the current session's Will counts
    assert fleet.rooms()[0]["state"] == "offline"
    fleet.flush()
    states = [s.state for s in fleet.store.statuses("son-la/xa-a", T0 + timedelta(1))]
    assert states == ["online", "online", "offline"]


def test_live_will_is_timed_at_arrival_not_at_its_connect_time(fleet):
    fleet.ingest(status("online", ts=T0))
    fleet.clock.now = T0 + timedelta(hours=2)
    fleet.ingest(status("offline", ts=T0))  # a Will carries the connect-time ts
    fleet.flush()
    rows = fleet.store.statuses("son-la/xa-a", T0 + timedelta(1))
    assert rows[-1].ts == T0 + timedelta(hours=2)


def test_stale_after_threshold(fleet):
    fleet.ingest(status("online"))
    fleet.ingest(readiness(1, "not_ready"))
    assert fleet.rooms()[0]["state"] == "not_ready"
    assert fleet.rooms()[0]["failing"][0]["hint"] == "check the lens cap"
    fleet.clock.now = T0 + timedelta(seconds=599)
    assert fleet.rooms()[0]["state"] == "not_ready"
    fleet.clock.now = T0 + timedelta(seconds=601)
    assert fleet.rooms()[0]["state"] == "stale"
    fleet.ingest(event(5, ts=fleet.clock.now))
    assert fleet.rooms()[0]["state"] == "not_ready"


def test_a_slow_room_clock_is_judged_by_when_its_reports_arrive(fleet):
    """A PC whose clock is 30 minutes slow stamps every report half an hour late."""
    slow = timedelta(minutes=30)
    fleet.clock.now = T0 + slow
    fleet.ingest(status("online"))
    event_msg = event(1, ts=T0)  # live, not retained
    fleet.ingest(event_msg)
    assert fleet.rooms()[0]["state"] != "stale"
    assert fleet.rooms()[0]["last_heard"] == iso(T0 + slow)
    fleet.clock.now = T0 + slow + timedelta(seconds=599)
    assert fleet.rooms()[0]["state"] != "stale"
    fleet.clock.now = T0 + slow + timedelta(seconds=601)
    assert fleet.rooms()[0]["state"] == "stale"


def test_a_retained_report_is_no_sign_of_life(fleet):
    fleet.clock.now = T0 + timedelta(hours=1)
    fleet.ingest(status("online", ts=T0, retain=True))
    fleet.ingest(readiness(1, ts=T0))  # retained, an hour old
    assert fleet.rooms()[0]["state"] == "stale"
    assert fleet.rooms()[0]["last_heard"] is None


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        (f"{BASE}/readiness", b"{not json", "not UTF-8 JSON"),
        (f"{BASE}/readiness", b"[1,2]", "not a JSON object"),
        (f"{BASE}/readiness", b"\xff\xfe", "not UTF-8 JSON"),
        (
            f"{BASE}/readiness",
            json.dumps({"schema": "hnth.readiness/1", "boot_id": "b", "seq": "x"}).encode(),
            "'seq'",
        ),
        (f"{BASE}/readiness", json.dumps({"schema": "hnth.event/1"}).encode(), "schema"),
        (
            f"{BASE}/status",
            json.dumps(
                {"schema": "hnth.status/1", "state": "maybe", "boot_id": "b", "ts": iso(T0)}
            ).encode(),
            "neither",
        ),
        (f"{BASE}/status", json.dumps({"state": "online"}).encode(), "schema"),
        (f"{BASE}/snapshot", b"GIF89a....", "not a JPEG"),
        ("hnth/v1/son-la/Bad Room/x/status", b"{}", "not part of contract"),
        (
            "hnth/v1/son-la/schedule/m1",
            json.dumps({"schema": "hnth.meeting/1", "rooms": ["*"], "start": "x"}).encode(),
            "ISO",
        ),
        (f"{BASE}/readiness", b"{" + b" " * 300_000 + b"}", "exceeds"),
    ],
)
def test_bad_input_is_counted_and_logged_in_one_line(fleet, caplog, topic, payload, reason):
    fleet.ingest(Message(topic, payload))
    assert fleet.stats.rejected == 1
    assert reason in fleet.stats.last_rejected
    lines = [r for r in caplog.records if r.name == "central.state"]
    assert len(lines) == 1
    assert "\n" not in lines[0].getMessage()
    # and it keeps going
    fleet.ingest(status("online"))
    assert fleet.rooms()[0]["status"] == "online"


def test_unknown_schema_version_is_shown_and_unknown_keys_ignored(fleet):
    msg = status("online")
    body = json.loads(msg.payload)
    body["schema"] = "hnth.status/2"
    body["future_field"] = {"x": 1}
    fleet.ingest(Message(msg.topic, json.dumps(body).encode(), True))
    row = fleet.rooms()[0]
    assert row["status"] == "online"
    assert row["schema_note"] == "hnth.status/2"


def test_readiness_2_is_the_contract_not_an_unknown_version(fleet):
    fleet.ingest(status("online"))
    msg = readiness(1)
    body = json.loads(msg.payload)
    body["schema"] = "hnth.readiness/2"
    fleet.ingest(Message(msg.topic, json.dumps(body).encode(), True))
    row = fleet.rooms()[0]
    assert row["state"] == "ready"
    assert row["schema_note"] == ""


def test_locked_database_keeps_history_and_retries(fleet, tmp_path):
    fleet.store._db.execute("PRAGMA busy_timeout=50")
    other = sqlite3.connect(tmp_path / "h.sqlite")
    other.execute("BEGIN EXCLUSIVE")
    fleet.ingest(status("online"))
    fleet.ingest(readiness(1))
    assert not fleet.flush()
    assert fleet.stats.db_errors == 1
    assert fleet.rooms()[0]["state"] == "ready"  # the live view does not wait for the database
    other.rollback()
    other.close()
    assert fleet.flush()
    assert len(fleet.store.readiness_rows("son-la/xa-a", T0 + timedelta(1))) == 1


def test_meeting_rollup_counts_and_cancel(fleet):
    fleet.ingest(status("online"))
    fleet.ingest(readiness(1, "not_ready"))
    other = Message("hnth/v1/son-la/yen-chau/xa-b/status", status("offline", "c1").payload, True)
    fleet.ingest(other)
    meeting = {
        "schema": "hnth.meeting/1",
        "id": "m1",
        "title": "Giao ban",
        "start": iso(T0 + timedelta(minutes=30)),
        "end": iso(T0 + timedelta(hours=2)),
        "rooms": ["moc-chau/*", "yen-chau/xa-b"],
    }
    fleet.ingest(Message("hnth/v1/son-la/schedule/m1", json.dumps(meeting).encode(), True))
    [m] = fleet.meetings()
    assert m["participants"] == 2
    assert m["counts"]["not_ready"] == 1
    assert m["counts"]["offline"] == 1
    assert {p["room"] for p in m["problems"]} == {"son-la/xa-a", "son-la/xa-b"}
    fleet.ingest(Message("hnth/v1/son-la/schedule/m1", b"", True))
    assert fleet.meetings() == []


@settings(max_examples=200, deadline=None)
@given(
    topic=st.sampled_from(
        [
            f"{BASE}/status",
            f"{BASE}/readiness",
            f"{BASE}/events",
            f"{BASE}/resp/x",
            "hnth/v1/p/schedule/m",
        ]
    ),
    payload=st.binary(max_size=200)
    | st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5)).map(
        lambda d: json.dumps(d).encode()
    ),
)
def test_any_input_is_ingested_or_rejected_never_raised(tmp_path_factory, topic, payload):
    store = SqliteStore(":memory:")
    f = Fleet(BoardConfig(), store)
    f.ingest(Message(topic, payload))
    assert f.stats.received == 1
    # a rejection names a contract problem, never a Python bug caught by the safety net
    assert not any(
        f.stats.last_rejected.split(": ", 1)[-1].startswith(e)
        for e in ("TypeError", "KeyError", "AttributeError", "ValueError")
    )
    store.close()


def test_a_full_disk_keeps_history_in_memory_and_writes_it_when_there_is_room(fleet):
    # SQLite's own limit stands in for a full file system: the same SQLITE_FULL error path.
    db = fleet.store._db
    fleet.ingest(status("online"))
    assert fleet.flush()
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count={pages}")
    for seq in range(1, 301):
        fleet.ingest(readiness(seq, ts=T0 + timedelta(seconds=seq)))
    assert not fleet.flush()
    assert "full" in fleet.db_error
    assert not fleet.db_ok
    assert fleet.stats.db_pending > 0  # counted, and shown on the page and in /metrics
    assert fleet.rooms()[0]["state"] == "ready"  # the live view does not wait for the disk
    db.execute("PRAGMA max_page_count=1073741823")  # space again
    assert fleet.flush()
    assert fleet.db_ok
    assert fleet.stats.db_pending == 0
    assert len(fleet.store.readiness_rows("son-la/xa-a", T0 + timedelta(1))) == 300
