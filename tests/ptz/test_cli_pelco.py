"""`hnth-agent ptz --port pelco-d://…` as a real subprocess against Pelco cameras on real ptys.

The command tour runs against `hnth-agent sim pelco --pty` (a child process too); the signal
tests use the in-process emulator on a pty, so they can read what the camera is doing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.pelco.test_cli import Sim

ROOT = Path(__file__).resolve().parents[2]


def ptz(tmp_path: Path, port: str, *args: str, json_out: bool = True) -> tuple[int, Any, str]:
    """Run `hnth-agent ptz`; return the exit code, the JSON (or text) result and stderr."""
    config = tmp_path / "c.toml"
    config.write_text(f'[agent]\nstate_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "agent", "ptz", "--lang", "en", "--port", port, *args]
        + (["--json"] if json_out else []),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HNTH_AGENT_CONFIG": str(config)},
        check=False,
    )
    out = json.loads(proc.stdout) if json_out and proc.stdout.strip() else proc.stdout
    return proc.returncode, out, proc.stderr


@pytest.fixture
def sim() -> Any:
    started: list[Sim] = []

    def make(*args: str) -> Sim:
        s = Sim(*args)
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


def test_the_command_tour_against_sim_pelco(tmp_path, sim):
    s = sim("--pty", "--address", "12", "--baud", "9600", "--motion-scale", "20")
    url = f"pelco-d://{s.path}?baud=9600&address=12"

    rc, info, _ = ptz(tmp_path, url, "info")
    assert rc == 0, info
    r = info["result"]
    assert (r["protocol"], r["address"], r["baud"], r["home_preset"]) == ("pelco-d", 12, 9600, 34)
    assert r["position_query"] is True

    rc, out, err = ptz(tmp_path, url, "move", "right", "--speed", "40", "--duration", "0.3")
    assert rc == 0, err
    moved = out["result"]
    assert moved["moving"] is False
    assert moved["pan"] > 1000
    rc, out, _ = ptz(tmp_path, url, "position")
    assert out["result"]["pan"] == moved["pan"]  # it stopped where the move ended

    assert ptz(tmp_path, url, "preset", "set", "9")[0] == 0
    rc, out, _ = ptz(tmp_path, url, "home")
    assert rc == 0
    time.sleep(0.3)
    assert ptz(tmp_path, url, "position")[1]["result"]["pan"] == 0
    assert ptz(tmp_path, url, "preset", "recall", "9")[0] == 0
    time.sleep(0.3)
    assert ptz(tmp_path, url, "position")[1]["result"]["pan"] == moved["pan"]

    rc, out, _ = ptz(tmp_path, url, "zoom", "in")
    assert (rc, out["result"]["zoom_action"]) == (0, "in")
    time.sleep(0.3)
    assert ptz(tmp_path, url, "stop")[0] == 0
    zoom = ptz(tmp_path, url, "position")[1]["result"]["zoom"]
    assert zoom > 0

    assert ptz(tmp_path, url, "preset", "clear", "9")[0] == 0
    assert ptz(tmp_path, url, "home")[0] == 0
    assert ptz(tmp_path, url, "preset", "recall", "9")[0] == 0  # cleared: the camera stays
    time.sleep(0.3)
    assert ptz(tmp_path, url, "position")[1]["result"]["pan"] == 0

    rc, text, _ = ptz(tmp_path, url, "position", json_out=False)
    assert rc == 0
    assert text.startswith("pan 0  tilt 0  zoom ")
    assert s.stop()[0] == 0


def test_what_pelco_has_not_is_refused_by_name(tmp_path, sim):
    s = sim("--pty", "--baud", "9600")
    url = f"pelco-d://{s.path}?baud=9600"
    for args in (["goto", "10", "10"], ["zoom-to", "100"], ["power", "status"], ["discover"]):
        rc, out, err = ptz(tmp_path, url, *args)
        assert rc == 1, (args, out)
        assert out["error"]["code"] == "invalid_argument"
        assert "a Pelco-D camera has no" in err
    assert "has no power status command" in ptz(tmp_path, url, "power", "status")[2]


def test_power_standby_stops_the_camera_moving_and_on_wakes_it(tmp_path, sim):
    s = sim("--pty", "--baud", "9600", "--motion-scale", "20")
    url = f"pelco-d://{s.path}?baud=9600"
    rc, out, _ = ptz(tmp_path, url, "power", "off")
    assert rc == 0, out
    assert (out["result"]["power"], out["result"]["confirmed"]) == ("standby", False)
    rc, out, _ = ptz(tmp_path, url, "move", "right", "--speed", "32", "--duration", "0.3")
    assert rc == 0, out
    assert ptz(tmp_path, url, "position")[1]["result"]["pan"] == 0  # in standby: no motion
    rc, text, _ = ptz(tmp_path, url, "power", "on", json_out=False)
    assert rc == 0
    assert "sent the camera-on command" in text
    assert "check the picture" in text
    assert ptz(tmp_path, url, "move", "right", "--speed", "32", "--duration", "0.3")[0] == 0
    assert ptz(tmp_path, url, "position")[1]["result"]["pan"] > 0


def test_pelco_p_position_says_it_is_unavailable(tmp_path, sim):
    s = sim("--pty", "--protocol", "p", "--baud", "9600")
    url = f"pelco-p://{s.path}?baud=9600"
    rc, out, err = ptz(tmp_path, url, "position")
    assert rc == 1
    assert out["error"]["code"] == "device_error"
    assert "the Pelco-P protocol has no position query" in err
    # After a command the position is a supplement: the command succeeds and says why not.
    rc, text, err = ptz(tmp_path, url, "stop", json_out=False)
    assert rc == 0, err
    assert "position unavailable: the Pelco-P protocol has no position query" in text
    rc, text, _ = ptz(tmp_path, url, "info", json_out=False)
    assert rc == 0
    assert "does not answer the position queries" in text


def test_address_comes_from_the_url_and_reaches_255(tmp_path, sim):
    s = sim("--pty", "--address", "255", "--baud", "9600")
    rc, out, _ = ptz(tmp_path, f"pelco-d://{s.path}?baud=9600&address=255", "position")
    assert rc == 0, out
    assert out["result"]["address"] == 255
    # --address overrides the URL's; camera 1 is not on this line, so nobody answers.
    rc, out, _ = ptz(
        tmp_path, f"pelco-d://{s.path}?baud=9600&address=255", "position", "--address", "1"
    )
    assert rc == 1
    assert out["error"]["code"] == "device_error"


def test_a_bad_pelco_url_in_the_config_names_the_key_and_the_range(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[ptz]\nport = "pelco-d:///dev/null?address=300"\n', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "agent", "ptz", "--lang", "en", "position"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HNTH_AGENT_CONFIG": str(config)},
        check=False,
    )
    assert proc.returncode == 3, proc.stderr
    assert "[ptz] port" in proc.stderr
    assert "address= 1..255" in proc.stderr


def _moving(emu) -> bool:
    with emu.lock:
        return bool(emu.state.pan_v or emu.state.tilt_v or emu.state.zoom_v)


@pytest.mark.parametrize(
    ("args", "sig", "code"),
    [
        (["move", "right", "--speed", "20", "--duration", "5"], signal.SIGINT, 130),
        (["move", "right", "--speed", "20", "--duration", "5"], signal.SIGTERM, 143),
        (["zoom", "in"], signal.SIGTERM, None),  # returns at once: nothing left to guard
    ],
)
def test_signals_during_a_pelco_command_leave_the_camera_stopped(
    tmp_path, pelco_factory, args, sig, code
):
    emu = pelco_factory(baud=2400)
    config = tmp_path / "c.toml"
    config.write_text(f'[agent]\nstate_dir = "{tmp_path}"\n', encoding="utf-8")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agent",
            "ptz",
            "--lang",
            "en",
            "--port",
            f"pelco-d://{emu.path}?baud=2400",
            *args,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HNTH_AGENT_CONFIG": str(config)},
    )
    try:
        deadline = time.monotonic() + 20
        while not _moving(emu) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _moving(emu), "the motion never started"
        if code is None:
            proc.communicate(timeout=20)
            assert proc.returncode == 0
            assert _moving(emu)  # a zoom with no duration keeps going: the caller asked for it
            return
        time.sleep(0.3)
        assert proc.poll() is None
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == code, err
    assert f"{sig.name}" in err
    assert "sent STOP to the camera" in err
    time.sleep(0.1)  # the 7-byte STOP is 29 ms at 2400 baud
    assert not _moving(emu), "the camera was left moving"
