"""Acceptance: `hnth-agent check --only camera,microphone,speaker,display --json` on real media."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.media import Screen

pytestmark = pytest.mark.pulse
CHECKS = "camera,microphone,speaker,display"


@pytest.fixture
def room(pulse_room, video_clips, drm_tree, tmp_path):
    """A good room: moving picture, mic hearing room noise, speaker joined to it, TV on HDMI."""
    pulse_room.ambient(-45)

    def cli(*, source=None, speaker="room_speaker", screen=None, args=(), lang="en"):
        root = drm_tree(**{"HDMI-A-1": screen or Screen()})
        cfg = tmp_path / "config.toml"
        cfg.write_text(
            f"""
[agent]
state_dir = "{tmp_path / "state"}"
language = "{lang}"
[camera]
source = "{source or video_clips["moving"]}"
expect_width = 640
expect_height = 360
[microphone]
device = "room_mic"
[speaker]
device = "{speaker}"
[display]
sysfs_root = "{root}"
expect_connectors = ["HDMI-A-1"]
expect_width = 1920
expect_height = 1080
cec = false
""",
            encoding="utf-8",
        )
        env = {**os.environ, **pulse_room.env}
        env.pop("DISPLAY", None)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "agent",
                "check",
                "--config",
                str(cfg),
                "--only",
                CHECKS,
                "--json",
                *args,
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert proc.stdout, proc.stderr
        report = json.loads(proc.stdout)
        return proc.returncode, report, {c["name"]: c for c in report["checks"]}

    return cli


def test_good_room_is_ready_with_a_snapshot(room) -> None:
    code, report, checks = room()
    assert {n: c["status"] for n, c in checks.items()} == dict.fromkeys(
        CHECKS.split(","), "pass"
    ), checks
    assert report["verdict"] == "ready"
    assert code == 0
    snap = Path(checks["camera"]["metrics"]["snapshot_path"])
    assert snap.exists()
    assert 0 < snap.stat().st_size <= 64 * 1024
    assert snap.read_bytes()[:2] == b"\xff\xd8"
    assert checks["speaker"]["metrics"]["snr_db"] > 15


@pytest.mark.parametrize(
    ("fault", "expect", "verdict"),
    [
        ({"source": "black"}, {"camera": ("fail", "lens cap")}, "not_ready"),
        ({"source": "frozen"}, {"camera": ("fail", "power-cycle")}, "not_ready"),
        ({"source": "covered"}, {"camera": ("fail", "lens cap")}, "not_ready"),
        ({"source": "blurred"}, {"camera": ("warn", "auto-focus")}, "degraded"),
        (
            {"speaker": "room_hdmi"},
            {"speaker": ("fail", "amplifier"), "microphone": ("pass", None)},
            "degraded",
        ),
        (
            {"mute": True},
            {"microphone": ("fail", "mute"), "speaker": ("fail", "mute")},
            "not_ready",
        ),
        ({"screen": Screen(dpms="Off")}, {"display": ("warn", "not unplugged")}, "degraded"),
        (
            {"screen": Screen(status="disconnected")},
            {"display": ("fail", "HDMI cable")},
            "not_ready",
        ),
        ({"screen": Screen(modes=("1280x720",))}, {"display": ("warn", "resolution")}, "degraded"),
        ({"args": ("--in-meeting",)}, {"speaker": ("skip", None)}, "ready"),
    ],
)
def test_each_fault_gives_the_right_status_and_hint(
    room, pulse_room, video_clips, fault, expect, verdict
) -> None:
    kw = dict(fault)
    if "source" in kw:
        kw["source"] = video_clips[kw["source"]]
    if kw.pop("mute", False):
        pulse_room.mute()
    code, report, checks = room(**kw)
    for name, (status, hint) in expect.items():
        assert checks[name]["status"] == status, checks[name]
        if hint:
            assert hint in (checks[name]["hint"] or ""), checks[name]
    others = set(CHECKS.split(",")) - set(expect)
    assert all(checks[n]["status"] == "pass" for n in others), checks
    assert report["verdict"] == verdict
    assert code == {"ready": 0, "degraded": 1, "not_ready": 2}[verdict]


def test_live_stream_camera_in_vietnamese(room, mjpeg_stream) -> None:
    mjpeg_stream.show("black")
    code, _, checks = room(source=mjpeg_stream.url, lang="vi")
    assert checks["camera"]["status"] == "fail"
    assert checks["camera"]["summary"].startswith("hình ảnh màu đen")
    assert "nắp che ống kính" in checks["camera"]["hint"]
    assert code == 2


def test_devices_lists_the_rooms_audio_devices(pulse_room, drm_tree, tmp_path) -> None:
    root = drm_tree(**{"HDMI-A-1": Screen()})
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[display]\nsysfs_root = "{root}"\n', encoding="utf-8")
    env = {**os.environ, **pulse_room.env}
    base = [sys.executable, "-m", "agent", "devices", "--config", str(cfg), "--lang", "en"]
    out = subprocess.run(
        [*base, "--json"], capture_output=True, text=True, env=env, timeout=60, check=True
    )
    data = json.loads(out.stdout)
    names = {d["name"] for d in data["audio"]}
    assert {"room_mic", "room_speaker", "room_hdmi"} <= names
    assert data["displays"] == [
        {
            "name": "HDMI-A-1",
            "status": "connected",
            "dpms": "on",
            "label": "Room TV",
            "mode": "1920x1080",
            "source": "sysfs",
        }
    ]
    assert isinstance(data["serial"], list)
    assert isinstance(data["cameras"], list)
    text = subprocess.run(
        base, capture_output=True, text=True, env=env, timeout=60, check=True
    ).stdout
    assert "Audio inputs:" in text
    assert "room_mic" in text
    assert "HDMI-A-1  Room TV  1920x1080" in text


def test_machine_without_audio_fails_mic_with_a_clear_hint(tmp_path) -> None:
    # No PulseAudio room in this environment: PortAudio sees only what the machine has.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULSE", "XDG_"))}
    env["PULSE_SERVER"] = f"unix:{tmp_path}/no-such-socket"
    env["XDG_CONFIG_HOME"] = str(tmp_path / "cfg")
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[agent]\nstate_dir = "{tmp_path}"\nlanguage = "en"\n', encoding="utf-8")
    base = [sys.executable, "-m", "agent"]
    devs = subprocess.run(
        [*base, "devices", "--json", "--config", str(cfg)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    if any(d["inputs"] for d in json.loads(devs.stdout)["audio"] if isinstance(d, dict)):
        pytest.skip("this machine has a real audio input")
    proc = subprocess.run(
        [*base, "check", "--only", "microphone,speaker", "--json", "--config", str(cfg)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    checks = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    assert checks["microphone"]["status"] == "fail"
    assert "no audio input device" in checks["microphone"]["summary"]
    assert "plug in the microphone" in checks["microphone"]["hint"]
    assert checks["speaker"]["status"] == "fail"
    assert proc.returncode == 2
