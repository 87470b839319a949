"""VISCA in-flight matching: which reply belongs to which command; no I/O of any kind.

The caller owns the port, the threads and the clock: it feeds received bytes to
`Session.receive_data`, writes what `Session.send` returns and pulls `next_event()`.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass
from enum import Enum

from agent.visca.errors import ErrorCode, ViscaReplyError, error_for
from agent.visca.framing import (
    Ack,
    AddressSetReply,
    Command,
    Completion,
    ErrorReply,
    Finish,
    Garbage,
    IfClearEcho,
    NetworkChange,
    Reply,
    ReplyParser,
)


class Phase(Enum):
    """Where a command in flight stands."""

    SENT = "sent"  # written; no reply yet (the pacing gate is closed)
    ACKED = "acked"  # accepted into a socket; waiting for its Completion


@dataclass(frozen=True, slots=True)
class Acked:
    """Command `handle` was accepted into `socket`."""

    handle: int
    socket: int


@dataclass(frozen=True, slots=True)
class Done:
    """Command `handle` finished; `data` is an inquiry's answer (empty for commands)."""

    handle: int
    data: bytes = b""
    acked: bool = True


@dataclass(frozen=True, slots=True)
class Failed:
    """Command `handle` was refused or cancelled by the camera."""

    handle: int
    error: ViscaReplyError


@dataclass(frozen=True, slots=True)
class Superseded:
    """Command `handle` lost its claim on a reply (STOP jumped it, or its socket was reused)."""

    handle: int
    reason: str


@dataclass(frozen=True, slots=True)
class Stray:
    """A reply that matched nothing in flight (late, duplicated, or from a forgotten command)."""

    reply: Reply


Event = Acked | Done | Failed | Superseded | Stray | NetworkChange | Garbage


@dataclass(slots=True)
class _InFlight:
    handle: int
    command: Command
    address: int
    phase: Phase = Phase.SENT
    socket: int = 0


