"""The Pelco line client: thread-safe frame writes and position queries on one serial line.

Pelco commands get no acknowledgement: a write returns once its frame is out. Only the
Pelco-D position queries have answers, so one reader thread per open line feeds a sans-IO
`Parser` and hands those answers to the caller waiting for them. Nothing ever queues:
STOP takes the line as soon as the frame being written (7 or 8 bytes) is out, even while a
query waits for its answer. Garbage, bad check bytes and answers from another address are
counted and logged at debug level in hex, and never end a call early. What a caller asks
of the camera (move, zoom, presets, position) is `agent.pelco.camera.Camera`.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from dataclasses import dataclass

from agent.errors import DeviceUnavailableError
from agent.pelco import commands as cmds
from agent.pelco.commands import Axis
from agent.pelco.protocol import (
    ADDRESS_RANGE,
    Frame,
    Garbage,
    Parser,
    PelcoRemoteError,
    Variant,
    check_range,
    hexs,
)
from agent.pelco.text import msg, rendered
from agent.pelco.transport import PelcoEndpoint, open_line, parse_url
from agent.ptz_line import LineClient
from agent.visca.transport import Transport

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """How long to wait, in milliseconds, and how often a silent query is asked again."""

    query_ms: int = 500  # one position answer (a 7-byte frame is 29 ms at 2400 baud)
    query_retries: int = 1  # a lost or corrupted answer is asked once more
    write_ms: int = 1000  # a write that cannot finish means the adapter is gone


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


class Client(LineClient[Transport, Parser]):
    """One Pelco-D or Pelco-P line to one camera address; safe to share between threads."""

    protocol_name = "Pelco"
    _log = log

    def __init__(
        self,
        url: str,
        *,
        address: int | None = None,
        home_preset: int | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        super().__init__()
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
        self._query_lock = threading.Lock()  # one query in flight; commands never take it
        self._parser = Parser(ep.variant)
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
    def baud(self) -> int:
        """The line speed."""
        return self._endpoint.baud

    @property
    def label(self) -> str:
        """The port as messages name it."""
        return self._endpoint.label

    def counters(self) -> Counters:
        """A snapshot of what the line carried (garbage, bad frames, wrong addresses…)."""
        with self._cond:
            return Counters(**self._counts)

    def close(self) -> None:
        """Close the line and stop the reader; a later call reopens it."""
        self._close_line(DeviceUnavailableError(msg("pelco.closed", port=self.label)))

    # ---------------------------------------------------------------- the exchange

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
        self._touch()

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
                        self._touch()
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

    def _idle(self) -> bool:
        # A Pelco frame carries the whole motion state: reopening forgets a move in progress.
        return self._expect is None and self._motion == cmds.STOPPED

    def _ensure_open(self) -> Transport:
        if self._transport is None:
            transport = open_line(self._endpoint, timeout_s=self.timeouts.write_ms / 1000)
            self._parser = Parser(self.variant)
            self._error = None
            # A reopened line starts stopped as far as we know: frames compose from here.
            self._motion = cmds.STOPPED
            self._start_reader(transport, self._parser)
            log.debug("opened %s (Pelco-%s, %d baud)", self.label, self.variant.upper(), self.baud)
            return transport
        return self._transport

    def _feed(self, parser: Parser, data: bytes) -> bool:
        if parser is not self._parser:
            return False
        parser.receive_data(data)
        self._pump(parser)
        return True

    def _crash_error(self, exc: Exception) -> BaseException:
        return DeviceUnavailableError(
            msg("pelco.port_lost", port=self.label, error=exc), hint=msg("pelco.port_lost_hint")
        )

    def _fail_waiters(self, exc: BaseException) -> None:
        self._error = exc
        self._cond.notify_all()

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


__all__ = ["Client", "Counters", "Timeouts"]
