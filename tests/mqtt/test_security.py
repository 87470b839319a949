"""Security against a real mosquitto, using the shipped examples in docs/mosquitto/."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.errors import ConfigError
from agent.mqtt.client import ClientSettings, MqttClient, TlsSettings
from agent.mqtt.link import Link, client_settings, is_loopback
from agent.sim.broker import CONTRACT_ACL, Mosquitto, free_port
from tests.fixtures.debian_mosquitto import debian_mosquitto
from tests.mqtt.helpers import base, collect, js, load, write_config

pytestmark = pytest.mark.broker

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "mosquitto"
ACCOUNTS = {
    "son-la/xa-a": "pw-a-Chiềng",
    "son-la/xa-b": "pw-b",
    "gia-lai/xa-a": "pw-c",  # the same room id in another province
    "central": "pw-central",
}


def _rules(text: str) -> list[str]:
    return [
        " ".join(line.split())
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def test_shipped_acl_is_the_contract_acl():
    assert _rules((DOCS / "acl").read_text()) == _rules(CONTRACT_ACL)


@pytest.fixture
def accounts(tmp_path):
    """Run docs/mosquitto/make-passwords.sh: a broker password file plus per-room secrets."""
    passwd, secrets = tmp_path / "hnth.passwd", tmp_path / "secrets"
    rooms = "".join(f"{u} {p}\n" for u, p in ACCOUNTS.items())
    subprocess.run(
        ["sh", str(DOCS / "make-passwords.sh"), str(passwd), str(secrets)],
        input=rooms.encode(),
        check=True,
        timeout=30,
    )
    assert ACCOUNTS["son-la/xa-a"] not in passwd.read_text(encoding="utf-8", errors="replace")
    assert (secrets / "son-la" / "xa-a.password").stat().st_mode & 0o077 == 0
    return passwd, secrets


@pytest.fixture
def docs_broker(tmp_path, pki, accounts):
    """docs/mosquitto/mosquitto.conf as conf.d/hnth.conf (with large-province.conf) under Debian's
    main file, paths and port rewritten; TLS + mTLS + ACL."""
    passwd, _ = accounts
    port = free_port()
    text = (DOCS / "mosquitto.conf").read_text()
    for old, new in {
        "/etc/mosquitto/hnth.passwd": passwd,
        "/etc/mosquitto/hnth.acl": DOCS / "acl",
        "/etc/mosquitto/certs/ca.crt": pki.ca,
        "/etc/mosquitto/certs/server.crt": pki.server_cert,
        "/etc/mosquitto/certs/server.key": pki.server_key,
        "listener 8883": f"listener {port} 127.0.0.1",
    }.items():
        assert old in text
        text = text.replace(old, str(new))
    confd = {"hnth.conf": text, "large-province.conf": (DOCS / "large-province.conf").read_text()}
    b = debian_mosquitto(tmp_path / "docs-broker", confd, port)
    b.tls = True  # for .url only
    b.start()
    yield b
    b.stop()


def _client(b, user, pki, *, ca=None, **kw):
    cert, key = pki.client(user.rsplit("/", 1)[-1])
    s = ClientSettings(
        b.host,
        b.port,
        user,
        username=user,
        password=ACCOUNTS[user],
        tls=TlsSettings(ca_file=str(ca or pki.ca), cert_file=str(cert), key_file=str(key)),
        reconnect_min_s=5,
        **kw,
    )
    return MqttClient(s)


@pytest.fixture
def clients():
    made = []
    yield made
    for c in made:
        c.stop()


def _connect(clients, c):
    clients.append(c)
    c.start()
    assert c.wait_first_attempt(5), c.failure_text()
    return c


def test_room_cannot_speak_as_or_read_for_another_room(docs_broker, pki, clients):
    a = _connect(clients, _client(docs_broker, "son-la/xa-a", pki))
    b = _connect(clients, _client(docs_broker, "son-la/xa-b", pki))
    central = _connect(clients, _client(docs_broker, "central", pki))
    central.subscribe("hnth/#")
    own, b_base = base("xa-a"), base("xa-b")
    elsewhere = [
        b_base,  # another room of the province
        "hnth/v2/gia-lai/xa-a",  # its own id under another province
        "hnth/v1/son-la/moc-chau/xa-a",  # v1, with any district
        "hnth/v1/son-la/_/xa-b",
    ]
    leaves = ("status", "meta", "readiness", "snapshot", "events", "resp/1", "cmd/state")
    for where in elsewhere:
        for leaf in leaves:
            assert a.publish_wait(f"{where}/{leaf}", b"{}") == 135, f"{where}/{leaf}"
    for leaf in leaves[:-1]:
        assert a.publish_wait(f"{own}/{leaf}", b"{}") == 0, leaf
    assert a.publish_wait(f"{own}/cmd/state", b"{}") == 135  # only central commands
    assert a.publish_wait("hnth/v2/son-la/_schedule/m1", b"{}") == 135  # nor publishes meetings
    assert a.connected  # a denied QoS 1 publish does not drop the link
    # Central heard only what A may say: A's own topics, nothing attributed to anyone else.
    heard = {m.topic for m in collect(central, lambda ms: False, 1.0)}
    assert heard
    assert all(t.startswith(f"{own}/") for t in heard), sorted(heard)
    # mosquitto 2.0 grants the SUBACK and filters on delivery, so only delivery is checked.
    assert a.subscribe(f"{b_base}/cmd/#") is not None
    a.subscribe("hnth/#")  # even a wide subscription must not leak B's commands
    b.subscribe(f"{b_base}/cmd/#")
    assert central.publish_wait(f"{b_base}/cmd/state", b"{}") == 0
    got_b = b.get_message(5)
    assert got_b is not None
    assert got_b.topic == f"{b_base}/cmd/state"
    leaked = [m for m in collect(a, lambda ms: False, 0.5) if "/cmd/" in m.topic]
    assert leaked == []


def test_migration_acl_lets_v1_rooms_speak_only_v1_and_v2_rooms_only_v2(tmp_path, clients):
    from agent.sim.broker import MIGRATION_ACL

    assert _rules((DOCS / "acl-migration").read_text()) == _rules(MIGRATION_ACL)
    users = {"son-la/xa-a": "a", "xa-old": "o", "central": "c"}
    b = Mosquitto(tmp_path / "mig", users=users, acl=MIGRATION_ACL)
    b.start()
    try:

        def client(user):
            settings = ClientSettings(b.host, b.port, user, username=user, password=users[user])
            return _connect(clients, MqttClient(settings))

        v2, v1 = client("son-la/xa-a"), client("xa-old")
        assert v2.publish_wait("hnth/v2/son-la/xa-a/status", b"{}") == 0
        assert v1.publish_wait("hnth/v1/son-la/moc-chau/xa-old/status", b"{}") == 0
        # A v2 room cannot use the v1 rules: its username holds a '/'.
        assert v2.publish_wait("hnth/v1/son-la/moc-chau/xa-a/status", b"{}") == 135
        # A v1 room cannot publish as any v2 room.
        assert v1.publish_wait("hnth/v2/son-la/xa-old/status", b"{}") == 135
        assert v1.publish_wait("hnth/v2/son-la/xa-a/status", b"{}") == 135
    finally:
        b.stop()


def test_link_over_mtls_with_password_file(tmp_path, docs_broker, pki, accounts, clients, caplog):
    _, secrets = accounts
    cert, key = pki.client("xa-a")
    cfg = load(
        write_config(
            tmp_path,
            docs_broker,
            mqtt=f'tls = true\nca_file = "{pki.ca}"\ncert_file = "{cert}"\nkey_file = "{key}"\n'
            f'password_file = "{secrets / "son-la" / "xa-a.password"}"\n',
        )
    )
    central = _connect(clients, _client(docs_broker, "central", pki))
    central.subscribe("hnth/v2/#")
    caplog.set_level(logging.DEBUG)
    link = Link(cfg)
    try:
        link.start()
        assert link.wait_connected(5), link.failure_text()
        assert central.publish_wait(f"{base()}/cmd/state", b'{"request_id":"r1"}') == 0
        msgs = collect(central, lambda ms: any(m.topic.endswith("/resp/r1") for m in ms))
    finally:
        link.stop()
    status = next(js(m) for m in msgs if m.topic.endswith("/status"))
    assert status["state"] == "online"
    resp = next(js(m) for m in msgs if m.topic.endswith("/resp/r1"))
    assert resp["ok"] is True
    assert ACCOUNTS["son-la/xa-a"] not in caplog.text


def test_wrong_ca_is_a_clear_error_and_the_agent_keeps_trying(tmp_path, docs_broker, pki, clients):
    from agent.sim.broker import make_pki

    other = make_pki(tmp_path / "other-ca")
    c = _client(docs_broker, "son-la/xa-a", pki, ca=other.ca)
    clients.append(c)
    c.start()
    assert not c.wait_first_attempt(5)
    assert "CERTIFICATE_VERIFY_FAILED" in c.failure_text()
    assert c.last_failure is not None
    assert c.last_failure.tls


def test_refused_login_is_clear(docs_broker, pki, clients):
    cert, key = pki.client("xa-a")
    s = ClientSettings(
        docs_broker.host,
        docs_broker.port,
        "xa-a",
        username="xa-a",
        password="wrong",
        tls=TlsSettings(ca_file=str(pki.ca), cert_file=str(cert), key_file=str(key)),
        reconnect_min_s=5,
    )
    c = MqttClient(s)
    clients.append(c)
    c.start()
    assert not c.wait_first_attempt(5)
    assert c.last_failure is not None
    assert c.last_failure.auth
    assert "refused the login" in c.failure_text()
    assert "wrong" not in c.failure_text()


def test_plaintext_to_remote_broker_is_refused(make_config):
    cfg = make_config('[room]\nid = "xa-a"\n[mqtt]\nhost = "192.0.2.10"\n')
    with pytest.raises(ConfigError, match="allow_insecure") as err:
        client_settings(cfg)
    assert "192.0.2.10" in str(err.value)
    ok = make_config('[room]\nid = "xa-a"\n[mqtt]\nhost = "192.0.2.10"\nallow_insecure = true\n')
    assert client_settings(ok).tls is None
    local = make_config('[room]\nid = "xa-a"\n[mqtt]\nhost = "127.0.0.1"\n')
    assert client_settings(local).port == 1883
    assert is_loopback("localhost")
    assert is_loopback("::1")
    assert not is_loopback("10.0.0.1")


def test_cli_exits_3_on_plaintext_to_remote_broker(tmp_path):
    cfg = write_config(tmp_path, None, mqtt='host = "192.0.2.10"\n')
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent",
            "check",
            "--lang",
            "en",
            "--only",
            "host",
            "--publish",
            "--config",
            str(cfg),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "HNTH_AGENT_LANG": "en"},
    )
    assert proc.returncode == 3, proc.stderr
    assert "refusing unencrypted MQTT to 192.0.2.10" in proc.stderr
    assert "allow_insecure" in proc.stderr


def test_secret_file_permissions_warn_and_missing_file_is_config_error(
    tmp_path, make_config, caplog
):
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    secret.chmod(0o644)
    cfg = make_config(
        f'[room]\nid = "xa-a"\n[mqtt]\nhost = "127.0.0.1"\npassword_file = "{secret}"\n'
    )
    with caplog.at_level(logging.WARNING):
        s = client_settings(cfg)
    assert s.password == "s3cret"
    assert s.username == "demo/xa-a"  # contract v2: {province}/{room}
    assert "chmod 600" in caplog.text
    assert "s3cret" not in caplog.text
    assert "s3cret" not in repr(s)
    secret.chmod(0o600)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        client_settings(cfg)
    assert "chmod" not in caplog.text
    missing = make_config(
        f'[room]\nid = "xa-a"\n[mqtt]\nhost = "127.0.0.1"\npassword_file = "{tmp_path / "nope"}"\n'
    )
    with pytest.raises(ConfigError, match="password_file"):
        client_settings(missing)


def test_slugs_cannot_carry_wildcards(make_config):
    from agent.contract.topics import RoomTopics
    from agent.errors import InvalidArgumentError

    for bad in ("+", "#", "a/b", "A", "", "x" * 65, "a+b", "%u"):
        with pytest.raises(InvalidArgumentError):
            RoomTopics.v2("son-la", bad)
    with pytest.raises(ConfigError):
        make_config('[room]\nid = "xa+#"\n')


def test_link_with_refused_login_keeps_running_and_queues(tmp_path, acl_broker, caplog):
    pw = tmp_path / "pw"
    pw.write_text("not-the-password\n")
    pw.chmod(0o600)
    link = Link(load(write_config(tmp_path, acl_broker, mqtt=f'password_file = "{pw}"\n')))
    with caplog.at_level(logging.WARNING):
        link.start()
        assert not link.wait_connected(2)
        link.emit("test.event", n=1)
    try:
        assert "refused the login" in link.failure_text()
        assert link.outbox.count() == 2  # agent.started + the event, kept for later
        assert "not-the-password" not in caplog.text
    finally:
        link.stop()
