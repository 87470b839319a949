"""The emulator's links: the ways a controller reaches it (a pty, TCP, raw UDP, Sony VISCA over IP).

A link moves bytes and nothing else; `Service` gives them meaning and timing.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading
import time
from typing import Any, Protocol

from agent import ptz_emulator
from agent.visca import ip
from agent.visca.framing import hexs

log = logging.getLogger(__name__)

Route = Any


class Link(Protocol):
    """One way into the emulator: a pty, a TCP listener, raw UDP or Sony VISCA over IP."""

    stream: bool
    ip_mode: bool

    @property
    def label(self) -> str:
        """How the controller reaches this link (a path or a URL)."""

    def recv(self, timeout: float) -> list[tuple[bytes, Route]]:
        """Return what arrived within `timeout`: stream chunks or whole datagrams, with a route."""

    def send(self, data: bytes, route: Route) -> None:
        """Write bytes to the controller on `route`."""

    def drop(self) -> None:
        """Pull the cable: the controller sees the line vanish."""

    def restore(self) -> None:
        """Plug it back in (the same path or port)."""

    def close(self) -> None:
        """Release everything."""


class PtyLink(ptz_emulator.PtyLink):
    """A pseudo-terminal; the controller opens `path` (or the stable `link` symlink to it)."""

    stream = True
    ip_mode = False

    def recv(self, timeout: float) -> list[tuple[bytes, Route]]:
        """Read what the controller wrote."""
        data = self.read(timeout)
        return [(data, None)] if data else []

    def send(self, data: bytes, route: Route) -> None:  # noqa: ARG002 - a pty has one route
        """Write to the controller; bytes are lost when the cable is pulled."""
        self.write(data)


class TcpLink:
    """Raw VISCA over TCP; one controller at a time (a new connection replaces the old)."""

    stream = True
    ip_mode = True

    def __init__(self, host: str, port: int) -> None:
        self._lock = threading.Lock()
        self._server: socket.socket | None = socket.create_server(
            (host, port), family=_family(host)
        )
        self.host, self.port = self._server.getsockname()[:2]
        self.label = f"tcp://{_url_host(self.host)}:{self.port}"
        self._conn: socket.socket | None = None
        self._retired: list[socket.socket] = []

    def recv(self, timeout: float) -> list[tuple[bytes, Route]]:
        """Accept a controller, then read its bytes."""
        with self._lock:
            for old in self._retired:
                old.close()  # closed here, in the only thread that selects on them
            self._retired.clear()
            socks = [x for x in (self._server, self._conn) if x is not None]
        if not socks:
            time.sleep(timeout)
            return []
        try:
            ready, _, _ = select.select(socks, [], [], timeout)
        except (OSError, ValueError):
            return []
        out: list[tuple[bytes, Route]] = []
        for s in ready:
            if s is self._server:
                with contextlib.suppress(OSError):
                    conn, _ = s.accept()
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    with self._lock:
                        if self._conn is not None:
                            self._retired.append(self._conn)
                        self._conn = conn
                continue
            try:
                data = s.recv(1024)
            except OSError:
                data = b""
            if data:
                out.append((data, s))
                continue
            with self._lock:
                if s is self._conn:
                    self._conn = None
                self._retired.append(s)
        return out

    def send(self, data: bytes, route: Route) -> None:
        """Send to the connection the request came from (if it is still open)."""
        conn = route if isinstance(route, socket.socket) else self._conn
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.sendall(data)

    def drop(self) -> None:
        """End the connection and stop listening: connecting is refused until restored."""
        with self._lock:
            for x in (self._conn, self._server):
                if x is not None:
                    with contextlib.suppress(OSError):
                        x.shutdown(socket.SHUT_RDWR)
                    self._retired.append(x)
            self._conn = self._server = None

    def restore(self) -> None:
        """Listen again on the same port."""
        with self._lock:
            if self._server is None:
                self._server = socket.create_server(
                    (self.host, self.port), family=_family(self.host)
                )

    def close(self) -> None:
        """Close the listener and any connection (the reader thread has stopped)."""
        self.drop()
        with self._lock:
            for x in self._retired:
                x.close()
            self._retired.clear()


class UdpLink:
    """Raw VISCA packets over UDP (port 1259 on many OEM cameras), or Sony's framing when `sony`."""

    stream = False
    ip_mode = True

    def __init__(self, host: str, port: int, *, sony: bool = False) -> None:
        self._sock = socket.socket(_family(host), socket.SOCK_DGRAM)
        self._sock.bind((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        self.sony = sony
        self.label = f"{'visca-ip' if sony else 'udp'}://{_url_host(self.host)}:{self.port}"
        self._down = False
        # Per controller: the last sequence number executed and the replies it produced,
        # so a resend with the same number is answered again but not executed twice.
        self._last: dict[Any, tuple[int, list[bytes]]] = {}
        self._lock = threading.Lock()
        self.duplicates = 0  # resends recognised by their sequence number
        self.too_long = 0  # payloads over Sony's 16 bytes, answered with a length error
        self.malformed = 0  # datagrams that are not VISCA over IP at all, logged and counted

    def recv(self, timeout: float) -> list[tuple[bytes, Route]]:
        """Return whole VISCA packets; answer control messages and resends here."""
        try:
            ready, _, _ = select.select([self._sock], [], [], timeout)
            if not ready:
                return []
            raw, addr = self._sock.recvfrom(2048)
        except (OSError, ValueError):
            return []
        if self._down:
            return []
        if not self.sony:
            return [(raw, addr)]
        try:
            msg = ip.Message.from_bytes(raw)
        except Exception:
            self._refuse(raw, addr)
            return []
        if msg.payload_type is ip.PayloadType.CONTROL:
            with self._lock:
                self._last.pop(addr, None)
            self._reply(
                ip.Message(ip.PayloadType.CONTROL_REPLY, msg.sequence, ip.CONTROL_ACK), addr
            )
            return []
        if msg.payload_type not in (ip.PayloadType.COMMAND, ip.PayloadType.INQUIRY):
            self._reply(
                ip.Message(ip.PayloadType.CONTROL_REPLY, msg.sequence, ip.CONTROL_ERROR_TYPE), addr
            )
            return []
        with self._lock:
            last = self._last.get(addr)
            if last is not None and last[0] == msg.sequence:
                self.duplicates += 1
                for payload in last[1]:
                    self._reply(ip.Message(ip.PayloadType.REPLY, msg.sequence, payload), addr)
                return []
            self._last[addr] = (msg.sequence, [])
        return [(msg.payload, (addr, msg.sequence))]

    def send(self, data: bytes, route: Route) -> None:
        """Send one reply datagram back to the controller that asked."""
        if self._down:
            return
        if route is None:
            return  # unsolicited bytes (a stray network change) have nowhere to go over UDP
        if not self.sony:
            with contextlib.suppress(OSError):
                self._sock.sendto(data, route)
            return
        addr, seq = route
        with self._lock:
            last = self._last.get(addr)
            if last is not None and last[0] == seq:
                last[1].append(data)
        self._reply(ip.Message(ip.PayloadType.REPLY, seq, data), addr)

    def _refuse(self, raw: bytes, addr: Any) -> None:
        """Answer or count a datagram that does not parse; never drop one silently."""
        n = ip.payload_length(raw)
        payload = raw[ip.HEADER.size :]
        if n is not None and n == len(payload) > ip.MAX_PAYLOAD and payload[-1:] == b"\xff":
            # A Sony camera refuses a VISCA message over 16 bytes with "Message length error".
            self.too_long += 1
            log.warning("VISCA-over-IP payload of %d bytes from %s refused", n, addr)
            seq = ip.HEADER.unpack_from(raw)[2]
            self._reply(ip.Message(ip.PayloadType.REPLY, seq, b"\x90\x60\x01\xff"), addr)
            return
        self.malformed += 1
        log.warning("not a VISCA-over-IP datagram from %s: %s", addr, hexs(raw[:32]))

    def _reply(self, msg: ip.Message, addr: Any) -> None:
        with contextlib.suppress(OSError):
            self._sock.sendto(msg.to_bytes(), addr)

    def drop(self) -> None:
        """Stop answering (a cable pulled on the camera side)."""
        self._down = True

    def restore(self) -> None:
        """Answer again."""
        self._down = False

    def close(self) -> None:
        """Close the socket."""
        self._sock.close()


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
