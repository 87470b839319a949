"""Ctrl-C and SIGTERM during a `hnth-agent ptz` motion leave the camera stopped.

A real `hnth-agent ptz` process drives the emulator over a real pty or Sony UDP; the test
sends it SIGINT or SIGTERM mid-motion and reads the emulator's state.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STOP_BODY = bytes.fromhex("01 06 01")  # a drive; STOP is its 03 03 form
ZOOM_STOP = bytes.fromhex("81 01 04 07 00 FF")


def _still(state) -> bool:
    return (
        state.target is None
        and state.zoom_target is None
        and state.pan_v == state.tilt_v == state.zoom_v == 0
    )


def _run_and_signal(rig, url, tmp_path, args, sig, started):
    config = tmp_path / "c.toml"
    config.write_text(f'[agent]\nstate_dir = "{tmp_path}"\n', encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent", "ptz", "--lang", "en", "--port", url, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HNTH_AGENT_CONFIG": str(config)},
    )
    try:
        deadline = time.monotonic() + 20
        while not started(rig.state) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.01)
        assert started(rig.state), "the motion never started"
        time.sleep(0.2)  # well into the motion, the client blocked on its Completion
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, err


MOTIONS = {
    "goto": (["goto", "2000", "400", "--speed", "24"], lambda s: s.target is not None),
    "move --duration": (["move", "right", "--speed", "10", "--duration", "5"], lambda s: s.pan_v),
    "home": (["home"], lambda s: s.target is not None),
    "preset recall": (["preset", "recall", "2"], lambda s: s.target is not None),
    "zoom-to": (["zoom-to", "16000"], lambda s: s.zoom_target is not None),
    "zoom in": (["zoom", "in", "--speed", "1"], lambda s: s.zoom_v),
}
CASES = [
    ("goto", signal.SIGINT, "serial"),
    ("goto", signal.SIGTERM, "serial"),
    ("goto", signal.SIGINT, "visca-ip"),
    ("goto", signal.SIGTERM, "visca-ip"),
    ("move --duration", signal.SIGTERM, "serial"),
    ("move --duration", signal.SIGINT, "visca-ip"),
    ("move --duration", signal.SIGTERM, "visca-ip"),
    ("home", signal.SIGINT, "serial"),
    ("preset recall", signal.SIGTERM, "visca-ip"),
    ("zoom-to", signal.SIGINT, "serial"),
]


@pytest.mark.parametrize(
    ("motion", "sig", "line"), CASES, ids=[f"{m}-{s.name}-{ln}" for m, s, ln in CASES]
)
def test_a_signal_mid_motion_sends_stop_before_exiting(visca_factory, tmp_path, motion, sig, line):
    rig = visca_factory(listen=["visca-ip://127.0.0.1:0"], network_change_on_start=False)
    rig.usecases.set_motion_scale(0.05)  # every move takes many seconds
    rig.usecases.place(-1500, -300, 0)
    rig.state.presets[2] = (1500.0, 800.0, 9000.0)
    args, started = MOTIONS[motion]
    url = rig.path if line == "serial" else rig.urls["visca-ip"]

    code, err = _run_and_signal(rig, url, tmp_path, args, sig, started)

    assert code == (130 if sig == signal.SIGINT else 143), err
    assert f"got {sig.name}: sent STOP to the camera" in err
    with rig.emulator.chain.lock:
        assert _still(rig.state)
        where = rig.state.position()
    time.sleep(0.3)
    assert rig.state.position() == where  # it stays where STOP caught it
    assert any(p[1:4] == STOP_BODY and p[-3:-1] == b"\x03\x03" for p in rig.requests)


def test_zoom_commands_also_stop_the_zoom(visca_factory, tmp_path):
    rig = visca_factory(network_change_on_start=False)
    rig.usecases.set_motion_scale(0.01)
    args, started = MOTIONS["zoom-to"]
    code, err = _run_and_signal(rig, rig.path, tmp_path, args, signal.SIGTERM, started)
    assert code == 143, err
    assert ZOOM_STOP in rig.requests
    assert 0 < rig.state.zoom < 16000
    assert _still(rig.state)


def test_stop_goes_out_even_when_the_camera_stopped_answering(visca_factory, tmp_path):
    rig = visca_factory(network_change_on_start=False)
    rig.usecases.set_motion_scale(0.05)
    rig.usecases.place(-1500, 0, 0)
    args, started = MOTIONS["goto"]

    def silent_once_moving(state):
        if started(state):
            rig.usecases.go_silent()  # the camera keeps moving but answers nothing more
            return True
        return False

    code, err = _run_and_signal(rig, rig.path, tmp_path, args, signal.SIGTERM, silent_once_moving)
    assert code == 143
    assert "STOP to the camera failed" in err  # no ACK came back: said so, not hidden
    assert _still(rig.state)  # but the STOP bytes reached the camera
