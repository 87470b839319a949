"""A faithful VISCA camera emulator, shaped like pyatv's fake devices: State, Service, UseCases.

- State (`CameraState`, `Chain`): what each camera believes: power, pan/tilt/zoom moving
  over time at the commanded speeds, presets, the two command sockets.
- Service (`Service` + links): the wire side. It reads packets from a pty, TCP,
  raw UDP or Sony VISCA-over-IP, models the 9600-baud line in both directions
  and answers one video field after a packet has fully arrived.
- UseCases (`UseCases`): what a test or a demo calls: faults, scripted replies,
  pulling the cable, power cycles.

It is also `hnth-agent sim visca`, so technicians and tests share one camera.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import itertools
import logging
import os
import random
import select
import signal
import socket
import sys
import threading
import time
import tty
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Protocol, Self

from agent.errors import UsageError
from agent.i18n import t
from agent.visca import ip
from agent.visca.protocol import (
    BROADCAST,
    TERMINATOR,
    ErrorCode,
    Garbage,
    PacketReader,
    decode_signed,
    decode_unsigned,
    encode_signed,
    encode_unsigned,
    hexs,
)

log = logging.getLogger(__name__)

HELP_KEY: Final = "ptz.sim.help"
LOOPBACK: Final = ("127.0.0.1", "::1", "localhost")


# ================================================================ State


@dataclass(frozen=True, slots=True)
class Model:
    """The emulated camera model: identity, ranges and mechanics (EVI-D70-like by default)."""

    vendor: int = 0x0020
    model: int = 0x0402
    rom: int = 0x0100
    max_socket: int = 2
    pan_min: int = -2267  # F725
    pan_max: int = 2267  # 08DB
    tilt_min: int = -400  # FE70
    tilt_max: int = 1200  # 04B0
    zoom_max: int = 0x4000
    max_speed_pan: int = 0x18
    max_speed_tilt: int = 0x17
    presets: int = 255
    position_nibbles: int = 4
    units_per_speed: float = 55.0  # pan/tilt units per second per speed step (≈100°/s at 18h)
    zoom_units_per_s: float = 2048.0  # per zoom speed step + 1
    power_on_s: float = 0.5


class Axis(StrEnum):
    """What a socket's long-running job moves."""

    PAN_TILT = "pan_tilt"  # home, reset, absolute, relative, preset recall
    ZOOM = "zoom"  # zoom direct
    POWER = "power"  # power on from standby


@dataclass(slots=True)
class Job:
    """A command holding a socket until it completes."""

    socket: int
    name: str
    axis: Axis
    origin: Any


@dataclass(slots=True)
class Target:
    """Where a pan-tilt (and maybe zoom) motion is heading, and how fast."""

    pan: float
    tilt: float
    pan_rate: float
    tilt_rate: float
    zoom: float | None = None


# An outgoing reply: (origin it goes to, packet bytes).
Out = tuple[Any, bytes]


