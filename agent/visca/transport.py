"""Byte transports for VISCA, picked by URL: serial, Sony VISCA over IP, raw TCP and raw UDP.

This is the only module that imports pyserial. Every OS-level failure becomes
DeviceUnavailableError with a message naming the port and what to check.
"""

from __future__ import annotations

import errno
import logging
import socket
import time
from dataclasses import dataclass, field
from typing import Final, Protocol
from urllib.parse import parse_qs, urlsplit

import serial
from serial.tools import list_ports

from agent.errors import DeviceUnavailableError, InvalidArgumentError, RemoteProtocolError
from agent.visca import ip
from agent.visca.framing import hexs
from agent.visca.text import msg, os_error

log = logging.getLogger(__name__)

# A read returns after at most this long, so a closing reader thread notices quickly.
POLL_S: Final = 0.05
DEFAULT_BAUD: Final = 9600
DEFAULT_PORTS: Final = {"visca-ip": ip.DEFAULT_PORT, "tcp": 5678, "udp": 1259}
SCHEMES: Final = ("serial", "visca-ip", "tcp", "udp")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A parsed port URL: scheme, serial path or host and port, and query options."""

    scheme: str
    path: str = ""
    host: str = ""
    port: int = 0
    options: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How messages name this port: the device path, or host:port."""
        return self.path if self.scheme == "serial" else f"{self.scheme}://{self.host}:{self.port}"

    def option_int(self, name: str, default: int) -> int:
        """Return an integer query option, or raise InvalidArgumentError naming it."""
        raw = self.options.get(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise InvalidArgumentError(msg("ptz.bad_option", name=name, value=raw)) from None


class Transport(Protocol):
    """What the camera client needs from a line: write packets, read bytes, close."""

    label: str
    datagram: bool

    def write(self, data: bytes) -> None:
        """Send bytes (one VISCA packet); raise DeviceUnavailableError if the line is gone."""

    def read(self) -> bytes:
        """Return bytes received within about POLL_S (maybe none); raise DeviceUnavailableError."""

    def close(self) -> None:
        """Release the line; safe to call twice."""


def parse_url(url: str) -> Endpoint:
    """Parse a port URL; a bare path means serial. Raise InvalidArgumentError for anything else."""
    text = url.strip()
    if not text:
        raise InvalidArgumentError(msg("ptz.no_port"), hint=msg("ptz.no_port_hint"))
    if "://" not in text:
        if text.startswith("/") or text.upper().startswith("COM"):
            return Endpoint("serial", path=text)
        raise InvalidArgumentError(msg("ptz.bad_url", url=url, schemes=", ".join(SCHEMES)))
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if scheme == "serial":
        if not parts.path:
            raise InvalidArgumentError(msg("ptz.bad_url", url=url, schemes=", ".join(SCHEMES)))
        return Endpoint("serial", path=parts.path, options=options)
    if scheme not in DEFAULT_PORTS:
        raise InvalidArgumentError(msg("ptz.bad_url", url=url, schemes=", ".join(SCHEMES)))
    try:
        port = DEFAULT_PORTS[scheme] if parts.port is None else parts.port
    except ValueError:
        raise InvalidArgumentError(
            msg("ptz.bad_url", url=url, schemes=", ".join(SCHEMES))
        ) from None
    if not parts.hostname:
        raise InvalidArgumentError(msg("ptz.bad_url", url=url, schemes=", ".join(SCHEMES)))
    return Endpoint(scheme, host=parts.hostname, port=port, options=options)


def open_transport(url: str, *, timeout_s: float = 1.0) -> Transport:
    """Open the line a URL names; the single factory for every transport."""
    ep = parse_url(url)
    if ep.scheme == "serial":
        return SerialTransport(ep, timeout_s=timeout_s)
    if ep.scheme == "tcp":
        return TcpTransport(ep, timeout_s=timeout_s)
    if ep.scheme == "udp":
        return UdpTransport(ep)
    return ViscaIpTransport(ep, timeout_s=timeout_s)


def serial_ports() -> list[dict[str, str]]:
    """List the serial ports the OS knows (for `hnth-agent devices`), reading sysfs only."""
    # On a room PC the on-board /dev/ttyS0 is often the camera's RS-232 port, so it is listed;
    # listing opens nothing.
    return [
        {"device": p.device, "description": p.description or "", "hwid": p.hwid or ""}
        for p in list_ports.comports()
    ]


# ---------------------------------------------------------------- serial


class SerialTransport:
    """RS-232 (or a USB serial adapter) at 8N1, no flow control, DTR asserted."""

    datagram = False

    def __init__(self, ep: Endpoint, *, timeout_s: float = 1.0) -> None:
        self.label = ep.path
        baud = ep.option_int("baud", DEFAULT_BAUD)
        try:
            self._port = serial.Serial(
                ep.path,
                baudrate=baud,
                bytesize=serial.EIGHTBITS,
                parity=serial.PARITY_NONE,
                stopbits=serial.STOPBITS_ONE,
                timeout=POLL_S,
                write_timeout=timeout_s,
                xonxoff=False,
                rtscts=False,
                dsrdtr=False,
                exclusive=True,
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise _unavailable(ep.path, exc) from None

    def write(self, data: bytes) -> None:
        """Write one packet."""
        try:
            self._port.write(data)
        except (serial.SerialException, OSError) as exc:
            raise _lost(self.label, exc) from None

    def read(self) -> bytes:
        """Read what has arrived, waiting at most POLL_S for the first byte."""
        try:
            first = self._port.read(1)
            if not first:
                return b""
            more = self._port.in_waiting
            return first + (self._port.read(more) if more else b"")
        except (serial.SerialException, OSError, TypeError) as exc:
            # pyserial raises TypeError when the port was closed under a blocked read.
            raise _lost(self.label, exc) from None

    def close(self) -> None:
        """Close the port."""
        try:
            self._port.close()
        except (serial.SerialException, OSError):
            log.debug("closing %s failed", self.label, exc_info=True)


def _unavailable(path: str, exc: BaseException) -> DeviceUnavailableError:
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code == errno.ENOENT or "No such file" in text or "[Errno 2]" in text:
        return DeviceUnavailableError(
            msg("ptz.port_missing", port=path), hint=msg("ptz.port_missing_hint", port=path)
        )
    if code == errno.EACCES or "[Errno 13]" in text:
        return DeviceUnavailableError(
            msg("ptz.port_denied", port=path), hint=msg("ptz.port_denied_hint")
        )
    if "lock" in text.lower() or code == errno.EAGAIN:
        return DeviceUnavailableError(
            msg("ptz.port_busy", port=path), hint=msg("ptz.port_busy_hint")
        )
    return DeviceUnavailableError(
        msg("ptz.port_open_failed", port=path, error=text),
        hint=msg("ptz.port_missing_hint", port=path),
    )


def _lost(label: str, exc: BaseException) -> DeviceUnavailableError:
    return DeviceUnavailableError(
        msg("ptz.port_lost", port=label, error=os_error(exc)), hint=msg("ptz.port_lost_hint")
    )


# ---------------------------------------------------------------- raw TCP / UDP


class TcpTransport:
    """Raw VISCA bytes over TCP (PTZOptics, Avonic and OEM cameras on port 5678)."""

    datagram = False

    def __init__(self, ep: Endpoint, *, timeout_s: float = 1.0) -> None:
        self.label = ep.label
        try:
            self._sock = socket.create_connection((ep.host, ep.port), timeout=timeout_s)
        except OSError as exc:
            raise DeviceUnavailableError(
                msg("ptz.connect_failed", url=ep.label, error=os_error(exc)),
                hint=msg("ptz.connect_failed_hint"),
            ) from None
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.settimeout(POLL_S)
        self._write_timeout = timeout_s

    def write(self, data: bytes) -> None:
        """Send one packet."""
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise _lost(self.label, exc) from None

    def read(self) -> bytes:
        """Receive what has arrived."""
        try:
            data = self._sock.recv(4096)
        except TimeoutError:
            return b""
        except OSError as exc:
            raise _lost(self.label, exc) from None
        if not data:
            raise _lost(self.label, ConnectionResetError("connection closed by the camera"))
        return data

    def close(self) -> None:
        """Close the connection."""
        self._sock.close()


class UdpTransport:
    """Raw VISCA packets, one per datagram (port 1259 on many OEM cameras)."""

    datagram = True

    def __init__(self, ep: Endpoint) -> None:
        self.label = ep.label
        try:
            self._sock = socket.socket(_family(ep.host), socket.SOCK_DGRAM)
            self._sock.connect((ep.host, ep.port))
        except OSError as exc:
            raise DeviceUnavailableError(
                msg("ptz.connect_failed", url=ep.label, error=os_error(exc)),
                hint=msg("ptz.connect_failed_hint"),
            ) from None
        self._sock.settimeout(POLL_S)

    def write(self, data: bytes) -> None:
        """Send one packet as a datagram."""
        try:
            self._sock.send(data)
        except OSError as exc:
            raise _lost(self.label, exc) from None

    def read(self) -> bytes:
        """Receive one datagram, if any."""
        try:
            return self._sock.recv(2048)
        except TimeoutError:
            return b""
        except ConnectionRefusedError as exc:
            # ICMP port unreachable: nothing listens there (often TCP vs UDP mixed up).
            raise DeviceUnavailableError(
                msg("ptz.connect_failed", url=self.label, error=os_error(exc)),
                hint=msg("ptz.connect_failed_hint"),
            ) from None
        except OSError as exc:
            raise _lost(self.label, exc) from None

    def close(self) -> None:
        """Close the socket."""
        self._sock.close()


# ---------------------------------------------------------------- Sony VISCA over IP


class ViscaIpTransport:
    """Sony VISCA over IP: header, sequence numbers, RESET at start, same-number resend.

    Replies are accepted from the camera's address whatever their source port,
    because some cameras answer from (or to) 52381 regardless.
    """

    datagram = True

    def __init__(self, ep: Endpoint, *, timeout_s: float = 1.0) -> None:
        self.label = ep.label
        self._resend_s = ep.option_int("resend_ms", 200) / 1000
        self._resends = ep.option_int("resends", 1)
        self._seq = ip.Sequencer()
        self._pending: tuple[bytes, int, float, int] | None = (
            None  # datagram, seq, sent at, resends left
        )
        try:
            infos = socket.getaddrinfo(ep.host, ep.port, type=socket.SOCK_DGRAM)
            family, _, _, _, addr = infos[0]
            self._addr = addr
            self._sock = socket.socket(family, socket.SOCK_DGRAM)
            self._sock.bind(("", ep.option_int("bind", 0)))
        except OSError as exc:
            raise DeviceUnavailableError(
                msg("ptz.connect_failed", url=ep.label, error=os_error(exc)),
                hint=msg("ptz.connect_failed_hint"),
            ) from None
        self._sock.settimeout(POLL_S)
        self._reset(timeout_s)

    def _reset(self, timeout_s: float) -> None:
        self._send(self._seq.reset().to_bytes())
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            msg = self._receive()
            if msg is not None and msg.payload_type is ip.PayloadType.CONTROL_REPLY:
                return
        # Some cameras do not answer RESET; the first command then reports the silence.
        log.warning("no reply to VISCA-over-IP RESET from %s", self.label)

    def write(self, data: bytes) -> None:
        """Wrap one packet with the next sequence number and send it."""
        msg = self._seq.wrap(data)
        raw = msg.to_bytes()
        self._send(raw)
        self._pending = (raw, msg.sequence, time.monotonic(), self._resends)

    def read(self) -> bytes:
        """Return the VISCA payload of the next reply; resend an unanswered datagram once due."""
        if self._pending is not None:
            raw, seq, sent, left = self._pending
            if left > 0 and time.monotonic() - sent >= self._resend_s:
                log.debug("resending seq %d to %s", seq, self.label)
                self._send(raw)
                self._pending = (raw, seq, time.monotonic(), left - 1)
        msg = self._receive()
        if msg is None:
            return b""
        if msg.payload_type is ip.PayloadType.REPLY:
            if self._pending is not None and msg.sequence == self._pending[1]:
                self._pending = None
            return msg.payload
        if msg.payload_type is ip.PayloadType.CONTROL_REPLY and msg.payload != ip.CONTROL_ACK:
            log.warning("camera %s reports a control error %s", self.label, hexs(msg.payload))
            if msg.payload == ip.CONTROL_ERROR_SEQUENCE:
                self._send(self._seq.reset().to_bytes())
        return b""

    def _send(self, raw: bytes) -> None:
        try:
            self._sock.sendto(raw, self._addr)
        except OSError as exc:
            raise _lost(self.label, exc) from None

    def _receive(self) -> ip.Message | None:
        try:
            raw, addr = self._sock.recvfrom(2048)
        except TimeoutError:
            return None
        except OSError as exc:
            raise _lost(self.label, exc) from None
        if addr[0] != self._addr[0]:
            log.debug("ignoring a datagram from %s", addr)
            return None
        try:
            return ip.Message.from_bytes(raw)
        except RemoteProtocolError as exc:
            log.warning("%s: %s", self.label, exc)
            return None

    def close(self) -> None:
        """Close the socket."""
        self._sock.close()


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET
