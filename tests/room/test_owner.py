"""The daemon owns the devices: staff's `check` asks it, and the readiness is the whole room."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.daemon.rig import BASE, Daemon, Inbox
from tests.fixtures.common import need_program

pytestmark = [pytest.mark.broker, pytest.mark.slow]

HNTH = str(Path(sys.executable).parent / "hnth-agent")
STAFF_GROUP = 47113  # the hnth-agent group of this test (a number: no /etc/group entry needed)
NOBODY = 65534


def base_config(tmp: Path, state: Path, broker, ptz: str, extra: str = "") -> str:
    return (
        f'[agent]\nstate_dir = "{state}"\nlanguage = "en"\n'
        '[room]\nprovince = "son-la"\nid = "xa-chieng-son"\n'
        f'[mqtt]\nhost = "{broker.host}"\nport = {broker.port}\n'
        f'[ptz]\nport = "{ptz}"\n'
        "[schedule]\nperiodic_min = 60\n" + extra
    )


def test_a_network_only_run_leaves_the_camera_failure_in_the_readiness(
    tmp_path, broker, mqtt_client, visca_emulator, video_clips, open_port
):
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        base_config(
            tmp_path,
            tmp_path / "state",
            broker,
            visca_emulator.path,
            f'[camera]\nsource = "{video_clips["black"]}"\nseconds = 0.5\n'
            f'[network]\ntargets = ["127.0.0.1:{open_port}"]\nsamples = 2\n'
            '[checks]\nenabled = ["network", "camera", "ptz"]\n'
            'critical = ["network", "camera", "ptz"]\n',
        ),
        encoding="utf-8",
    )
    central = mqtt_client(broker, "central")
    central.subscribe("hnth/v2/#")
    inbox = Inbox(central)
    d = Daemon(tmp_path, cfg)
    try:
        d.wait_for(lambda: inbox.find(f"{BASE}/readiness"), 30, "the startup readiness")
        first = inbox.find(f"{BASE}/readiness")
        assert first["verdict"] == "not_ready"
        central.publish(
            f"{BASE}/cmd/check",
            json.dumps({"only": ["network"], "request_id": "net-1"}).encode(),
        )
        d.wait_for(lambda: inbox.find(f"{BASE}/resp/net-1"), 20, "the check response")
        answer = inbox.find(f"{BASE}/resp/net-1")
        assert answer["ok"] is True, answer
        d.wait_for(
            lambda: inbox.find(f"{BASE}/readiness", lambda r: r["trigger"] == "command"),
            10,
            "the readiness after the network-only run",
        )
        room = inbox.find(f"{BASE}/readiness", lambda r: r["trigger"] == "command")
    finally:
        d.close()
    assert room["verdict"] == "not_ready", room
    checks = {c["name"]: c for c in room["checks"]}
    assert set(checks) == {"network", "camera", "ptz"}
    camera, network = checks["camera"], checks["network"]
    assert camera["status"] == "fail"
    assert camera["key"] == "camera.black"
    assert camera["trigger"] == "startup"
    assert network["trigger"] == "command"
    assert camera["ran_at"] < network["ran_at"]
    assert camera["age_s"] >= 0
    # The command's own answer is the whole room too.
    assert {c["name"] for c in answer["result"]["checks"]} == {"network", "camera", "ptz"}


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder another user can reach (pytest's own are 0700 under /tmp/pytest-of-root)."""
    path = Path(tempfile.mkdtemp(prefix="hnth-owner-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def as_user(
    uid: int, groups: list[int], *argv: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run `argv` as another user (setpriv: no /etc/passwd entry needed)."""
    group_arg = ["--groups", ",".join(map(str, groups))] if groups else ["--clear-groups"]
    return subprocess.run(
        ["setpriv", f"--reuid={uid}", f"--regid={uid}", *group_arg, *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_staff_check_asks_the_daemon_without_the_config_or_the_port(
    tmp_path, shared_dir, broker, visca_emulator
):
    need_program("setpriv")
    if os.geteuid() != 0:
        pytest.skip("switching to another user needs root")
    probe = as_user(NOBODY, [], sys.executable, "-c", "print(1)", env=dict(os.environ))
    if probe.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail(f"this interpreter cannot run as nobody: {probe.stderr}")
        pytest.skip(f"this interpreter cannot run as nobody: {probe.stderr.strip()}")
    sock = shared_dir / "run" / "agent.sock"
    cfg = tmp_path / "config.toml"  # 0600 and in a 0700 folder: unreadable to staff
    cfg.write_text(
        base_config(
            tmp_path,
            tmp_path / "state",
            broker,
            visca_emulator.path,
            '[checks]\nenabled = ["host", "ptz"]\ncritical = ["ptz"]\n[host]\ncpu_sample_s = 0\n',
        ).replace(
            'language = "en"\n',
            f'language = "en"\nsocket = "{sock}"\nsocket_group = "{STAFF_GROUP}"\n',
        ),
        encoding="utf-8",
    )
    cfg.chmod(0o600)
    (shared_dir / "run").mkdir()
    (shared_dir / "run").chmod(0o755)
    d = Daemon(tmp_path, cfg)
    env = {k: v for k, v in os.environ.items() if k not in ("HNTH_AGENT_CONFIG", "NOTIFY_SOCKET")}
    env.update(HNTH_AGENT_SOCKET=str(sock), HNTH_AGENT_LANG="en", HOME="/")
    try:
        d.wait_for(sock.exists, 30, "the local socket")
        assert oct(sock.stat().st_mode & 0o777) == "0o660"
        assert sock.stat().st_gid == STAFF_GROUP
        staff = as_user(NOBODY, [STAFF_GROUP], HNTH, "check", "--json", env=env)
        outsider = as_user(NOBODY, [], HNTH, "check", "--json", env=env)
        served = d.logged("local check from uid 65534")
    finally:
        d.close()
    assert staff.returncode in (0, 1), staff.stderr
    body = json.loads(staff.stdout)
    ptz = next(c for c in body["checks"] if c["name"] == "ptz")
    assert ptz["status"] == "pass", ptz
    assert "in use" not in ptz["summary"]
    assert body["trigger"] == "manual"
    assert served
    # Not in the group: refused by the socket's mode, with what to do; and no config to read.
    assert outsider.returncode == 3, outsider.stdout + outsider.stderr
    assert "hnth-agent group" in outsider.stderr
