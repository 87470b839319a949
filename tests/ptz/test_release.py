"""The daemon holds a PTZ port only while it uses it: idle lines are closed, busy ones kept."""

from __future__ import annotations

import time

import serial

from agent import ptz
from agent.config import PtzConfig


def _wait(pred, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


def test_an_idle_visca_port_is_let_go_and_opened_again_on_use(visca_emulator):
    cam = ptz.shared(PtzConfig(port=visca_emulator.path, release_after_s=0.3))
    cam.power_status()
    assert cam._transport is not None  # open for the exchange
    assert _wait(lambda: cam._transport is None), "the idle line was not closed"
    assert cam.releases == 1
    # Now another program (a technician's own tool) can open the port exclusively.
    with serial.Serial(visca_emulator.path, exclusive=True):
        pass
    assert cam.power_status() in (True, False)  # and the daemon reopens it on the next use
    assert cam._transport is not None


def test_a_port_in_steady_use_is_not_closed_under_it(visca_emulator):
    cam = ptz.shared(PtzConfig(port=visca_emulator.path, release_after_s=0.4))
    t0 = time.monotonic()
    while time.monotonic() - t0 < 1.5:
        cam.read_position()  # an operator's pad polling the position
        time.sleep(0.1)
    assert cam.releases == 0
    assert _wait(lambda: cam._transport is None)


def test_a_moving_pelco_camera_keeps_its_line(pelco_emulator):
    # A Pelco frame carries the whole motion state: closing the line would forget the move.
    cam = ptz.shared(
        PtzConfig(port=f"pelco-d://{pelco_emulator.path}?baud=9600", release_after_s=0.2)
    )
    cam.drive("left", 10)
    time.sleep(0.8)
    assert cam._transport is not None
    assert cam.releases == 0
    cam.stop()
    assert _wait(lambda: cam._transport is None)


def test_zero_keeps_the_line_open(visca_emulator):
    cam = ptz.shared(PtzConfig(port=visca_emulator.path, release_after_s=0))
    cam.power_status()
    time.sleep(0.5)
    assert cam._transport is not None
