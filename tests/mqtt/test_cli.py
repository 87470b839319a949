"""`hnth-agent check --publish` and `hnth-agent mqtt-test` as a technician runs them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.broker import ROOM_USERS
from tests.mqtt.helpers import base, collect, js, write_config
from tests.shapes import assert_readiness

pytestmark = pytest.mark.broker

ROOT = Path(__file__).resolve().parents[2]


def agent(*args, timeout=90):
    env = {**os.environ, "HNTH_AGENT_LANG": "en", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "agent", *args],
        check=False, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env,
    )  # fmt: skip


def test_check_publish_leaves_retained_readiness_and_snapshot(
    tmp_path, broker, mqtt_client, video_clips
):
    camera = f'[camera]\nsource = "{video_clips["moving"]}"\nmin_fps = 1\n'
    cfg = write_config(tmp_path, broker, extra=camera)
    proc = agent(
        "check", "--only", "camera,host", "--publish", "--config", str(cfg), "--lang", "en"
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "published the result to" in proc.stderr
    sub = mqtt_client(broker, "central")
    sub.subscribe("hnth/v2/#")
    msgs = collect(
        sub, lambda ms: {m.topic.rsplit("/", 1)[1] for m in ms} >= {"readiness", "snapshot"}
    )
    by = {m.topic: m for m in msgs}
    readiness = by[f"{base()}/readiness"]
    assert readiness.retain
    body = js(readiness)
    assert_readiness(body)
    # The room's readiness, in [checks] enabled order (a first run: only these two known).
    assert [c["name"] for c in body["checks"]] == ["host", "camera"]
    assert all(c["trigger"] == "manual" for c in body["checks"])
    assert body["trigger"] == "manual"
    snap = by[f"{base()}/snapshot"]
    assert snap.retain
    assert snap.payload[:2] == b"\xff\xd8"
    assert len(snap.payload) <= 64 * 1024
    assert snap.content_type == "image/jpeg"
    assert dict(snap.user_properties)["ts"] == body["ts"]
    # One-shot runs leave the status to the daemon.
    assert f"{base()}/status" not in by


def test_check_publish_without_broker_says_how_many_events_stay_queued(tmp_path, broker):
    cfg = write_config(tmp_path, broker)
    broker.kill()
    proc = agent(
        "check",
        "--only",
        "host",
        "--publish",
        "--publish-timeout",
        "1",
        "--config",
        str(cfg),
        "--lang",
        "en",
    )
    assert proc.returncode >= 1
    assert "could not publish to" in proc.stderr
    assert re.search(r"\b1 event stays queued\b", proc.stderr), proc.stderr  # one check.completed
    assert "mqtt-test" in proc.stderr
    # The queued events go out on the next run once the broker is back.
    broker.start()
    again = agent("check", "--only", "host", "--publish", "--config", str(cfg), "--lang", "en")
    assert "published the result" in again.stderr, again.stderr


def test_check_json_publish_keeps_stdout_clean(tmp_path, broker):
    cfg = write_config(tmp_path, broker)
    proc = agent("check", "--only", "host", "--json", "--publish", "--config", str(cfg))
    assert json.loads(proc.stdout)["schema"] == "hnth.readiness/2"


def test_mqtt_test_all_steps_pass_with_acl_and_password(tmp_path, acl_broker):
    pw = tmp_path / "pw"
    pw.write_text(ROOM_USERS["son-la/xa-a"] + "\n")
    pw.chmod(0o600)
    cfg = write_config(tmp_path, acl_broker, mqtt=f'password_file = "{pw}"\n')
    proc = agent("mqtt-test", "--config", str(cfg), "--lang", "en", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    steps = {s["step"]: s["status"] for s in json.loads(proc.stdout)["steps"]}
    assert steps == {
        "config": "pass", "dns": "pass", "tcp": "pass", "tls": "skip",
        "auth": "pass", "publish": "pass", "commands": "pass",
    }  # fmt: skip
    assert proc.stderr == ""


def test_mqtt_test_refused_login_fails_with_hint(tmp_path, acl_broker):
    pw = tmp_path / "pw"
    pw.write_text("wrong\n")
    pw.chmod(0o600)
    cfg = write_config(tmp_path, acl_broker, mqtt=f'password_file = "{pw}"\n')
    proc = agent("mqtt-test", "--config", str(cfg), "--lang", "en")
    assert proc.returncode == 1
    assert "[FAIL] MQTT login" in proc.stdout
    assert "password_file" in proc.stdout
    assert "[SKIP] Publish" in proc.stdout
    assert "wrong" not in proc.stdout + proc.stderr


def test_mqtt_test_room_on_wrong_subtree_fails_publish(tmp_path, acl_broker):
    # Logged in as xa-a but configured as room xa-b: the ACL refuses xa-b's topics.
    pw = tmp_path / "pw"
    pw.write_text(ROOM_USERS["son-la/xa-a"] + "\n")
    pw.chmod(0o600)
    cfg = write_config(
        tmp_path, acl_broker, "xa-b", mqtt=f'username = "son-la/xa-a"\npassword_file = "{pw}"\n'
    )
    proc = agent("mqtt-test", "--config", str(cfg), "--lang", "en")
    assert proc.returncode == 1
    assert "[FAIL] Publish to the room's subtree" in proc.stdout
    assert "reason 135" in proc.stdout


def test_mqtt_test_tls_and_closed_port(tmp_path, tls_broker, pki):
    cert, key = pki.client("xa-a")
    tls = f'tls = true\nca_file = "{pki.ca}"\ncert_file = "{cert}"\nkey_file = "{key}"\n'
    cfg = write_config(tmp_path, tls_broker, mqtt=tls)
    proc = agent("mqtt-test", "--config", str(cfg), "--lang", "en")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[PASS] TLS handshake and certificate" in proc.stdout
    assert "days left" in proc.stdout
    from agent.sim.broker import make_pki

    other = make_pki(tmp_path / "other")
    wrong = write_config(
        tmp_path, tls_broker, mqtt=tls.replace(str(pki.ca), str(other.ca)), name="wrong.toml"
    )
    proc = agent("mqtt-test", "--config", str(wrong), "--lang", "en")
    assert proc.returncode == 1
    assert "[FAIL] TLS handshake" in proc.stdout
    assert "CERTIFICATE_VERIFY_FAILED" in proc.stdout
    tls_broker.stop()
    proc = agent("mqtt-test", "--config", str(cfg), "--lang", "en")
    assert proc.returncode == 1
    assert "[FAIL] TCP connection" in proc.stdout


def test_mqtt_test_bad_config_exits_3(tmp_path):
    cfg = write_config(tmp_path, None, mqtt='host = "192.0.2.10"\n')
    proc = agent("mqtt-test", "--config", str(cfg), "--lang", "en")
    assert proc.returncode == 3
    assert "allow_insecure" in proc.stderr


def test_mqtt_test_warns_when_the_broker_certificate_expires_soon(tmp_path):
    from agent.sim.broker import Mosquitto, ServerTls, make_pki

    pki = make_pki(tmp_path / "short", days=10)
    tls = ServerTls(pki.ca, pki.server_cert, pki.server_key)
    with Mosquitto(tmp_path / "b", tls=tls) as b:
        cfg = write_config(tmp_path, b, mqtt=f'tls = true\nca_file = "{pki.ca}"\n')
        proc = agent("mqtt-test", "--config", str(cfg), "--lang", "en")
    assert proc.returncode == 0, proc.stdout
    assert "[WARN] TLS handshake and certificate" in proc.stdout
    assert "expires in 9 days" in proc.stdout or "expires in 10 days" in proc.stdout
    assert "renew" in proc.stdout


def test_check_publish_next_to_a_running_daemon(tmp_path, broker, mqtt_client, agent_proc):
    cfg = write_config(tmp_path, broker)
    daemon = agent_proc(cfg, "--emit", "50", "--then", "wait")
    boot = daemon.expect("ready")[1]
    daemon.expect("emitted")
    proc = agent(
        "check",
        "--only",
        "host",
        "--publish",
        "--publish-timeout",
        "20",
        "--config",
        str(cfg),
        "--lang",
        "en",
    )
    assert "published the result" in proc.stderr, proc.stderr
    sub = mqtt_client(broker, "central")
    sub.subscribe(f"{base()}/status")
    [status] = collect(sub, lambda ms: len(ms) >= 1)
    # The one-shot neither took over the daemon's session nor marked the room offline.
    assert js(status) == {**js(status), "state": "online", "boot_id": boot}
    assert daemon.proc.poll() is None
