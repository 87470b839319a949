"""docs/mosquitto/large-province.conf on a real mosquitto, loaded as Debian loads conf.d snippets.

Each broker reads a copy of Debian's /etc/mosquitto/mosquitto.conf (paths moved to a temp dir)
that includes a conf.d holding the test's listener and, unless it is the control, the snippet
unchanged. What the settings change is observed from outside, as a client sees it: the offline
queue of a persistent QoS 1 subscriber, the Receive Maximum in CONNACK and the $SYS interval.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agent.sim.broker import Mosquitto, free_port
from tests.fixtures.common import need_program
from tests.fixtures.debian_mosquitto import debian_mosquitto

pytestmark = pytest.mark.broker

SNIPPET = Path(__file__).resolve().parents[2] / "docs" / "mosquitto" / "large-province.conf"

DEFAULT_QUEUE = 1000  # mosquitto's max_queued_messages when nothing sets it
BURST = 1500  # more than the default queue, small enough for a few seconds


def debian_broker(workdir: Path, *, snippet: bool) -> Mosquitto:
    """A mosquitto reading Debian's main file, with conf.d = our listener (+ the snippet)."""
    port = free_port()
    # Name order: the listener first, as hnth.conf comes before large-province.conf.
    confd = {"00-listener.conf": f"listener {port} 127.0.0.1\nallow_anonymous true\n"}
    if snippet:
        confd[SNIPPET.name] = SNIPPET.read_text(encoding="utf-8")
    return debian_mosquitto(workdir, confd, port)


@pytest.fixture
def start_broker(tmp_path: Path) -> Iterator[Callable[..., Mosquitto]]:
    """`start_broker(snippet=True)` → a running Debian-style broker, stopped at teardown."""
    need_program("mosquitto")
    made: list[Mosquitto] = []

    def start(*, snippet: bool) -> Mosquitto:
        b = debian_broker(tmp_path / f"broker-{len(made)}", snippet=snippet)
        made.append(b)
        return b.start()

    yield start
    for b in made:
        b.stop()


# ---------------------------------------------------------------- the tests


def test_the_snippet_loads_under_debians_main_file(start_broker, mqtt_client):
    b = start_broker(snippet=True)
    c = mqtt_client(b, "probe")
    assert c.publish_wait("t/x", b"1", qos=1, timeout=5) == 0
    log = (b.dir / "file.log").read_text(encoding="utf-8") + b.log_tail(200)
    assert "large-province.conf" in log, "conf.d was not read"
    # A listener option in the snippet would have opened a default listener on 1883.
    assert "port 1883" not in log
    assert "Error" not in log
    # log_timestamp_format: ISO dates, not seconds since 1970.
    assert "mosquitto version" in log
    assert any(line[:4].isdigit() and line[4] == "-" for line in log.splitlines()[-5:]), log


@pytest.mark.parametrize(("snippet", "expected"), [(True, BURST), (False, DEFAULT_QUEUE)])
def test_a_burst_to_an_offline_subscriber(start_broker, mqtt_client, snippet, expected):
    """A persistent QoS 1 session that is away gets the whole burst only with the snippet."""
    b = start_broker(snippet=snippet)
    slow = mqtt_client(b, "slow-board", max_messages=BURST + 100)
    assert slow.subscribe("hnth/v2/#", qos=1) == [1]
    slow.stop()  # its session (expiry 1 h) stays on the broker and queues

    pub = mqtt_client(b, "rooms")
    for i in range(BURST):
        pub.publish(f"hnth/v2/son-la/xa-{i}/events", b'{"seq":%d}' % i, qos=1)
    deadline = time.monotonic() + 20
    while pub.pending() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert pub.pending() == 0, "the broker did not acknowledge the burst"

    back = mqtt_client(b, "slow-board", clean_first=False, max_messages=BURST + 100)
    got = []
    while (m := back.get_message(1.0)) is not None:
        got.append(m.topic)
    assert len(got) == expected
    if snippet:
        assert len(set(got)) == BURST  # each once, none lost
    else:
        assert "Outgoing messages are being dropped" in b.log_tail(400)


@pytest.mark.parametrize(("snippet", "expected"), [(True, 100), (False, 20)])
def test_connack_receive_maximum_is_max_inflight_messages(start_broker, snippet, expected):
    b = start_broker(snippet=snippet)
    assert connack_properties(b.host, b.port)[0x21] == expected  # Receive Maximum


def test_sys_topics_follow_sys_interval(start_broker, mqtt_client):
    b = start_broker(snippet=True)
    c = mqtt_client(b, "monitor")
    c.subscribe("$SYS/broker/uptime", qos=0)
    uptimes: list[int] = []  # the retained value, then the next update
    deadline = time.monotonic() + 10
    while len(uptimes) < 2 and time.monotonic() < deadline:
        if (m := c.get_message(0.5)) is not None:
            uptimes.append(int(m.payload.split()[0]))  # b"12 seconds"
    assert len(uptimes) == 2, f"$SYS/broker/uptime: {uptimes}"
    assert 4 <= uptimes[1] - uptimes[0] <= 6, uptimes  # sys_interval 5 (Debian's default: 10)


# ---------------------------------------------------------------- helpers


def connack_properties(host: str, port: int) -> dict[int, int]:
    """Send a bare MQTT 5 CONNECT; return CONNACK's integer properties by identifier."""
    cid = b"connack-probe"
    # protocol name, level 5, flags clean start, keepalive 30, no properties; payload client id.
    body = b"\x00\x04MQTT\x05\x02\x00\x1e\x00" + len(cid).to_bytes(2, "big") + cid
    with socket.create_connection((host, port), 5) as s:
        s.sendall(b"\x10" + bytes([len(body)]) + body)
        data = b""
        while len(data) < 2 or len(data) < 2 + data[1]:
            chunk = s.recv(256)
            if not chunk:
                break
            data += chunk
    assert data[0] == 0x20, f"not a CONNACK: {data.hex()}"
    assert data[1] < 128, "CONNACK longer than this probe reads"
    assert data[3] == 0, f"CONNACK reason {data[3]:#x}"
    props, i, end = {}, 5, 5 + data[4]
    sizes = {0x21: 2, 0x22: 2, 0x24: 1, 0x25: 1, 0x27: 4, 0x13: 2, 0x28: 1, 0x29: 1, 0x2A: 1}
    while i < end:
        ident, n = data[i], sizes[data[i]]
        props[ident] = int.from_bytes(data[i + 1 : i + 1 + n], "big")
        i += 1 + n
    return props
