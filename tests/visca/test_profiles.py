"""Quirk profiles: the controller against the emulator playing each camera family.

Each family differs only where public evidence says so (agent/visca/profiles.py); the
negative tests show that the quirk is needed, not just tolerated.
"""

from __future__ import annotations

import pytest

from agent.errors import DeviceTimeoutError
from agent.visca import Camera, Timeouts
from agent.visca.emulator.profiles import MODELS, model
from agent.visca.profiles import ProfileName, detect, profile

FAST = Timeouts(ack_ms=300, immediate_ms=600, move_ms=1500, inquiry_retries=0)
FAMILIES = ["sony", "ptzoptics", "lumens", "generic-oem"]
# What "auto" resolves each emulated family to (Lumens publishes no vendor id).
DETECTED = {"sony": "sony", "ptzoptics": "ptzoptics", "lumens": "generic-oem"}
DETECTED["generic-oem"] = "generic-oem"


@pytest.mark.parametrize(
    ("vendor", "name"),
    [(0x0001, "sony"), (0x0020, "sony"), (0x0009, "ptzoptics"), (0x1234, "generic-oem")],
)
def test_the_vendor_id_picks_the_profile(vendor, name):
    assert detect(vendor).name == name


def _rig(visca_factory, family, line, **changes):
    rig = visca_factory(
        pty=line == "serial",
        listen=[] if line == "serial" else [f"{line}://127.0.0.1:0"],
        model=model(family, **changes),
        network_change_on_start=False,
    )
    rig.usecases.set_motion_scale(20)
    return rig, rig.path if line == "serial" else rig.urls[line]


@pytest.mark.parametrize("line", ["serial", "visca-ip", "tcp"])
@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("chosen", ["config", "auto"])
def test_the_controller_drives_every_family(visca_factory, family, line, chosen):
    rig, url = _rig(visca_factory, family, line)
    prof = profile(family) if chosen == "config" else None
    cam = Camera(url, timeouts=FAST, profile=prof)
    try:
        cam.version()
        expected = family if chosen == "config" else DETECTED[family]
        assert cam.profile.name == expected
        assert cam.power_status() is True
        cam.goto(300, 100)
        cam.preset_set(4)
        cam.home()
        cam.preset_recall(4)
        where = cam.read_position()
        assert (where.pan, where.tilt) == (300, 100)
        assert where.zoom == (None if not MODELS[family].zoom_inquiry else 0)
        cam.drive("up", 5)
        cam.stop()
    finally:
        cam.close()
    assert rig.state.pan_v == rig.state.tilt_v == 0
    # The tilt speed never exceeds what the family takes (the camera would refuse it).
    assert cam.limits.max_speed_tilt <= MODELS[family].max_speed_tilt


def test_ptzoptics_replies_from_another_address_need_the_quirk(visca_factory):
    rig, url = _rig(visca_factory, "ptzoptics", "visca-ip")
    strict = Camera(url, timeouts=FAST, profile=profile("sony"))
    try:
        with pytest.raises(DeviceTimeoutError):
            strict.home()  # its Completion comes from A0, which a Sony profile does not take
    finally:
        strict.close()
    tolerant = Camera(url, timeouts=FAST, profile=profile("ptzoptics"))
    try:
        tolerant.home()
    finally:
        tolerant.close()
    assert any(p[0] == 0x81 for p in rig.requests)


def test_lumens_keeps_the_configured_camera_id_over_ip(visca_factory):
    rig, url = _rig(visca_factory, "lumens", "visca-ip", ip_id=2, reply_address=2)
    sony = Camera(url, 2, timeouts=FAST, profile=profile("sony"))
    try:
        with pytest.raises(DeviceTimeoutError):
            sony.home()  # Sony's lock to 81 over IP: a Lumens set to id 2 ignores it
    finally:
        sony.close()
    assert rig.emulator.chain.misaddressed >= 1
    lumens = Camera(url, 2, timeouts=FAST, profile=profile("lumens"))
    try:
        lumens.home()
        assert lumens.read_position().pan == 0
    finally:
        lumens.close()
    assert rig.requests[-1][0] == 0x82


def test_sony_over_ip_is_always_camera_1(visca_factory):
    rig, url = _rig(visca_factory, "sony", "visca-ip")
    cam = Camera(url, 3, timeouts=FAST, profile=profile(ProfileName.SONY))
    try:
        cam.home()
    finally:
        cam.close()
    assert rig.requests[-1][0] == 0x81


def test_a_generic_oem_camera_takes_speed_00_but_we_never_send_it(visca_factory):
    rig, url = _rig(visca_factory, "generic-oem", "serial")
    cam = Camera(url, timeouts=FAST, profile=profile("generic-oem"))
    try:
        cam.drive("left", 1)
        cam.stop()
    finally:
        cam.close()
    drives = [p for p in rig.requests if p[1:4] == bytes.fromhex("01 06 01")]
    assert drives
    assert all(p[4] >= 1 and p[5] >= 1 for p in drives)


@pytest.mark.parametrize("any_address", [True, False])
def test_the_session_takes_a_reply_from_another_sender_only_when_told(any_address):
    from agent.visca import commands as c
    from agent.visca.session import Acked, Done, Session, Stray

    s = Session(any_address=any_address)
    handle, _ = s.send(c.home(), 1)
    s.receive_data(bytes.fromhex("A0 41 FF A0 51 FF"))
    events = []
    while (ev := s.next_event()) is not None:
        events.append(ev)
    assert events[0] == Acked(handle, 1)  # an ACK names no command: it is the oldest's
    if any_address:
        assert events[1:] == [Done(handle)]
    else:
        assert isinstance(events[1], Stray)