class CameraState:
    """What one camera believes; every method takes `now` so motion is a pure function of time."""

    def __init__(self, address: int, model: Model | None = None, *, now: float = 0.0) -> None:
        self.address = address
        self.model = model or Model()
        self.powered = True
        self.pan = 0.0
        self.tilt = 0.0
        self.zoom = 0.0
        self.pan_v = 0.0
        self.tilt_v = 0.0
        self.zoom_v = 0.0
        self.target: Target | None = None
        self.zoom_target: tuple[float, float] | None = None  # position, rate
        self.focus = "auto"
        self.presets: dict[int, tuple[float, float, float]] = {}
        self.jobs: dict[int, Job] = {}
        self.power_ready_at: float | None = None
        self.motion_scale = 1.0
        self._t = now

    # ---- time
    def advance(self, now: float) -> list[Job]:
        """Move everything to time `now`; return the jobs that finished."""
        dt = now - self._t
        if dt <= 0:
            return []
        self._t = now
        done: list[Job] = []
        m = self.model
        if self.target is not None:
            tg = self.target
            self.pan = _approach(self.pan, tg.pan, tg.pan_rate * self.motion_scale * dt)
            self.tilt = _approach(self.tilt, tg.tilt, tg.tilt_rate * self.motion_scale * dt)
            if tg.zoom is not None:
                self.zoom = _approach(self.zoom, tg.zoom, self._zoom_rate(7) * dt)
            if (
                self.pan == tg.pan
                and self.tilt == tg.tilt
                and (tg.zoom is None or self.zoom == tg.zoom)
            ):
                self.target = None
                done += self._take(Axis.PAN_TILT)
        else:
            self.pan = _clamp(self.pan + self.pan_v * self.motion_scale * dt, m.pan_min, m.pan_max)
            self.tilt = _clamp(
                self.tilt + self.tilt_v * self.motion_scale * dt, m.tilt_min, m.tilt_max
            )
        if self.zoom_target is not None:
            pos, rate = self.zoom_target
            self.zoom = _approach(self.zoom, pos, rate * dt)
            if self.zoom == pos:
                self.zoom_target = None
                done += self._take(Axis.ZOOM)
        elif not (self.target is not None and self.target.zoom is not None):
            self.zoom = _clamp(self.zoom + self.zoom_v * dt, 0, m.zoom_max)
        if self.power_ready_at is not None and now >= self.power_ready_at:
            self.power_ready_at = None
            self.powered = True
            done += self._take(Axis.POWER)
        return done

    def busy(self) -> bool:
        """True while anything moves or a job waits to complete."""
        return bool(self.jobs) or any((self.pan_v, self.tilt_v, self.zoom_v))

    def position(self) -> tuple[int, int, int]:
        """Pan, tilt, zoom as the camera reports them."""
        return round(self.pan), round(self.tilt), round(self.zoom)

    # ---- requests
    def handle(self, body: bytes, origin: Any, now: float) -> list[Out]:
        """Execute one message addressed to this camera; return the replies in order."""
        # Motions that ended before this message arrived complete first.
        done = [(j.origin, self.completion(j)) for j in self.advance(now)]
        if body[:1] == b"\x09":
            return [*done, *((origin, p) for p in self._inquiry(body))]
        if len(body) == 1 and body[0] & 0xF0 == 0x20:
            return [*done, *self._cancel(body[0] & 0x0F, origin)]
        if body == b"\x01\x00\x01":
            return [*done, *self._clear_all(), (origin, self._reply(0x50))]
        if body[:1] != b"\x01":
            return [*done, (origin, self._error(0, ErrorCode.SYNTAX))]
        return [*done, *self._command(body, origin, now)]

    def clear(self) -> list[Out]:
        """IF_Clear: stop every motion and empty both sockets (their Completions never come)."""
        return self._clear_all(report=False)

    # ---- inquiries
    def _inquiry(self, body: bytes) -> list[bytes]:
        m = self.model
        if body == b"\x09\x04\x00":
            return [self._reply(0x50, 0x02 if self.powered else 0x03)]
        if body == b"\x09\x00\x02":
            return [
                self._reply(
                    0x50,
                    m.vendor >> 8,
                    m.vendor & 0xFF,
                    m.model >> 8,
                    m.model & 0xFF,
                    m.rom >> 8,
                    m.rom & 0xFF,
                    m.max_socket,
                )
            ]
        if not self.powered:
            return [self._error(0, ErrorCode.NOT_EXECUTABLE)]
        if body == b"\x09\x04\x47":
            return [self._reply(0x50, *encode_unsigned(round(self.zoom), 4))]
        if body == b"\x09\x06\x12":
            n = m.position_nibbles
            pan, tilt, _ = self.position()
            return [self._reply(0x50, *encode_signed(pan, n), *encode_signed(tilt, n))]
        return [self._error(0, ErrorCode.SYNTAX)]

    # ---- commands
    def _command(self, body: bytes, origin: Any, now: float) -> list[Out]:
        m = self.model
        free = [s for s in range(1, m.max_socket + 1) if s not in self.jobs]
        if body in (b"\x01\x04\x00\x02", b"\x01\x04\x00\x03"):
            return self._power(body[3] == 0x02, free, origin, now)
        if not self.powered:
            return [(origin, self._error(free[0] if free else 1, ErrorCode.NOT_EXECUTABLE))]
        action = self._decode(body)
        if action is None:
            return [(origin, self._error(0, ErrorCode.SYNTAX))]
        name, axis, effect = action
        out: list[Out] = []
        if axis is Axis.PAN_TILT or name.startswith("drive"):
            out += self._interrupt(Axis.PAN_TILT)
        if axis is Axis.ZOOM or name.startswith("zoom"):
            out += self._interrupt(Axis.ZOOM)
        free = [s for s in range(1, m.max_socket + 1) if s not in self.jobs]
        if not free:
            return [(origin, self._error(0, ErrorCode.BUFFER_FULL))]
        sock = free[0]
        effect()
        if axis is None:
            return [*out, (origin, self._reply(0x40 | sock)), (origin, self._reply(0x50 | sock))]
        self.jobs[sock] = Job(sock, name, axis, origin)
        return [*out, (origin, self._reply(0x40 | sock))]

    def _power(self, on: bool, free: list[int], origin: Any, now: float) -> list[Out]:
        if not free:
            return [(origin, self._error(0, ErrorCode.BUFFER_FULL))]
        sock = free[0]
        if on and not self.powered and self.power_ready_at is None:
            self.power_ready_at = now + self.model.power_on_s
            self.jobs[sock] = Job(sock, "power_on", Axis.POWER, origin)
            return [(origin, self._reply(0x40 | sock))]
        out: list[Out] = []
        if not on:
            out += self._clear_all()
            self.powered = False
            self.power_ready_at = None
        return [*out, (origin, self._reply(0x40 | sock)), (origin, self._reply(0x50 | sock))]

    def _decode(self, body: bytes) -> tuple[str, Axis | None, Callable[[], None]] | None:
        """Map a body to (name, job axis or None if immediate, effect); None is a syntax error."""
        m = self.model
        b = body
        if b[:3] == b"\x01\x06\x01" and len(b) == 7:
            vv, ww, p, tt = b[3:]
            if not (
                1 <= vv <= m.max_speed_pan
                and 1 <= ww <= m.max_speed_tilt
                and 1 <= p <= 3
                and 1 <= tt <= 3
            ):
                return None
            pan_v = {1: -1, 2: 1, 3: 0}[p] * vv * m.units_per_speed
            tilt_v = {1: 1, 2: -1, 3: 0}[tt] * ww * m.units_per_speed

            def drive() -> None:
                self.target = None
                self.pan_v, self.tilt_v = pan_v, tilt_v

            return ("drive" if p != 3 or tt != 3 else "drive_stop", None, drive)
        if b[:3] in (b"\x01\x06\x02", b"\x01\x06\x03"):
            n = m.position_nibbles
            if len(b) != 5 + 2 * n or any(x > 0x0F for x in b[5:]):
                return None
            vv, ww = b[3], b[4]
            if not (1 <= vv <= m.max_speed_pan and 1 <= ww <= m.max_speed_tilt):
                return None
            pan, tilt = decode_signed(b[5 : 5 + n]), decode_signed(b[5 + n :])
            if b[2] == 0x03:
                pan, tilt = pan + round(self.pan), tilt + round(self.tilt)
            if not (m.pan_min <= pan <= m.pan_max and m.tilt_min <= tilt <= m.tilt_max):
                return None
            return ("absolute", Axis.PAN_TILT, lambda: self._go(pan, tilt, vv, ww))
        if b in (b"\x01\x06\x04", b"\x01\x06\x05"):
            return (
                "home",
                Axis.PAN_TILT,
                lambda: self._go(0, 0, m.max_speed_pan, m.max_speed_tilt),
            )
        if b[:3] == b"\x01\x04\x3f" and len(b) == 5 and b[3] <= 2:
            pp = b[4]
            if pp >= m.presets:
                return None
            if b[3] == 0x00:

                def clear_preset() -> None:
                    self.presets.pop(pp, None)

                return ("preset_clear", None, clear_preset)
            if b[3] == 0x01:
                return (
                    "preset_set",
                    None,
                    lambda: self.presets.__setitem__(pp, (self.pan, self.tilt, self.zoom)),
                )
            rp, rt, rz = self.presets.get(pp, (0.0, 0.0, 0.0))
            return (
                "preset_recall",
                Axis.PAN_TILT,
                lambda: self._go(rp, rt, m.max_speed_pan, m.max_speed_tilt, rz),
            )
        if b[:3] == b"\x01\x04\x07" and len(b) == 4:
            x = b[3]
            rates = {0x00: 0.0, 0x02: self._zoom_rate(2), 0x03: -self._zoom_rate(2)}
            if x in rates:
                rate = rates[x]
            elif 0x20 <= x <= 0x27:
                rate = self._zoom_rate(x & 0x0F)
            elif 0x30 <= x <= 0x37:
                rate = -self._zoom_rate(x & 0x0F)
            else:
                return None

            def zoom_drive() -> None:
                self.zoom_v = rate

            return ("zoom", None, zoom_drive)
        if b[:3] == b"\x01\x04\x47" and len(b) == 7:
            if any(x > 0x0F for x in b[3:]):
                return None
            pos = decode_unsigned(b[3:])
            if pos > m.zoom_max:
                return None

            def zoom_direct() -> None:
                self.zoom_v = 0.0
                self.zoom_target = (float(pos), self._zoom_rate(7))

            return ("zoom_direct", Axis.ZOOM, zoom_direct)
        focus = {
            b"\x01\x04\x38\x02": "auto",
            b"\x01\x04\x38\x03": "manual",
            b"\x01\x04\x18\x01": "one-push",
        }
        if b in focus:
            mode = focus[b]

            def set_focus() -> None:
                if mode != "one-push":
                    self.focus = mode

            return ("focus", None, set_focus)
        return None

    def _go(self, pan: float, tilt: float, vv: int, ww: int, zoom: float | None = None) -> None:
        self.pan_v = self.tilt_v = 0.0
        if zoom is not None:
            self.zoom_v = 0.0
        u = self.model.units_per_speed
        self.target = Target(float(pan), float(tilt), vv * u, ww * u, zoom)

    def _cancel(self, sock: int, origin: Any) -> list[Out]:
        job = self.jobs.pop(sock, None)
        if job is None:
            return [(origin, self._error(sock, ErrorCode.NO_SOCKET))]
        self._freeze(job.axis)
        return [(origin, self._error(sock, ErrorCode.CANCELLED))]

    def _clear_all(self, *, report: bool = False) -> list[Out]:
        out: list[Out] = []
        for job in list(self.jobs.values()):
            self._freeze(job.axis)
            if report:
                out.append((job.origin, self._reply(0x50 | job.socket)))
        self.jobs.clear()
        self.pan_v = self.tilt_v = self.zoom_v = 0.0
        self.target = None
        self.zoom_target = None
        return out

    def _freeze(self, axis: Axis) -> None:
        if axis is Axis.PAN_TILT:
            self.target = None
            self.pan_v = self.tilt_v = 0.0
        elif axis is Axis.ZOOM:
            self.zoom_target = None
            self.zoom_v = 0.0
        else:
            self.power_ready_at = None

    def _take(self, axis: Axis) -> list[Job]:
        """Remove and return the jobs on `axis` (they finished)."""
        jobs = [j for j in self.jobs.values() if j.axis is axis]
        for j in jobs:
            del self.jobs[j.socket]
        return jobs

    def _interrupt(self, axis: Axis) -> list[Out]:
        """A new motion on `axis` ends the running one: stop it and report its Completion."""
        jobs = self._take(axis)
        if jobs:
            self._freeze(axis)
        return [(j.origin, self._reply(0x50 | j.socket)) for j in jobs]

    def _zoom_rate(self, p: int) -> float:
        return self.model.zoom_units_per_s * (p + 1) * self.motion_scale

    def _reply(self, *body: int) -> bytes:
        return bytes([0x80 | (self.address << 4), *body, TERMINATOR])

    def _error(self, sock: int, code: int) -> bytes:
        return self._reply(0x60 | sock, code)

    def completion(self, job: Job) -> bytes:
        """The Completion packet for a finished job."""
        return self._reply(0x50 | job.socket)


