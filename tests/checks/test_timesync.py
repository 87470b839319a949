"""The time check against a real SNTP exchange on loopback, with a server whose clock we set."""

from __future__ import annotations

import socket
import struct
import threading
import time

import pytest

from agent.checks import CheckContext, Status
from agent.checks.timesync import parse_reply, run, sntp_query, to_ntp
from agent.config import loads
from agent.errors import RemoteProtocolError


class SntpServer:
    """A loopback NTP server (RFC 4330 server side) whose clock runs `skew_s` ahead of ours."""

    def __init__(self, skew_s: float = 0.0, stratum: int = 2, mode: int = 4) -> None:
        self.skew_s = skew_s
        self.stratum = stratum
        self.mode = mode
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(512)
            except TimeoutError:
                continue
            recv = to_ntp(time.time() + self.skew_s)
            xmit_of_client = data[40:48]
            reply = struct.pack("!BBbbII4s", 0x20 | self.mode, self.stratum, 6, -20, 0, 0, b"LOCL")
            reply += (
                struct.pack("!Q", recv)
                + xmit_of_client
                + struct.pack("!QQ", recv, to_ntp(time.time() + self.skew_s))
            )
            self.sock.sendto(reply, addr)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def server_factory():
    servers: list[SntpServer] = []

    def make(**kw):
        s = SntpServer(**kw)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.close()


def _ctx(server: str, max_offset_ms: float = 500) -> CheckContext:
    return CheckContext(
        loads(
            f'[time]\nntp_server = "{server}"\nmax_offset_ms = {max_offset_ms}\ntimeout_ms = 500\n'
        ),
        lang="en",
    )


def test_sntp_measures_offset(server_factory):
    srv = server_factory(skew_s=2.0)
    sample = sntp_query("127.0.0.1", srv.port, timeout=1)
    assert 1.9 < sample.offset_s < 2.1
    assert sample.delay_s >= 0
    assert sample.stratum == 2


def test_small_offset_passes(server_factory):
    srv = server_factory(skew_s=0.0)
    out = run(_ctx(f"127.0.0.1:{srv.port}"))
    assert out.status == Status.PASS
    assert abs(out.metrics["offset_ms"]) < 100
    assert out.metrics["source"] == "sntp"


def test_large_offset_warns(server_factory):
    srv = server_factory(skew_s=-3.0)
    out = run(_ctx(f"127.0.0.1:{srv.port}"))
    assert out.status == Status.WARN
    assert out.metrics["offset_ms"] < -2900
    assert out.hint is not None
    assert "NTP" in out.hint


def test_kiss_of_death_is_refused(server_factory):
    srv = server_factory(stratum=0)
    out = run(_ctx(f"127.0.0.1:{srv.port}"))
    assert out.status == Status.FAIL
    assert "kiss" in out.summary


def test_silent_server_fails_within_timeout():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))  # bound, never answers
    try:
        t0 = time.monotonic()
        out = run(_ctx(f"127.0.0.1:{s.getsockname()[1]}"))
        assert time.monotonic() - t0 < 3
    finally:
        s.close()
    assert out.status == Status.FAIL
    assert out.hint is not None
    assert "UDP" in out.hint


@pytest.mark.parametrize(
    "data",
    [b"", b"\x24" * 10, bytes(48), struct.pack("!B47x", 0x23)],
)
def test_garbage_replies_raise_remote_protocol_error(data):
    with pytest.raises(RemoteProtocolError):
        parse_reply(data, to_ntp(time.time()), time.time())
