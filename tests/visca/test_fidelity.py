"""The emulator behaves like a camera on the wire: ACK before Completion, every inquiry we use,
lenient speed 00 on request, and Sony's 16-byte limit over VISCA over IP (never a silent drop)."""

from __future__ import annotations

import os
import select
import socket
import time

import pytest

from agent.visca import commands as c
from agent.visca import ip
from agent.visca.emulator import CameraState, Model

ME = object()


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def hx(data: bytes) -> str:
    return data.hex(" ").upper()


class Pty:
    """The controller's end of the emulator's pty, speaking raw bytes."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)

    def ask(self, packet: bytes, replies: int, timeout: float = 3.0) -> list[str]:
        os.write(self.fd, packet)
        buf = b""
        deadline = time.monotonic() + timeout
        while buf.count(b"\xff") < replies and time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                buf += os.read(self.fd, 256)
        return [hx(p + b"\xff") for p in buf.split(b"\xff")[:-1]]

    def close(self) -> None:
        os.close(self.fd)


class SonyUdp:
    """A Sony VISCA-over-IP controller on a real UDP socket."""

    def __init__(self, url: str) -> None:
        host, port = url.split("://", 1)[1].rsplit(":", 1)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.connect((host, int(port)))
        self.sock.settimeout(3.0)
        self.seq = 0

    def ask_raw(self, datagram: bytes, replies: int) -> list[ip.Message]:
        self.sock.send(datagram)
        return [ip.Message.from_bytes(self.sock.recv(2048)) for _ in range(replies)]

    def ask(self, packet: bytes, replies: int) -> list[str]:
        self.seq += 1
        msg = ip.Message(ip.PayloadType.COMMAND, self.seq, packet)
        return [hx(m.payload) for m in self.ask_raw(msg.to_bytes(), replies)]

    def close(self) -> None:
        self.sock.close()


# Moves that end the moment they start, from a camera at pan 0, tilt 0, zoom 0.
AT_ONCE = {
    "home when already home": c.home(),
    "goto the current position": c.move(0, 0, 0x10, 0x10),
    "recall a preset stored here": c.preset("recall", 3),
    "zoom to the current zoom": c.zoom_direct(0),
}


@pytest.mark.parametrize("name", list(AT_ONCE))
@pytest.mark.parametrize("line", ["serial", "visca-ip"])
def test_ack_always_comes_before_the_completion(visca_factory, line, name):
    rig = visca_factory(
        pty=line == "serial", listen=["visca-ip://127.0.0.1:0"], network_change_on_start=False
    )
    rig.usecases.place(0, 0, 0)
    rig.state.presets[3] = (0.0, 0.0, 0.0)
    peer = Pty(rig.path) if line == "serial" else SonyUdp(rig.urls["visca-ip"])
    try:
        for _ in range(3):  # the writer polls motion every 5 ms: give the race several chances
            assert peer.ask(AT_ONCE[name].packet(1), 2) == ["90 41 FF", "90 51 FF"]
    finally:
        peer.close()


def test_focus_mode_inquiry_answers_auto_or_manual():
    cam = CameraState(1, now=0.0)
    inquiry = c.focus_mode_inquiry().packet(1)[1:-1]
    assert [hx(p) for _, p in cam.handle(inquiry, ME, 0.0)] == ["90 50 02 FF"]
    cam.handle(c.focus("manual").packet(1)[1:-1], ME, 0.0)
    assert [hx(p) for _, p in cam.handle(inquiry, ME, 0.0)] == ["90 50 03 FF"]


def test_speed_00_is_a_syntax_error_unless_the_camera_is_lenient():
    drive00 = h("01 06 01 00 00 02 03")
    strict = CameraState(1, now=0.0)
    assert [hx(p) for _, p in strict.handle(drive00, ME, 0.0)] == ["90 60 02 FF"]
    lenient = CameraState(1, Model(accepts_speed_zero=True), now=0.0)
    assert [hx(p) for _, p in lenient.handle(drive00, ME, 0.0)] == ["90 41 FF", "90 51 FF"]
    lenient.advance(1.0)
    assert lenient.position()[0] > 0  # 00 is its slowest speed, not standing still


def test_a_17_byte_payload_over_sony_ip_is_answered_with_a_length_error(visca_factory):
    rig = visca_factory(
        pty=False,
        listen=["visca-ip://127.0.0.1:0"],
        model=Model(position_nibbles=5, pan_min=-300000, pan_max=300000),
    )
    packet = c.move(70000, 0, 1, 1, limits=c.Limits(position_nibbles=5)).packet(1)
    assert len(packet) == 17
    datagram = ip.HEADER.pack(ip.PayloadType.COMMAND, len(packet), 7) + packet
    peer = SonyUdp(rig.urls["visca-ip"])
    try:
        (reply,) = peer.ask_raw(datagram, 1)
    finally:
        peer.close()
    assert (reply.payload_type, reply.sequence, hx(reply.payload)) == (
        ip.PayloadType.REPLY,
        7,
        "90 60 01 FF",
    )
    link = rig.emulator.services[0].link
    assert link.too_long == 1
    assert rig.state.pan == 0  # refused, not executed


def test_a_datagram_that_is_not_visca_over_ip_is_counted(visca_factory):
    rig = visca_factory(pty=False, listen=["visca-ip://127.0.0.1:0"])
    peer = SonyUdp(rig.urls["visca-ip"])
    link = rig.emulator.services[0].link
    try:
        peer.sock.send(b"\x01\x00\x00")
        deadline = time.monotonic() + 2
        while link.malformed == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        peer.close()
    assert link.malformed == 1


def test_the_client_refuses_a_17_byte_move_over_sony_ip_and_says_why(visca_factory):
    from agent.errors import LocalProtocolError
    from agent.visca import Camera

    rig = visca_factory(pty=False, listen=["visca-ip://127.0.0.1:0"])
    cam = Camera(rig.urls["visca-ip"], limits=c.Limits(position_nibbles=5))
    try:
        with pytest.raises(LocalProtocolError) as err:
            cam.goto(70000, 0)
    finally:
        cam.close()
    assert "1..16" in err.value.message
    assert err.value.hint is not None
    assert "16" in err.value.hint
    assert "ptz.ip" not in err.value.hint  # rendered, not a bare key