def _approach(value: float, target: float, step: float) -> float:
    if abs(target - value) <= step:
        return target
    return value + step if target > value else value - step


def _clamp(value: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, value))


class Chain:
    """Cameras on one daisy chain; routes each packet the way the ring would."""

    def __init__(
        self, count: int = 1, model: Model | None = None, *, now: float | None = None
    ) -> None:
        start = time.monotonic() if now is None else now
        self.cameras = [CameraState(i + 1, model, now=start) for i in range(count)]
        self.lock = threading.RLock()

    def camera(self, address: int = 1) -> CameraState:
        """The camera at `address`."""
        return next(c for c in self.cameras if c.address == address)

    def route(self, packet: bytes, origin: Any, now: float, *, ip_mode: bool = False) -> list[Out]:
        """Deliver one packet from the controller; return replies (to any origin) in order."""
        with self.lock:
            h, body = packet[0], packet[1:-1]
            receiver = h & 0x0F
            if receiver == BROADCAST and not ip_mode:
                if body == b"\x30\x01":
                    for i, cam in enumerate(self.cameras):
                        cam.address = i + 1
                    return [(origin, bytes([0x88, 0x30, len(self.cameras) + 1, TERMINATOR]))]
                if body == b"\x01\x00\x01":
                    for cam in self.cameras:
                        cam.advance(now)
                        cam.clear()
                return [(origin, packet)]
            if ip_mode:
                receiver = self.cameras[0].address
            target = next((c for c in self.cameras if c.address == receiver), None)
            if target is None or not body:
                return [(origin, packet)]  # back around the ring: nobody has that address
            return target.handle(body, origin, now)

    def poll(self, now: float) -> list[Out]:
        """Advance every camera; return the Completions of jobs that finished."""
        with self.lock:
            out: list[Out] = []
            for cam in self.cameras:
                out += [(job.origin, cam.completion(job)) for job in cam.advance(now)]
            return out

    def busy(self) -> bool:
        """True while any camera has motion to track."""
        with self.lock:
            return any(c.busy() or c.power_ready_at is not None for c in self.cameras)


