"""The emulator's State: what each camera believes (power, pan/tilt/zoom moving over time at
the commanded speeds, presets, the two command sockets), and the chain that routes packets.

Every method takes `now`, so motion is a pure function of time; nothing here does I/O.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from agent.visca.emulator import requests
from agent.visca.emulator.model import Axis, Job, Model, Out, Target
from agent.visca.errors import ErrorCode
from agent.visca.framing import BROADCAST, TERMINATOR

log = logging.getLogger(__name__)


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
                self.zoom = _approach(self.zoom, tg.zoom, self.zoom_rate(7) * dt)
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
            return [*done, *((origin, p) for p in requests.inquiry(self, body))]
        if len(body) == 1 and body[0] & 0xF0 == 0x20:
            return [*done, *self._cancel(body[0] & 0x0F, origin)]
        if body == b"\x01\x00\x01":
            return [*done, *self._clear_all(), (origin, self.reply(0x50))]
        if body[:1] != b"\x01":
            return [*done, (origin, self.error(0, ErrorCode.SYNTAX))]
        return [*done, *self._command(body, origin, now)]

    def clear(self) -> list[Out]:
        """IF_Clear: stop every motion and empty both sockets (their Completions never come)."""
        return self._clear_all(report=False)

    # ---- inquiries
    def _command(self, body: bytes, origin: Any, now: float) -> list[Out]:
        m = self.model
        free = [s for s in range(1, m.max_socket + 1) if s not in self.jobs]
        if body in (b"\x01\x04\x00\x02", b"\x01\x04\x00\x03"):
            return self._power(body[3] == 0x02, free, origin, now)
        if not self.powered:
            return [(origin, self.error(free[0] if free else 1, ErrorCode.NOT_EXECUTABLE))]
        action = requests.decode(self, body)
        if action is None:
            return [(origin, self.error(0, ErrorCode.SYNTAX))]
        name, axis, effect = action
        out: list[Out] = []
        if axis is Axis.PAN_TILT or name.startswith("drive"):
            out += self._interrupt(Axis.PAN_TILT)
        if axis is Axis.ZOOM or name.startswith("zoom"):
            out += self._interrupt(Axis.ZOOM)
        free = [s for s in range(1, m.max_socket + 1) if s not in self.jobs]
        if not free:
            return [(origin, self.error(0, ErrorCode.BUFFER_FULL))]
        sock = free[0]
        effect()
        if axis is None:
            return [*out, (origin, self.reply(0x40 | sock)), (origin, self.reply(0x50 | sock))]
        self.jobs[sock] = Job(sock, name, axis, origin, now)
        return [*out, (origin, self.reply(0x40 | sock))]

    def _power(self, on: bool, free: list[int], origin: Any, now: float) -> list[Out]:
        if not free:
            return [(origin, self.error(0, ErrorCode.BUFFER_FULL))]
        sock = free[0]
        if on and not self.powered and self.power_ready_at is None:
            self.power_ready_at = now + self.model.power_on_s
            self.jobs[sock] = Job(sock, "power_on", Axis.POWER, origin, now)
            return [(origin, self.reply(0x40 | sock))]
        out: list[Out] = []
        if not on:
            out += self._clear_all()
            self.powered = False
            self.power_ready_at = None
        return [*out, (origin, self.reply(0x40 | sock)), (origin, self.reply(0x50 | sock))]

    def go(self, pan: float, tilt: float, vv: int, ww: int, zoom: float | None = None) -> None:
        self.pan_v = self.tilt_v = 0.0
        if zoom is not None:
            self.zoom_v = 0.0
        u = self.model.units_per_speed
        self.target = Target(float(pan), float(tilt), vv * u, ww * u, zoom)

    def _cancel(self, sock: int, origin: Any) -> list[Out]:
        job = self.jobs.pop(sock, None)
        if job is None:
            return [(origin, self.error(sock, ErrorCode.NO_SOCKET))]
        self._freeze(job.axis)
        return [(origin, self.error(sock, ErrorCode.CANCELLED))]

    def _clear_all(self, *, report: bool = False) -> list[Out]:
        out: list[Out] = []
        for job in list(self.jobs.values()):
            self._freeze(job.axis)
            if report:
                out.append((job.origin, self.reply(0x50 | job.socket)))
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
        return [(j.origin, self.reply(0x50 | j.socket)) for j in jobs]

    def zoom_rate(self, p: int) -> float:
        return self.model.zoom_units_per_s * (p + 1) * self.motion_scale

    def reply(self, *body: int) -> bytes:
        return bytes([0x80 | (self.address << 4), *body, TERMINATOR])

    def error(self, sock: int, code: int) -> bytes:
        return self.reply(0x60 | sock, code)

    def completion(self, job: Job) -> bytes:
        """The Completion packet for a finished job."""
        return self.reply(0x50 | job.socket)


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
        self.misaddressed = 0  # packets over IP to another camera id, counted and logged

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
            first = self.cameras[0]
            if ip_mode and first.model.ip_id is not None and receiver != first.model.ip_id:
                # A Lumens answers only its own camera id over IP (bitfocus/companion#774).
                self.misaddressed += 1
                log.info("emulator: over IP, header %02X is not camera %d", h, first.model.ip_id)
                return []
            if ip_mode:
                receiver = first.address
            target = next((c for c in self.cameras if c.address == receiver), None)
            if target is None or not body:
                return [(origin, packet)]  # back around the ring: nobody has that address
            return target.handle(body, origin, now)

    def poll(self, now: float) -> list[Out]:
        """Advance every camera; return the Completions of jobs that finished."""
        return [out for out, _ in self.finished(now)]

    def finished(self, now: float) -> list[tuple[Out, float]]:
        """Advance every camera; return each finished job's Completion and when its packet came.

        The Service sends a Completion no earlier than that packet's ACK: a motion that ends
        at once (home when already home) must still be ACKed first.
        """
        with self.lock:
            out: list[tuple[Out, float]] = []
            for cam in self.cameras:
                out += [((job.origin, cam.completion(job)), job.since) for job in cam.advance(now)]
            return out

    def busy(self) -> bool:
        """True while any camera has motion to track."""
        with self.lock:
            return any(c.busy() or c.power_ready_at is not None for c in self.cameras)
