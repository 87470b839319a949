"""The VISCA camera client: thread-safe blocking calls with per-command deadlines.

One reader thread per open line feeds a sans-IO `Session`; callers block on their
own command. Sony's pacing holds each packet until the previous one has its first
reply, except STOP, which jumps the queue and never waits behind a silent command.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Self

from agent.errors import (
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    RemoteProtocolError,
)
from agent.visca import commands as cmds
from agent.visca.commands import Direction, Limits, check_range
from agent.visca.protocol import (
    Acked,
    Command,
    Done,
    Failed,
    Finish,
    Garbage,
    NetworkChange,
    Session,
    Stray,
    Superseded,
    ViscaReplyError,
    decode_signed,
    decode_unsigned,
    hexs,
    msg,
)
from agent.visca.transport import Transport, open_transport, parse_url

if TYPE_CHECKING:
    from collections.abc import Callable

    from agent.config import PtzConfig

log = logging.getLogger(__name__)

VENDORS: Final = {0x0001: "Sony", 0x0020: "Sony", 0x0009: "PTZOptics"}


@dataclass(frozen=True, slots=True)
class Timeouts:
    """How long to wait for each kind of answer, in milliseconds."""

    ack_ms: int = 500  # first reply: ACK, error, or an inquiry's answer
    immediate_ms: int = 1000  # Completion of drive, stop, zoom, focus, preset set/clear
    move_ms: int = 10_000  # Completion of home, recall, absolute moves, power
    inquiry_retries: int = 1  # inquiries are resent this many times; moves never are


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """The version inquiry's answer."""

    vendor: int
    model: int
    rom: int
    max_socket: int

    @property
    def vendor_name(self) -> str:
        """A readable vendor, or the id in hex."""
        return VENDORS.get(self.vendor, f"0x{self.vendor:04X}")

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: ids in hex as manuals print them."""
        return {
            "vendor": self.vendor_name,
            "vendor_id": f"0x{self.vendor:04X}",
            "model": f"0x{self.model:04X}",
            "rom": f"0x{self.rom:04X}",
            "max_socket": self.max_socket,
        }


@dataclass(frozen=True, slots=True)
class Position:
    """Pan, tilt (signed; positive is right/up) and zoom (0 is wide)."""

    pan: int
    tilt: int
    zoom: int

    def drift(self, other: Position) -> int:
        """The largest difference on any axis."""
        return max(
            abs(self.pan - other.pan), abs(self.tilt - other.tilt), abs(self.zoom - other.zoom)
        )


@dataclass(frozen=True, slots=True)
class Result:
    """What one command's exchange produced, with its timing."""

    command: str
    data: bytes
    ack_ms: float | None  # None for inquiries and for Completion without ACK
    done_ms: float
    acked: bool


class CommandSupersededError(DeviceError):
    """The command lost its reply: STOP jumped it, or its Completion was never seen."""


class _Waiter:
    __slots__ = ("acked_at", "data", "done_at", "error", "finished", "superseded", "was_acked")

    def __init__(self) -> None:
        self.acked_at: float | None = None
        self.done_at: float | None = None
        self.data = b""
        self.error: BaseException | None = None
        self.finished = False
        self.superseded: str | None = None
        self.was_acked = False

    @property
    def first(self) -> bool:
        return self.finished or self.acked_at is not None


