"""Devices that vanish between meetings are seen within seconds, with nothing opened to find out.

The daemon runs on default settings (device watching on, no meeting). Each device is taken
away the way the field loses it, then put back: the microphone's source unloaded from
PulseAudio, the camera's source deleted, the serial adapter pulled (pty closed, its link
removed). Each time the retained readiness and an alert must follow within 10 s.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.daemon.rig import BASE, Daemon, Inbox
from tests.fixtures.common import need_program
from tests.room.rig import ROOM_NOISE_DBFS, Room

pytestmark = [pytest.mark.pulse, pytest.mark.broker, pytest.mark.slow]

LIMIT_S = 10.0


@pytest.fixture
def room(tmp_path, pulse_room, visca_emulator, video_clips):
    need_program("pacat")
    pulse_room.ambient(ROOM_NOISE_DBFS)
    return Room(
        tmp_path, pulse_room, visca_emulator, video_clips["moving"], tmp_path / "cam" / "v0.avi"
    )


def _status(inbox: Inbox, name: str) -> str | None:
    body = inbox.find(f"{BASE}/readiness")
    if body is None:
        return None
    entry = next((c for c in body["checks"] if c["name"] == name), None)
    return entry["status"] if entry else None


def _alert(inbox: Inbox, kind: str, check: str, after: int) -> dict | None:
    found = [e for e in inbox.events(kind) if e.get("check") == check]
    return found[after] if len(found) > after else None


def _within(d: Daemon, what, label: str) -> float:
    t0 = time.monotonic()
    d.wait_for(what, LIMIT_S, label)
    return time.monotonic() - t0


def test_devices_lost_and_found_between_meetings(room, broker, mqtt_client):
    room.write(
        f'[mqtt]\nhost = "{broker.host}"\nport = {broker.port}\n[schedule]\nperiodic_min = 60\n'
    )
    central = mqtt_client(broker, "central")
    central.subscribe("hnth/v2/#")
    inbox = Inbox(central)
    d = Daemon(room.tmp, room.config, env=room.env)
    try:
        d.wait_for(lambda: _status(inbox, "ptz") == "pass", 40, "the startup readiness")
        assert _status(inbox, "camera") == "pass"
        assert _status(inbox, "microphone") == "pass"
        took: dict[str, float] = {}

        # The microphone: its PulseAudio source is unloaded (a USB microphone pulled).
        room.pulse.unload_mic()
        took["mic gone"] = _within(
            d,
            lambda: (
                _status(inbox, "microphone") == "fail"
                and _alert(inbox, "alert.raised", "microphone", 0)
            ),
            "the microphone's loss",
        )
        room.pulse.replug_mic()
        took["mic back"] = _within(
            d,
            lambda: (
                _alert(inbox, "alert.cleared", "microphone", 0)
                and _status(inbox, "microphone") == "pass"
            ),
            "the microphone's return",
        )

        # The camera: its source disappears.
        saved = room.tmp / "saved.avi"
        shutil.move(room.source, saved)
        took["camera gone"] = _within(
            d,
            lambda: (
                _status(inbox, "camera") == "fail" and _alert(inbox, "alert.raised", "camera", 0)
            ),
            "the camera's loss",
        )
        body = inbox.find(f"{BASE}/readiness")
        camera = next(c for c in body["checks"] if c["name"] == "camera")
        assert camera["key"] == "camera.gone"
        assert camera["trigger"] == "device"
        assert body["verdict"] == "not_ready"
        shutil.copy(saved, room.source)
        took["camera back"] = _within(
            d,
            lambda: (
                _alert(inbox, "alert.cleared", "camera", 0) and _status(inbox, "camera") == "pass"
            ),
            "the camera's return",
        )

        # The serial adapter: the pty closes and its by-id style link goes with it.
        room.camera.usecases.disconnect()
        Path(room.camera.path).unlink()
        took["ptz gone"] = _within(
            d,
            lambda: _status(inbox, "ptz") == "fail" and _alert(inbox, "alert.raised", "ptz", 0),
            "the serial port's loss",
        )
        room.camera.usecases.reconnect()
        took["ptz back"] = _within(
            d,
            lambda: _alert(inbox, "alert.cleared", "ptz", 0) and _status(inbox, "ptz") == "pass",
            "the serial port's return",
        )
        print("seconds from the event to the broker:", took)
        assert all(v < LIMIT_S for v in took.values()), took
    finally:
        d.close()
