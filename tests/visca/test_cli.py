"""`hnth-agent ptz` against the emulator: every command, text and --json, and its errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agent.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ptz(visca_emulator, tmp_path, monkeypatch, capsys):
    """Run `hnth-agent --lang en ptz --port <pty> ARGS…`; return (exit code, stdout, stderr)."""
    visca_emulator.usecases.set_motion_scale(20)
    config = tmp_path / "config.toml"
    config.write_text(f'[agent]\nstate_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    monkeypatch.setenv("HNTH_AGENT_CONFIG", str(config))

    def run(*args: str, port: str | None = None):
        code = main(["ptz", "--lang", "en", "--port", port or visca_emulator.path, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_every_command_prints_what_the_camera_reports(ptz, visca_emulator):
    code, out, _ = ptz("info")
    assert code == 0
    assert "Sony model 0x0402, ROM 0x0100, 2 sockets" in out
    assert ptz("power", "off")[1].strip() == "camera 1 is in standby"
    assert ptz("power", "status")[1].strip() == "camera 1 is in standby"
    assert ptz("power", "on")[1].strip() == "camera 1 is on"
    code, out, _ = ptz("move", "left", "--speed", "24", "--duration", "0.2")
    assert code == 0
    pan = int(out.split("pan")[1].split()[0])
    assert pan < -100
    assert visca_emulator.state.pan_v == 0  # the CLI sent STOP itself
    assert "moving up-right" in ptz("move", "up-right", "--speed", "3")[1]
    assert ptz("stop")[0] == 0
    assert visca_emulator.state.pan_v == 0
    assert ptz("zoom", "in", "--speed", "7")[1].strip() == "zoom: in"
    assert ptz("zoom", "stop")[0] == 0
    assert "zoom 3000" in ptz("zoom-to", "3000")[1]
    assert ptz("focus", "manual")[1].strip() == "focus: manual"
    assert "pan 0  tilt 0" in ptz("home")[1]
    assert "pan -700  tilt 250  zoom 3000" in ptz("goto", "-700", "250", "--speed", "24")[1]
    assert "preset 3 saved" in ptz("preset", "set", "3")[1]
    ptz("home")
    code, out, _ = ptz("preset", "recall", "3")
    assert "pan -700  tilt 250" in out
    assert "preset 3 cleared" in ptz("preset", "clear", "3")[1]
    assert ptz("position")[1].strip() == "pan -700  tilt 250  zoom 3000"
    assert "1 camera on " in ptz("discover")[1]


def test_json_prints_the_result_object(ptz):
    code, out, _ = ptz("--json", "position")
    assert code == 0
    body = json.loads(out)
    assert body == {
        "ok": True,
        "result": {"port": body["result"]["port"], "address": 1, "pan": 0, "tilt": 0, "zoom": 0},
    }
    code, out, _ = ptz("info", "--json")
    assert json.loads(out)["result"]["vendor"] == "Sony"


def test_silent_camera_message(ptz, visca_emulator):
    visca_emulator.usecases.go_silent()
    code, out, err = ptz("position")
    assert code == 1
    assert out == ""
    assert err.strip() == (
        f"hnth-agent: no reply from camera 1 on {visca_emulator.path} within 1000 ms: "
        "check power, the RX wire and the baud rate"
    )
    code, out, _ = ptz("--json", "position")
    assert json.loads(out)["error"]["code"] == "timeout"


def test_vietnamese_message(visca_emulator, tmp_path, monkeypatch, capsys):
    visca_emulator.usecases.go_silent()
    monkeypatch.setenv("HNTH_AGENT_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text(f'[agent]\nstate_dir = "{tmp_path}"\n', encoding="utf-8")
    assert main(["ptz", "--lang", "vi", "--port", visca_emulator.path, "position"]) == 1
    err = capsys.readouterr().err
    assert "không trả lời trong 1000 ms: kiểm tra nguồn điện, dây nhận (RX) và tốc độ baud" in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("move", "left", "--speed", "0"), "pan_speed = 0 is out of range; allowed 1..24"),
        (("preset", "recall", "300"), "preset = 300 is out of range; allowed 0..254"),
        (("zoom-to", "99999"), "zoom = 99999 is out of range"),
        (("--address", "9", "position"), "address = 9 is out of range; allowed 1..7"),
    ],
)
def test_out_of_range_arguments(ptz, args, words):
    code, _, err = ptz(*args)
    assert code == 1
    assert words in err


def test_bad_ports(ptz, tmp_path):
    code, _, err = ptz("position", port="http://camera")
    assert code == 1
    assert "cannot use port 'http://camera'" in err
    code, _, err = ptz("position", port=str(tmp_path / "ttyUSB7"))
    assert "does not exist: check that the USB serial adapter is plugged in" in err


def test_no_port_configured_is_a_usage_error(tmp_path, monkeypatch, capsys):
    config = tmp_path / "c.toml"
    config.write_text(f'[agent]\nstate_dir = "{tmp_path}"\n', encoding="utf-8")
    monkeypatch.setenv("HNTH_AGENT_CONFIG", str(config))
    assert main(["ptz", "--lang", "en", "position"]) == 3
    assert "[ptz] port" in capsys.readouterr().err


def test_port_from_config(visca_emulator, make_config, monkeypatch, capsys):
    cfg = make_config(f'[ptz]\nport = "{visca_emulator.path}"\n')
    monkeypatch.setenv("HNTH_AGENT_CONFIG", cfg.source)
    assert main(["ptz", "--lang", "en", "--json", "info"]) == 0
    assert json.loads(capsys.readouterr().out)["result"]["port"] == visca_emulator.path


def test_against_the_sim_process(visca_process, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(f'[agent]\nstate_dir = "{tmp_path}"\n', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "agent", "ptz", "--port", visca_process.path, "--json", "info"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
        env={"HNTH_AGENT_CONFIG": str(config), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["result"]["model"] == "0x0402"