class Camera:
    """A VISCA camera on a serial line, a chain, or the network; safe to share between threads."""

    def __init__(
        self,
        url: str,
        address: int = 1,
        *,
        timeouts: Timeouts | None = None,
        limits: Limits | None = None,
    ) -> None:
        self._endpoint = parse_url(url)
        self.url = url
        self.address = check_range("address", address, 1, 7)
        self.timeouts = timeouts or Timeouts()
        self.limits = limits or Limits()
        self._cond = threading.Condition(threading.RLock())
        self._transport: Transport | None = None
        self._session = Session()
        self._waiters: dict[int, _Waiter] = {}
        self._line: deque[object] = deque()  # callers waiting for their turn to send, in order
        self._reader: threading.Thread | None = None
        self._reader_stop = threading.Event()
        self._garbage_seen = 0
        self._recent_garbage = bytearray()  # junk since the last command was sent, for messages
        self.network_changed = False

    @classmethod
    def from_config(cls, ptz: PtzConfig) -> Camera:
        """Build a camera from the [ptz] config section."""
        return cls(
            ptz.port,
            ptz.address,
            timeouts=Timeouts(
                ack_ms=ptz.ack_timeout_ms,
                immediate_ms=max(ptz.ack_timeout_ms * 2, 1000),
                move_ms=ptz.move_timeout_ms,
                inquiry_retries=ptz.inquiry_retries,
            ),
            limits=Limits(
                max_speed_pan=ptz.max_speed_pan,
                max_speed_tilt=ptz.max_speed_tilt,
                max_preset=ptz.max_preset,
                position_nibbles=ptz.position_nibbles,
            ),
        )

    @property
    def label(self) -> str:
        """The port as messages name it."""
        return self._endpoint.label

    def ranges(self) -> dict[str, tuple[int, int]]:
        """The allowed range of every argument, for callers that validate first (e.g. MQTT)."""
        return {
            "speed": (1, self.limits.max_speed_pan),
            "pan_speed": (1, self.limits.max_speed_pan),
            "tilt_speed": (1, self.limits.max_speed_tilt),
            "zoom_speed": (0, self.limits.max_zoom_speed),
            "zoom": (0, self.limits.max_zoom),
            "preset": (0, self.limits.max_preset),
            "pan": self.limits.position_range,
            "tilt": self.limits.position_range,
            "address": (1, 7),
        }

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the line and stop the reader; a later call reopens it."""
        with self._cond:
            transport, reader = self._transport, self._reader
            self._transport, self._reader = None, None
            self._reader_stop.set()
            self._fail_all(DeviceUnavailableError(msg("ptz.closed", port=self.label)))
        if reader is not None and reader is not threading.current_thread():
            reader.join(timeout=2.0)
        if transport is not None:
            transport.close()

    # ---------------------------------------------------------------- the public calls

    def version(self) -> VersionInfo:
        """Vendor, model, ROM version and number of sockets."""
        data = self.execute(cmds.version_inquiry(), accept=lambda d: len(d) == 7).data
        return VersionInfo(
            vendor=data[0] << 8 | data[1],
            model=data[2] << 8 | data[3],
            rom=data[4] << 8 | data[5],
            max_socket=data[6],
        )

    def power(self, on: bool) -> None:
        """Power on or standby; waits until the camera reports it done."""
        self.execute(cmds.power(on))

    def power_status(self) -> bool:
        """True when powered on, False in standby."""
        data = self.execute(
            cmds.power_inquiry(), accept=lambda d: d in (b"\x02", b"\x03", b"\x04")
        ).data
        if data == b"\x02":
            return True
        if data == b"\x03":
            return False
        raise DeviceError(
            msg("ptz.power_fault", address=self.address), hint=msg("ptz.power_fault_hint")
        )

    def drive(
        self, direction: Direction | str, pan_speed: int, tilt_speed: int | None = None
    ) -> None:
        """Start moving in one of 8 directions (or "stop"); returns once the camera accepted it."""
        if tilt_speed is None:
            tilt_speed = (
                min(pan_speed, self.limits.max_speed_tilt)
                if isinstance(pan_speed, int)
                else pan_speed
            )
        command = cmds.drive(direction, pan_speed, tilt_speed, self.limits)
        if command.name == "stop":
            self.stop()
            return
        self.execute(command)

    def stop(self) -> None:
        """Stop pan and tilt now: sent ahead of anything waiting, never behind a silent command."""
        self.execute(cmds.stop(self.limits), jump=True)

    def zoom(self, action: str, speed: int | None = None) -> None:
        """Zoom "in", "out" or "stop", optionally at speed 0..7."""
        self.execute(cmds.zoom(action, speed, self.limits))

    def zoom_to(self, position: int) -> None:
        """Zoom to a direct position and wait until it is there."""
        self.execute(cmds.zoom_direct(position, self.limits))

    def focus(self, mode: str) -> None:
        """Focus "auto", "manual" or "one-push"."""
        self.execute(cmds.focus(mode))

    def home(self) -> None:
        """Go to the home position and wait for the Completion."""
        self.execute(cmds.home())

    def reset(self) -> None:
        """Re-initialise the pan-tilt mechanics and wait for the Completion."""
        self.execute(cmds.reset())

    def goto(
        self, pan: int, tilt: int, pan_speed: int | None = None, tilt_speed: int | None = None
    ) -> None:
        """Move to an absolute position (signed) and wait until the motion stops."""
        ps = self.limits.max_speed_pan if pan_speed is None else pan_speed
        ts = (
            (
                self.limits.max_speed_tilt
                if pan_speed is None
                else min(ps, self.limits.max_speed_tilt)
            )
            if tilt_speed is None
            else tilt_speed
        )
        self.execute(cmds.move(pan, tilt, ps, ts, limits=self.limits))

    def move_relative(
        self, pan: int, tilt: int, pan_speed: int | None = None, tilt_speed: int | None = None
    ) -> None:
        """Move by a signed offset and wait until the motion stops."""
        ps = self.limits.max_speed_pan if pan_speed is None else pan_speed
        ts = self.limits.max_speed_tilt if tilt_speed is None else tilt_speed
        self.execute(cmds.move(pan, tilt, ps, ts, relative=True, limits=self.limits))

    def preset_recall(self, n: int) -> None:
        """Recall preset `n` and wait until the camera is there."""
        self.execute(cmds.preset("recall", n, self.limits))

    def preset_set(self, n: int) -> None:
        """Store the current position as preset `n`."""
        self.execute(cmds.preset("set", n, self.limits))

    def preset_clear(self, n: int) -> None:
        """Clear preset `n`."""
        self.execute(cmds.preset("clear", n, self.limits))

    def position(self) -> Position:
        """Read pan, tilt (4- or 5-nibble, by reply length) and zoom."""
        data = self.execute(cmds.position_inquiry(), accept=_nibbles(8, 10)).data
        half = len(data) // 2
        pan, tilt = decode_signed(data[:half]), decode_signed(data[half:])
        zdata = self.execute(cmds.zoom_inquiry(), accept=_nibbles(4, 5)).data
        return Position(pan, tilt, decode_unsigned(zdata))

    def discover(self) -> int:
        """Address Set: number the cameras on the chain 1..n and return n."""
        data = self.execute(cmds.address_set()).data
        self.network_changed = False
        return data[0]

    def if_clear(self, *, broadcast: bool = False) -> None:
        """Empty the camera's command buffers (or every camera's)."""
        self.execute(cmds.if_clear(broadcast=broadcast))

    def cancel(self, socket: int) -> None:
        """Cancel the command running in socket 1 or 2."""
        self.execute(cmds.cancel(socket))

    # ---------------------------------------------------------------- the exchange

    def execute(
        self, command: Command, *, jump: bool = False, accept: Callable[[bytes], bool] | None = None
    ) -> Result:
        """Send one command and wait for its answer; inquiries are retried, commands never are.

        `accept` checks an inquiry's answer; one that fails it (a byte lost on the line)
        counts as no answer and is asked again.
        """
        tries = 1 + (self.timeouts.inquiry_retries if command.finish is Finish.INQUIRY else 0)
        for attempt in range(tries):
            try:
                result = self._once(command, jump=jump)
                if accept is not None and not accept(result.data):
                    if attempt + 1 < tries:
                        log.info(
                            "bad answer to %s from %s: %s",
                            command.name,
                            self.label,
                            hexs(result.data),
                        )
                        continue
                    raise RemoteProtocolError(
                        msg("ptz.bad_answer", command=command.name, data=hexs(result.data))
                    )
                return result  # noqa: TRY300 - the retry loop needs the else branch above
            except _NoReplyError as silent:
                if attempt + 1 < tries:
                    log.info("no answer to %s from %s, asking again", command.name, self.label)
                    continue
                waited = self.timeouts.ack_ms * tries
                if silent.garbage:
                    raise DeviceTimeoutError(
                        msg(
                            "ptz.garbled",
                            address=self.address,
                            port=self.label,
                            data=hexs(silent.garbage[:16]),
                        ),
                        hint=msg("ptz.garbled_hint"),
                    ) from None
                serial_line = self._endpoint.scheme == "serial"
                raise DeviceTimeoutError(
                    msg("ptz.no_reply", address=self.address, port=self.label, ms=waited),
                    hint=msg("ptz.no_reply_hint" if serial_line else "ptz.no_reply_ip_hint"),
                ) from None
        raise AssertionError  # pragma: no cover - the loop returns or raises

    def _once(self, command: Command, *, jump: bool) -> Result:
        ack_s = self.timeouts.ack_ms / 1000
        with self._cond:
            transport = self._ensure_open()
            if not jump:
                self._wait_turn(transport)
            handle, data = self._session.send(command, self.address, jump=jump)
            waiter = _Waiter()
            self._waiters[handle] = waiter
            self._pump()
            garbage_mark = self._garbage_seen
            self._recent_garbage.clear()
            t0 = time.monotonic()
            try:
                log.debug("→ %s %s", command.name, hexs(data))
                try:
                    transport.write(data)
                except DeviceUnavailableError as exc:
                    self._mark_dead(transport, exc)
                    raise
                self._wait(lambda: waiter.first or waiter.error is not None, t0 + ack_s, None)
                if not waiter.first and waiter.error is None:
                    junk = (
                        bytes(self._recent_garbage) if self._garbage_seen != garbage_mark else b""
                    )
                    raise _NoReplyError(junk)
                if not waiter.finished and waiter.error is None:
                    limit = (
                        self.timeouts.move_ms
                        if command.finish is Finish.MOTION
                        else self.timeouts.immediate_ms
                    )
                    start = waiter.acked_at or t0
                    self._wait(
                        lambda: waiter.finished or waiter.error is not None,
                        start + limit / 1000,
                        None,
                    )
                    if not waiter.finished and waiter.error is None:
                        raise DeviceTimeoutError(
                            msg(
                                "ptz.no_completion",
                                address=self.address,
                                command=command.name,
                                ms=limit,
                            ),
                            hint=msg("ptz.no_completion_hint"),
                        )
            finally:
                self._waiters.pop(handle, None)
                self._session.forget(handle)
        if waiter.error is not None:
            raise waiter.error
        if waiter.superseded is not None:
            if waiter.superseded == "stop" and command.finish is Finish.IMMEDIATE:
                # A drive overtaken by STOP ends stopped, which the later call asked for.
                return Result(command.name, b"", None, (time.monotonic() - t0) * 1000, acked=False)
            if waiter.superseded == "no_camera":
                raise DeviceUnavailableError(
                    msg("ptz.no_camera", address=self.address, port=self.label),
                    hint=msg("ptz.no_camera_hint"),
                )
            raise CommandSupersededError(
                msg(
                    f"ptz.superseded.{waiter.superseded}",
                    address=self.address,
                    command=command.name,
                ),
                hint=msg("ptz.superseded_hint"),
            )
        done_at = waiter.done_at or time.monotonic()
        return Result(
            command.name,
            waiter.data,
            None if waiter.acked_at is None else (waiter.acked_at - t0) * 1000,
            (done_at - t0) * 1000,
            waiter.was_acked,
        )

    def _wait_turn(self, transport: Transport) -> None:
        """Queue up (first come, first served) until the previous packet has its first reply."""
        token = object()
        ahead = len(self._line)
        self._line.append(token)
        try:
            # Each command ahead resolves (or is given up) within its own ACK deadline.
            deadline = time.monotonic() + (ahead + 1) * self.timeouts.ack_ms / 1000
            self._wait(
                lambda: self._line[0] is token and self._session.can_send(), deadline, transport
            )
            if not (self._line[0] is token and self._session.can_send()):
                raise DeviceTimeoutError(
                    msg("ptz.busy", address=self.address, port=self.label, ms=self.timeouts.ack_ms),
                    hint=msg("ptz.no_reply_hint"),
                )
        finally:
            self._line.remove(token)
            self._cond.notify_all()

    def _wait(
        self, ready: Callable[[], bool], deadline: float, transport: Transport | None
    ) -> None:
        while not ready():
            if transport is not None and self._transport is not transport:
                raise DeviceUnavailableError(
                    msg("ptz.port_lost", port=self.label, error="closed"),
                    hint=msg("ptz.port_lost_hint"),
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._cond.wait(remaining)

    def _ensure_open(self) -> Transport:
        if self._transport is None:
            transport = open_transport(self.url, timeout_s=self.timeouts.ack_ms / 1000)
            self._transport = transport
            self._session = Session()
            self._waiters.clear()
            self._reader_stop = threading.Event()
            self._reader = threading.Thread(
                target=self._read_loop,
                args=(transport, self._session, self._reader_stop),
                name=f"visca-reader-{self.label}",
                daemon=True,
            )
            self._reader.start()
            log.debug("opened %s", self.label)
        return self._transport

    def _read_loop(self, transport: Transport, session: Session, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                data = transport.read()
                if not data:
                    continue
                log.debug("← %s", hexs(data))
                with self._cond:
                    if session is not self._session:
                        return
                    session.receive_data(data)
                    self._pump()
        except DeviceUnavailableError as exc:
            if not stop.is_set():
                log.info("%s", exc)
                with self._cond:
                    self._mark_dead(transport, exc)
        except Exception as exc:
            # Never die silently: log it, and fail every waiter so no caller hangs.
            log.exception("VISCA reader for %s crashed", self.label)
            with self._cond:
                self._mark_dead(
                    transport,
                    DeviceUnavailableError(
                        msg("ptz.port_lost", port=self.label, error=exc),
                        hint=msg("ptz.port_lost_hint"),
                    ),
                )

    def _mark_dead(self, transport: Transport, exc: BaseException) -> None:
        if self._transport is transport:
            self._transport = None
            self._reader_stop.set()
            self._fail_all(exc)
            try:
                transport.close()
            except Exception:
                log.debug("closing a dead transport failed", exc_info=True)

    def _fail_all(self, exc: BaseException) -> None:
        for w in self._waiters.values():
            if not w.finished and w.error is None:
                w.error = copy.copy(exc)  # each caller raises its own instance (own traceback)
        self._cond.notify_all()

    def _pump(self) -> None:
        now = time.monotonic()
        while True:
            try:
                event = self._session.next_event()
            except RemoteProtocolError as exc:
                log.warning("%s: %s", self.label, exc)
                self._garbage_seen += 1
                continue
            if event is None:
                break
            if isinstance(event, Garbage):
                log.debug(
                    "%s: skipped bytes outside a packet: %s", self.label, hexs(event.data[:32])
                )
                self._garbage_seen += 1
                if len(self._recent_garbage) < 64:
                    self._recent_garbage += event.data[:64]
                continue
            if isinstance(event, NetworkChange):
                log.info("camera %d on %s reports a network change", event.address, self.label)
                self.network_changed = True
                continue
            if isinstance(event, Stray):
                log.debug("stray reply on %s: %s", self.label, event.reply)
                continue
            waiter = self._waiters.get(event.handle)
            if waiter is None:
                continue
            if isinstance(event, Acked):
                waiter.acked_at = now
                waiter.was_acked = True
            elif isinstance(event, Done):
                waiter.finished, waiter.data, waiter.done_at = True, event.data, now
                if not event.acked:
                    log.info("%s: Completion without ACK", self.label)
            elif isinstance(event, Failed):
                waiter.error = event.error
            elif isinstance(event, Superseded):
                waiter.superseded = event.reason
                waiter.finished = True
        self._cond.notify_all()


def _nibbles(*lengths: int) -> Callable[[bytes], bool]:
    """Accept nibble-coded data of one of these lengths."""
    return lambda d: len(d) in lengths and all(b <= 0x0F for b in d)


_shared: dict[str, tuple[PtzConfig, Camera]] = {}
_shared_lock = threading.Lock()


def shared(ptz: PtzConfig) -> Camera:
    """The process-wide camera for a [ptz] section.

    A serial port opens exclusively, so the daemon, its MQTT handler and the ptz check
    must share one client per port. A changed section replaces (and closes) the old one.
    """
    with _shared_lock:
        entry = _shared.get(ptz.port)
        if entry is not None and entry[0] == ptz:
            return entry[1]
        if entry is not None:
            entry[1].close()
        camera = Camera.from_config(ptz)
        _shared[ptz.port] = (ptz, camera)
        return camera


def close_shared() -> None:
    """Close every shared camera (at daemon shutdown)."""
    with _shared_lock:
        entries = list(_shared.values())
        _shared.clear()
    for _, camera in entries:
        camera.close()


class _NoReplyError(Exception):
    """Internal: nothing answered within the ACK deadline."""

    def __init__(self, garbage: bytes) -> None:
        super().__init__("no reply")
        self.garbage = garbage


__all__ = [
    "Camera",
    "CommandSupersededError",
    "Direction",
    "Limits",
    "Position",
    "Result",
    "Timeouts",
    "VersionInfo",
    "ViscaReplyError",
    "close_shared",
    "shared",
]