# ================================================================ faults


class Fault(StrEnum):
    """A way the emulated camera or its line misbehaves."""

    SILENT = "silent"  # never answers (RX wire cut, wrong baud, camera off at the mains)
    GARBAGE = "garbage"  # line noise before every reply
    DROP = "drop"  # reply bytes lost at random (drop_rate)
    SLOW = "slow"  # answers slow_ms late
    ERRORS = "errors"  # refuses every command and inquiry with error_code
    NO_ACK = "no-ack"  # sends Completion without an ACK first
    DISCONNECT = "disconnect"  # the line goes away on the next packet (a pulled USB adapter)


@dataclass(slots=True)
class Faults:
    """The active faults and their parameters; shared by every link of one emulator."""

    active: set[Fault] = field(default_factory=set)
    drop_rate: float = 0.05
    slow_ms: float = 300.0
    error_code: int = ErrorCode.NOT_EXECUTABLE
    hang_prefixes: list[bytes] = field(default_factory=list)
    script: deque[tuple[bytes, ...]] = field(default_factory=deque)
    rng: random.Random = field(default_factory=lambda: random.Random(3))


# ================================================================ Service: the wire side


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


class PtyLink:
    """A pseudo-terminal; the controller opens `path` (or the stable `link` symlink to it)."""

    stream = True
    ip_mode = False

    def __init__(self, link: str | None = None) -> None:
        self._link = Path(link) if link else None
        self._lock = threading.Lock()
        self._master = -1
        self._slave = -1
        self.path = ""
        self.restore()

    @property
    def label(self) -> str:
        """The path to give the controller."""
        return str(self._link) if self._link else self.path

    def restore(self) -> None:
        """Create a fresh pty; repoint the symlink at it."""
        with self._lock:
            if self._master >= 0:
                return
            master, slave = os.openpty()
            tty.setraw(slave)
            self._master, self._slave = master, slave
            self.path = os.ttyname(slave)
            if self._link is not None:
                tmp = self._link.with_name(self._link.name + ".new")
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
                tmp.symlink_to(self.path)
                tmp.replace(self._link)

    def recv(self, timeout: float) -> list[tuple[bytes, Route]]:
        """Read what the controller wrote."""
        master = self._master
        if master < 0:
            time.sleep(timeout)
            return []
        try:
            ready, _, _ = select.select([master], [], [], timeout)
            if not ready:
                return []
            data = os.read(master, 1024)
        except (OSError, ValueError):
            return []
        return [(data, None)] if data else []

    def send(self, data: bytes, route: Route) -> None:  # noqa: ARG002 - a pty has one route
        """Write to the controller; bytes are lost when the cable is pulled."""
        if self._master >= 0:
            with contextlib.suppress(OSError):
                os.write(self._master, data)

    def drop(self) -> None:
        """Close both ends: the controller's reads fail, the path vanishes."""
        with self._lock:
            for fd in (self._master, self._slave):
                if fd >= 0:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._master = self._slave = -1

    def close(self) -> None:
        """Drop the pty and remove the symlink."""
        self.drop()
        if self._link is not None:
            with contextlib.suppress(FileNotFoundError):
                self._link.unlink()


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
            log.debug("bad VISCA-over-IP datagram from %s: %s", addr, hexs(raw))
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


