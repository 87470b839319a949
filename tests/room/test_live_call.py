"""The room in a real call: the agent plays nothing, moves nothing, and calls nothing broken.

The call is played by processes outside the agent's process tree: a PulseAudio client
recording the microphone and one playing to the speaker, and a process holding the camera
source and the serial port. No meeting is scheduled and nobody passes --in-meeting: the
agent must see the call for itself. Each test also runs its control, the same room without
the call, where the agent does play its tone and send the camera home: the test can fail.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.contract.clock import iso
from tests.daemon.rig import BASE, Daemon, Inbox
from tests.fixtures.common import need_program
from tests.room.rig import FRAMING, ROOM_NOISE_DBFS, Call, Monitor, Room

pytestmark = [pytest.mark.pulse, pytest.mark.slow]

HNTH = str(Path(sys.executable).parent / "hnth-agent")
RECALL = bytes([0x81, 0x01, 0x04, 0x3F, 0x02])
QUIET = ROOM_NOISE_DBFS + 6  # the room's own noise, with margin: nothing of ours
TONE = ROOM_NOISE_DBFS + 15  # the probe is -20 dBFS: 25 dB above the room


@pytest.fixture
def room(tmp_path, pulse_room, visca_emulator, video_clips):
    need_program("pacat", "sh")
    pulse_room.ambient(ROOM_NOISE_DBFS)
    return Room(
        tmp_path, pulse_room, visca_emulator, video_clips["moving"], tmp_path / "cam" / "v0.avi"
    )


@pytest.fixture
def monitor(room):
    m = Monitor(room)
    time.sleep(0.3)
    yield m
    m.close()


def check(room: Room, *args: str) -> dict:
    out = subprocess.run(
        [HNTH, "check", "--json", "--config", str(room.config), *args],
        env=room.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.stdout, out.stderr
    time.sleep(0.3)  # the monitor reads in real time: let it catch up
    return json.loads(out.stdout)


def statuses(body: dict) -> dict[str, str]:
    return {c["name"]: c["status"] for c in body["checks"]}


def recalled(room: Room) -> bool:
    return any(p.startswith(RECALL) for p in room.camera.requests)


def test_check_in_a_call_plays_nothing_moves_nothing_and_names_the_call(room, monitor):
    call = Call(room).start()
    try:
        monitor.reset()
        body = check(room)
        heard = monitor.loudest
    finally:
        call.end()
    assert heard < QUIET, f"the speaker's monitor heard {heard:.1f} dBFS during the call"
    assert room.position() == FRAMING
    assert not recalled(room)
    status = statuses(body)
    assert status["camera"] != "fail", body
    assert status["microphone"] != "fail", body
    assert status["ptz"] != "fail", body
    assert body["call"]["on"] is True
    held = {(h["device"], h["pid"]) for h in body["call"]["holders"]}
    assert ("camera", call.holder) in held
    assert ("ptz", call.holder) in held
    assert ("microphone", call.recorder) in held

    # The control: the call is over, the same command tests the room for real.
    time.sleep(0.5)
    monitor.reset()
    body = check(room)
    assert monitor.loudest > TONE, "without a call the speaker check plays its probe"
    assert recalled(room)
    assert room.position() != FRAMING  # sent home
    assert body["call"]["on"] is False
    assert statuses(body)["speaker"] == "pass", body


# ---------------------------------------------------------------- the daemon


def daemon_config(room: Room, broker, extra: str = "") -> None:
    room.write(
        f'[mqtt]\nhost = "{broker.host}"\nport = {broker.port}\n'
        "[schedule]\noffsets_min = [5]\nperiodic_min = 60\n" + extra
    )


def publish_meeting(central, start: datetime, meeting_id: str = "hop-1") -> None:
    body = {
        "schema": "hnth.meeting/2",
        "id": meeting_id,
        "title": "Họp UBND tỉnh",
        "start": iso(start),
        "end": iso(start + timedelta(hours=1)),
        "rooms": ["xa-chieng-son"],
        "groups": [],
    }
    rc = central.publish_wait(
        f"hnth/v2/son-la/_schedule/{meeting_id}", json.dumps(body), retain=True
    )
    assert rc == 0


def scheduled(inbox: Inbox, meeting_id: str = "hop-1"):
    return inbox.find(
        f"{BASE}/readiness",
        lambda r: r["trigger"] == "schedule" and (r["meeting"] or {}).get("id") == meeting_id,
    )


@pytest.mark.broker
def test_a_daemon_restarted_during_a_call_stays_out_of_it(room, monitor, broker, mqtt_client):
    daemon_config(room, broker)
    central = mqtt_client(broker, "central")
    central.subscribe("hnth/v2/#")
    inbox = Inbox(central)
    d = Daemon(room.tmp, room.config, env=room.env)
    call = Call(room).start()
    try:
        d.wait_for(lambda: inbox.find(f"{BASE}/readiness"), 30, "the first readiness")
        d.signal(signal.SIGKILL)
        d.proc.wait(10)
        d.close()
        # While the agent is down, central schedules a meeting three minutes from now: the
        # restarted agent's T-5 slot is due at once, just after its startup run.
        publish_meeting(central, datetime.now(UTC) + timedelta(minutes=3))
        monitor.reset()
        d = Daemon(room.tmp, room.config, env=room.env)
        d.wait_for(lambda: scheduled(inbox), 40, "the pre-meeting readiness")
        time.sleep(0.5)
        heard = monitor.loudest
        report = scheduled(inbox)
    finally:
        call.end()
        d.close()
    assert heard < QUIET, f"the speaker's monitor heard {heard:.1f} dBFS"
    assert room.position() == FRAMING
    assert not recalled(room)
    assert report["call"]["on"] is True, report
    status = statuses(report)
    assert status["camera"] != "fail"
    assert status["microphone"] != "fail"


@pytest.mark.broker
@pytest.mark.parametrize("mode", ["call", "sntp", "control"])
def test_a_pc_clock_ten_minutes_slow(room, monitor, broker, mqtt_client, mode):
    """The meeting began 5 minutes ago; the PC's clock says it begins in 5 (its T-5 slot).

    call: a call is on and seen; sntp: no call to see, but the measured offset corrects the
    schedule; control: neither, and the late T-5 run plays into the meeting (what used to be).
    """
    need_program("faketime")
    from tests.checks.test_timesync import SntpServer

    server = SntpServer() if mode == "sntp" else None
    extra = f'[time]\nntp_server = "127.0.0.1:{server.port}"\n' if server is not None else ""
    daemon_config(room, broker, extra)
    if server is not None:
        text = room.config.read_text(encoding="utf-8")
        room.config.write_text(
            text.replace('enabled = ["camera"', 'enabled = ["time", "camera"'), encoding="utf-8"
        )
    central = mqtt_client(broker, "central")
    central.subscribe("hnth/v2/#")
    inbox = Inbox(central)
    publish_meeting(central, datetime.now(UTC) - timedelta(minutes=5))
    env = {
        **room.env,
        "FAKETIME": "-10m",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "LD_PRELOAD": _libfaketime(),
    }
    call = Call(room).start() if mode == "call" else None
    d = Daemon(room.tmp, room.config, env=env)
    try:
        d.wait_for(lambda: inbox.find(f"{BASE}/readiness"), 40, "the first readiness")
        if mode == "sntp":
            time.sleep(8)
            assert scheduled(inbox) is None, "the T-5 check ran inside the meeting"
            first = inbox.find(f"{BASE}/readiness")
            time_check = next(c for c in first["checks"] if c["name"] == "time")
            assert time_check["status"] == "fail"
            assert time_check["key"] == "time.clock_wrong_slow"
        else:
            d.wait_for(lambda: scheduled(inbox), 40, "the (late) T-5 readiness")
            assert scheduled(inbox)["call"]["on"] is (mode == "call")
        time.sleep(0.5)
        heard = monitor.loudest
    finally:
        if call is not None:
            call.end()
        d.close()
        if server is not None:
            server.close()
    if mode == "control":
        assert heard > TONE, "the control must play into the meeting, or this test proves nothing"
        assert recalled(room)
        return
    assert heard < QUIET, f"the speaker's monitor heard {heard:.1f} dBFS"
    assert room.position() == FRAMING
    assert not recalled(room)


def _libfaketime() -> str:
    found = sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))
    if not found:
        pytest.fail("libfaketime.so.1 not found (apt-get install faketime)")
    return str(found[0])
