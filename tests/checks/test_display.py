"""The display check over DRM sysfs trees with real EDID blobs."""

from __future__ import annotations

import pytest

from agent.checks import CheckContext, Status, display
from agent.media import edid
from tests.fixtures.media import Screen


def run(make_config, root, extra: str = "", lang: str = "en"):
    cfg = make_config(f'[display]\nsysfs_root = "{root}"\ncec = false\n{extra}')
    return display.run(CheckContext(cfg, lang=lang))


EXPECT = 'expect_connectors = ["HDMI-A-1"]\nexpect_width = 1920\nexpect_height = 1080\n'


def test_connected_display_passes_with_its_edid_name(make_config, drm_tree) -> None:
    out = run(
        make_config,
        drm_tree(**{"HDMI-A-1": Screen(), "DP-1": Screen(status="disconnected")}),
        EXPECT,
    )
    assert out.status is Status.PASS, out
    assert out.summary == "HDMI-A-1 Room TV 1920x1080"
    (hdmi,) = [c for c in out.metrics["connectors"] if c["name"] == "HDMI-A-1"]
    assert hdmi["edid"]["manufacturer"] == "SAM"
    assert hdmi["edid"]["preferred"] == "1920x1080@60.00"


def test_disconnected_expected_display_fails(make_config, drm_tree) -> None:
    out = run(make_config, drm_tree(**{"HDMI-A-1": Screen(status="disconnected")}), EXPECT)
    assert out.status is Status.FAIL
    assert out.summary == "HDMI-A-1: no display connected"
    assert out.hint
    assert "HDMI cable" in out.hint


@pytest.mark.parametrize("dpms", ["Off", "Standby", "Suspend"])
def test_asleep_display_warns_asleep_not_unplugged(make_config, drm_tree, dpms) -> None:
    out = run(make_config, drm_tree(**{"HDMI-A-1": Screen(dpms=dpms)}), EXPECT)
    assert out.status is Status.WARN
    assert "asleep" in out.summary
    assert "Room TV" in out.summary
    assert out.hint
    assert "not unplugged" in out.hint


def test_asleep_in_vietnamese(make_config, drm_tree) -> None:
    out = run(make_config, drm_tree(**{"HDMI-A-1": Screen(dpms="Off")}), EXPECT, lang="vi")
    assert out.status is Status.WARN
    assert "đang ngủ" in out.summary
    assert out.hint
    assert "không phải bị rút cáp" in out.hint


def test_wrong_resolution_warns(make_config, drm_tree) -> None:
    out = run(make_config, drm_tree(**{"HDMI-A-1": Screen(modes=("1280x720", "1024x768"))}), EXPECT)
    assert out.status is Status.WARN
    assert out.summary == "HDMI-A-1 Room TV: 1280x720, expected 1920x1080"


def test_output_the_pc_does_not_drive_warns(make_config, drm_tree) -> None:
    out = run(make_config, drm_tree(**{"HDMI-A-1": Screen(enabled="disabled", dpms="Off")}), EXPECT)
    assert out.status is Status.WARN
    assert "sends no picture" in out.summary


def test_corrupt_edid_warns_and_names_the_fault(make_config, drm_tree) -> None:
    blob = bytearray(edid.build())
    blob[127] ^= 0x55
    out = run(make_config, drm_tree(**{"HDMI-A-1": Screen(edid=bytes(blob))}), EXPECT)
    assert out.status is Status.WARN
    assert "corrupt EDID" in out.summary
    assert "checksum" in out.summary


def test_expected_connector_missing_fails_and_lists_what_exists(make_config, drm_tree) -> None:
    out = run(make_config, drm_tree(**{"DP-1": Screen()}), EXPECT)
    assert out.status is Status.FAIL
    assert out.summary == "display output HDMI-A-1 not found (present: DP-1)"


def test_without_expectations_any_connected_display_counts(make_config, drm_tree) -> None:
    out = run(
        make_config, drm_tree(**{"DP-1": Screen(status="disconnected"), "HDMI-A-2": Screen()})
    )
    assert out.status is Status.PASS
    assert out.summary.startswith("HDMI-A-2")
    out = run(make_config, drm_tree(**{"DP-1": Screen(status="disconnected")}))
    assert out.status is Status.FAIL
    assert out.summary == "no display is connected"


def test_two_displays_one_fault(make_config, drm_tree) -> None:
    root = drm_tree(**{"HDMI-A-1": Screen(), "HDMI-A-2": Screen(status="disconnected")})
    out = run(make_config, root, 'expect_connectors = ["HDMI-A-1", "HDMI-A-2"]\n')
    assert out.status is Status.FAIL
    assert out.summary == "HDMI-A-2: no display connected"


def test_no_drm_and_no_x(make_config, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    out = run(make_config, tmp_path / "none")
    assert out.status is Status.SKIP
    out = run(make_config, tmp_path / "none", EXPECT)
    assert out.status is Status.FAIL
    assert out.hint


def test_falls_back_to_xrandr_under_x11(make_config, tmp_path, xvfb) -> None:
    out = run(make_config, tmp_path / "none", "expect_width = 1280\nexpect_height = 1024\n")
    assert out.status is Status.PASS, out
    assert out.summary == "screen 1280x1024"
    assert out.metrics["connectors"][0]["source"] == "xrandr"
    out = run(make_config, tmp_path / "none", "expect_width = 1920\nexpect_height = 1080\n")
    assert out.status is Status.WARN
    assert "1280x1024, expected 1920x1080" in out.summary


def test_an_x_session_without_xrandr_names_the_package(make_config, tmp_path, monkeypatch) -> None:
    # No DRM tree and an X display, but no xrandr on PATH: the hint says what to install.
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("agent.programs._SBIN", ())
    out = run(make_config, tmp_path / "no-drm", 'expect_connectors = ["HDMI-A-1"]\n')
    assert out.status is Status.FAIL
    assert out.hint is not None
    assert "x11-xserver-utils" in out.hint
