"""DRM sysfs trees, xrandr text (recorded and from a live Xvfb) and cec-client conversations."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.media import drm, edid
from tests.fixtures.media import Screen


def test_sysfs_connectors_are_read_with_edid(drm_tree) -> None:
    root = drm_tree(
        **{
            "HDMI-A-1": Screen(),
            "DP-1": Screen(status="disconnected"),
            "HDMI-A-2": Screen(dpms="Off"),
        }
    )
    conns = {c.name: c for c in drm.read_sysfs(root)}
    assert set(conns) == {"HDMI-A-1", "DP-1", "HDMI-A-2"}
    hdmi = conns["HDMI-A-1"]
    assert hdmi.card == "card0"
    assert hdmi.link is drm.Link.CONNECTED
    assert hdmi.power is drm.Power.ON
    assert hdmi.enabled
    assert hdmi.resolution == (1920, 1080)
    assert hdmi.edid is not None
    assert hdmi.edid.manufacturer == "SAM"
    assert hdmi.label == "Room TV"
    assert conns["DP-1"].link is drm.Link.DISCONNECTED
    assert conns["DP-1"].edid is None
    assert conns["HDMI-A-2"].power is drm.Power.OFF


def test_corrupt_edid_is_reported_not_raised(drm_tree) -> None:
    root = drm_tree(**{"HDMI-A-1": Screen(edid=b"\x00\xff" * 64)})
    (c,) = drm.read_sysfs(root)
    assert c.edid is None
    assert c.edid_error
    assert "header" in c.edid_error


def test_missing_root_gives_nothing(tmp_path: Path) -> None:
    assert drm.read_sysfs(tmp_path / "nope") == []
    assert drm.read_sysfs(tmp_path) == []


XRANDR_DUMMY = """\
Screen 0: minimum 320 x 175, current 1920 x 1080, maximum 16384 x 16384
DUMMY0 connected primary 1920x1080+0+0 (0x1c9) normal (normal left inverted right x axis y axis) 0mm x 0mm
\tIdentifier: 0x1c6
\tTimestamp:  21504
\tSubpixel:   unknown
\tGamma:      1.0:1.0:1.0
\tBrightness: 1.0
\tClones:
\tCRTC:       0
\tCRTCs:      0 1 2 3
\tTransform:  1.000000 0.000000 0.000000
\t            0.000000 1.000000 0.000000
\t            0.000000 0.000000 1.000000
\t           filter:
\tEDID:
{edid}
  1920x1080 (0x1c9) 148.500MHz +HSync +VSync *current +preferred
        h: width  1920 start 2008 end 2052 total 2200 skew    0 clock  67.50KHz
        v: height 1080 start 1084 end 1089 total 1125           clock  60.00Hz
  1280x720 (0x1ca) 74.250MHz +HSync +VSync
        h: width  1280 start 1390 end 1430 total 1650 skew    0 clock  45.00KHz
        v: height  720 start  725 end  730 total  750           clock  60.00Hz
DUMMY1 disconnected (normal left inverted right x axis y axis)
\tIdentifier: 0x1c7
\tTimestamp:  21504
DUMMY2 connected (normal left inverted right x axis y axis)
\tIdentifier: 0x1c8
  1280x720 (0x1ca) 74.250MHz +HSync +VSync +preferred
"""  # noqa: E501 - recorded xrandr output, kept verbatim


def test_xrandr_verbose_with_edid() -> None:
    blob = edid.build(manufacturer="LGD", product=0x5B3, name="Meeting TV")
    hexlines = "\n".join("\t\t" + blob[i : i + 16].hex() for i in range(0, 128, 16))
    conns = drm.parse_xrandr(XRANDR_DUMMY.format(edid=hexlines), drm.Power.ON)
    by = {c.name: c for c in conns}
    assert list(by) == ["DUMMY0", "DUMMY1", "DUMMY2"]
    d0 = by["DUMMY0"]
    assert d0.link is drm.Link.CONNECTED
    assert d0.power is drm.Power.ON
    assert d0.enabled
    assert d0.current == "1920x1080"
    assert d0.modes[0] == "1920x1080"
    assert "1280x720" in d0.modes
    assert d0.edid is not None
    assert d0.edid.name == "Meeting TV"
    assert by["DUMMY1"].link is drm.Link.DISCONNECTED
    # Connected but given no CRTC: the PC sends it no picture.
    assert by["DUMMY2"].enabled is False
    assert by["DUMMY2"].resolution == (1280, 720)


def test_xset_monitor_states() -> None:
    assert drm.parse_xset_monitor("DPMS is Enabled\n  Monitor is On\n") is drm.Power.ON
    assert drm.parse_xset_monitor("  Monitor is in Standby\n") is drm.Power.STANDBY
    assert drm.parse_xset_monitor("  Monitor is Off\n") is drm.Power.OFF
    assert drm.parse_xset_monitor("Server does not have the DPMS Extension\n") is None


def test_read_xrandr_from_a_live_x_server(xvfb: str) -> None:
    conns = drm.read_xrandr()
    assert [c.name for c in conns] == ["screen"]
    assert conns[0].link is drm.Link.CONNECTED
    assert conns[0].resolution == (1280, 1024)
    assert conns[0].source == "xrandr"


def test_read_xrandr_without_x(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    assert drm.read_xrandr() == []


CEC_NO_ADAPTER = """\
No device type given. Using 'recording device'
CEC Parser created - libCEC version 6.0.2
no serial port given. trying autodetect: FAILED
"""

CEC_STANDBY = """\
opening a connection to the CEC adapter...
DEBUG:   [             101]\tSetCurrentButton 0 (0)
power status: standby
"""


def test_cec_conversations() -> None:
    assert drm.parse_cec_power(CEC_NO_ADAPTER) is None
    assert drm.parse_cec_power(CEC_STANDBY) == "standby"
    assert drm.parse_cec_power("power status: on\n") == "on"


def test_cec_without_cec_client(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert drm.cec_power() is None
    assert drm.cec_wake() is False
    assert os.environ["PATH"] == str(tmp_path)


@given(st.text(max_size=600))
def test_xrandr_parser_never_raises(text: str) -> None:
    for c in drm.parse_xrandr(text):
        assert c.source == "xrandr"


def test_xrandr_with_a_corrupt_edid_keeps_the_output(tmp_path) -> None:
    hexlines = "\n".join("\t\t" + "00" * 16 for _ in range(8))
    (c, *_) = drm.parse_xrandr(XRANDR_DUMMY.format(edid=hexlines))
    assert c.edid is None
    assert c.edid_error
    assert c.resolution == (1920, 1080)


def test_garbage_sysfs_values_read_as_unknown(drm_tree) -> None:
    root = drm_tree(**{"HDMI-A-1": Screen(status="weird", dpms="Blinking", modes=("junk",))})
    (c,) = drm.read_sysfs(root)
    assert c.link is drm.Link.UNKNOWN
    assert c.power is drm.Power.UNKNOWN
    assert c.resolution is None
