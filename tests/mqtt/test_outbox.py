"""The SQLite outbox: bounds, crash safety, and the outage test against a real broker."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from agent.i18n import set_language
from agent.mqtt.outbox import Outbox
from tests.mqtt.helpers import base, collect, js, write_config


@pytest.fixture(autouse=True)
def english():
    set_language("en")
    yield
    set_language("vi")


def test_fifo_and_delete(tmp_path):
    box = Outbox(tmp_path / "o.db")
    for i in range(5):
        assert box.add("t", f"{i}".encode()) == 0
    rows = box.peek(0, 3)
    assert [r.payload for r in rows] == [b"0", b"1", b"2"]
    assert [r.payload for r in box.peek(rows[-1].id, 10)] == [b"3", b"4"]
    box.delete([rows[0].id, rows[1].id, 999])
    assert box.count() == 3
    box.close()
    again = Outbox(tmp_path / "o.db")
    assert [r.payload for r in again.peek()] == [b"2", b"3", b"4"]
    assert again.count() == 3
    again.close()


def test_count_bound_drops_oldest_and_leaves_room_for_the_notice(tmp_path):
    box = Outbox(tmp_path / "o.db", max_events=10)
    for i in range(10):
        assert box.add("t", f"{i}".encode()) == 0
    dropped = box.add("t", b"10")
    assert dropped == 2  # down to max - 2: room for this event and the outbox.dropped notice
    assert box.add("t", b"notice", prune=False) == 0
    assert box.count() == 10
    payloads = [r.payload for r in box.peek(0, 100)]
    assert payloads == [f"{i}".encode() for i in range(2, 11)] + [b"notice"]
    box.close()


def test_age_bound(tmp_path):
    now = [1000.0]
    box = Outbox(tmp_path / "o.db", max_age_s=60, clock=lambda: now[0])
    box.add("t", b"old")
    now[0] += 61
    assert box.add("t", b"new") == 1
    assert [r.payload for r in box.peek()] == [b"new"]
    box.close()


def test_meta_survives_reopen(tmp_path):
    box = Outbox(tmp_path / "o.db")
    box.set_meta("alerts", {"camera": "fail"})
    box.close()
    assert Outbox(tmp_path / "o.db").get_meta("alerts") == {"camera": "fail"}


def test_garbage_file_is_a_clear_error(tmp_path):
    from agent.errors import AgentError

    path = tmp_path / "o.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(AgentError, match="unusable"):
        Outbox(path)


_HOLD = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO meta (key, value) VALUES ('held', '1')")
print("held", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
"""


@contextlib.contextmanager
def _held(path):
    """Another process holding the outbox's write lock (a stopped or hung agent) until exit."""
    pipe = subprocess.PIPE
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path)], stdin=pipe, stdout=pipe, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "held\n"
        yield
    finally:
        proc.communicate("\n", timeout=10)


def test_a_lock_held_by_another_process_is_a_busy_error_and_loses_nothing(tmp_path):
    from agent.errors import BusyError

    path = tmp_path / "o.db"
    box = Outbox(path, busy_timeout_s=0.3)
    box.add("t", b"before")
    with _held(path):
        with pytest.raises(BusyError, match=r"locked by another process for over 0.3 s") as err:
            box.add("t", b"during")
        assert "pgrep -af hnth-agent" in str(err.value)
        with pytest.raises(BusyError):
            box.set_meta("k", 1)
        assert [r.payload for r in box.peek()] == [b"before"]  # reads go on meanwhile
    box.add("t", b"after")
    assert [r.payload for r in box.peek()] == [b"before", b"after"]
    assert box.count() == 2
    box.close()


def test_check_publish_with_a_locked_outbox_says_what_to_do(tmp_path, broker):
    cfg = write_config(tmp_path, broker)
    path = tmp_path / "state-xa-a" / "outbox.sqlite3"
    Outbox(path).close()
    env = {**os.environ, "HNTH_AGENT_LANG": "en", "NO_COLOR": "1"}
    with _held(path):
        args = ["check", "--only", "host", "--publish", "--config", str(cfg)]
        proc = subprocess.run(
            [sys.executable, "-m", "agent", *args],
            check=False, capture_output=True, text=True, timeout=90, env=env,
        )  # fmt: skip
    assert proc.returncode != 0, proc.stdout
    assert "locked by another process" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.broker
def test_kill_9_mid_write_leaves_a_sound_file(tmp_path, agent_proc):
    # No broker at all: the agent writes as fast as it can and is killed mid-write.
    cfg = write_config(tmp_path, None, mqtt='host = "127.0.0.1"\nport = 9\n')
    for _ in range(3):
        p = agent_proc(cfg, "--then", "write-forever")
        p.expect("emitted")
        time.sleep(0.3)
        p.kill()
    db = tmp_path / "state-xa-a" / "outbox.sqlite3"
    box = Outbox(db)
    assert box.integrity() == "ok"
    rows = box.peek(0, 1_000_000)
    assert len(rows) > 10
    ids = [r.id for r in rows]
    assert ids == sorted(ids)
    for r in rows:
        body = json.loads(r.payload)  # every committed row is whole
        assert body["schema"] == "hnth.event/1"
    box.close()
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.broker
def test_outage_with_agent_restart_loses_nothing(tmp_path, broker, mqtt_client, agent_proc):
    """Broker down, 500 events, agent killed and restarted, broker back: all arrive in order."""
    cfg = write_config(tmp_path, broker)
    broker.kill()
    first = agent_proc(cfg, "--emit", "500", "--then", "wait")
    boot1 = first.expect("ready")[1]
    first.expect("emitted")
    first.kill()  # kill -9 while the events sit in the outbox
    broker.start()
    sub = mqtt_client(broker, "central")
    sub.subscribe(base() + "/events")
    second = agent_proc(cfg, "--then", "drain")
    boot2 = second.expect("ready")[1]
    assert second.expect("drained")[1] == "0"
    assert second.wait() == 0

    def done(msgs):
        return sum(1 for m in msgs if js(m)["kind"] == "test.event") >= 500 and any(
            js(m)["boot_id"] == boot2 for m in msgs
        )

    got = [js(m) for m in collect(sub, done, timeout=30)]
    seen: set[tuple[str, int]] = set()
    unique = []
    for e in got:
        key = (e["boot_id"], e["seq"])
        if key not in seen:
            seen.add(key)
            unique.append(e)
    tests = [e for e in unique if e["kind"] == "test.event"]
    assert [e["n"] for e in tests] == list(range(500))
    assert all(e["boot_id"] == boot1 for e in tests)
    seqs1 = [e["seq"] for e in unique if e["boot_id"] == boot1]
    assert seqs1 == list(range(1, 502))  # agent.started + 500, no gap, in order
    assert any(e["boot_id"] == boot2 and e["kind"] == "agent.started" for e in unique)
