"""The MQTT PTZ verbs through the real CommandHandler, on a Pelco camera emulated on a real pty.

The handler opens the camera the way the daemon does (agent.ptz); requests are validated by
the contract exactly as the link's are. Also: the hold dead-man on Pelco, and the [ptz] port
validation of Pelco URLs (Hypothesis).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent import config as config_mod
from agent.contract.requests import validate
from agent.errors import AgentError, ConfigError
from agent.mqtt.commands import CommandHandler, Envelope, Request, error_code, limits_for
from agent.ptz import open_camera


@pytest.fixture
def handler_for(make_config) -> Iterator[Any]:
    made: list[CommandHandler] = []

    def make(emu, variant: str = "d", hold_ms: int = 400) -> CommandHandler:
        cfg = make_config(
            f'[ptz]\nport = "pelco-{variant}://{emu.path}?baud={emu.baud}"\n'
            f"hold_timeout_ms = {hold_ms}\n"
        ).ptz
        h = CommandHandler(ptz=cfg, camera=lambda: open_camera(cfg))
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()


def run(h: CommandHandler, verb: str, **args: Any) -> Any:
    """Validate like the link, then execute; an AgentError comes back as its contract code."""
    try:
        clean = validate(verb, args, limits_for(h.ptz))
        return h.execute(Request(verb, clean, Envelope("r-1", "t/resp/r-1")))
    except AgentError as exc:
        return error_code(exc)


def moving(emu) -> bool:
    with emu.lock:
        return bool(emu.state.pan_v or emu.state.tilt_v or emu.state.zoom_v)


def wait(what, timeout: float) -> float:
    t0 = time.monotonic()
    while not what():
        assert time.monotonic() - t0 < timeout, "timed out"
        time.sleep(0.005)
    return time.monotonic() - t0


def test_a_hold_without_refresh_stops_within_the_timeout(handler_for, pelco_emulator):
    h = handler_for(pelco_emulator, hold_ms=400)
    assert run(h, "ptz.move", direction="left", speed=10) == {}
    wait(lambda: moving(pelco_emulator), 2)
    for _ in range(4):  # refreshed every 200 ms: keeps moving past the timeout
        time.sleep(0.2)
        assert run(h, "ptz.move", direction="left", speed=10) == {}
        assert moving(pelco_emulator)
    t0 = time.monotonic()
    wait(lambda: not moving(pelco_emulator), 2)
    assert 0.35 <= time.monotonic() - t0 <= 0.9
    assert h.hold.expired == 1
    assert not h.hold.active


def test_link_lost_stops_a_hold_at_once(handler_for, pelco_emulator):
    h = handler_for(pelco_emulator, hold_ms=20_000)
    run(h, "ptz.move", direction="up", speed=5)
    wait(lambda: moving(pelco_emulator), 2)
    h.link_lost()
    assert wait(lambda: not moving(pelco_emulator), 2) < 0.5
    h.link_lost()  # nothing held any more: no second STOP
    time.sleep(0.05)
    assert h.hold.expired == 1


def test_stop_and_timed_moves_end_the_hold_without_the_dead_man(handler_for, pelco_emulator):
    h = handler_for(pelco_emulator, hold_ms=300)
    run(h, "ptz.move", direction="right", speed=10)
    wait(lambda: moving(pelco_emulator), 2)
    assert run(h, "ptz.stop") == {}
    wait(lambda: not moving(pelco_emulator), 1)
    assert not h.hold.active
    run(h, "ptz.move", direction="right", speed=10)
    assert run(h, "ptz.move", direction="down", speed=5, duration_ms=500) == {
        "stopped_early": False
    }
    wait(lambda: not moving(pelco_emulator), 1)
    time.sleep(0.4)
    assert h.hold.expired == 0


def test_ptz_stop_ends_a_timed_move_early(handler_for, pelco_emulator):
    h = handler_for(pelco_emulator)
    result: list[Any] = []
    mover = threading.Thread(
        target=lambda: result.append(
            run(h, "ptz.move", direction="left", speed=3, duration_ms=5000)
        )
    )
    mover.start()
    wait(lambda: moving(pelco_emulator), 2)
    run(h, "ptz.stop")
    mover.join(3)
    assert result == [{"stopped_early": True}]
    wait(lambda: not moving(pelco_emulator), 0.5)  # the frames are paced at the baud rate


def test_presets_home_zoom_and_position(handler_for, pelco_emulator):
    h = handler_for(pelco_emulator)
    pelco_emulator.usecases.place(1500, 300, 100)
    assert run(h, "ptz.preset.set", preset=4) == {}
    assert run(h, "ptz.home") == {}
    wait(lambda: run(h, "ptz.position") == {"pan": 0, "tilt": 0, "zoom": 0}, 2)
    run(h, "ptz.preset.recall", preset=4)
    wait(lambda: run(h, "ptz.position") == {"pan": 1500, "tilt": 300, "zoom": 100}, 2)
    assert run(h, "ptz.zoom", action="in") == {}
    wait(lambda: moving(pelco_emulator), 1)
    assert run(h, "ptz.zoom", action="stop") == {}
    wait(lambda: not moving(pelco_emulator), 1)
    assert run(h, "ptz.preset.clear", preset=4) == {}


def test_what_pelco_has_not_is_an_invalid_argument(handler_for, pelco_emulator):
    h = handler_for(pelco_emulator)
    assert run(h, "ptz.zoom", position=100) == "invalid_argument"


@pytest.mark.parametrize("variant", ["d", "p"])
def test_power_off_and_on_reach_the_camera(handler_for, pelco_factory, variant):
    emu = pelco_factory(variant=variant, baud=9600)
    h = handler_for(emu, variant=variant)
    assert run(h, "ptz.power", on=False) == {}
    wait(lambda: not emu.state.powered, 2)
    assert not emu.state.powered
    before = emu.state.frames_handled
    assert run(h, "ptz.move", direction="left", speed=10) == {}
    wait(lambda: emu.state.frames_handled > before, 2)
    assert emu.state.frames_handled > before
    assert not moving(emu)  # the move arrived; in standby the camera does not move
    assert run(h, "ptz.stop") == {}
    assert run(h, "ptz.power", on=True) == {}
    wait(lambda: emu.state.powered, 2)
    assert emu.state.powered


def test_pelco_p_recall_works_and_says_the_position_is_unavailable(handler_for, pelco_factory):
    emu = pelco_factory(variant="p", baud=9600)
    emu.usecases.set_motion_scale(20)
    h = handler_for(emu, variant="p")
    result = run(h, "ptz.preset.recall", preset=34)
    assert result == {
        "pan": None,
        "tilt": None,
        "zoom": None,
        "unavailable": ["pan", "tilt", "zoom"],
    }
    assert run(h, "ptz.position") == "device_error"


def test_a_pulled_adapter_is_device_unavailable_then_recovers(handler_for, pelco_emulator):
    h = handler_for(pelco_emulator)
    assert run(h, "ptz.position") == {"pan": 0, "tilt": 0, "zoom": 0}
    pelco_emulator.usecases.disconnect()
    wait(lambda: run(h, "ptz.position") == "device_unavailable", 3)
    pelco_emulator.usecases.reconnect()
    wait(lambda: run(h, "ptz.position") == {"pan": 0, "tilt": 0, "zoom": 0}, 3)


@settings(max_examples=60, deadline=None)
@given(
    variant=st.sampled_from(["d", "p"]),
    address=st.integers(-5, 300),
    baud=st.sampled_from([2400, 4800, 9600, 0]),
)
def test_ptz_port_validation_of_pelco_urls(variant, address, baud):
    port = f"pelco-{variant}:///dev/ttyUSB0?baud={baud}&address={address}"
    hi = 255 if variant == "d" else 256
    ok = 1 <= address <= hi and baud >= 50
    if not ok:
        with pytest.raises(ConfigError) as refused:
            config_mod.loads(f'[ptz]\nport = "{port}"\n')
        assert "[ptz] port" in refused.value.message
        assert "1..255" in refused.value.message
        return
    cfg = config_mod.loads(f'[ptz]\nport = "{port}"\n')
    assert open_camera(cfg.ptz).address == address


def test_closing_the_handler_during_a_hold_stops_the_camera(handler_for, pelco_emulator):
    h = handler_for(pelco_emulator, hold_ms=20_000)
    run(h, "ptz.move", direction="down", speed=5)
    wait(lambda: moving(pelco_emulator), 2)
    h.link_lost()
    h.close()  # right behind the lost link: the STOP must not be lost with the watcher
    wait(lambda: not moving(pelco_emulator), 1)
    assert h.hold.expired == 1
