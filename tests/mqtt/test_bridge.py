"""docs/mosquitto/bridge.conf: a province broker bridged to a national one, both real."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from agent.checks import Status
from agent.mqtt.client import TlsSettings
from agent.mqtt.link import Actions, Link
from agent.sim.broker import Mosquitto, ServerTls
from tests.mqtt.helpers import base, collect, js, load, report, write_config

pytestmark = pytest.mark.broker

BRIDGE = Path(__file__).resolve().parents[2] / "docs" / "mosquitto" / "bridge.conf"


@pytest.fixture
def national(tmp_path, pki):
    tls = ServerTls(pki.ca, pki.server_cert, pki.server_key)
    b = Mosquitto(
        tmp_path / "national", tls=tls, users={"province-son-la": "pw-prov", "central": "pw-c"}
    )
    b.start()
    yield b
    b.stop()


@pytest.fixture
def province(tmp_path, pki, national):
    text = BRIDGE.read_text()
    for old, new in {
        "address national.hnth.example.vn:8883": f"address 127.0.0.1:{national.port}",
        "/etc/mosquitto/certs/national-ca.crt": str(pki.ca),
        "remote_password change-me": "remote_password pw-prov",
    }.items():
        assert old in text
        text = text.replace(old, new)
    b = Mosquitto(tmp_path / "province", extra=text)
    b.start()
    yield b
    b.stop()


def test_central_on_national_sees_room_and_commands_it(
    tmp_path, pki, national, province, mqtt_client
):
    central_tls = TlsSettings(ca_file=str(pki.ca))
    central = mqtt_client(national, "central", tls=central_tls, username="central", password="pw-c")
    central.subscribe("hnth/v2/#")
    link = Link(
        load(write_config(tmp_path, province)),
        actions=Actions(check=lambda only: report({"network": Status.PASS})),
    )
    try:
        link.start()
        assert link.wait_connected(5)
        link.publish_report(report({"camera": Status.PASS, "network": Status.PASS}))
        msgs = collect(central, lambda ms: any(m.topic.endswith("/readiness") for m in ms), 20)
        readiness = [m for m in msgs if m.topic == f"{base()}/readiness"]
        assert readiness, [m.topic for m in msgs]
        assert js(readiness[0])["verdict"] == "ready"

        # A command sent to the national broker reaches the room; the answer comes back.
        deadline = time.monotonic() + 20
        answer = None
        while answer is None and time.monotonic() < deadline:
            central.publish_wait(
                f"{base()}/cmd/state",
                json.dumps({}).encode(),
                response_topic=f"{base()}/resp/via-bridge",
                correlation_data=b"corr-42",
            )
            got = collect(
                central, lambda ms: any(m.topic.endswith("/resp/via-bridge") for m in ms), 2
            )
            answer = next((m for m in got if m.topic.endswith("/resp/via-bridge")), None)
        assert answer is not None
        assert answer.correlation_data == b"corr-42"
        assert js(answer)["ok"] is True
    finally:
        link.stop()
    late = mqtt_client(
        national, "central-late", tls=central_tls, username="central", password="pw-c"
    )
    late.subscribe(f"{base()}/+")
    retained = collect(
        late, lambda ms: {m.topic.rsplit("/", 1)[1] for m in ms} >= {"readiness", "status"}
    )
    by = {m.topic.rsplit("/", 1)[1]: m for m in retained}
    assert by["readiness"].retain
    assert js(by["status"])["state"] == "offline"
