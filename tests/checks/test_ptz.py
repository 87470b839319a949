"""The ptz check against the emulator on a real pty: pass, silent, standby, drift, skip."""

from __future__ import annotations

import json

from agent.checks import CheckContext, Status, ptz
from agent.cli import main
from agent.i18n import current_language, set_language


def ctx_for(make_config, text: str, *, in_meeting: bool = False) -> CheckContext:
    return CheckContext(make_config(text), lang="en", in_meeting=in_meeting)


def test_no_port_is_a_skip_with_a_hint(make_config):
    out = ptz.run(ctx_for(make_config, ""))
    assert out.status is Status.SKIP
    assert "[ptz] port" in (out.hint or "")


def test_passes_and_reports_vendor_model_response_and_position(
    make_config, visca_emulator, ptz_config
):
    visca_emulator.usecases.place(120, -40, 500)
    out = ptz.run(ctx_for(make_config, ptz_config))
    assert out.status is Status.PASS, out
    m = out.metrics
    assert (m["vendor"], m["model"], m["power"]) == ("Sony", "0x0402", "on")
    assert m["response_ms"] > 0
    assert m["position"] == {"pan": 120, "tilt": -40, "zoom": 500}
    assert "Sony 0x0402 answered in" in out.summary


def test_silent_camera_fails_with_a_hint(make_config, visca_emulator, ptz_config):
    visca_emulator.usecases.go_silent()
    out = ptz.run(ctx_for(make_config, ptz_config))
    assert out.status is Status.FAIL
    assert "no reply from camera 1" in out.summary
    assert out.hint == "check power, the RX wire and the baud rate"
    assert out.metrics["error"] == "timeout"


def test_errors_are_reported_in_the_runs_language(make_config, visca_emulator, ptz_config):
    visca_emulator.usecases.go_silent()
    before = current_language()
    set_language("vi")  # the process speaks Vietnamese; this run reports in English
    try:
        out = ptz.run(ctx_for(make_config, ptz_config))
    finally:
        set_language(before)
    assert out.summary.startswith("no reply from camera 1 on ")
    assert out.hint == "check power, the RX wire and the baud rate"


def test_standby_camera_is_powered_on_before_a_meeting(make_config, visca_emulator, ptz_config):
    visca_emulator.usecases.set_power(False)
    out = ptz.run(ctx_for(make_config, ptz_config))
    assert out.status is Status.PASS, out
    assert out.metrics["powered_on"] is True
    assert visca_emulator.state.powered


def test_standby_camera_fails_when_not_allowed_to_power_it(make_config, visca_emulator, ptz_config):
    visca_emulator.usecases.set_power(False)
    out = ptz.run(ctx_for(make_config, ptz_config + "power_on_before_meeting = false\n"))
    assert out.status is Status.FAIL
    assert "standby" in out.summary
    assert "power on" in (out.hint or "")


def test_home_preset_is_recalled_and_read_back(make_config, visca_emulator, ptz_config):
    rig = visca_emulator
    rig.usecases.set_motion_scale(20)
    rig.usecases.place(300, 100, 800)
    rig.state.presets[2] = (300.0, 100.0, 800.0)
    rig.usecases.place(-1000, 0, 0)
    text = ptz_config + "home_preset = 2\nhome_position = [300, 100, 800]\n"
    out = ptz.run(ctx_for(make_config, text))
    assert out.status is Status.PASS, out
    assert out.metrics["position"] == {"pan": 300, "tilt": 100, "zoom": 800}
    assert out.metrics["drift"] == 0
    assert bytes.fromhex("81 01 04 3F 02 02 FF") in rig.requests


def test_drift_from_home_fails(make_config, visca_emulator, ptz_config):
    rig = visca_emulator
    rig.usecases.set_motion_scale(20)
    rig.state.presets[2] = (300.0, 100.0, 800.0)
    text = ptz_config + "home_preset = 2\nhome_position = [0, 0]\n"
    out = ptz.run(ctx_for(make_config, text))
    assert out.status is Status.FAIL
    assert out.metrics["drift"] == 300
    assert "did not reach preset 2" in out.summary
    assert "preset set 2" in (out.hint or "")


def test_home_position_is_learned_then_enforced(make_config, visca_emulator, ptz_config):
    rig = visca_emulator
    rig.usecases.set_motion_scale(20)
    rig.state.presets[1] = (50.0, 20.0, 0.0)
    text = ptz_config + "home_preset = 1\n"
    first = ptz.run(ctx_for(make_config, text))
    assert first.status is Status.PASS, first
    assert first.metrics["reference_learned"] is True
    rig.state.presets[1] = (400.0, 20.0, 0.0)  # someone re-saved it by hand on the camera
    second = ptz.run(ctx_for(make_config, text))
    assert second.status is Status.FAIL
    assert second.metrics["drift"] == 350


def test_in_meeting_the_camera_is_not_moved(make_config, visca_emulator, ptz_config):
    rig = visca_emulator
    rig.state.presets[1] = (500.0, 0.0, 0.0)
    out = ptz.run(ctx_for(make_config, ptz_config + "home_preset = 1\n", in_meeting=True))
    assert out.status is Status.PASS
    assert rig.state.position() == (0, 0, 0)
    assert not any(p.startswith(bytes.fromhex("81 01")) for p in rig.requests)


def test_check_cli_json_passes_then_fails_with_a_hint(
    make_config, visca_emulator, ptz_config, monkeypatch, capsys
):
    cfg = make_config(ptz_config)
    monkeypatch.setenv("HNTH_AGENT_CONFIG", cfg.source)
    code = main(["check", "--lang", "en", "--only", "ptz", "--json"])
    report = json.loads(capsys.readouterr().out)
    (result,) = report["checks"]
    assert result["name"] == "ptz"
    assert result["status"] == "pass", result
    assert code == 0
    visca_emulator.usecases.go_silent()
    code = main(["check", "--lang", "en", "--only", "ptz", "--json"])
    (result,) = json.loads(capsys.readouterr().out)["checks"]
    assert result["status"] == "fail"
    assert result["hint"] == "check power, the RX wire and the baud rate"
    assert code == 2


def test_uses_the_camera_the_daemon_shares(make_config, visca_emulator, ptz_config):
    from agent.visca import Camera

    with Camera(visca_emulator.path) as held:  # the daemon holds the port open
        assert held.power_status() is True
        ctx = CheckContext(make_config(ptz_config), lang="en", shared={"camera": held})
        out = ptz.run(ctx)
    assert out.status is Status.PASS, out


def test_a_camera_without_the_zoom_inquiry_is_checked_on_pan_and_tilt(
    make_config, visca_emulator, ptz_config
):
    visca_emulator.usecases.refuse_zoom_inquiry()
    visca_emulator.usecases.set_motion_scale(20)
    visca_emulator.state.presets[1] = (300.0, 100.0, 800.0)
    text = ptz_config + "home_preset = 1\n"
    first = ptz.run(ctx_for(make_config, text))
    assert first.status is Status.PASS, first
    assert first.metrics["position"] == {"pan": 300, "tilt": 100, "zoom": None}
    assert first.metrics["reference"] == [300, 100]
    assert "zoom unavailable" in first.summary
    visca_emulator.state.presets[1] = (900.0, 100.0, 800.0)  # the preset was overwritten
    second = ptz.run(ctx_for(make_config, text))
    assert second.status is Status.FAIL
    assert second.metrics["drift"] == 600