class Session:
    """Match replies to the commands in flight for one line (one chain, or one IP camera).

    Sony's rule on serial is one packet at a time until its ACK or error arrives;
    `can_send()` says when that gate is open. STOP may be sent with `jump=True`
    while the gate is closed: commands still waiting for their first reply are then
    superseded, because a camera that answers nothing must not make STOP wait, and
    the next ACK can no longer be told apart.

    With `any_address` (one camera per line, as over IP) a reply from any sender is that
    camera's: some PTZOptics G3 firmware answers `A0 41 FF` to a command sent to `81`
    (bitfocus/companion-module-ptzoptics-visca#57).
    """

    def __init__(self, *, any_address: bool = False) -> None:
        self.any_address = any_address
        self._address: int | None = None  # the camera last sent to
        self._parser = ReplyParser()
        self._next = 1
        self._flight: dict[int, _InFlight] = {}
        self._events: deque[Event] = deque()
        self._abandoned: set[tuple[int, int]] = set()  # (address, socket) of forgotten motions

    # ---- sending
    def can_send(self) -> bool:
        """True when no command waits for its first reply (Sony's pacing on serial)."""
        return not any(f.phase is Phase.SENT for f in self._flight.values())

    def send(self, command: Command, address: int, *, jump: bool = False) -> tuple[int, bytes]:
        """Register `command` for camera `address`; return its handle and the bytes to write."""
        data = command.packet(address)
        if jump:
            for f in list(self._flight.values()):
                if f.phase is Phase.SENT and f.command.finish is not Finish.INQUIRY:
                    del self._flight[f.handle]
                    self._events.append(Superseded(f.handle, "stop"))
        handle = self._next
        self._next += 1
        self._address = address
        self._flight[handle] = _InFlight(handle, command, address)
        return handle, data

    def forget(self, handle: int) -> None:
        """Stop tracking `handle` (its caller gave up); a late reply becomes Stray."""
        f = self._flight.pop(handle, None)
        if f is not None and f.phase is Phase.ACKED:
            # Its socket may still complete later; that Completion must not be taken
            # for a "Completion without ACK" of whatever is sent next.
            self._abandoned.add((f.address, f.socket))

    def in_flight(self) -> int:
        """How many commands are being tracked."""
        return len(self._flight)

    # ---- receiving
    def receive_data(self, data: bytes) -> None:
        """Buffer bytes read from the line."""
        self._parser.receive_data(data)

    def next_event(self) -> Event | None:
        """Return the next event, None when more data is needed.

        A framed packet that is not a VISCA reply raises RemoteProtocolError after
        being consumed; the session stays usable.
        """
        while not self._events:
            reply = self._parser.next_event()
            if reply is None:
                return None
            if isinstance(reply, Garbage):
                return reply
            self._match(reply)
        return self._events.popleft()

    # ---- matching
    def _oldest_sent(self, *, inquiry: bool | None = None) -> _InFlight | None:
        for f in self._flight.values():  # dicts keep send order
            if f.phase is not Phase.SENT:
                continue
            if inquiry is None or (f.command.finish is Finish.INQUIRY) == inquiry:
                return f
        return None

    def _on_socket(self, address: int, socket: int) -> _InFlight | None:
        for f in self._flight.values():
            if f.phase is Phase.ACKED and f.socket == socket and f.address == address:
                return f
        return None

    def _finish(self, event: Event) -> None:
        handle = getattr(event, "handle", None)
        if handle is not None:
            self._flight.pop(handle, None)
        self._events.append(event)

    def _match(self, reply: Reply) -> None:
        if (
            self.any_address
            and self._address is not None
            and isinstance(reply, Ack | Completion | ErrorReply)
            and reply.address != self._address
        ):
            reply = dataclasses.replace(reply, address=self._address)
        if isinstance(reply, NetworkChange):
            self._events.append(reply)
        elif isinstance(reply, Ack):
            f = self._first_command(Finish.IMMEDIATE, Finish.MOTION)
            if f is None:
                self._events.append(Stray(reply))
                return
            self._abandoned.discard((reply.address, reply.socket))
            old = self._on_socket(reply.address, reply.socket)
            if old is not None:
                # The camera reuses a socket only once it is free: that Completion was lost.
                self._finish(Superseded(old.handle, "socket_reused"))
            f.phase, f.socket = Phase.ACKED, reply.socket
            self._events.append(Acked(f.handle, reply.socket))
        elif isinstance(reply, Completion):
            if reply.socket == 0:
                f = self._oldest_sent(inquiry=True)
                if f is None:
                    self._events.append(Stray(reply))
                else:
                    self._finish(Done(f.handle, reply.data))
                return
            g = self._on_socket(reply.address, reply.socket)
            if g is not None:
                self._finish(Done(g.handle))
                return
            if (reply.address, reply.socket) in self._abandoned:
                self._abandoned.discard((reply.address, reply.socket))
                self._events.append(Stray(reply))
                return
            # Some cameras send Completion with no ACK first.
            f = self._first_command(Finish.IMMEDIATE, Finish.MOTION)
            if f is None:
                self._events.append(Stray(reply))
            else:
                self._finish(Done(f.handle, acked=False))
        elif isinstance(reply, ErrorReply):
            self._match_error(reply)
        elif isinstance(reply, AddressSetReply):
            f = self._first_command(Finish.ADDRESS_SET)
            if f is None:
                self._events.append(Stray(reply))
            else:
                self._finish(Done(f.handle, bytes([reply.count])))
        elif isinstance(reply, IfClearEcho):
            f = self._first_command(Finish.IF_CLEAR_ALL)
            if f is None:
                self._events.append(Stray(reply))
            else:
                self._finish(Done(f.handle))
        else:
            f = next(
                (
                    g
                    for g in self._flight.values()
                    if g.phase is Phase.SENT and g.command.packet(g.address) == reply.packet
                ),
                None,
            )
            if f is None:
                self._events.append(Stray(reply))
            else:
                self._finish(Superseded(f.handle, "no_camera"))

    def _first_command(self, *finishes: Finish) -> _InFlight | None:
        for f in self._flight.values():
            if f.phase is Phase.SENT and f.command.finish in finishes:
                return f
        return None

    def _match_error(self, reply: ErrorReply) -> None:
        if reply.code in (ErrorCode.CANCELLED, ErrorCode.NO_SOCKET):
            cancel = next(
                (
                    f
                    for f in self._flight.values()
                    if f.phase is Phase.SENT
                    and f.command.finish is Finish.CANCEL
                    and f.command.body[0] & 0x0F == reply.socket
                ),
                None,
            )
            target = self._on_socket(reply.address, reply.socket)
            if reply.code == ErrorCode.CANCELLED and target is not None:
                self._finish(
                    Failed(
                        target.handle,
                        error_for(reply.code, reply.address, reply.socket, target.command.name),
                    )
                )
            if cancel is not None:
                if reply.code == ErrorCode.CANCELLED:
                    self._finish(Done(cancel.handle))
                else:
                    self._finish(
                        Failed(
                            cancel.handle,
                            error_for(reply.code, reply.address, reply.socket, "cancel"),
                        )
                    )
                return
            if target is not None:
                return
        f = self._oldest_sent()
        if f is None:
            f = self._on_socket(reply.address, reply.socket) if reply.socket else None
        if f is None:
            self._events.append(Stray(reply))
            return
        self._finish(
            Failed(f.handle, error_for(reply.code, reply.address, reply.socket, f.command.name))
        )
