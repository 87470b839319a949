"""The daemon's side of a Pelco room, in process: the pre-meeting preparation and shutdown STOP."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from agent.checks import Trigger
from agent.ptz import stop_shared
from agent.schedule import Meeting
from agent.service import Agent


def _agent(make_config, emu) -> Agent:
    return Agent(
        make_config(
            f'[ptz]\nport = "pelco-d://{emu.path}?baud=9600"\npower_on_before_meeting = true\n'
            '[checks]\nenabled = ["ptz"]\ncritical = ["ptz"]\n'
        )
    )


def test_prep_and_the_scheduled_check_run_on_a_pelco_room(make_config, pelco_emulator):
    pelco_emulator.usecases.place(9000, 500)
    agent = _agent(make_config, pelco_emulator)
    now = datetime.now(UTC)
    meeting = Meeting("m-1", "Họp", now + timedelta(minutes=5), now + timedelta(hours=1))
    with pelco_emulator.lock:
        pelco_emulator.state.powered = False  # left in standby
    agent._prep(meeting)  # Pelco cannot say it is in standby: prep sends "camera on" anyway
    assert pelco_emulator.state.powered
    report = agent.run_checks(["ptz"], Trigger.SCHEDULE, meeting, publish=False)
    ptz = report.result("ptz")
    assert ptz is not None
    assert ptz.status.value == "pass", ptz
    assert ptz.metrics["position"]["pan"] == 0  # sent home, and read back there


def test_stop_shared_stops_a_moving_pelco_camera(make_config, pelco_emulator):
    agent = _agent(make_config, pelco_emulator)
    agent.camera().drive("left", 20)
    deadline = time.monotonic() + 2
    while not pelco_emulator.state.pan_v and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pelco_emulator.state.pan_v
    assert stop_shared() == 1
    deadline = time.monotonic() + 1
    while pelco_emulator.state.pan_v and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not pelco_emulator.state.pan_v
