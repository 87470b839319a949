"""The camera client against the emulator over a real pty, loopback TCP, raw UDP and Sony UDP."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from agent.errors import (
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    InvalidArgumentError,
    LocalProtocolError,
)
from agent.visca import (
    BufferFullError,
    Camera,
    Command,
    CommandCancelledError,
    CommandSupersededError,
    Finish,
    NotExecutableError,
    Position,
    Timeouts,
    ViscaSyntaxError,
)
from agent.visca import commands as c
from agent.visca.emulator import Fault, Model

FAST = Timeouts(ack_ms=300, immediate_ms=600, move_ms=3000, inquiry_retries=1)


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def _twice(call):
    """The reader may notice a pulled line before or during the next call; either must raise."""
    call()
    call()


@pytest.fixture
def cam(visca_emulator):
    visca_emulator.usecases.set_motion_scale(20)
    camera = Camera(visca_emulator.path, timeouts=FAST)
    yield camera
    camera.close()


# ---------------------------------------------------------------- every call, over a real pty


def test_every_call_works_and_puts_sony_bytes_on_the_wire(cam, visca_emulator):
    rig = visca_emulator
    v = cam.version()
    assert (v.vendor, v.model, v.rom, v.max_socket) == (0x0020, 0x0402, 0x0100, 2)
    assert v.vendor_name == "Sony"
    assert cam.power_status() is True
    cam.power(False)
    assert cam.power_status() is False
    cam.power(True)
    assert cam.power_status() is True
    cam.drive("right", 10, 4)
    cam.stop()
    cam.zoom("in", 3)
    cam.zoom("stop")
    cam.zoom_to(0x2000)
    cam.focus("manual")
    assert rig.state.focus == "manual"
    cam.goto(-500, 300, 0x18, 0x14)
    assert cam.position() == Position(-500, 300, 0x2000)
    cam.preset_set(4)
    cam.home()
    assert cam.position() == Position(0, 0, 0x2000)
    cam.preset_recall(4)
    assert cam.position() == Position(-500, 300, 0x2000)
    cam.preset_clear(4)
    assert 4 not in rig.state.presets
    assert cam.discover() == 1
    sent = [p for p in rig.requests if p not in (h("81 09 06 12 FF"), h("81 09 04 47 FF"))]
    assert sent == [
        h("81 09 00 02 FF"),
        h("81 09 04 00 FF"),
        h("81 01 04 00 03 FF"),
        h("81 09 04 00 FF"),
        h("81 01 04 00 02 FF"),
        h("81 09 04 00 FF"),
        h("81 01 06 01 0A 04 02 03 FF"),
        h("81 01 06 01 01 01 03 03 FF"),
        h("81 01 04 07 23 FF"),
        h("81 01 04 07 00 FF"),
        h("81 01 04 47 02 00 00 00 FF"),
        h("81 01 04 38 03 FF"),
        h("81 01 06 02 18 14 0F 0E 00 0C 00 01 02 0C FF"),
        h("81 01 04 3F 01 04 FF"),
        h("81 01 06 04 FF"),
        h("81 01 04 3F 02 04 FF"),
        h("81 01 04 3F 00 04 FF"),
        h("88 30 01 FF"),
    ]


def test_drive_moves_over_time_and_stop_holds(cam, visca_emulator):
    visca_emulator.usecases.set_motion_scale(1)
    cam.drive("up-left", 0x18, 0x17)
    time.sleep(0.2)
    cam.stop()
    p1 = cam.position()
    assert p1.pan < -100
    assert p1.tilt > 100
    time.sleep(0.1)
    assert cam.position() == p1


def test_ranges_are_exposed_for_validation(cam):
    assert cam.ranges()["speed"] == (1, 0x18)
    assert cam.ranges()["preset"] == (0, 254)
    with pytest.raises(LocalProtocolError, match=r"1\.\.24"):
        cam.drive("left", 25)


def test_five_nibble_positions_decode_by_length(visca_factory):
    rig = visca_factory(model=Model(position_nibbles=5, pan_min=-300000, pan_max=300000))
    rig.usecases.place(-200000, 1000, 5)
    with Camera(rig.path, timeouts=FAST) as cam:
        assert cam.position() == Position(-200000, 1000, 5)


def test_twenty_bit_camera_from_config(visca_factory, make_config):
    rig = visca_factory(model=Model(position_nibbles=5, pan_min=-300000, pan_max=300000))
    rig.usecases.set_motion_scale(1000)
    cfg = make_config(f'[ptz]\nport = "{rig.path}"\nposition_nibbles = 5\n').ptz
    with Camera.from_config(cfg) as cam:
        cam.goto(-70000, 300)
        assert cam.position() == Position(-70000, 300, 0)
    assert len(rig.requests[0]) == 17


# ---------------------------------------------------------------- scripted real-world conversations


def test_completion_without_ack(cam, visca_emulator):
    visca_emulator.usecases.set_faults(Fault.NO_ACK)
    result = cam.execute(c.drive("left", 3, 3))
    assert result.acked is False
    assert result.ack_ms is None
    cam.home()  # a motion completes without ACK too
    assert cam.position().pan == 0


def test_a_stray_network_change_is_ignored(cam, visca_emulator):
    visca_emulator.usecases.script(h("90 38 FF"), h("90 50 02 FF"))
    assert cam.power_status() is True
    assert cam.network_changed is True
    assert cam.discover() == 1
    assert cam.network_changed is False


def test_buffer_full_when_both_sockets_move(cam, visca_emulator):
    visca_emulator.usecases.set_motion_scale(0.05)
    done = threading.Event()
    errors: list[BaseException] = []

    def long_move(fn):
        try:
            fn()
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    threads = [
        threading.Thread(target=long_move, args=(lambda: cam.goto(2000, 0),)),
        threading.Thread(target=long_move, args=(lambda: cam.zoom_to(0x4000),)),
    ]
    for started, th in enumerate(threads, 1):
        th.start()
        deadline = time.monotonic() + 5
        while len(visca_emulator.state.jobs) < started and time.monotonic() < deadline:
            time.sleep(0.01)
    with pytest.raises(BufferFullError) as info:
        cam.preset_set(1)
    assert info.value.code == "device_error"
    assert info.value.command == "preset_set"
    cam.cancel(1)
    cam.cancel(2)
    for th in threads:
        th.join(timeout=3)
    assert len(errors) == 2
    assert all(isinstance(e, CommandCancelledError) for e in errors)


def test_speed_zero_gets_a_syntax_error_from_the_camera(cam, visca_emulator):
    raw = Command("drive_stop_00", h("01 06 01 00 00 03 03"), Finish.IMMEDIATE)
    with pytest.raises(ViscaSyntaxError) as info:
        cam.execute(raw)
    assert "drive_stop_00" in info.value.message
    assert info.value.hint


def test_standby_refuses_moves_as_not_executable(cam, visca_emulator):
    visca_emulator.usecases.set_power(False)
    with pytest.raises(NotExecutableError) as info:
        cam.home()
    assert "power on" in (info.value.hint or "") or "nguồn" in (info.value.hint or "")


def test_errors_on_everything(cam, visca_emulator):
    visca_emulator.usecases.refuse_everything()
    for call in (cam.version, cam.home, lambda: cam.drive("up", 1)):
        with pytest.raises(DeviceError):
            call()


def test_silent_camera_fails_within_about_a_second_and_names_port(visca_emulator):
    visca_emulator.usecases.go_silent()
    with Camera(visca_emulator.path) as cam:  # default timeouts: 500 ms, one inquiry retry
        t0 = time.monotonic()
        with pytest.raises(DeviceTimeoutError) as info:
            cam.position()
        elapsed = time.monotonic() - t0
    assert elapsed < 3.0  # a bound, not a measurement: it must not hang
    assert info.value.code == "timeout"
    assert visca_emulator.path in info.value.message
    assert "1000 ms" in info.value.message
    assert info.value.hint
    # the inquiry was sent twice (retried), never more
    assert visca_emulator.requests == [h("81 09 06 12 FF")] * 2


def test_moves_are_not_retried(visca_emulator):
    visca_emulator.usecases.go_silent()
    with Camera(visca_emulator.path, timeouts=FAST) as cam, pytest.raises(DeviceTimeoutError):
        cam.home()
    assert visca_emulator.requests == [h("81 01 06 04 FF")]


def test_garbage_before_replies_is_skipped(cam, visca_emulator):
    visca_emulator.usecases.set_faults(Fault.GARBAGE)
    for _ in range(5):
        assert cam.power_status() is True


def test_garbage_instead_of_replies_names_the_baud_rate(cam, visca_emulator):
    visca_emulator.usecases.script(h("12 34 56 07"))
    visca_emulator.usecases.script(h("12 34 56 07"))
    with pytest.raises(DeviceTimeoutError) as info:
        cam.power_status()
    assert "12 34 56 07" in info.value.message


def test_dropped_bytes_are_survived_by_retrying_inquiries(visca_emulator):
    visca_emulator.usecases.set_faults(Fault.DROP)
    visca_emulator.emulator.faults.drop_rate = 0.3
    ok = 0
    with Camera(visca_emulator.path, timeouts=Timeouts(ack_ms=150, inquiry_retries=3)) as cam:
        for _ in range(10):
            try:
                cam.power_status()
                ok += 1
            except DeviceTimeoutError:
                pass
    assert ok >= 1  # with 30% loss most inquiries get through on some try


def test_slow_camera_within_the_deadline(visca_emulator):
    visca_emulator.usecases.set_faults(Fault.SLOW)
    visca_emulator.emulator.faults.slow_ms = 150
    with Camera(visca_emulator.path, timeouts=FAST) as cam:
        assert cam.power_status() is True
    visca_emulator.emulator.faults.slow_ms = 700
    with Camera(visca_emulator.path, timeouts=FAST) as cam, pytest.raises(DeviceTimeoutError):
        cam.power_status()


def test_motion_that_never_completes_times_out_with_its_own_deadline(visca_emulator):
    visca_emulator.usecases.set_motion_scale(0.01)
    with Camera(visca_emulator.path, timeouts=Timeouts(move_ms=300)) as cam:
        cam.place = None
        visca_emulator.usecases.place(2000, 0)
        with pytest.raises(DeviceTimeoutError) as info:
            cam.home()
    assert "300 ms" in info.value.message


# ---------------------------------------------------------------- STOP jumps the queue


def test_stop_goes_out_while_another_command_hangs(visca_emulator):
    rig = visca_emulator
    rig.usecases.hang_on(h("01 04 3F 02"))  # the camera never answers preset recall
    rig.usecases.set_motion_scale(1)
    with Camera(rig.path, timeouts=Timeouts(ack_ms=2000)) as cam:
        cam.drive("left", 5)
        errors: list[BaseException] = []

        def recall():
            try:
                cam.preset_recall(1)
            except BaseException as exc:
                errors.append(exc)

        th = threading.Thread(target=recall)
        th.start()
        rig.wait_requests(2)
        t0 = time.monotonic()
        cam.stop()
        stop_s = time.monotonic() - t0
        th.join(timeout=3)
        assert not th.is_alive()
    assert stop_s < 1.0  # far below the 2 s ACK deadline the recall is stuck in
    assert rig.requests[-1] == h("81 01 06 01 01 01 03 03 FF")
    assert rig.state.pan_v == 0
    assert len(errors) == 1
    assert isinstance(errors[0], CommandSupersededError)


def test_concurrent_callers_are_paced_and_all_answered(cam, visca_emulator):
    results: list[object] = []
    lock = threading.Lock()

    def worker():
        for _ in range(4):
            r = cam.power_status()
            with lock:
                results.append(r)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=10)
    assert results == [True] * 16


# ---------------------------------------------------------------- a pulled cable


def test_pulled_pty_gives_device_unavailable_then_recovers(cam, visca_emulator):
    assert cam.power_status() is True
    visca_emulator.usecases.disconnect()
    with pytest.raises(DeviceUnavailableError) as info:
        _twice(cam.power_status)
    assert info.value.code == "device_unavailable"
    with pytest.raises(DeviceUnavailableError):
        cam.power_status()  # the path is gone, like /dev/ttyUSB0 after unplugging
    visca_emulator.usecases.reconnect()
    assert cam.power_status() is True


def test_cable_pulled_mid_command(visca_emulator):
    visca_emulator.usecases.set_faults(Fault.DISCONNECT)
    with Camera(visca_emulator.path, timeouts=Timeouts(ack_ms=2000)) as cam:
        t0 = time.monotonic()
        with pytest.raises(DeviceUnavailableError):
            cam.home()
        assert time.monotonic() - t0 < 1.5  # noticed at once, not at the 2 s deadline
        visca_emulator.usecases.reconnect()
        assert cam.power_status() is True


def test_missing_port_and_bad_urls(tmp_path):
    with pytest.raises(DeviceUnavailableError) as info:
        Camera(str(tmp_path / "ttyUSB9")).version()
    assert "ttyUSB9" in info.value.message
    with pytest.raises(InvalidArgumentError, match="http"):
        Camera("http://camera")
    with pytest.raises(LocalProtocolError):
        Camera(str(tmp_path / "x"), address=8)


# ---------------------------------------------------------------- chains


def test_daisy_chain_discovery_and_addressing(visca_factory):
    rig = visca_factory(cameras=3)
    with Camera(rig.path, timeouts=FAST) as cam1:
        assert cam1.discover() == 3
    with Camera(rig.path, address=3, timeouts=FAST) as cam3:
        cam3.goto(100, 50)
        assert cam3.position().pan == 100
    assert rig.usecases.camera(3).position() == (100, 50, 0)
    assert rig.usecases.camera(1).position() == (0, 0, 0)
    with (
        Camera(rig.path, address=5, timeouts=FAST) as cam5,
        pytest.raises(DeviceUnavailableError) as info,
    ):
        cam5.home()
    assert "discover" in (info.value.hint or "")


# ---------------------------------------------------------------- the network transports


@pytest.mark.parametrize("scheme", ["tcp", "udp", "visca-ip"])
def test_network_transports(visca_factory, scheme):
    rig = visca_factory(pty=False, listen=[f"{scheme}://127.0.0.1:0"])
    rig.usecases.set_motion_scale(20)
    with Camera(rig.urls[scheme], timeouts=FAST) as cam:
        assert cam.version().vendor_name == "Sony"
        cam.goto(-100, 40)
        assert cam.position() == Position(-100, 40, 0)
        cam.drive("down", 2)
        cam.stop()
        cam.preset_set(2)
    assert rig.requests[0] == h("81 09 00 02 FF")


def test_visca_ip_resend_keeps_the_sequence_number_and_does_not_execute_twice(visca_factory):
    rig = visca_factory(pty=False, listen=["visca-ip://127.0.0.1:0"])
    rig.usecases.set_faults(Fault.SLOW)
    rig.emulator.faults.slow_ms = 250  # longer than the 100 ms resend interval
    with Camera(rig.urls["visca-ip"] + "?resend_ms=100", timeouts=Timeouts(ack_ms=1000)) as cam:
        cam.preset_set(7)
    assert rig.emulator.services[0].link.duplicates >= 1  # it was resent…
    assert rig.requests.count(h("81 01 04 3F 01 07 FF")) == 1  # …and executed once


def test_tcp_camera_that_goes_away(visca_factory):
    rig = visca_factory(pty=False, listen=["tcp://127.0.0.1:0"])
    with Camera(rig.urls["tcp"], timeouts=FAST) as cam:
        assert cam.power_status() is True
        rig.usecases.disconnect()
        with pytest.raises(DeviceUnavailableError):
            _twice(cam.power_status)
        rig.usecases.reconnect()
        assert cam.power_status() is True


def test_a_second_client_on_the_same_serial_port_is_told_it_is_busy(cam, visca_emulator):
    assert cam.power_status() is True
    with (
        Camera(visca_emulator.path, timeouts=FAST) as other,
        pytest.raises(DeviceUnavailableError) as info,
    ):
        other.power_status()
    assert "in use" in info.value.message or "đang được" in info.value.message


def test_shared_camera_is_one_client_per_port(visca_emulator, make_config):
    from agent.ptz import close_shared, shared

    cfg = make_config(f'[ptz]\nport = "{visca_emulator.path}"\n').ptz
    try:
        first = shared(cfg)
        assert shared(cfg) is first
        assert first.power_status() is True
        changed = shared(dataclasses.replace(cfg, ack_timeout_ms=900))
        assert changed is not first
        assert changed.power_status() is True  # the old one released the port
    finally:
        close_shared()
