"""The Pelco client against the emulator over a real pty: motion, presets, home, position,
line faults counted, a pulled adapter, and STOP that never waits."""

from __future__ import annotations

import threading
import time

import pytest

from agent.errors import DeviceUnavailableError, InvalidArgumentError, LocalProtocolError
from agent.pelco import Camera, PositionUnavailableError, Timeouts
from agent.pelco.commands import DEFAULT_HOME_PRESET
from agent.pelco.emulator import Fault, Model
from agent.pelco.protocol import Frame, Variant

FAST = Timeouts(query_ms=200, query_retries=1)


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def wire(emu, n: int, timeout: float = 2.0) -> list[bytes]:
    """The first `n` frames the emulator received, as bytes."""
    deadline = time.monotonic() + timeout
    while len(emu.frames) < n and time.monotonic() < deadline:
        time.sleep(0.002)
    return [f.to_bytes() for _, f in list(emu.frames)[:n]]


def handled(emu, n: int, timeout: float = 2.0) -> None:
    """Wait until the emulated camera has executed `n` frames."""
    deadline = time.monotonic() + timeout
    while emu.state.frames_handled < n and time.monotonic() < deadline:
        time.sleep(0.002)
    assert emu.state.frames_handled >= n


def settle(emu, timeout: float = 3.0) -> None:
    """Wait until the emulated camera stops moving (a preset recall has arrived)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with emu.lock:
            emu.state.advance(time.monotonic())
            if not emu.state.moving():
                return
        time.sleep(0.01)
    pytest.fail("the camera never stopped moving")


@pytest.fixture
def cam(pelco_emulator):
    camera = Camera(f"pelco-d://{pelco_emulator.path}?baud=9600", timeouts=FAST)
    yield camera
    camera.close()


# ---------------------------------------------------------------- motion and bytes


def test_drive_moves_over_time_and_stop_holds(cam, pelco_emulator):
    emu = pelco_emulator
    cam.drive("right", 0x20)
    time.sleep(0.2)
    moved = cam.position().pan
    assert moved is not None
    assert moved > 1000  # speed 20 at 20× scale: about 100 degrees a second
    cam.stop()
    held = cam.position().pan
    time.sleep(0.15)
    assert cam.position().pan == held
    assert wire(emu, 2) == [h("FF 01 00 02 20 00 23"), h("FF 01 00 51 00 00 52")]
    assert h("FF 01 00 00 00 00 01") in wire(emu, 100, timeout=0.1)


def test_power_off_puts_the_camera_in_standby_and_on_wakes_it(cam, pelco_emulator):
    emu = pelco_emulator
    cam.drive("right", 0x20)
    cam.power(False)
    handled(emu, 2)
    assert not emu.state.powered
    assert not emu.state.moving()  # the power frame is a standard frame: the pan stopped
    cam.drive("right", 0x20)  # a camera in standby does not move
    handled(emu, 3)
    assert not emu.state.moving()
    cam.power(True)
    cam.drive("left", 0x20)
    handled(emu, 5)
    assert emu.state.powered
    assert emu.state.pan_v < 0
    cam.stop()
    assert wire(emu, 4)[1:4] == [
        h("FF 01 08 00 00 00 09"),
        h("FF 01 00 02 20 00 23"),
        h("FF 01 88 00 00 00 89"),
    ]


def test_move_is_drive_and_the_tilt_speed_follows_pan(cam, pelco_emulator):
    cam.move("down-left", 0x40)  # turbo pan; tilt takes the top tilt speed
    cam.stop()
    assert wire(pelco_emulator, 2) == [h("FF 01 00 14 40 3F 94"), h("FF 01 00 00 00 00 01")]


def test_zoom_and_focus_keep_the_pan_going_until_stop(cam, pelco_emulator):
    emu = pelco_emulator
    cam.drive("left", 5, 7)
    cam.zoom("in")
    cam.focus("far")
    cam.zoom("stop")
    cam.focus("stop")
    cam.stop()
    assert wire(emu, 6) == [
        h("FF 01 00 04 05 00 0A"),  # left
        h("FF 01 00 24 05 00 2A"),  # left + zoom in: Pelco frames are levels
        h("FF 01 00 A4 05 00 AA"),  # + focus far
        h("FF 01 00 84 05 00 8A"),  # zoom stopped, still left and far
        h("FF 01 00 04 05 00 0A"),
        h("FF 01 00 00 00 00 01"),  # everything stops
    ]
    assert emu.state.zoom > 0


def test_zoom_speed_and_zoom_reach_the_camera(cam, pelco_emulator):
    cam.zoom("in", 1)
    time.sleep(0.2)
    cam.zoom("stop")
    assert wire(pelco_emulator, 2)[0] == h("FF 01 00 25 00 01 27")
    assert pelco_emulator.state.zoom_speed == 1
    assert (cam.position().zoom or 0) > 0


# ---------------------------------------------------------------- presets, home, position


def test_presets_set_recall_clear_and_home(cam, pelco_emulator):
    emu = pelco_emulator
    emu.usecases.place(4500, 1200, 3000)
    cam.preset_set(7)
    handled(emu, 1)
    emu.usecases.place(20000, -500, 0)
    cam.preset_recall(7)
    handled(emu, 2)
    settle(emu)
    pos = cam.position()
    assert (pos.pan, pos.tilt, pos.zoom) == (4500, 1200, 3000)
    cam.home()
    handled(emu, 6)  # set, recall, 3 queries, home
    settle(emu)
    assert (cam.position().pan, cam.position().tilt) == (0, 0)
    cam.preset_clear(7)
    cam.preset_recall(7)  # a cleared preset is ignored by the camera
    time.sleep(0.05)
    assert cam.position().pan == 0
    sent = [f for f in wire(emu, 100, timeout=0.2) if f[3] in (0x03, 0x05, 0x07)]
    assert sent == [
        h("FF 01 00 03 00 07 0B"),
        h("FF 01 00 07 00 07 0F"),
        h("FF 01 00 07 00 22 2A"),  # home is preset 34
        h("FF 01 00 05 00 07 0D"),
        h("FF 01 00 07 00 07 0F"),
    ]


def test_home_preset_is_configurable(pelco_factory):
    emu = pelco_factory(baud=9600, model=Model(home_preset=1))
    with Camera(f"pelco-d://{emu.path}?home=1", timeouts=FAST) as cam:
        assert cam.home_preset == 1
        emu.usecases.place(9000, 500)
        cam.home()
        handled(emu, 1)
        settle(emu)
        assert (cam.position().pan, cam.position().tilt) == (0, 0)
    assert wire(emu, 1) == [h("FF 01 00 07 00 01 09")]
    assert Camera(f"pelco-d://{emu.path}", home_preset=9).home_preset == 9
    assert Camera(f"pelco-d://{emu.path}").home_preset == DEFAULT_HOME_PRESET == 34


def test_tilt_above_the_horizon_is_reported_the_pelco_way(cam, pelco_emulator):
    pelco_emulator.usecases.place(100, -1000, 65535)
    pos = cam.position()
    assert (pos.pan, pos.tilt, pos.zoom) == (100, 35000, 65535)
    assert pos.unavailable == ()


def test_camera_without_position_queries_is_marked_unavailable(pelco_factory):
    emu = pelco_factory(baud=9600, model=Model(answers_queries=False))
    with Camera(f"pelco-d://{emu.path}", timeouts=FAST) as cam:
        cam.drive("up", 3)  # commands still work
        t0 = time.monotonic()
        with pytest.raises(PositionUnavailableError) as info:
            cam.position()
        # pan asked twice, then tilt twice, each 200 ms: bounded, never a hang
        assert time.monotonic() - t0 < 1.2
        assert info.value.axes == ("pan", "tilt", "zoom")
        assert "0x51" in str(info.value)
        cam.stop()
    handled(emu, 6)  # drive, pan ×2, tilt ×2, stop
    assert emu.state.tilt_v == 0


def test_a_camera_without_the_zoom_query_still_reports_pan_and_tilt(cam, pelco_emulator):
    pelco_emulator.usecases.place(700, 300, 5000)
    pelco_emulator.usecases.disable_queries("zoom")
    pos = cam.position()
    assert (pos.pan, pos.tilt, pos.zoom) == (700, 300, None)
    assert pos.unavailable == ("zoom",)
    assert pos.as_dict() == {"pan": 700, "tilt": 300, "zoom": None, "unavailable": ["zoom"]}


def test_answers_switched_on_again_are_read(pelco_emulator, cam):
    pelco_emulator.usecases.disable_queries()
    with pytest.raises(PositionUnavailableError):
        cam.position()
    pelco_emulator.usecases.enable_queries()
    assert cam.position().pan == 0


def test_pelco_p_sends_p_frames_and_has_no_position(pelco_factory):
    emu = pelco_factory(variant="p", baud=9600)
    with Camera(f"pelco-p://{emu.path}?baud=9600&address=1", timeouts=FAST) as cam:
        assert cam.variant is Variant.P
        assert not cam.supports_position
        cam.drive("up", 1, 0x20)
        cam.preset_set(1)
        cam.home()
        with pytest.raises(PositionUnavailableError) as info:
            cam.position()
        assert "Pelco-P" in str(info.value)
        cam.stop()
    assert wire(emu, 4) == [
        h("A0 00 00 08 00 20 AF 27"),
        h("A0 00 00 03 00 01 AF 0D"),
        h("A0 00 00 07 00 22 AF 2A"),
        h("A0 00 00 00 00 00 AF 0F"),  # no query went out
    ]
    handled(emu, 4)
    assert (emu.state.tilt_v, emu.state.goal) == (0, None)  # STOP also ends a recall


# ---------------------------------------------------------------- bad input on the line


@pytest.mark.parametrize(
    ("fault", "counter"),
    [(Fault.WRONG_ADDRESS, "wrong_address"), (Fault.BAD_CHECKSUM, "bad_frames")],
)
def test_a_spoiled_answer_is_counted_and_the_query_asked_again(cam, pelco_emulator, fault, counter):
    pelco_emulator.usecases.place(1234, 0)
    pelco_emulator.usecases.next_answers(fault)
    assert cam.position().pan == 1234
    counts = cam.counters()
    assert getattr(counts, counter) == 1
    assert (counts.frames_sent, counts.answers) == (4, 3)  # pan asked twice, tilt, zoom


def test_garbage_before_an_answer_is_skipped_and_counted(cam, pelco_emulator):
    pelco_emulator.usecases.place(1234, 0)
    pelco_emulator.usecases.next_answers(Fault.GARBAGE)
    assert cam.position().pan == 1234
    counts = cam.counters()
    assert 1 <= counts.garbage_bytes <= 5
    assert counts.garbage_runs >= 1
    assert (counts.frames_sent, counts.answers) == (3, 3)  # no query asked again


@pytest.mark.parametrize("fault", [Fault.WRONG_ADDRESS, Fault.BAD_CHECKSUM])
def test_answers_always_spoiled_never_crash_or_hang(cam, pelco_emulator, fault):
    pelco_emulator.usecases.set_faults(fault)
    t0 = time.monotonic()
    with pytest.raises(PositionUnavailableError):
        cam.position()
    assert time.monotonic() - t0 < 1.2
    counts = cam.counters()
    assert counts.wrong_address + counts.bad_frames == 4  # pan ×2, tilt ×2
    pelco_emulator.usecases.clear_faults()
    assert cam.position().pan == 0


def test_noise_and_other_cameras_on_the_bus_are_counted(cam, pelco_emulator):
    cam.stop()  # opens the line
    pelco_emulator.usecases.send(h("13 37 42") + Frame(Variant.D, 9, 0, 0x59, 1, 2).to_bytes())
    deadline = time.monotonic() + 1
    while cam.counters().wrong_address < 1 and time.monotonic() < deadline:
        time.sleep(0.005)
    counts = cam.counters()
    assert (counts.garbage_bytes, counts.wrong_address) == (3, 1)
    assert cam.position().pan == 0  # and the line still works


# ---------------------------------------------------------------- STOP never waits


def test_stop_goes_out_while_a_query_waits_for_a_silent_camera(pelco_emulator):
    emu = pelco_emulator
    emu.usecases.set_faults(Fault.SILENT)
    with Camera(f"pelco-d://{emu.path}", timeouts=Timeouts(query_ms=1500, query_retries=0)) as cam:
        cam.drive("right", 0x10)
        failed: list[BaseException] = []

        def ask() -> None:
            try:
                cam.position()
            except BaseException as exc:  # handed to the test thread
                failed.append(exc)

        asker = threading.Thread(target=ask)
        asker.start()
        wire(emu, 2)  # the query is on the line and waiting
        t0 = time.monotonic()
        cam.stop()
        took = time.monotonic() - t0
        assert wire(emu, 3)[2] == h("FF 01 00 00 00 00 01")
        # The query holds the line for 1500 ms; a STOP that waited for it would take that long.
        assert took < 0.5, f"STOP waited {took * 1000:.0f} ms"
        assert asker.is_alive()  # the query still waits; STOP did not wait for it
        asker.join(5)
        assert failed
        assert isinstance(failed[0], PositionUnavailableError)
    handled(emu, 3)
    assert emu.state.pan_v == 0


# ---------------------------------------------------------------- a pulled adapter


def _soon(call):
    """Pelco gets no replies, so a write into a just-pulled pty may still succeed; the reader
    notices within its 50 ms poll, and from then on every call raises."""
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        call()
        time.sleep(0.01)


def test_pulled_pty_gives_device_unavailable_then_recovers(cam, pelco_emulator):
    assert cam.position().pan == 0
    pelco_emulator.usecases.disconnect()
    with pytest.raises(DeviceUnavailableError) as info:
        _soon(cam.stop)
    assert info.value.code == "device_unavailable"
    with pytest.raises(DeviceUnavailableError):
        cam.stop()  # the path is gone, like /dev/ttyUSB0 after unplugging
    pelco_emulator.usecases.reconnect()
    cam.drive("left", 3)
    assert cam.position().pan is not None
    cam.stop()


def test_cable_pulled_while_a_query_waits(pelco_emulator):
    emu = pelco_emulator
    emu.usecases.set_faults(Fault.SILENT)
    with Camera(f"pelco-d://{emu.path}", timeouts=Timeouts(query_ms=3000)) as cam:
        cam.stop()
        threading.Timer(0.1, emu.usecases.disconnect).start()
        t0 = time.monotonic()
        with pytest.raises(DeviceUnavailableError):
            cam.position()
        assert time.monotonic() - t0 < 1.0  # noticed at once, not at the 3 s deadline
        emu.usecases.clear_faults()
        emu.usecases.reconnect()
        assert cam.position().pan == 0


# ---------------------------------------------------------------- URLs and arguments


def test_missing_port_and_bad_urls(tmp_path):
    with pytest.raises(DeviceUnavailableError):
        Camera(f"pelco-d://{tmp_path}/ttyUSB9").stop()
    for url in (
        "pelco-x:///dev/ttyUSB0",
        "pelco-d://",
        "pelco-d://host/dev/ttyUSB0",
        "pelco-d:///dev/ttyUSB0?baud=fast",
        "pelco-d:///dev/ttyUSB0?address=0",
        "pelco-d:///dev/ttyUSB0?address=256",
        "pelco-p:///dev/ttyUSB0?address=257",
        "pelco-d:///dev/ttyUSB0?home=0",
        "pelco-d:///dev/ttyUSB0?speed=3",
    ):
        with pytest.raises(InvalidArgumentError):
            Camera(url)


def test_url_defaults_per_protocol():
    d = Camera("pelco-d:///dev/ttyUSB0")
    p = Camera("pelco-p:///dev/ttyUSB0?address=32")
    assert (d.variant, d.baud, d.address, d.label) == (Variant.D, 2400, 1, "/dev/ttyUSB0")
    assert (p.variant, p.baud, p.address) == (Variant.P, 4800, 32)
    assert d.ranges()["speed"] == (1, 64)
    assert p.ranges()["address"] == (1, 256)


def test_bad_arguments_are_refused_before_anything_is_sent(cam, pelco_emulator):
    for call in (
        lambda: cam.drive("north", 5),
        lambda: cam.drive("left", 0),
        lambda: cam.drive("left", 65),
        lambda: cam.drive("up", 5, 64),
        lambda: cam.zoom("sideways"),
        lambda: cam.zoom("in", 4),
        lambda: cam.focus("auto"),
        lambda: cam.preset_recall(0),
        lambda: cam.preset_set(256),
    ):
        with pytest.raises(LocalProtocolError) as info:
            call()
        assert not str(info.value).startswith("pelco.")  # rendered for people, not a key
    time.sleep(0.05)
    assert not pelco_emulator.frames


def test_frames_arrive_at_the_pace_of_the_line(pelco_factory):
    emu = pelco_factory(baud=2400)
    with Camera(f"pelco-d://{emu.path}?baud=2400") as cam:
        cam.drive("left", 1)
        cam.stop()
    wire(emu, 2)
    (t1, _), (t2, _) = list(emu.frames)[:2]
    assert t2 - t1 == pytest.approx(7 * 10 / 2400, abs=0.003)  # 29.2 ms per frame


def test_concurrent_callers_never_interleave_bytes(pelco_emulator):
    # Patient query timeouts: this test is about whole frames, not about answer latency, and
    # four threads writing at once on a loaded machine can hold a query past FAST's deadline.
    patient = Timeouts(query_ms=3000, query_retries=1, write_ms=3000)
    cam = Camera(f"pelco-d://{pelco_emulator.path}?baud=9600", timeouts=patient)
    errors: list[BaseException] = []

    def drive(direction: str) -> None:
        try:
            for _ in range(20):
                cam.drive(direction, 3)
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=drive, args=(d,)) for d in ("left", "right", "up", "down")]
    for th in threads:
        th.start()
    pos = cam.position()
    for th in threads:
        th.join(5)
    cam.stop()
    cam.close()
    assert not errors
    assert pos.pan is not None
    frames = wire(pelco_emulator, 84, timeout=5)
    assert len(frames) == 84  # 80 drives, 3 queries, 1 stop: every frame whole
    assert pelco_emulator.bad_frames == 0
    assert cam.counters().bad_frames == cam.counters().garbage_bytes == 0


def test_messages_re_render_in_another_language_like_viscas(tmp_path):
    from agent.visca.text import localize

    with pytest.raises(DeviceUnavailableError) as missing:
        Camera(f"pelco-d://{tmp_path}/ttyUSB9").stop()
    with pytest.raises(LocalProtocolError) as bad:
        Camera(f"pelco-d://{tmp_path}/ttyUSB9").drive("left", 99)
    for exc in (missing.value, bad.value):
        vi, en = localize(exc.message, "vi"), localize(exc.message, "en")
        assert vi != en
        assert vi
        assert en
    assert "pan_speed = 99" in str(localize(bad.value.message, "en"))
