"""Graceful degradation: `ptz info` says what the camera answers, `ptz position` works without
the zoom inquiry, and the no-answer hint matches the transport in use."""

from __future__ import annotations

import json

import pytest

from agent.cli import main
from agent.visca import Camera, Timeouts

FAST = Timeouts(ack_ms=200, immediate_ms=600, move_ms=5000, inquiry_retries=0)


@pytest.fixture
def ptz(tmp_path, monkeypatch, capsys):
    """Run `hnth-agent --lang en ptz --port URL ARGS…`; return (exit code, stdout, stderr)."""
    config = tmp_path / "config.toml"
    config.write_text(f'[agent]\nstate_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    monkeypatch.setenv("HNTH_AGENT_CONFIG", str(config))

    def run(port: str, *args: str):
        code = main(["ptz", "--lang", "en", "--port", port, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def no_zoom(visca_factory):
    rig = visca_factory(network_change_on_start=False)
    rig.usecases.refuse_zoom_inquiry()
    rig.usecases.set_motion_scale(20)
    rig.usecases.place(-300, 120, 0)
    return rig


def test_position_without_the_zoom_inquiry_prints_pan_and_tilt(ptz, no_zoom):
    code, out, err = ptz(no_zoom.path, "position")
    assert code == 0, err
    assert out.strip() == (
        "pan -300  tilt 120  zoom unavailable (the camera does not answer the zoom inquiry)"
    )
    code, out, _ = ptz(no_zoom.path, "--json", "position")
    result = json.loads(out)["result"]
    assert (result["pan"], result["tilt"], result["zoom"]) == (-300, 120, None)


@pytest.mark.parametrize(
    "args",
    [
        ("goto", "500", "-100", "--speed", "24"),
        ("move", "left", "--speed", "24", "--duration", "0.1"),
        ("stop",),
        ("home",),
    ],
    ids=lambda a: a[0],
)
def test_the_position_after_a_motion_degrades_too(ptz, no_zoom, args):
    code, out, err = ptz(no_zoom.path, *args)
    assert code == 0, err
    assert "zoom unavailable" in out
    if args[0] == "goto":
        assert "pan 500  tilt -100" in out


def test_the_zoom_is_not_asked_again_once_refused(no_zoom):
    cam = Camera(no_zoom.path, timeouts=FAST)
    try:
        assert cam.read_position().zoom is None
        assert cam.read_position().zoom is None
    finally:
        cam.close()
    zoom_asks = [p for p in no_zoom.requests if p[1:4] == bytes.fromhex("09 04 47")]
    assert len(zoom_asks) == 1


def test_info_reports_what_the_camera_answers(ptz, visca_factory, no_zoom):
    full = visca_factory(network_change_on_start=False)
    code, out, err = ptz(full.path, "info")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Sony model 0x0402, ROM 0x0100, 2 sockets")
    assert lines[1:] == [
        "power: on",
        "zoom position: 0",
        "focus mode: auto",
        "maximum speed: pan 24, tilt 23",
        "presets: 0..254 (from [ptz] max_preset)",
        "quirk profile: sony (detected from the version inquiry)",
        "position range: not reported by the camera",
    ]
    code, out, _ = ptz(no_zoom.path, "--json", "info")
    result = json.loads(out)["result"]
    assert (result["zoom_inquiry"], result["zoom"]) == (False, None)
    assert (result["focus_inquiry"], result["focus"]) == (True, "auto")


def test_info_on_a_camera_in_standby_does_not_call_the_lens_absent(ptz, visca_factory):
    rig = visca_factory(network_change_on_start=False)
    rig.usecases.set_power(False)
    code, out, _ = ptz(rig.path, "info")
    assert code == 0
    assert "power: standby" in out
    assert "power it on" in out
    assert "unavailable" not in out


def test_a_nine_nibble_position_is_a_five_nibble_pan_and_a_four_nibble_tilt(visca_factory):
    rig = visca_factory(network_change_on_start=False)
    # BRC-300 / BRC-H700: y0 50 0p 0q 0r 0s 0t 0u 0v 0w 0x FF, pqrst pan, uvwx tilt
    rig.usecases.script(bytes.fromhex("90 50 0F 0E 0D 0C 0B 00 01 02 03 FF"))
    cam = Camera(rig.path, timeouts=FAST)
    try:
        assert cam.pan_tilt() == (0xFEDCB - (1 << 20), 0x0123)
    finally:
        cam.close()


@pytest.mark.parametrize(
    ("scheme", "says", "never"),
    [
        ("tcp", "often 5678", "52381"),
        ("udp", "often 1259", None),
        ("visca-ip", "Sony: UDP 52381", None),
    ],
)
def test_the_no_answer_hint_matches_the_transport(ptz, visca_factory, scheme, says, never):
    rig = visca_factory(pty=False, listen=[f"{scheme}://127.0.0.1:0"])
    rig.usecases.go_silent()
    code, _, err = ptz(rig.urls[scheme], "home")
    assert code == 1
    assert says in err
    if never:
        assert never not in err


def test_the_no_answer_hint_on_serial_names_the_wire(ptz, visca_factory):
    rig = visca_factory()
    rig.usecases.go_silent()
    code, _, err = ptz(rig.path, "home")
    assert code == 1
    assert "RX wire" in err
    assert "52381" not in err
