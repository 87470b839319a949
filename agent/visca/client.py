"""The threaded VISCA client: one reader thread per line, blocking calls with per-command deadlines.

The reader feeds a sans-IO `Session`; callers block on their own command. Sony's pacing
holds each packet until the previous one has its first reply, except STOP, which jumps
the queue and never waits behind a silent command. Core errors (catalogue key and
arguments) are rendered here, where they leave for a caller.
"""

from __future__ import annotations

import copy
import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Final

from agent.errors import (
    DeviceTimeoutError,
    DeviceUnavailableError,
    RemoteProtocolError,
)
from agent.ptz_line import LineClient
from agent.visca.commands import check_range
from agent.visca.framing import Command, Finish, Garbage, NetworkChange, hexs
from agent.visca.outcome import CommandSupersededError, Result, Timeouts, Waiter, result_of
from agent.visca.session import Acked, Done, Failed, Session, Stray, Superseded
from agent.visca.text import msg, render, rendered
from agent.visca.transport import Transport, open_transport, parse_url

if TYPE_CHECKING:
    from collections.abc import Callable

log = logging.getLogger(__name__)

# What to check when a camera does not answer, by transport.
NO_REPLY_HINTS: Final = {
    "serial": "ptz.no_reply_hint",
    "visca-ip": "ptz.no_reply_ip_hint",
    "tcp": "ptz.no_reply_tcp_hint",
    "udp": "ptz.no_reply_udp_hint",
}


class Client(LineClient[Transport, Session]):
    """One VISCA line (a serial port, a chain, or one IP camera); safe to share between threads."""

    protocol_name = "VISCA"
    _log = log

    @rendered
    def __init__(self, url: str, address: int = 1, *, timeouts: Timeouts | None = None) -> None:
        super().__init__()
        self._endpoint = parse_url(url)
        self.url = url
        self.address = check_range("address", address, 1, 7)
        self.timeouts = timeouts or Timeouts()
        self.any_reply_address = False  # see Session: over IP, a reply from any sender counts
        self._session = Session()
        self._waiters: dict[int, Waiter] = {}
        self._line: deque[object] = deque()  # callers waiting for their turn to send, in order
        self._garbage_seen = 0
        self._recent_garbage = bytearray()  # junk since the last command was sent, for messages
        self.network_changed = False

    @property
    def label(self) -> str:
        """The port as messages name it."""
        return self._endpoint.label

    @property
    def scheme(self) -> str:
        """How the line is reached: serial, visca-ip, tcp or udp."""
        return self._endpoint.scheme

    def no_reply_hint(self) -> str:
        """What to check when nothing answers, for the transport in use (no Sony UDP on tcp://)."""
        return msg(NO_REPLY_HINTS.get(self.scheme, "ptz.no_reply_ip_hint"))

    def close(self) -> None:
        """Close the line and stop the reader; a later call reopens it."""
        self._close_line(DeviceUnavailableError(msg("ptz.closed", port=self.label)))

    # ---------------------------------------------------------------- the exchange

    @rendered
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
                raise DeviceTimeoutError(
                    msg("ptz.no_reply", address=self.address, port=self.label, ms=waited),
                    hint=self.no_reply_hint(),
                ) from None
        raise AssertionError  # pragma: no cover - the loop returns or raises

    def _once(self, command: Command, *, jump: bool) -> Result:
        ack_s = self.timeouts.ack_ms / 1000
        with self._cond:
            transport = self._ensure_open()
            if not jump:
                self._wait_turn(transport)
            handle, data = self._session.send(command, self.address, jump=jump)
            waiter = Waiter()
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
                self._touch()
        return result_of(waiter, command, address=self.address, port=self.label, sent_at=t0)

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
                    hint=self.no_reply_hint(),
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

    def _idle(self) -> bool:
        return not self._waiters and not self._line

    def _ensure_open(self) -> Transport:
        if self._transport is None:
            transport = open_transport(self.url, timeout_s=self.timeouts.ack_ms / 1000)
            self._session = Session(any_address=self.any_reply_address)
            self._waiters.clear()
            self._start_reader(transport, self._session)
            log.debug("opened %s", self.label)
            return transport
        return self._transport

    def _feed(self, parser: Session, data: bytes) -> bool:
        if parser is not self._session:
            return False
        parser.receive_data(data)
        self._pump()
        return True

    def _crash_error(self, exc: Exception) -> BaseException:
        return DeviceUnavailableError(
            msg("ptz.port_lost", port=self.label, error=exc), hint=msg("ptz.port_lost_hint")
        )

    def _fail_waiters(self, exc: BaseException) -> None:
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
                log.warning("%s: %s", self.label, render(exc))
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
                waiter.error = render(event.error)
            elif isinstance(event, Superseded):
                waiter.superseded = event.reason
                waiter.finished = True
        self._cond.notify_all()


class _NoReplyError(Exception):
    """Internal: nothing answered within the ACK deadline."""

    def __init__(self, garbage: bytes) -> None:
        super().__init__("no reply")
        self.garbage = garbage


# The exchange's values live in agent.visca.outcome; callers import them from here too.
__all__ = ["Client", "CommandSupersededError", "Result", "Timeouts"]
