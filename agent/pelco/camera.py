"""The Pelco camera client: thread-safe blocking calls on one RS-485/RS-232 line.

Pelco commands get no acknowledgement: a call returns once its frame is written. Only the
Pelco-D position queries have answers, so one reader thread per open line feeds a sans-IO
`Parser` and hands those answers to the caller waiting for them. Nothing ever queues:
STOP takes the line as soon as the frame being written (7 or 8 bytes) is out, even while a
query waits for its answer. Garbage, bad check bytes and answers from another address are
counted and logged at debug level in hex, and never end a call early.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Final, Self

from agent.errors import DeviceError, DeviceUnavailableError, InvalidArgumentError
from agent.pelco import commands as cmds
from agent.pelco.commands import Axis, Direction, MotionState
from agent.pelco.protocol import (
    ADDRESS_RANGE,
    Frame,
    Garbage,
    Parser,
    PelcoLocalError,
    PelcoRemoteError,
    Variant,
    check_range,
    hexs,
)
from agent.pelco.text import msg, render, rendered
from agent.pelco.transport import PelcoEndpoint, open_line, parse_url
from agent.visca.transport import Transport

log = logging.getLogger(__name__)

AXES: Final = (Axis.PAN, Axis.TILT, Axis.ZOOM)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """How long to wait, in milliseconds, and how often a silent query is asked again."""

    query_ms: int = 500  # one position answer (a 7-byte frame is 29 ms at 2400 baud)
    query_retries: int = 1  # a lost or corrupted answer is asked once more
    write_ms: int = 1000  # a write that cannot finish means the adapter is gone


@dataclass(frozen=True, slots=True)
class Position:
    """Pan and tilt in hundredths of a degree, zoom 0 (wide) .. 65535 (tele); None = no answer."""

    pan: int | None
    tilt: int | None
    zoom: int | None

    @property
    def unavailable(self) -> tuple[str, ...]:
        """The axes the camera did not report."""
        return tuple(a.value for a in AXES if getattr(self, a.value) is None)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form; a missing axis is null and listed under `unavailable`."""
        return {
            "pan": self.pan,
            "tilt": self.tilt,
            "zoom": self.zoom,
            "unavailable": list(self.unavailable),
        }


@dataclass(frozen=True, slots=True)
class Counters:
    """What the line carried besides what we asked for; every field only grows."""

    frames_sent: int = 0  # frames written
    answers: int = 0  # position answers delivered to a caller
    garbage_runs: int = 0  # runs of bytes outside any frame
    garbage_bytes: int = 0  # bytes in those runs
    bad_frames: int = 0  # framed runs with a wrong check byte (or ETX)
    wrong_address: int = 0  # valid frames from another camera address
    stray: int = 0  # valid frames nobody waited for (late answers, RS-485 echo)


class PositionUnavailableError(DeviceError):
    """The camera cannot tell its position: Pelco-P has no query, or the camera never answers."""

    def __init__(self, message: str, *, hint: str | None = None, axes: tuple[str, ...]) -> None:
        super().__init__(message, hint=hint)
        self.axes = axes


