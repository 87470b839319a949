"""The paho wrapper against a real mosquitto: publish/subscribe, properties, outages, TLS."""

from __future__ import annotations

import ssl
import time

import pytest

from agent.errors import BrokerError
from agent.mqtt.client import ClientSettings, MqttClient, TlsSettings, Will, backoff

pytestmark = pytest.mark.broker


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
def test_roundtrip_with_properties(broker, mqtt_client, protocol):
    sub = mqtt_client(broker, "sub", protocol=protocol)
    assert sub.subscribe("hnth/v2/#") == [1]
    pub = mqtt_client(broker, "pub", protocol=protocol)
    rc = pub.publish_wait(
        "hnth/v2/p/r/cmd/state",
        b'{"a":1}',
        response_topic="hnth/v2/p/r/resp/x",
        correlation_data=b"\x00\x01",
        content_type="application/json",
        user_properties=[("ts", "now")],
    )
    assert rc == 0
    msg = sub.get_message(5)
    assert msg is not None
    assert (msg.topic, msg.payload, msg.retain) == ("hnth/v2/p/r/cmd/state", b'{"a":1}', False)
    if protocol == "5":
        assert msg.response_topic == "hnth/v2/p/r/resp/x"
        assert msg.correlation_data == b"\x00\x01"
        assert msg.content_type == "application/json"
        assert msg.user_properties == (("ts", "now"),)
    else:
        assert msg.response_topic is None


def test_retained_message_seen_by_late_subscriber(broker, mqtt_client):
    pub = mqtt_client(broker, "pub")
    assert pub.publish_wait("hnth/v2/p/r/status", b"online", retain=True) == 0
    sub = mqtt_client(broker, "sub")
    sub.subscribe("hnth/v2/+/+/status")
    msg = sub.get_message(5)
    assert msg is not None
    assert msg.retain
    assert msg.payload == b"online"


def test_reconnects_after_broker_kill_and_renews_subscriptions(broker, mqtt_client):
    sub = mqtt_client(broker, "sub", session_expiry_s=0, clean_start=True)
    sub.subscribe("t/#")
    broker.kill()
    broker.start()
    # A second connect is the proof: right after the kill the client may not have noticed yet.
    deadline = time.monotonic() + 10
    while sub.connects < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sub.connects >= 2, "the client did not reconnect after the broker restarted"
    assert sub.wait_connected(5)
    pub = mqtt_client(broker, "pub")
    assert pub.publish_wait("t/x", b"1") == 0
    msg = sub.get_message(5)
    assert msg is not None
    assert msg.payload == b"1"


def test_publish_while_down_is_sent_after_reconnect(broker, mqtt_client):
    pub = mqtt_client(broker, "pub")
    acks: list[tuple[int, int]] = []
    pub._on_publish_cb = lambda mid, rc: acks.append((mid, rc))
    broker.kill()
    # Retained, so that the check below does not depend on which client reconnects first.
    mid = pub.publish("t/late", b"x", retain=True)
    assert pub.pending() == 1
    broker.start()
    assert pub.wait_connected(10)
    sub = mqtt_client(broker, "sub")
    sub.subscribe("t/#")
    msg = sub.get_message(10)
    assert msg is not None
    assert msg.topic == "t/late"
    deadline = time.monotonic() + 5
    while not acks and time.monotonic() < deadline:
        time.sleep(0.01)
    assert acks == [(mid, 0)]
    assert pub.pending() == 0


def test_will_published_when_client_vanishes(broker, mqtt_client):
    sub = mqtt_client(broker, "sub")
    sub.subscribe("w/#")
    settings = ClientSettings(
        broker.host, broker.port, "dying", will=Will("w/status", b"offline"), keepalive_s=5
    )
    c = MqttClient(settings)
    c.start()
    assert c.wait_connected(5)
    # Simulate a crash: close the socket without DISCONNECT.
    c._stopping.set()
    c._paho.socket().close()
    msg = sub.get_message(10)
    c.stop()
    assert msg is not None
    assert (msg.topic, msg.payload, msg.retain) == ("w/status", b"offline", False)


def test_bounded_message_queue_drops_oldest(broker, mqtt_client):
    sub = mqtt_client(broker, "sub", max_messages=3)
    sub.subscribe("q/#")
    pub = mqtt_client(broker, "pub")
    for i in range(6):
        assert pub.publish_wait(f"q/{i}", b"x") == 0
    assert pub.publish_wait("q/done", b"x") == 0
    deadline = time.monotonic() + 5
    while sub.dropped_messages < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    got = []
    while (m := sub.get_message(1)) is not None:
        got.append(m.topic)
    assert got == ["q/4", "q/5", "q/done"]
    assert sub.dropped_messages == 4


def test_refused_login_is_a_clear_failure(acl_broker):
    settings = ClientSettings(
        acl_broker.host,
        acl_broker.port,
        "xa-a",
        username="xa-a",
        password="wrong",
        reconnect_min_s=5,
    )
    c = MqttClient(settings)
    with pytest.raises(BrokerError, match="refused the login"):
        with c:
            pass
    assert c.last_failure is not None
    assert c.last_failure.auth
    assert "wrong" not in repr(settings)


def test_mtls_connects(tls_broker, mqtt_client):
    c = mqtt_client(tls_broker, "xa-a", tls=True, cert_name="xa-a")
    assert c.publish_wait("t/x", b"1") == 0


def test_wrong_ca_is_a_clear_tls_failure(tls_broker, tmp_path):
    from agent.sim.broker import make_pki

    other = make_pki(tmp_path / "other")
    settings = ClientSettings(
        tls_broker.host,
        tls_broker.port,
        "xa-a",
        tls=TlsSettings(ca_file=str(other.ca)),
        reconnect_min_s=5,
    )
    c = MqttClient(settings)
    with pytest.raises(BrokerError, match=r"TLS .* failed: CERTIFICATE_VERIFY_FAILED"):
        with c:
            pass
    assert c.last_failure is not None
    assert c.last_failure.tls


def test_backoff_is_capped_and_jittered():
    import random

    rng = random.Random(1)
    delays = [backoff(a, 0.5, 60, rng) for a in range(20)]
    assert all(0.25 <= d <= 60 for d in delays)
    assert max(delays[10:]) <= 60
    assert min(delays[10:]) >= 30
    assert len({round(d, 6) for d in delays[10:]}) > 1  # jitter: not one synchronised value


def test_tls_context_refuses_missing_ca(tmp_path):
    from agent.mqtt.client import tls_context

    with pytest.raises((OSError, ssl.SSLError)):
        tls_context(TlsSettings(ca_file=str(tmp_path / "nope.pem")))
