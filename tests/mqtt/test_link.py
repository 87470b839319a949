"""The agent's MQTT side against a real mosquitto: status, Will, readiness, snapshot, events."""

from __future__ import annotations

import os
import signal

import pytest

from agent.checks import Status
from agent.contract import payloads
from agent.mqtt.link import Link
from tests.mqtt.helpers import base, collect, js, load, report, write_config
from tests.shapes import assert_meta, assert_readiness

pytestmark = pytest.mark.broker

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100 + b"\xff\xd9"


@pytest.fixture
def link_factory(tmp_path):
    made: list[Link] = []

    def make(b, room="xa-a", **kw):
        link = Link(load(write_config(tmp_path, b, room, name=f"{room}.toml")), **kw)
        made.append(link)
        return link

    yield make
    for link in made:
        link.stop()


def _retained(c, topic_filter, n=1, timeout=5):
    c.subscribe(topic_filter)
    return collect(c, lambda ms: len(ms) >= n, timeout)


def test_online_retained_then_offline_on_clean_stop(broker, mqtt_client, link_factory):
    link = link_factory(broker)
    link.start()
    assert link.wait_connected(5)
    sub = mqtt_client(broker, "central")
    [m] = _retained(sub, base() + "/status")
    body = js(m)
    assert m.retain
    assert body["state"] == "online"
    assert body["boot_id"] == link.boot_id
    assert body["schema"] == "hnth.status/1"
    assert body["ts"].endswith("Z")
    assert len(body["ts"]) == len("2026-03-04T01:30:00.000Z")
    link.stop()
    [m] = collect(sub, lambda ms: len(ms) >= 1)
    assert js(m)["state"] == "offline"
    assert js(m)["boot_id"] == link.boot_id
    late = mqtt_client(broker, "late")
    [m] = _retained(late, base() + "/status")
    assert js(m)["state"] == "offline"


def test_will_after_kill_9_and_late_will_is_identifiable(tmp_path, broker, mqtt_client, agent_proc):
    cfg = write_config(tmp_path, broker)
    sub = mqtt_client(broker, "central")
    sub.subscribe(base() + "/status")
    a = agent_proc(cfg, "--then", "wait")
    boot_a = a.expect("ready")[1]
    online = collect(sub, lambda ms: any(js(m)["state"] == "online" for m in ms))
    assert js(online[-1])["boot_id"] == boot_a
    a.kill()
    [will] = collect(sub, lambda ms: len(ms) >= 1)
    assert js(will) == {**js(will), "state": "offline", "boot_id": boot_a}

    # A frozen agent (think: a partitioned PC) is replaced by a new boot; the broker then
    # publishes the old session's Will, which carries the *old* boot_id.
    b = agent_proc(cfg, "--then", "wait")
    b.expect("ready")
    got = collect(sub, lambda ms: any(js(m)["state"] == "online" for m in ms))
    current = js(got[-1])
    # The new boot has its own state dir: the stopped process may hold its outbox's write
    # lock, and that case is test_outbox's (a clear BusyError), not this test's.
    (tmp_path / "new-boot").mkdir()
    cfg_c = write_config(tmp_path / "new-boot", broker)
    os.kill(b.proc.pid, signal.SIGSTOP)
    try:
        c = agent_proc(cfg_c, "--then", "wait")
        boot_c = c.expect("ready")[1]
        msgs = [js(m) for m in collect(sub, lambda ms: any(js(m)["boot_id"] == boot_c for m in ms))]
    finally:
        os.kill(b.proc.pid, signal.SIGCONT)
    late = [m for m in msgs if m["state"] == "offline"]
    assert late, msgs
    assert all(m["boot_id"] == current["boot_id"] != boot_c for m in late)
    newest = next(m for m in msgs if m["boot_id"] == boot_c)
    assert payloads.is_late_will(newest, late[0])
    assert not payloads.is_late_will(newest, {**late[0], "boot_id": boot_c})


def test_readiness_and_snapshot_retained_and_republished_after_broker_restart(
    tmp_path, broker, mqtt_client, link_factory
):
    jpeg_path = tmp_path / "snap.jpg"
    jpeg_path.write_bytes(JPEG)
    link = link_factory(broker)
    link.start()
    assert link.wait_connected(5)
    rep = report(
        {"camera": Status.PASS, "network": Status.PASS},
        metrics={"camera": {"snapshot_path": str(jpeg_path)}},
    )
    body = link.publish_report(rep)
    assert link.wait_drained(5) == 0
    sub = mqtt_client(broker, "central")
    msgs = _retained(sub, base() + "/+", n=4)
    by = {m.topic.rsplit("/", 1)[1]: m for m in msgs}
    assert js(by["readiness"]) == body
    assert_readiness(body)
    assert body["verdict"] == "ready"
    assert body["room"] == {"province": "son-la", "room": "xa-a", "name": "UBND xã Chiềng Sơn"}
    meta = js(by["meta"])
    assert_meta(meta, "son-la", "xa-a")
    assert meta["groups"] == ["moc-chau"]  # the configured group
    assert by["meta"].retain
    snap = by["snapshot"]
    assert snap.retain
    assert snap.payload == JPEG
    assert snap.content_type == "image/jpeg"
    assert dict(snap.user_properties)["ts"] == body["ts"]

    broker.restart()  # no persistence: the broker forgot every retained message
    assert link.client.wait_connected(10)
    fresh = mqtt_client(broker, "central2")
    msgs = _retained(fresh, base() + "/+", n=4, timeout=10)
    topics = {m.topic.rsplit("/", 1)[1] for m in msgs}
    assert topics == {"status", "meta", "readiness", "snapshot"}