class Service:
    """Serve one link: parse requests, model the line timing, send replies one field later."""

    def __init__(self, emulator: Emulator, link: Link) -> None:
        self.emulator = emulator
        self.link = link
        self._heap: list[tuple[float, int, bytes, Route]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._readers: dict[Any, PacketReader] = {}
        self._line_free_at = 0.0
        self._out_free_at = 0.0
        self._threads = [
            threading.Thread(
                target=self._guard(self._read_loop), name=f"visca-sim-rx-{link.label}", daemon=True
            ),
            threading.Thread(
                target=self._guard(self._write_loop), name=f"visca-sim-tx-{link.label}", daemon=True
            ),
        ]

    @property
    def byte_s(self) -> float:
        """Seconds per byte on the emulated line (0 when unpaced or not a serial line)."""
        baud = self.emulator.baud
        return 10.0 / baud if baud and self.link.stream and not self.link.ip_mode else 0.0

    def start(self) -> None:
        """Start the reader and writer threads."""
        for th in self._threads:
            th.start()

    def stop(self) -> None:
        """Stop both threads and wait for them."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for th in self._threads:
            if th.is_alive() and th is not threading.current_thread():
                th.join(timeout=2.0)

    def schedule(self, due: float, packet: bytes, route: Route) -> None:
        """Queue a reply to go out at `due` (after earlier replies)."""
        with self._cond:
            heapq.heappush(self._heap, (due, next(self._seq), packet, route))
            self._cond.notify_all()

    def wake(self) -> None:
        """Make the writer look at the motion state now."""
        with self._cond:
            self._cond.notify_all()

    def _guard(self, fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except Exception:
                # A dead emulator thread would look like a silent camera: say so loudly.
                log.exception("VISCA emulator thread for %s crashed", self.link.label)
                self.emulator.errors.append(sys.exc_info()[1])

        return run

    # ---- receive side
    def _read_loop(self) -> None:
        while not self._stop.is_set():
            for data, route in self.link.recv(0.05):
                now = time.monotonic()
                self.emulator.received_bytes += len(data)
                if self.link.stream:
                    self._on_stream(data, route, now)
                else:
                    self._on_packet(data, route, now)

    def _on_stream(self, data: bytes, route: Route, now: float) -> None:
        reader = self._readers.setdefault(route, PacketReader())
        bs = self.byte_s
        # Bytes cross a pty at once; on a real 9600-baud line each takes 1.04 ms, so a
        # packet has arrived only once its last byte would have.
        start = max(now, self._line_free_at)
        # Bytes left from an earlier read were already on the line before `start`.
        consumed = -reader.buffered
        reader.receive_data(data)
        while True:
            before = reader.buffered
            item = reader.next_packet()
            if item is None:
                break
            consumed += before - reader.buffered
            if isinstance(item, Garbage):
                log.debug("emulator skipped %s", hexs(item.data))
                continue
            self._on_packet(item, route, start + max(consumed, 0) * bs)
        self._line_free_at = start + len(data) * bs

    def _on_packet(self, packet: bytes, route: Route, arrival: float) -> None:
        emu = self.emulator
        faults = emu.faults
        if len(packet) < 3 or packet[-1] != TERMINATOR:
            return
        emu.requests.append(packet)
        log.debug("sim ← %s", hexs(packet))
        if Fault.DISCONNECT in faults.active:
            faults.active.discard(Fault.DISCONNECT)
            emu.usecases.disconnect()
            return
        if any(packet[1:].startswith(p) for p in faults.hang_prefixes):
            return
        origin = (self, route)
        if faults.script:
            outs: list[Out] = [(origin, p) for p in faults.script.popleft()]
        elif Fault.ERRORS in faults.active:
            addr = packet[0] & 0x07 or 1
            socket_ = 1 if packet[1:2] == b"\x01" else 0
            outs = [
                (origin, bytes([0x80 | addr << 4, 0x60 | socket_, faults.error_code, TERMINATOR]))
            ]
        else:
            outs = emu.chain.route(packet, origin, arrival, ip_mode=self.link.ip_mode)
        delay = 1.0 / emu.field_hz if emu.field_hz else 0.0
        if Fault.SLOW in faults.active:
            delay += faults.slow_ms / 1000
        for dest, reply in outs:
            dest[0].schedule(arrival + delay, reply, dest[1])
        for svc in emu.services:
            svc.wake()

    # ---- send side
    def _write_loop(self) -> None:
        emu = self.emulator
        while not self._stop.is_set():
            item = None
            with self._cond:
                now = time.monotonic()
                if self._heap and self._heap[0][0] <= now:
                    item = heapq.heappop(self._heap)
                else:
                    wait = self._heap[0][0] - now if self._heap else 0.5
                    if emu.chain.busy():
                        wait = min(wait, 0.005)
                    self._cond.wait(max(wait, 0.0))
            for dest, reply in emu.chain.poll(time.monotonic()):
                dest[0].schedule(time.monotonic(), reply, dest[1])
            if item is not None:
                self._transmit(item[2], item[3])

    def _transmit(self, packet: bytes, route: Route) -> None:
        faults = self.emulator.faults
        if Fault.SILENT in faults.active:
            return
        if Fault.NO_ACK in faults.active and len(packet) == 3 and packet[1] & 0xF0 == 0x40:
            return
        data = packet
        if Fault.GARBAGE in faults.active:
            noise = bytes(
                faults.rng.randrange(0x00, 0x80) for _ in range(faults.rng.randrange(1, 6))
            )
            data = noise + data
        if Fault.DROP in faults.active:
            data = bytes(b for b in data if faults.rng.random() >= faults.drop_rate)
        log.debug("sim → %s", hexs(data))
        bs = self.byte_s
        if not bs:
            self.link.send(data, route)
            return
        # Pace like a UART: byte i is complete (10 bits) at start + (i + 1) × byte time.
        t_next = max(time.monotonic(), self._out_free_at)
        for b in data:
            t_next += bs
            delay = t_next - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.link.send(bytes([b]), route)
        self._out_free_at = t_next


# ================================================================ UseCases


class UseCases:
    """What tests and demos do to the camera: faults, scripts, cables, power."""

    def __init__(self, emulator: Emulator) -> None:
        self._emu = emulator

    @property
    def state(self) -> CameraState:
        """Camera 1's state."""
        return self._emu.chain.camera(1)

    def camera(self, address: int) -> CameraState:
        """The state of camera `address`."""
        return self._emu.chain.camera(address)

    def set_faults(self, *faults: Fault | str) -> None:
        """Replace the active faults."""
        self._emu.faults.active = {Fault(f) for f in faults}

    def clear_faults(self) -> None:
        """Behave again; forget hangs and scripts."""
        f = self._emu.faults
        f.active.clear()
        f.hang_prefixes.clear()
        f.script.clear()

    def go_silent(self) -> None:
        """Stop answering anything."""
        self._emu.faults.active.add(Fault.SILENT)

    def refuse_everything(self, code: int = ErrorCode.NOT_EXECUTABLE) -> None:
        """Answer every packet with error `code`."""
        self._emu.faults.error_code = code
        self._emu.faults.active.add(Fault.ERRORS)

    def hang_on(self, body_prefix: bytes) -> None:
        """Ignore (never answer, never execute) packets whose message starts with `body_prefix`."""
        self._emu.faults.hang_prefixes.append(body_prefix)

    def script(self, *replies: bytes) -> None:
        """Answer the next request with exactly these packets instead of executing it."""
        self._emu.faults.script.append(tuple(replies))

    def send(self, packet: bytes) -> None:
        """Put bytes on every line now (e.g. a stray `90 38 FF`)."""
        for svc in self._emu.services:
            svc.schedule(time.monotonic(), packet, None)

    def network_change(self, address: int = 1) -> None:
        """Send `z0 38 FF`, as a camera does when it powers up."""
        self.send(bytes([0x80 | address << 4, 0x38, TERMINATOR]))

    def power_cycle(self) -> None:
        """Mains off and on: stop everything, power on, announce a network change."""
        with self._emu.chain.lock:
            for cam in self._emu.chain.cameras:
                cam.clear()
                cam.powered = True
        for cam in self._emu.chain.cameras:
            self.network_change(cam.address)

    def set_power(self, on: bool, address: int = 1) -> None:
        """Put a camera on or in standby without a command."""
        with self._emu.chain.lock:
            self.camera(address).powered = on

    def place(self, pan: float, tilt: float, zoom: float = 0.0, address: int = 1) -> None:
        """Put a camera at a position at once."""
        with self._emu.chain.lock:
            cam = self.camera(address)
            cam.advance(time.monotonic())
            cam.pan, cam.tilt, cam.zoom = pan, tilt, zoom

    def set_motion_scale(self, scale: float) -> None:
        """Make every motion `scale` times faster (tests keep moves short)."""
        with self._emu.chain.lock:
            for cam in self._emu.chain.cameras:
                cam.motion_scale = scale

    def disconnect(self) -> None:
        """Pull the cable on every link."""
        for svc in self._emu.services:
            svc.link.drop()

    def reconnect(self) -> None:
        """Plug the cable back in (same path: the pty symlink is repointed)."""
        for svc in self._emu.services:
            svc.link.restore()


# ================================================================ the whole emulator


class Emulator:
    """A chain of emulated cameras reachable through one or more links."""

    def __init__(
        self,
        cameras: int = 1,
        *,
        baud: int = 9600,
        field_hz: float = 50.0,
        model: Model | None = None,
        faults: Iterable[Fault | str] = (),
        network_change_on_start: bool = True,
    ) -> None:
        if not 1 <= cameras <= 7:
            raise UsageError(t("ptz.sim.bad_cameras", value=cameras))
        self.chain = Chain(cameras, model)
        self.baud = baud
        self.field_hz = field_hz
        self.faults = Faults(active={Fault(f) for f in faults})
        self.services: list[Service] = []
        self.requests: deque[bytes] = deque(maxlen=10_000)
        self.received_bytes = 0
        self.errors: list[BaseException | None] = []
        self.usecases = UseCases(self)
        self._started = False
        self._announce = network_change_on_start

    @property
    def state(self) -> CameraState:
        """Camera 1's state."""
        return self.chain.camera(1)

    def add_pty(self, link: str | None = None) -> str:
        """Listen on a new pty; return the path the controller should open."""
        pty = PtyLink(link)
        self._add(pty)
        return pty.label

    def add_listener(self, url: str, *, allow_remote: bool = False) -> str:
        """Listen on a `tcp://`, `udp://` or `visca-ip://` URL; return it with its real port."""
        from agent.visca.transport import parse_url

        ep = parse_url(url)
        if ep.scheme == "serial":
            raise UsageError(t("ptz.sim.bad_listen", url=url))
        if ep.host not in LOOPBACK and not allow_remote:
            raise UsageError(t("ptz.sim.not_loopback", host=ep.host))
        link: Link
        try:
            if ep.scheme == "tcp":
                link = TcpLink(ep.host, ep.port)
            else:
                link = UdpLink(ep.host, ep.port, sony=ep.scheme == "visca-ip")
        except OSError as exc:
            raise UsageError(t("ptz.sim.listen_failed", url=url, error=exc)) from None
        self._add(link)
        return link.label

    def _add(self, link: Link) -> None:
        svc = Service(self, link)
        self.services.append(svc)
        if self._started:
            svc.start()

    def start(self) -> Emulator:
        """Start serving; a powered-up camera announces itself with a network change."""
        self._started = True
        for svc in self.services:
            svc.start()
        if self._announce:
            for cam in self.chain.cameras:
                self.usecases.network_change(cam.address)
        return self

    def close(self) -> None:
        """Stop every thread and release every link."""
        for svc in self.services:
            svc.stop()
        for svc in self.services:
            svc.link.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


# ================================================================ `hnth-agent sim visca`


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the options of `sim visca`."""
    p.add_argument("--pty", action="store_true", help=t("ptz.sim.opt.pty"))
    p.add_argument("--link", metavar="PATH", help=t("ptz.sim.opt.link"))
    p.add_argument(
        "--listen", metavar="URL", action="append", default=[], help=t("ptz.sim.opt.listen")
    )
    p.add_argument("--cameras", type=int, default=1, metavar="N", help=t("ptz.sim.opt.cameras"))
    p.add_argument("--baud", type=int, default=9600, help=t("ptz.sim.opt.baud"))
    p.add_argument("--field-hz", type=float, default=50.0, help=t("ptz.sim.opt.field_hz"))
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        choices=[f.value for f in Fault],
        help=t("ptz.sim.opt.fault"),
    )
    p.add_argument("--hang", metavar="HEX", action="append", default=[], help=t("ptz.sim.opt.hang"))
    p.add_argument("--drop-rate", type=float, default=0.05, help=t("ptz.sim.opt.drop_rate"))
    p.add_argument("--slow-ms", type=float, default=300.0, help=t("ptz.sim.opt.slow_ms"))
    p.add_argument("--motion-scale", type=float, default=1.0, help=t("ptz.sim.opt.motion_scale"))
    p.add_argument("--presets", type=int, default=255, help=t("ptz.sim.opt.presets"))
    p.add_argument("--nibbles", type=int, choices=[4, 5], default=4, help=t("ptz.sim.opt.nibbles"))
    p.add_argument("--allow-remote", action="store_true", help=t("ptz.sim.opt.allow_remote"))


def main(args: argparse.Namespace) -> int:
    """Run the emulator until Ctrl-C or SIGTERM."""
    if not args.pty and not args.link and not args.listen:
        raise UsageError(t("ptz.sim.nothing"))
    try:
        hangs = [bytes.fromhex(h) for h in args.hang]
    except ValueError:
        raise UsageError(t("ptz.sim.bad_hex", value=" ".join(args.hang))) from None
    model = Model(presets=args.presets, position_nibbles=args.nibbles)
    emu = Emulator(
        args.cameras, baud=args.baud, field_hz=args.field_hz, model=model, faults=args.fault
    )
    emu.faults.drop_rate = args.drop_rate
    emu.faults.slow_ms = args.slow_ms
    emu.faults.hang_prefixes.extend(hangs)
    emu.usecases.set_motion_scale(args.motion_scale)
    stop = threading.Event()
    # SIGINT too: a shell starts background jobs with SIGINT ignored, so Python's own
    # KeyboardInterrupt would never come.
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        endpoints = []
        if args.pty or args.link:
            endpoints.append(emu.add_pty(args.link))
        endpoints += [emu.add_listener(u, allow_remote=args.allow_remote) for u in args.listen]
        emu.start()
        for ep in endpoints:
            print(ep, flush=True)
        print(
            t(
                "ptz.sim.running",
                cameras=args.cameras,
                baud=args.baud,
                field_hz=f"{args.field_hz:g}",
                faults=", ".join(args.fault) or "-",
            ),
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        emu.close()
    print(t("ptz.sim.stopped", requests=len(emu.requests)), file=sys.stderr, flush=True)
    return 0
