"""Nothing lost between mosquitto and ingest: the intake queue; a burst at default limits."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import pytest

from agent.config import Config, MqttConfig, finalize
from central.intake import Intake
from central.link import connect, settings_for
from central.model import Message, iso


def test_the_intake_keeps_order_counts_what_it_drops_and_drains():
    got: list[str] = []
    gate = threading.Event()

    def slow(msg: Message) -> None:
        gate.wait(5)
        got.append(msg.topic)

    intake = Intake(slow, limit=3)
    assert intake.put(Message("t/0", b""))
    deadline = time.monotonic() + 5
    while intake.depth() and time.monotonic() < deadline:  # the worker holds t/0 now
        time.sleep(0.01)
    kept = ["t/0"] + [f"t/{i}" for i in range(1, 6) if intake.put(Message(f"t/{i}", b""))]
    assert kept == ["t/0", "t/1", "t/2", "t/3"]  # 3 wait; the rest are counted, never silent
    assert intake.dropped == 2
    assert intake.lag_s() >= 0
    assert not intake.drain(0.1)
    gate.set()
    assert intake.drain(5)
    assert got == kept  # in order
    assert intake.depth() == 0


@pytest.mark.broker
def test_a_burst_beyond_mosquittos_default_queue_reaches_the_board_whole(
    broker, make_board, mqtt_client
):
    # 4,000 retained statuses wait at a broker with the default max_queued_messages (1000):
    # subscribed at QoS 1, or read on the MQTT thread, the board got about 1,000 of them.
    n = 4000
    rooms = mqtt_client(broker, "burst")
    acked = threading.Semaphore(0)
    now = iso(datetime.now(UTC))
    for i in range(n):
        body = {"schema": "hnth.status/1", "state": "online", "boot_id": "b", "ts": now}
        rooms.publish(
            f"hnth/v2/son-la/xa-{i}/status",
            json.dumps(body),
            qos=1,
            retain=True,
            on_ack=lambda *_: acked.release(),
        )
    for _ in range(n):
        assert acked.acquire(timeout=30)
    board = make_board(client_id="board-burst")
    board.start()
    link = connect(
        board,
        settings_for(
            finalize(Config(mqtt=MqttConfig(host=broker.host, port=broker.port))), "board-burst"
        ),
    )
    try:
        deadline = time.monotonic() + 60
        while len(board.fleet.rooms()) < n and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(board.fleet.rooms()) == n
        assert board.fleet.intake.dropped == 0
        assert "dropped" not in broker.log_tail(200)
    finally:
        link.stop()


@pytest.mark.broker
def test_a_reconcile_pass_reads_every_retained_state_into_ingest(broker, make_board, mqtt_client):
    from central.reconcile import Reconciler

    n = 1500
    rooms = mqtt_client(broker, "retained")
    acked = threading.Semaphore(0)
    body = {
        "schema": "hnth.status/1",
        "state": "online",
        "boot_id": "b",
        "ts": iso(datetime.now(UTC)),
    }
    for i in range(n):
        for leaf, payload in (("status", json.dumps(body)), ("snapshot", b"\xff\xd8\xff\xe0jpeg")):
            rooms.publish(
                f"hnth/v2/son-la/xa-{i}/{leaf}",
                payload,
                qos=1,
                retain=True,
                on_ack=lambda *_: acked.release(),
            )
    for _ in range(2 * n):
        assert acked.acquire(timeout=30)
    board = make_board(client_id="board-gap")  # it missed all of it: never connected
    settings = settings_for(
        finalize(Config(mqtt=MqttConfig(host=broker.host, port=broker.port))), "board-gap"
    )
    r = Reconciler(settings, board.fleet, stopping=lambda: False, settle_s=0.5)
    assert r.run_once(timeout_s=60) == 2 * n
    assert r.last_statuses == n
    assert len(board.fleet.rooms()) == n
    assert all(row["status"] == "online" for row in board.fleet.rooms())
    assert board.fleet.room("son-la/xa-7").snapshot is not None
    assert board.fleet.reconciles == 1
    assert board.fleet.stats.rejected == 0
