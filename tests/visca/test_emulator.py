"""The emulator's State as a pure function of time, and `hnth-agent sim visca` as a process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.errors import UsageError
from agent.visca import commands as c
from agent.visca.emulator import CameraState, Chain, Emulator, Model

ROOT = Path(__file__).resolve().parents[2]
ME = object()


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def body(command) -> bytes:
    return command.packet(1)[1:-1]


def replies(outs) -> list[str]:
    return [p.hex(" ").upper() for _, p in outs]


def test_drive_moves_at_the_commanded_speed_until_stop():
    cam = CameraState(1, now=0.0)
    assert replies(cam.handle(body(c.drive("right", 10, 1)), ME, 0.0)) == ["90 41 FF", "90 51 FF"]
    cam.advance(1.0)
    assert cam.position()[0] == round(10 * Model().units_per_speed)
    cam.handle(body(c.stop()), ME, 1.0)
    cam.advance(5.0)
    assert cam.position()[0] == round(10 * Model().units_per_speed)


def test_motion_stops_at_the_mechanical_limit():
    cam = CameraState(1, now=0.0)
    cam.handle(body(c.drive("up", 1, 0x17)), ME, 0.0)
    cam.advance(60.0)
    assert cam.position()[1] == Model().tilt_max


def test_absolute_move_completes_when_it_arrives():
    cam = CameraState(1, now=0.0)
    assert replies(cam.handle(body(c.move(550, 0, 10, 10)), ME, 0.0)) == ["90 41 FF"]
    assert cam.advance(0.5) == []
    (job,) = cam.advance(1.01)
    assert job.socket == 1
    assert cam.completion(job) == h("90 51 FF")
    assert cam.position() == (550, 0, 0)


def test_two_sockets_then_buffer_full_then_cancel():
    cam = CameraState(1, now=0.0)
    assert replies(cam.handle(body(c.move(2000, 0, 1, 1)), ME, 0.0)) == ["90 41 FF"]
    assert replies(cam.handle(body(c.zoom_direct(0x4000)), ME, 0.0)) == ["90 42 FF"]
    assert replies(cam.handle(body(c.preset("set", 1)), ME, 0.0)) == ["90 60 03 FF"]
    assert replies(cam.handle(body(c.cancel(2)), ME, 0.1)) == ["90 62 04 FF"]
    assert replies(cam.handle(body(c.cancel(2)), ME, 0.1)) == ["90 62 05 FF"]
    assert replies(cam.handle(body(c.preset("set", 1)), ME, 0.1)) == ["90 42 FF", "90 52 FF"]


def test_a_new_pan_tilt_motion_ends_the_running_one():
    cam = CameraState(1, now=0.0)
    cam.handle(body(c.home()), ME, 0.0)
    cam.pan = 1000.0
    assert replies(cam.handle(body(c.move(2000, 0, 1, 1)), ME, 0.0)) == ["90 51 FF", "90 41 FF"]
    out = replies(cam.handle(body(c.drive("left", 1, 1)), ME, 0.1))
    assert out == ["90 51 FF", "90 41 FF", "90 51 FF"]
    assert cam.jobs == {}


def test_a_motion_that_ended_completes_before_the_next_reply():
    cam = CameraState(1, now=0.0)
    cam.handle(body(c.move(55, 0, 1, 1)), ME, 0.0)
    assert replies(cam.handle(body(c.power_inquiry()), ME, 2.0)) == ["90 51 FF", "90 50 02 FF"]


@pytest.mark.parametrize(
    ("command", "reply"),
    [
        (h("01 06 01 00 00 03 03"), "90 60 02 FF"),  # speed 00, as a BRC-300 answers
        (h("01 06 01 19 01 01 03"), "90 60 02 FF"),  # pan speed above 18h
        (h("01 06 02 01 01 00 09 00 00 00 00 00 00"), "90 60 02 FF"),  # pan beyond the range
        (h("01 04 3F 02 FF"), "90 60 02 FF"),  # preset 255 on a 255-preset camera
        (h("01 7E 01 02"), "90 60 02 FF"),  # unknown
        (h("09 7E 7E 00"), "90 60 02 FF"),
    ],
)
def test_illegal_messages_are_syntax_errors(command, reply):
    cam = CameraState(1, now=0.0)
    assert replies(cam.handle(command, ME, 0.0)) == [reply]


def test_standby_refuses_all_but_power_and_version():
    cam = CameraState(1, now=0.0)
    cam.handle(body(c.power(False)), ME, 0.0)
    assert replies(cam.handle(body(c.home()), ME, 0.0)) == ["90 61 41 FF"]
    assert replies(cam.handle(body(c.position_inquiry()), ME, 0.0)) == ["90 60 41 FF"]
    assert replies(cam.handle(body(c.power_inquiry()), ME, 0.0)) == ["90 50 03 FF"]
    assert replies(cam.handle(body(c.power(True)), ME, 0.0)) == ["90 41 FF"]
    (job,) = cam.advance(Model().power_on_s)
    assert cam.completion(job) == h("90 51 FF")
    assert cam.powered


def test_presets_and_inquiries():
    cam = CameraState(1, now=0.0)
    cam.pan, cam.tilt, cam.zoom = -2267.0, 1200.0, 0x1234
    cam.handle(body(c.preset("set", 9)), ME, 0.0)
    assert replies(cam.handle(body(c.position_inquiry()), ME, 0.0)) == [
        "90 50 0F 07 02 05 00 04 0B 00 FF"
    ]
    assert replies(cam.handle(body(c.zoom_inquiry()), ME, 0.0)) == ["90 50 01 02 03 04 FF"]
    assert replies(cam.handle(body(c.version_inquiry()), ME, 0.0)) == [
        "90 50 00 20 04 02 01 00 02 FF"
    ]
    cam.handle(body(c.home()), ME, 0.0)
    cam.advance(10.0)
    cam.handle(body(c.preset("recall", 9)), ME, 10.0)
    cam.advance(20.0)
    assert cam.position() == (-2267, 1200, 0x1234)


def test_chain_routes_address_set_and_unknown_addresses():
    chain = Chain(3, now=0.0)
    assert replies(chain.route(h("88 30 01 FF"), ME, 0.0)) == ["88 30 04 FF"]
    assert replies(chain.route(h("83 09 04 00 FF"), ME, 0.0)) == ["B0 50 02 FF"]
    assert replies(chain.route(h("85 09 04 00 FF"), ME, 0.0)) == ["85 09 04 00 FF"]
    assert replies(chain.route(h("88 01 00 01 FF"), ME, 0.0)) == ["88 01 00 01 FF"]
    assert replies(chain.route(h("82 01 00 01 FF"), ME, 0.0)) == ["A0 50 FF"]


@given(st.binary(min_size=1, max_size=20))
def test_any_message_gets_replies_never_an_exception(data):
    chain = Chain(2, now=0.0)
    packet = bytes([0x81]) + data.replace(b"\xff", b"") + b"\xff"
    for _, reply in chain.route(packet, ME, 1.0):
        assert reply.endswith(b"\xff")
    chain.poll(100.0)


def test_bad_setup_is_a_usage_error():
    with pytest.raises(UsageError):
        Emulator(8)
    emu = Emulator()
    with pytest.raises(UsageError, match="loopback"):
        emu.add_listener("tcp://0.0.0.0:0")
    emu.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_sim_visca_runs_until_a_signal_and_exits_cleanly(tmp_path, sig):
    link = tmp_path / "ttyCAM"
    proc = subprocess.Popen(
        # As a shell starts a background job: SIGINT ignored, so only our handler can stop it.
        [
            "sh",
            "-c",
            'trap "" INT; exec "$0" -m agent sim visca --pty --link "$1" --cameras 2',
            sys.executable,
            str(link),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HNTH_AGENT_LANG": "en"},
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == str(link)
        assert os.path.realpath(link).startswith("/dev/pts/")
        assert proc.poll() is None
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "emulator stopped" in err
    assert not link.exists()


def test_sim_without_a_device_or_listener_is_a_usage_error():
    proc = subprocess.run(
        [sys.executable, "-m", "agent", "sim", "visca"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
        env={**os.environ, "HNTH_AGENT_LANG": "en"},
        check=False,
    )
    assert proc.returncode == 3
    assert "--pty" in proc.stderr


def test_sim_listens_on_tcp_and_sony_udp(tmp_path):
    from agent.visca import Camera

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agent",
            "sim",
            "visca",
            "--listen",
            "tcp://127.0.0.1:0",
            "--listen",
            "visca-ip://127.0.0.1:0",
            "--baud",
            "0",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        urls = [proc.stdout.readline().strip() for _ in range(2)]
        assert urls[0].startswith("tcp://127.0.0.1:")
        assert urls[1].startswith("visca-ip://127.0.0.1:")
        for url in urls:
            with Camera(url) as cam:
                assert cam.version().vendor_name == "Sony"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == 0
