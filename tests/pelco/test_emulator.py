"""The emulator's State as a pure function of frames and time, and its wire side."""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.pelco import commands as c
from agent.pelco.commands import Axis, MotionState
from agent.pelco.emulator.state import CameraState, Model
from agent.pelco.protocol import FRAME_LENGTH, Frame, PelcoRemoteError, Variant

D, P = Variant.D, Variant.P


def test_pan_and_tilt_move_at_the_commanded_speed_and_stop_is_a_level():
    s = CameraState(D, 1)
    s.handle(c.standard(D, 1, MotionState(c.Direction.DOWN_RIGHT, 0x3F, 0x3F)), 0.0)
    s.advance(0.5)
    assert (round(s.pan), round(s.tilt)) == (5000, 3000)  # 100 and 60 degrees a second
    s.handle(c.standard(D, 1, MotionState(zoom="in")), 0.5)  # no pan bits: pan stops
    s.advance(1.0)
    assert (round(s.pan), round(s.tilt)) == (5000, 3000)
    assert s.zoom > 0
    s.handle(c.stop(D, 1), 1.0)
    assert not s.moving()


def test_turbo_wraps_pan_and_tilt_stops_at_its_limits():
    s = CameraState(D, 1)
    s.handle(c.standard(D, 1, MotionState(c.Direction.UP_LEFT, c.TURBO, 0x3F)), 0.0)
    s.advance(1.0)
    assert s.reported(Axis.PAN) == 36000 - 15000
    assert s.tilt == Model().tilt_min
    assert s.reported(Axis.TILT) == 36000 - 1500


def test_presets_home_and_unset_presets():
    s = CameraState(P, 4)
    s.pan, s.tilt, s.zoom = 9000.0, 450.0, 100.0
    s.handle(c.preset(P, 4, "set", 3), 0.0)
    s.handle(c.preset(P, 4, "set", 34), 0.0)  # the home preset cannot be overwritten
    s.handle(c.preset(P, 4, "recall", 34), 0.0)
    s.advance(5.0)
    assert (s.pan, s.tilt, s.zoom) == (0.0, 0.0, 0.0)
    s.handle(c.preset(P, 4, "recall", 3), 5.0)
    s.advance(10.0)
    assert (s.pan, s.tilt, s.zoom) == (9000.0, 450.0, 100.0)
    s.handle(c.preset(P, 4, "clear", 3), 10.0)
    s.handle(c.preset(P, 4, "recall", 9), 10.0)  # never set: ignored
    assert s.goal is None


def test_queries_answered_only_by_pelco_d_cameras_that_answer():
    s = CameraState(D, 7)
    s.pan = 12345.0
    assert s.handle(c.query(D, 7, Axis.PAN), 0.0) == [c.position_response(D, 7, Axis.PAN, 12345)]
    s.answers_queries = False
    assert s.handle(c.query(D, 7, Axis.PAN), 0.0) == []
    p = CameraState(P, 1)
    assert p.handle(Frame(P, 1, 0, 0x51, 0, 0), 0.0) == []  # Pelco-P has no query


def test_focus_bits_per_protocol():
    for variant in Variant:
        s = CameraState(variant, 1)
        s.handle(c.standard(variant, 1, MotionState(focus="near")), 0.0)
        assert s.focus == "near"
        s.handle(c.standard(variant, 1, MotionState(focus="far")), 0.0)
        assert s.focus == "far"


def test_frames_for_other_addresses_and_bad_frames_are_ignored(pelco_factory):
    emu = pelco_factory(baud=9600)
    fd = os.open(emu.path, os.O_RDWR | os.O_NOCTTY)
    try:
        os.write(fd, c.standard(D, 2, MotionState(c.Direction.LEFT, 5, 5)).to_bytes())
        os.write(fd, bytes.fromhex("FF 01 00 02 20 00 24"))  # bad check byte
        os.write(fd, c.query(D, 2, Axis.PAN).to_bytes())
        deadline = time.monotonic() + 2
        while (len(emu.frames) < 2 or emu.bad_frames < 1) and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.05)
        assert len(emu.frames) == 2
        assert emu.bad_frames == 1
        assert emu.state.frames_handled == 0
        assert emu.state.pan_v == 0
        os.set_blocking(fd, False)
        with pytest.raises(BlockingIOError):
            os.read(fd, 64)  # nothing answered the other camera's query
    finally:
        os.close(fd)


@given(st.sampled_from(list(Variant)), st.data())
def test_from_bytes_either_decodes_or_raises_the_remote_error(variant, data):
    raw = data.draw(st.binary(min_size=FRAME_LENGTH[variant], max_size=FRAME_LENGTH[variant]))
    key = None
    try:
        frame = Frame.from_bytes(raw, variant)
    except PelcoRemoteError as exc:
        key = exc.key
    else:
        assert frame.to_bytes() == raw
    assert key in {None, "pelco.bad_frame", "pelco.bad_etx", "pelco.bad_checksum"}


def test_the_emulator_and_its_cli_do_not_load_the_serial_port_module():
    import subprocess
    import sys

    probe = "import sys, agent.cli.sim_pelco; print('serial' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"