class Camera:
    """A Pelco-D or Pelco-P camera on a serial line; safe to share between threads."""

    def __init__(
        self,
        url: str,
        *,
        address: int | None = None,
        home_preset: int | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        ep = parse_url(url)
        with rendered():
            if address is not None:
                check_range("address", address, *ADDRESS_RANGE[ep.variant])
            if home_preset is not None:
                check_range("home_preset", home_preset, 1, cmds.MAX_PRESET)
        self._endpoint = PelcoEndpoint(
            ep.variant,
            ep.path,
            ep.baud,
            ep.address if address is None else address,
            ep.home_preset if home_preset is None else home_preset,
        )
        self.url = url
        self.timeouts = timeouts or Timeouts()
        self._cond = threading.Condition(threading.RLock())
        self._query_lock = threading.Lock()  # one query in flight; commands never take it
        self._transport: Transport | None = None
        self._parser = Parser(ep.variant)
        self._reader: threading.Thread | None = None
        self._reader_stop = threading.Event()
        self._motion = cmds.STOPPED
        self._expect: Axis | None = None
        self._answer: int | None = None
        self._error: BaseException | None = None
        self._counts: dict[str, int] = dict.fromkeys(Counters.__dataclass_fields__, 0)

    # ---------------------------------------------------------------- identity

    @property
    def variant(self) -> Variant:
        """Pelco-D or Pelco-P."""
        return self._endpoint.variant

    @property
    def address(self) -> int:
        """The camera number, as set on its switches (1-based for both protocols)."""
        return self._endpoint.address

    @property
    def home_preset(self) -> int:
        """The preset `home()` recalls (34, Pelco's "zero pan", unless configured)."""
        return self._endpoint.home_preset

    @property
    def baud(self) -> int:
        """The line speed."""
        return self._endpoint.baud

    @property
    def label(self) -> str:
        """The port as messages name it."""
        return self._endpoint.label

    @property
    def supports_position(self) -> bool:
        """Whether the protocol has position queries at all (Pelco-D yes, Pelco-P no)."""
        return self.variant is Variant.D

    def ranges(self) -> dict[str, tuple[int, int]]:
        """The allowed range of every argument, for callers that validate first (e.g. MQTT)."""
        return {
            "speed": (1, cmds.TURBO),
            "pan_speed": (1, cmds.TURBO),
            "tilt_speed": (1, cmds.MAX_TILT_SPEED),
            "zoom_speed": (0, cmds.MAX_ZOOM_SPEED),
            "preset": (1, cmds.MAX_PRESET),
            "address": ADDRESS_RANGE[self.variant],
        }

    def counters(self) -> Counters:
        """A snapshot of what the line carried (garbage, bad frames, wrong addresses…)."""
        with self._cond:
            return Counters(**self._counts)

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
            self._error = DeviceUnavailableError(msg("pelco.closed", port=self.label))
            self._cond.notify_all()
        if reader is not None and reader is not threading.current_thread():
            reader.join(timeout=2.0)
        if transport is not None:
            transport.close()

    # ---------------------------------------------------------------- the public calls

    def drive(
        self, direction: Direction | str, pan_speed: int, tilt_speed: int | None = None
    ) -> None:
        """Start moving in one of 8 directions (or "stop") at pan speed 1..64 (64 = turbo)."""
        with rendered():
            d = cmds.direction(direction)
            if d is Direction.STOP:
                self.stop()
                return
            check_range("pan_speed", pan_speed, 1, cmds.TURBO)
            if tilt_speed is None:
                tilt_speed = min(pan_speed, cmds.MAX_TILT_SPEED)
            check_range("tilt_speed", tilt_speed, 1, cmds.MAX_TILT_SPEED)
        with self._cond:
            state = MotionState(d, pan_speed, tilt_speed, self._motion.zoom, self._motion.focus)
            self._send(cmds.standard(self.variant, self.address, state))
            self._motion = state

    move = drive  # the name issue 16 uses; VISCA's client calls it drive

    def stop(self) -> None:
        """Stop pan, tilt, zoom and focus now (the Pelco STOP frame); never waits for a query."""
        with self._cond:
            self._motion = cmds.STOPPED
            self._send(cmds.stop(self.variant, self.address))

    def zoom(self, action: str, speed: int | None = None) -> None:
        """Zoom "in", "out" or "stop"; a speed 0..3 is set first (Pelco's zoom-speed command)."""
        if action not in cmds.ZOOM_BITS:
            raise render(
                PelcoLocalError(
                    "pelco.bad_choice",
                    field="zoom",
                    value=action,
                    allowed=", ".join(cmds.ZOOM_BITS),
                )
            )
        with self._cond, rendered():
            if speed is not None:
                self._send(cmds.zoom_speed(self.variant, self.address, speed))
            self._set(zoom=action)

    def focus(self, action: str) -> None:
        """Focus "near", "far" or "stop" (Pelco has continuous focus only)."""
        if action not in cmds.FOCUS_ACTIONS:
            raise render(
                PelcoLocalError(
                    "pelco.bad_choice",
                    field="focus",
                    value=action,
                    allowed=", ".join(cmds.FOCUS_ACTIONS),
                )
            )
        with self._cond:
            self._set(focus=action)

    def home(self) -> None:
        """Recall the home preset (`home_preset`, 34 by default)."""
        self.preset_recall(self.home_preset)

    def preset_recall(self, n: int) -> None:
        """Go to preset `n` (1..255); Pelco reports no completion, so this returns at once."""
        with self._cond, rendered():
            self._send(cmds.preset(self.variant, self.address, "recall", n))
            self._motion = cmds.STOPPED

    def preset_set(self, n: int) -> None:
        """Store the current position as preset `n` (1..255)."""
        with self._cond, rendered():
            self._send(cmds.preset(self.variant, self.address, "set", n))

    def preset_clear(self, n: int) -> None:
        """Clear preset `n` (1..255)."""
        with self._cond, rendered():
            self._send(cmds.preset(self.variant, self.address, "clear", n))

    def position(self) -> Position:
        """Ask pan, tilt and zoom (Pelco-D 0x51/0x53/0x55); an axis that gets no answer is None.

        Raise PositionUnavailableError on Pelco-P (no query exists) and when the camera
        answers neither pan nor tilt (many Pelco-D cameras have no queries).
        """
        if not self.supports_position:
            raise PositionUnavailableError(
                msg("pelco.no_position_protocol", variant=self.variant.upper()),
                hint=msg("pelco.no_position_protocol_hint"),
                axes=tuple(a.value for a in AXES),
            )
        pan = self._query(Axis.PAN)
        tilt = self._query(Axis.TILT)
        if pan is None and tilt is None:
            raise PositionUnavailableError(
                msg("pelco.no_position", address=self.address, port=self.label),
                hint=msg("pelco.no_position_hint"),
                axes=tuple(a.value for a in AXES),
            )
        return Position(pan, tilt, self._query(Axis.ZOOM))

    def halt(self, *, zoom: bool = False) -> None:
        """Stop everything now, for a caller about to go away (one STOP frame stops zoom too)."""
        del zoom  # Pelco's STOP clears pan, tilt, zoom and focus alike
        self.stop()

    def read_position(self) -> Position:
        """The same as `position()`: the name the VISCA client and the ptz check use."""
        return self.position()

    def power(self, on: bool) -> None:
        """Pelco has no power command the agent uses: refused with invalid_argument."""
        del on
        raise self.unsupported("power")

    def zoom_to(self, position: int) -> None:
        """Pelco zoom is continuous only: refused with invalid_argument."""
        del position
        raise self.unsupported("zoom-to")

    def unsupported(self, what: str) -> InvalidArgumentError:
        """The error for a command this protocol does not have."""
        return InvalidArgumentError(
            msg("pelco.unsupported", what=what, variant=self.variant.upper()),
            hint=msg("pelco.unsupported_hint"),
        )

    # ---------------------------------------------------------------- the exchange

    def _set(self, **change: str) -> None:
        state = MotionState(
            self._motion.direction,
            self._motion.pan_speed,
            self._motion.tilt_speed,
            change.get("zoom", self._motion.zoom),
            change.get("focus", self._motion.focus),
        )
        self._send(cmds.standard(self.variant, self.address, state))
        self._motion = state

    def _send(self, frame: Frame) -> None:
        """Write one frame now; the caller holds the condition's lock."""
        transport = self._ensure_open()
        data = frame.to_bytes()
        log.debug("%s → %s", self.label, hexs(data))
        try:
            transport.write(data)
        except DeviceUnavailableError as exc:
            self._mark_dead(transport, exc)
            raise
        self._counts["frames_sent"] += 1

    def _query(self, axis: Axis) -> int | None:
        frame = cmds.query(self.variant, self.address, axis)
        with self._query_lock:
            for attempt in range(1 + self.timeouts.query_retries):
                with self._cond:
                    self._expect, self._answer = axis, None
                    try:
                        self._send(frame)
                        transport = self._transport
                        deadline = time.monotonic() + self.timeouts.query_ms / 1000
                        answer = self._wait_answer(transport, deadline)
                        if answer is not None:
                            self._counts["answers"] += 1
                            return answer
                    finally:
                        self._expect = None
                log.info(
                    "no %s answer from camera %d on %s (try %d)",
                    axis.value,
                    self.address,
                    self.label,
                    attempt + 1,
                )
        return None

    def _wait_answer(self, transport: Transport | None, deadline: float) -> int | None:
        while self._answer is None:
            if self._transport is not transport or transport is None:
                raise self._lost()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._cond.wait(remaining)
        return self._answer

    def _lost(self) -> BaseException:
        if self._error is not None:
            return copy.copy(self._error)  # each caller raises its own instance
        return DeviceUnavailableError(
            msg("pelco.port_lost", port=self.label, error="closed"),
            hint=msg("pelco.port_lost_hint"),
        )

    def _ensure_open(self) -> Transport:
        if self._transport is None:
            transport = open_line(self._endpoint, timeout_s=self.timeouts.write_ms / 1000)
            self._transport = transport
            self._parser = Parser(self.variant)
            self._error = None
            # A reopened line starts stopped as far as we know: frames compose from here.
            self._motion = cmds.STOPPED
            self._reader_stop = threading.Event()
            self._reader = threading.Thread(
                target=self._read_loop,
                args=(transport, self._parser, self._reader_stop),
                name=f"pelco-reader-{self.label}",
                daemon=True,
            )
            self._reader.start()
            log.debug("opened %s (Pelco-%s, %d baud)", self.label, self.variant.upper(), self.baud)
        return self._transport

    def _read_loop(self, transport: Transport, parser: Parser, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                data = transport.read()
                if not data:
                    continue
                log.debug("%s ← %s", self.label, hexs(data))
                with self._cond:
                    if parser is not self._parser:
                        return
                    parser.receive_data(data)
                    self._pump(parser)
        except DeviceUnavailableError as exc:
            if not stop.is_set():
                log.info("%s", exc)
                with self._cond:
                    self._mark_dead(transport, exc)
        except Exception as exc:
            # Never die silently: fail the waiting query so no caller hangs.
            log.exception("Pelco reader for %s crashed", self.label)
            with self._cond:
                self._mark_dead(
                    transport,
                    DeviceUnavailableError(
                        msg("pelco.port_lost", port=self.label, error=exc),
                        hint=msg("pelco.port_lost_hint"),
                    ),
                )

    def _mark_dead(self, transport: Transport, exc: BaseException) -> None:
        if self._transport is transport:
            self._transport = None
            self._error = exc
            self._reader_stop.set()
            self._cond.notify_all()
            try:
                transport.close()
            except Exception:
                log.debug("closing a dead line failed", exc_info=True)

    def _pump(self, parser: Parser) -> None:
        c = self._counts
        while True:
            try:
                event = parser.next_event()
            except PelcoRemoteError as exc:
                c["bad_frames"] += 1
                log.debug("%s: %s", self.label, exc)
                continue
            if event is None:
                return
            if isinstance(event, Garbage):
                c["garbage_runs"] += 1
                c["garbage_bytes"] += len(event.data)
                log.debug(
                    "%s: skipped bytes outside a frame: %s", self.label, hexs(event.data[:32])
                )
                continue
            self._on_frame(event)

    def _on_frame(self, frame: Frame) -> None:
        answer = cmds.response(frame)
        if frame.address != self.address:
            self._counts["wrong_address"] += 1
            log.debug(
                "%s: frame from address %d, not %d: %s",
                self.label,
                frame.address,
                self.address,
                hexs(frame.to_bytes()),
            )
            return
        if answer is None or answer[0] is not self._expect or self._answer is not None:
            self._counts["stray"] += 1
            log.debug("%s: unexpected frame %s", self.label, hexs(frame.to_bytes()))
            return
        self._answer = answer[1]
        self._cond.notify_all()


__all__ = [
    "Camera",
    "Counters",
    "Position",
    "PositionUnavailableError",
    "Timeouts",
]
