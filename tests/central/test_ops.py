"""/healthz and /metrics through real HTTP: a real broker link, and a real PostgreSQL stopped."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request

import pytest

from agent.config import Config, MqttConfig, finalize
from central.config import BoardConfig
from central.link import connect, settings_for
from central.model import Message, iso
from central.service import Board
from central.store import open_store
from tests.fixtures.postgres import Postgres

pytestmark = pytest.mark.broker


def _get(base: str, path: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(base + path, timeout=30) as r:
            return r.status, r.headers.get("content-type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type", ""), e.read().decode()


def _wait(cond, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not (value := cond()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return value


def _sample(text: str, name: str) -> float:
    m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert m, f"{name} not in metrics:\n{text}"
    return float(m[1])


def test_healthz_follows_the_broker_link_and_metrics_count_ingest(broker, web, mqtt_client):
    board, server, _ = web(client_id="board-ops")
    base = f"http://127.0.0.1:{server.port}"
    status, _, body = _get(base, "/healthz")  # no sign-in needed; no broker link yet
    assert status == 503
    assert json.loads(body)["reasons"][0].startswith("broker: not connected")
    board.start()
    link = connect(
        board,
        settings_for(
            finalize(Config(mqtt=MqttConfig(host=broker.host, port=broker.port))), "board-ops"
        ),
    )
    try:
        assert link.wait_connected(5)
        _wait(lambda: _get(base, "/healthz")[0] == 200)
        room = mqtt_client(broker, "room")
        topic = "hnth/v2/son-la/xa-a/status"
        online = {
            "schema": "hnth.status/1",
            "state": "online",
            "boot_id": "b1",
            "ts": iso(board.fleet.now()),
        }
        room.publish_wait(topic, json.dumps(online).encode(), retain=True)
        room.publish_wait(topic, json.dumps(online).encode(), retain=True)  # a duplicate
        room.publish_wait("hnth/v2/son-la/xa-a/readiness", b"{not json", retain=False)
        _wait(lambda: board.fleet.stats.received >= 3)
        _wait(lambda: board.fleet.db_writes.n >= 1)
        status, ctype, text = _get(base, "/metrics")
        assert status == 200
        assert ctype.startswith("text/plain; version=0.0.4")
        assert _sample(text, "hnth_board_messages_received_total") == 3
        assert _sample(text, "hnth_board_messages_ingested_total") == 2
        assert _sample(text, "hnth_board_messages_duplicates_total") == 1
        assert _sample(text, "hnth_board_messages_rejected_total") == 1
        assert _sample(text, "hnth_board_broker_connected") == 1
        assert _sample(text, "hnth_board_db_up") == 1
        assert _sample(text, 'hnth_board_rooms{state="unknown"}') == 1  # online, no report yet
        assert _sample(text, 'hnth_board_rooms{state="ready"}') == 0
        assert _sample(text, "hnth_board_live_clients") == 0
        assert _sample(text, 'hnth_board_db_write_seconds_bucket{le="+Inf"}') >= 1
        assert "# TYPE hnth_board_db_write_seconds histogram" in text
        broker.kill()
        status, _, body = _wait(lambda: (r := _get(base, "/healthz"))[0] == 503 and r)
        assert "broker" in json.loads(body)["reasons"][0]
    finally:
        link.stop()


@pytest.mark.postgres
def test_healthz_says_503_while_postgresql_is_down_and_recovers(postgres: Postgres, web, tmp_path):
    store = open_store(postgres.new_database(), str(tmp_path))
    board = Board(BoardConfig(cookie_secure=False), store)
    board.fleet.set_broker(connected=True)  # as the MQTT link reports it; the database is the point
    board.start()
    _, server, _ = web(board)
    base = f"http://127.0.0.1:{server.port}"
    try:
        assert _get(base, "/healthz")[0] == 200
        postgres.stop()
        status, _, body = _get(base, "/healthz")
        assert status == 503
        assert json.loads(body)["reasons"][0].startswith("database: not answering")
        online = {
            "schema": "hnth.status/1",
            "state": "online",
            "boot_id": "b1",
            "ts": iso(board.fleet.now()),
        }
        board.on_message(Message("hnth/v2/son-la/xa-a/status", json.dumps(online).encode(), True))
        _wait(lambda: board.fleet.stats.db_errors >= 1)
        text = _get(base, "/metrics")[2]
        assert _sample(text, "hnth_board_db_up") == 0
        assert _sample(text, "hnth_board_db_pending") >= 1
        assert _sample(text, "hnth_board_db_errors_total") >= 1
        assert _sample(text, 'hnth_board_ingest_degraded{reason="db"}') == 1  # as the page's pill
        assert _sample(text, 'hnth_board_ingest_degraded{reason="pending"}') == 1
        assert _sample(text, 'hnth_board_ingest_degraded{reason="dropped"}') == 0
    finally:
        postgres.start()
    _wait(lambda: _get(base, "/healthz")[0] == 200)  # healed by itself: reconnect, queue drained
    text = _get(base, "/metrics")[2]
    assert _sample(text, "hnth_board_db_up") == 1
    assert _sample(text, "hnth_board_db_pending") == 0
    assert _sample(text, 'hnth_board_ingest_degraded{reason="db"}') == 0
    board.stop()
    assert [r.path.key for r in store.rooms()] == ["son-la/xa-a"]
    store.close()
