"""Safe motion in the daemon: a real `hnth-agent run`, a real mosquitto, the VISCA emulator
on a real pty. Every way a remote motion can lose its controller ends with the camera stopped:

- SIGTERM to the daemon during a timed `ptz.move`: STOP goes out before the process exits;
- a hold (`ptz.move` without `duration_ms`) that is not repeated stops within
  `[ptz] hold_timeout_ms`, and one that is repeated keeps moving;
- the broker dies during a hold: the camera stops at once, long before the hold timeout.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from tests.daemon.rig import BASE, Daemon, Inbox
from tests.pelco.conftest import pelco_factory

__all__ = ["pelco_factory"]  # the Pelco emulator on a pty, for the Pelco-D cases

pytestmark = pytest.mark.broker


def _config(tmp_path: Path, broker, emu, hold_ms: int) -> Path:
    port = getattr(emu, "pelco_url", emu.path)
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[agent]\nstate_dir = "{tmp_path / "state"}"\nlanguage = "en"\n'
        '[room]\nprovince = "son-la"\ngroups = ["moc-chau"]\nid = "xa-chieng-son"\n'
        f'[mqtt]\nhost = "{broker.host}"\nport = {broker.port}\n'
        f'[ptz]\nport = "{port}"\nhold_timeout_ms = {hold_ms}\n'
        '[checks]\nenabled = ["host"]\ncritical = []\n'
        "[host]\ncpu_sample_s = 0\n"
        "[schedule]\nperiodic_min = 60\n",
        encoding="utf-8",
    )
    return cfg


def _moving(state) -> bool:
    return bool(state.pan_v or state.tilt_v)


def _start(tmp_path, broker, mqtt_client, emu, hold_ms):
    central = mqtt_client(broker, "central")
    central.subscribe(f"{BASE}/#")
    inbox = Inbox(central)
    d = Daemon(tmp_path, _config(tmp_path, broker, emu, hold_ms))
    d.wait_for(lambda: d.notice("READY=1"), 20, "READY=1")
    d.wait_for(lambda: inbox.find(f"{BASE}/status", lambda s: s["state"] == "online"), 10, "online")
    return central, inbox, d


def _move(central, rid: str, **extra: object) -> None:
    body = {"request_id": rid, "direction": "right", "speed": 3, **extra}
    central.publish(f"{BASE}/cmd/ptz.move", json.dumps(body))


def _wait(what, timeout: float) -> float:
    """Wait until `what()`; return how long it took (fails after `timeout`)."""
    t0 = time.monotonic()
    while not what():
        assert time.monotonic() - t0 < timeout, "timed out"
        time.sleep(0.01)
    return time.monotonic() - t0


def test_sigterm_during_a_timed_move_stops_the_camera_before_exit(
    tmp_path, broker, mqtt_client, visca_emulator
):
    cam = visca_emulator.state
    central, _, d = _start(tmp_path, broker, mqtt_client, visca_emulator, 2000)
    try:
        _move(central, "timed-1", duration_ms=9000)
        _wait(lambda: _moving(cam), 10)
        time.sleep(0.3)
        assert _moving(cam)  # the timed move is in flight
        t0 = time.monotonic()
        d.signal(signal.SIGTERM)
        d.proc.wait(10)
        exited = time.monotonic() - t0
        assert not _moving(cam), "the daemon exited and left the camera panning"
        assert d.proc.returncode == 0
        assert exited < 5, exited
    finally:
        d.close()


def test_a_hold_that_is_not_repeated_stops_within_the_timeout(
    tmp_path, broker, mqtt_client, visca_emulator
):
    cam = visca_emulator.state
    central, inbox, d = _start(tmp_path, broker, mqtt_client, visca_emulator, 600)
    try:
        # Repeated every 200 ms for 1.5 s (2.5 timeouts): the camera keeps moving.
        _move(central, "hold-0")
        _wait(lambda: _moving(cam), 10)
        for i in range(1, 8):
            time.sleep(0.2)
            _move(central, f"hold-{i}")
            assert _moving(cam), f"a repeated hold stopped after refresh {i}"
        resp = inbox.find(f"{BASE}/resp/hold-0")
        assert resp is None or resp["ok"] is True, resp
        # Then the operator vanishes: STOP within the timeout (plus delivery slack).
        t_last = time.monotonic()
        _wait(lambda: not _moving(cam), 3)
        stopped_after = time.monotonic() - t_last
        assert 0.4 <= stopped_after <= 1.6, stopped_after
        d.wait_for(lambda: d.logged("hold-to-move ended"), 5, "the hold log line")
    finally:
        d.close()


def test_broker_killed_during_a_hold_stops_the_camera_at_once(
    tmp_path, broker, mqtt_client, visca_emulator
):
    cam = visca_emulator.state
    central, _, d = _start(tmp_path, broker, mqtt_client, visca_emulator, 20_000)
    try:
        _move(central, "hold-a")
        _wait(lambda: _moving(cam), 10)
        time.sleep(0.5)
        assert _moving(cam)  # a 20 s hold: only the lost link can stop it this soon
        broker.kill()
        took = _wait(lambda: not _moving(cam), 5)
        assert took < 3, took
        d.wait_for(lambda: d.logged("link lost"), 5, "the link-lost log line")
    finally:
        d.close()


class _PelcoRig:
    """The Pelco emulator as `_start` wants it: a port URL and a state with velocities."""

    def __init__(self, emu) -> None:
        self.emu = emu
        self.path = emu.path
        self.pelco_url = f"pelco-d://{emu.path}?baud={emu.baud}&address=1"

    @property
    def state(self):
        return self.emu.state


def test_pelco_sigterm_mid_move_and_broker_loss_mid_hold(
    tmp_path, broker, mqtt_client, pelco_factory
):
    rig = _PelcoRig(pelco_factory(baud=9600))
    cam = rig.state
    central, _, d = _start(tmp_path, broker, mqtt_client, rig, 20_000)
    try:
        _move(central, "hold-p")
        _wait(lambda: _moving(cam), 10)
        broker.kill()
        assert _wait(lambda: not _moving(cam), 5) < 3
        d.wait_for(lambda: d.logged("link lost"), 5, "the link-lost log line")
        broker.start()
        # Both the daemon and this test's client reconnect on their own: ask until it moves.
        deadline = time.monotonic() + 30
        for i in range(60):
            _move(central, f"timed-p{i}", duration_ms=9000)
            if _wait_soft(lambda: _moving(cam), 0.5) or time.monotonic() > deadline:
                break
        assert _moving(cam), "the daemon never took a move after the broker came back"
        d.signal(signal.SIGTERM)
        d.proc.wait(10)
        assert not _moving(cam), "the daemon exited and left the Pelco camera panning"
        assert d.proc.returncode == 0
    finally:
        d.close()


def _wait_soft(what, timeout: float) -> bool:
    t0 = time.monotonic()
    while not what():
        if time.monotonic() - t0 > timeout:
            return False
        time.sleep(0.01)
    return True