def test_events_alerts_raised_and_cleared_with_seq(broker, mqtt_client, link_factory):
    sub = mqtt_client(broker, "central")
    sub.subscribe(base() + "/events")
    link = link_factory(broker)
    link.start()
    link.publish_report(report({"camera": Status.FAIL, "network": Status.PASS}))
    link.publish_report(report({"camera": Status.WARN, "network": Status.SKIP}))
    link.publish_report(report({"camera": Status.PASS, "network": Status.FAIL}))
    assert link.wait_drained(5) == 0
    events = [js(m) for m in collect(sub, lambda ms: len(ms) >= 8)]
    events += [js(m) for m in collect(sub, lambda ms: False, 0.3)]  # and nothing more
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert {e["boot_id"] for e in events} == {link.boot_id}
    kinds = [(e["kind"], e.get("check"), e.get("status")) for e in events]
    assert kinds == [
        ("agent.started", None, None),
        ("check.completed", None, None),
        ("alert.raised", "camera", "fail"),
        ("check.completed", None, None),
        ("alert.raised", "camera", "warn"),
        ("check.completed", None, None),
        ("alert.cleared", "camera", "pass"),
        ("alert.raised", "network", "fail"),
    ]
    assert events[1]["verdict"] == "not_ready"
    assert events[1]["trigger"] == "manual"


def test_alert_state_survives_restart(broker, link_factory):
    link = link_factory(broker)
    link.start()
    link.publish_report(report({"camera": Status.FAIL}))
    link.stop()
    again = link_factory(broker)
    assert again.outbox.get_meta("alerts") == {"camera": "fail"}


def test_outbox_bound_emits_dropped_notice(tmp_path, broker, mqtt_client):
    cfg = load(write_config(tmp_path, broker, mqtt="outbox_max_events = 10\n"))
    broker.kill()
    link = Link(cfg)
    link.start()
    for i in range(15):
        link.emit("test.event", n=i)
    assert link.outbox.count() <= 10
    link.stop()
    broker.start()
    sub = mqtt_client(broker, "central")
    sub.subscribe(base() + "/events")
    again = Link(cfg)  # a restart replays what the bound kept
    try:
        again.start(emit_started=False)
        assert again.wait_drained(10) == 0
        events = [js(m) for m in collect(sub, lambda ms: len(ms) >= 10)]
    finally:
        again.stop()
    dropped = [e for e in events if e["kind"] == "outbox.dropped"]
    assert dropped
    assert all(e["dropped"] > 0 for e in dropped)
    tests = [e for e in events if e["kind"] == "test.event"]
    assert tests[-1]["n"] == 14
    assert [e["n"] for e in tests] == sorted(e["n"] for e in tests)
    assert [e["seq"] for e in events] == list(
        range(events[0]["seq"], events[0]["seq"] + len(events))
    )


def test_snapshot_bounds(broker, link_factory):
    from agent.errors import DeviceError

    link = link_factory(broker)
    with pytest.raises(DeviceError):
        link.publish_snapshot(b"not a jpeg")
    with pytest.raises(DeviceError):
        link.publish_snapshot(b"\xff\xd8" + b"\x00" * payloads.SNAPSHOT_MAX_BYTES)


def test_broker_dying_mid_publish_loses_nothing(broker, mqtt_client, link_factory):
    sub = mqtt_client(broker, "central", session_expiry_s=600)
    sub.subscribe(base() + "/events")
    link = link_factory(broker)
    link.start()
    assert link.wait_connected(5)
    for i in range(300):
        link.emit("test.event", n=i)
        if i == 100:
            broker.kill()  # mid-stream: some rows in flight, some not yet sent
            broker.start()
    assert link.wait_drained(20) == 0
    # The subscriber's session died with the broker (no persistence): it resubscribed, so
    # only check what arrived after that, plus nothing out of order or missing at the end.
    got = [js(m) for m in collect(sub, lambda ms: any(js(m).get("n") == 299 for m in ms), 20)]
    tests = [e["n"] for e in got if e["kind"] == "test.event"]
    deduped = list(dict.fromkeys(tests))
    assert deduped == sorted(deduped)
    assert deduped[-1] == 299
    assert link.outbox.count() == 0
    assert link.pump.delivered >= 300
