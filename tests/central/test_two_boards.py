"""Two board processes on one PostgreSQL share the ingest; kill one and the other carries on.

Real parts only: two `hnth-agent board` processes (share_ingest = "pair"), a real mosquitto, the
real PostgreSQL fixture, rooms publishing the contract over MQTT, the live stream over HTTP.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agent.contract import payloads
from agent.contract.groups import UnitKind
from agent.contract.topics import RoomTopics
from agent.sim.broker import free_port
from central.store import open_store
from tests.central.conftest import PASSWORDS, Http
from tests.central.test_cli import HNTH, run
from tests.fixtures.postgres import Postgres

pytestmark = [pytest.mark.broker, pytest.mark.postgres]

ROOMS = [RoomTopics.v2("son-la", f"xa-{i:02d}") for i in range(12)]


def _wait(cond: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := cond()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return value


def _get(base: str, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(base + path, timeout=10) as r:
            return r.status, r.read().decode()
    except (urllib.error.URLError, OSError) as e:
        return getattr(e, "code", 0), ""


class BoardProcess:
    """One `hnth-agent board` process with its config, port and log."""

    def __init__(self, tmp: Path, name: str, db: str, broker: Any) -> None:
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.config = tmp / f"{name}.toml"
        self.config.write_text(
            f'[agent]\nstate_dir = "{tmp / name}"\n'
            f'[mqtt]\nhost = "{broker.host}"\nport = {broker.port}\n'
            f'[board]\ndatabase = "{db}"\nshare_ingest = "pair"\nclient_id = "{name}"\n'
            f'listen = "127.0.0.1:{self.port}"\ncoverage_heartbeat_s = 1\ncookie_secure = false\n',
            encoding="utf-8",
        )
        self.log = tmp / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [HNTH, "board", "--config", str(self.config), "--lang", "en"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        _wait(lambda: _get(self.base, "/healthz")[0] == 200, 30, f"{self.name} healthy")

    def metric(self, name: str) -> float:
        _, text = _get(self.base, "/metrics")
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise AssertionError(f"{name} not in {self.name}'s metrics")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)  # no clean stop: its session just stops beating
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Stream:
    """The board's live stream (/api/stream), read on a thread; remembers each frame's data."""

    def __init__(self, http: Http) -> None:
        self.frames: list[str] = []
        req = urllib.request.Request(http.base + "/api/stream")
        self._resp = http.opener.open(req, timeout=60)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for raw in self._resp:
                line = raw.decode().rstrip("\n")
                if line.startswith("data: "):
                    self.frames.append(line[6:])
        except (OSError, ValueError, AttributeError):  # closed under the reader
            pass

    def saw(self, text: str) -> bool:
        return any(text in f for f in list(self.frames))

    def close(self) -> None:
        self._resp.close()


@pytest.fixture
def pair(
    tmp_path: Path, broker: Any, postgres: Postgres
) -> Iterator[tuple[BoardProcess, BoardProcess, str]]:
    db = postgres.new_database()
    a, b = (BoardProcess(tmp_path, n, db, broker) for n in ("board-a", "board-b"))
    r = run(
        "board",
        "--add-user",
        "op",
        "--role",
        "operator",
        stdin=PASSWORDS["op"] + "\n",
        env_config=a.config,
    )
    assert r.returncode == 0, r.stderr
    a.start()
    b.start()
    yield a, b, db
    for p in (a, b):
        p.stop()


def _publish_rooms(client: Any, boot: str, seq: int, with_meta: bool) -> None:
    now = datetime.now(UTC)
    for t in ROOMS:
        if with_meta:
            meta = payloads.meta(t.id, name=f"Xã {t.id.room}", unit=UnitKind.XA, groups=[])
            assert client.publish_wait(t.meta, payloads.encode(meta), retain=True) == 0
            status = payloads.status("online", boot_id=boot, agent_version="2.0", ts=now)
            assert client.publish_wait(t.status, payloads.encode(status), retain=True) == 0
        body = payloads.readiness(
            room=t.id,
            name="",
            boot_id=boot,
            seq=seq,
            started_at=now,
            trigger="periodic",
            meeting=None,
            verdict="ready",
            duration_ms=5,
            checks=[payloads.check_entry("camera", "pass", "ok", None, {}, 1)],
        )
        assert client.publish_wait(t.readiness, payloads.encode(body), retain=True) == 0
        event = payloads.event("check.done", boot_id=boot, seq=seq, ts=now)
        assert client.publish_wait(t.events, payloads.encode(event)) == 0


def _count(db: str, tmp: Path, sql: str) -> int:
    store = open_store(db, str(tmp))
    try:
        return int(store._query(sql)[0][0])
    finally:
        store.close()


def test_two_boards_share_the_ingest_and_one_carries_on_when_the_other_is_killed(
    pair, mqtt_client, broker, tmp_path
):
    a, b, db = pair
    rooms = mqtt_client(broker, "rooms")
    http = {"board-a": Http(a.base)}
    http["board-a"].login("op")  # one sign-in: the session is in the database
    http["board-b"] = Http(b.base, csrf=http["board-a"].csrf, jar=http["board-a"].jar)
    status, me = http["board-b"].call("GET", "/api/me")
    assert status == 200, me
    streams = {n: Stream(h) for n, h in http.items()}

    _publish_rooms(rooms, "b1", 1, with_meta=True)
    n = len(ROOMS)
    _wait(lambda: _count(db, tmp_path, "SELECT COUNT(*) FROM events") == n, 30, "events stored")
    _wait(lambda: _count(db, tmp_path, "SELECT COUNT(*) FROM readiness") == n, 30, "readiness")
    _wait(lambda: _count(db, tmp_path, "SELECT COUNT(*) FROM status") == n, 30, "statuses")
    # The ingest is shared: each board stored a part of the stream.
    assert a.metric("hnth_board_messages_stored_total") > 0
    assert b.metric("hnth_board_messages_stored_total") > 0
    for name, h in http.items():  # every board sees every room, live
        _wait(lambda h=h: len(h.call("GET", "/api/fleet")[1]["rooms"]) == n, 20, f"{name} rooms")
        _wait(lambda name=name: streams[name].saw("xa-11"), 20, f"{name}'s live stream")
    # An operator action on one board reaches the audit log open on the other, live.
    start = datetime.now(UTC) + timedelta(hours=1)
    meeting = {"id": "m-two", "title": "Giao ban", "rooms": "*"}
    meeting |= {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
    status, body = http["board-a"].call("POST", "/api/meetings", meeting)
    assert status == 200, body
    _wait(lambda: streams["board-b"].saw('"target":"son-la/m-two"'), 20, "board-b's audit")

    _wait(lambda: b.metric("hnth_board_peers") == 1, 20, "board-b seeing board-a")
    a.kill()
    for s in streams.values():
        s.close()
    _wait(lambda: "stopped ingesting" in b.log.read_text(), 20, "board-b noticing board-a")
    assert b.metric("hnth_board_peers") == 0
    _publish_rooms(rooms, "b1", 2, with_meta=False)
    _wait(lambda: _count(db, tmp_path, "SELECT COUNT(*) FROM events") == 2 * n, 30, "events")
    _wait(lambda: _count(db, tmp_path, "SELECT COUNT(*) FROM readiness") == 2 * n, 30, "reports")
    time.sleep(2)  # a retained-state pass may still run: it must store nothing twice
    assert _count(db, tmp_path, "SELECT COUNT(*) FROM status") == n
    assert _count(db, tmp_path, "SELECT COUNT(*) FROM readiness") == 2 * n
    assert _count(db, tmp_path, "SELECT COUNT(*) FROM events") == 2 * n
    status, fleet = http["board-b"].call("GET", "/api/fleet")  # still signed in, on board-b
    assert status == 200
    assert {r["room"] for r in fleet["rooms"]} == {f"son-la/{t.id.room}" for t in ROOMS}

    month = datetime.now(UTC).strftime("%Y-%m")
    r = run("report", "availability", "--month", month, "--json", env_config=b.config)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)["rooms"]
    assert sorted(x["room"] for x in report) == sorted(
        f"son-la/{t.id.room}" for t in ROOMS
    )  # each room once
    assert b.proc is not None
    assert b.proc.poll() is None


def test_the_contract_acl_lets_the_central_account_take_a_share(acl_broker, mqtt_client):
    """docs/mosquitto/acl, unchanged, serves boards sharing the ingest ($share/<group>/…)."""
    share = mqtt_client(acl_broker, "board-a-ingest", username="central", password="pw-central")
    assert share.subscribe("$share/pair/hnth/v2/#", qos=0) == [0]
    room = mqtt_client(acl_broker, "son-la/xa-a", username="son-la/xa-a", password="pw-xa-a")
    status = payloads.status("online", boot_id="b1", agent_version="2.0", ts=datetime.now(UTC))
    assert room.publish_wait("hnth/v2/son-la/xa-a/status", payloads.encode(status)) == 0
    got = share.get_message(10)
    assert got is not None, "the share delivered nothing"
    assert got.topic == "hnth/v2/son-la/xa-a/status"
