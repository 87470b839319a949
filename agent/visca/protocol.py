"""VISCA framing, replies and in-flight matching; this module contains no I/O of any kind.

The caller owns the port, the threads and the clock: it feeds received bytes to
`Session.receive_data`, writes what `Session.send` returns and pulls `next_event()`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Final, Self

from agent.errors import DeviceError, LocalProtocolError, RemoteProtocolError
from agent.i18n import t

TERMINATOR: Final = 0xFF
BROADCAST: Final = 8
CONTROLLER: Final = 0
MIN_PACKET: Final = 3
# 16 is Sony's limit, but 20-bit-position models send 17-byte absolute moves.
MAX_PACKET: Final = 17


class MessageType(IntEnum):
    """Message byte 1 of a packet sent to a camera."""

    COMMAND = 0x01  # do something
    INQUIRY = 0x09  # report something


class Category(IntEnum):
    """Message byte 2: which part of the camera a command addresses."""

    INTERFACE = 0x00  # IF_Clear, version
    CAMERA = 0x04  # power, zoom, focus, presets
    PAN_TILT = 0x06  # drive, absolute, home
    EXTENDED = 0x7E  # vendor extensions


class ReplyType(IntEnum):
    """High nibble of a reply's first message byte (the low nibble is the socket)."""

    ACK = 0x40  # accepted into a socket
    COMPLETION = 0x50  # done, or an inquiry's answer
    ERROR = 0x60  # refused; the next byte says why


class ErrorCode(IntEnum):
    """The cause byte of an error reply `z0 6s cc FF`."""

    LENGTH = 0x01  # message too long
    SYNTAX = 0x02  # unknown command or illegal parameter
    BUFFER_FULL = 0x03  # both sockets busy
    CANCELLED = 0x04  # the command in that socket was cancelled
    NO_SOCKET = 0x05  # Cancel named an empty socket
    NOT_EXECUTABLE = 0x41  # impossible in the current mode (e.g. standby)


class Finish(Enum):
    """How a command ends, which sets what the caller waits for and how long."""

    IMMEDIATE = "immediate"  # ACK, then Completion at once (drive, stop, zoom, focus)
    MOTION = "motion"  # ACK, then Completion when the motion stops (home, recall, goto, power)
    INQUIRY = "inquiry"  # no ACK; the answer is a socket-0 Completion (inquiries, IF_Clear)
    CANCEL = "cancel"  # the answer is an error reply: Cancelled or No socket
    ADDRESS_SET = "address_set"  # broadcast; the answer is `88 30 0w FF` from the last camera
    IF_CLEAR_ALL = "if_clear_all"  # broadcast; the packet comes back around the ring


# ---------------------------------------------------------------- messages and errors


class Text(str):  # noqa: SLOT000 - str subtypes cannot have non-empty __slots__
    """A catalogue message that keeps its key and params, so it can be shown in another language.

    Errors are raised in the process language; a check reporting in its run's language
    re-renders them with `localize`.
    """

    key: str
    params: dict[str, object]

    def __new__(cls, key: str, params: dict[str, object]) -> Self:
        obj = super().__new__(cls, t(key, None, **params))
        obj.key, obj.params = key, params
        return obj

    def render(self, lang: str) -> str:
        """The same message in `lang`."""
        return t(self.key, lang=lang, **self.params)


def msg(key: str, /, **params: object) -> Text:
    """Look up catalogue message `key` in the current language, remembering how."""
    return Text(key, params)


def localize(text: str | None, lang: str) -> str | None:
    """Render a message in `lang` if it came from the catalogue; other text is kept as is."""
    return text.render(lang) if isinstance(text, Text) else text


class ViscaReplyError(DeviceError):
    """The camera refused a command; subclasses name the cause."""

    cause = ErrorCode.SYNTAX
    key = "ptz.err.syntax"

    def __init__(self, address: int, socket: int, command: str = "") -> None:
        super().__init__(
            msg(self.key, address=address, command=command or "?"),
            hint=msg(self.key + "_hint"),
        )
        self.address = address
        self.socket = socket
        self.command = command


class MessageLengthError(ViscaReplyError):
    """The camera says the message was too long."""

    cause = ErrorCode.LENGTH
    key = "ptz.err.length"


class ViscaSyntaxError(ViscaReplyError):
    """The camera does not know the command or refuses a parameter (e.g. speed 00)."""

    cause = ErrorCode.SYNTAX
    key = "ptz.err.syntax"


class BufferFullError(ViscaReplyError):
    """Both command sockets are busy with motions."""

    cause = ErrorCode.BUFFER_FULL
    key = "ptz.err.buffer_full"


class CommandCancelledError(ViscaReplyError):
    """The command was cancelled (by Cancel or IF_Clear) before it completed."""

    cause = ErrorCode.CANCELLED
    key = "ptz.err.cancelled"


class NoSocketError(ViscaReplyError):
    """Cancel named a socket that holds no command."""

    cause = ErrorCode.NO_SOCKET
    key = "ptz.err.no_socket"


class NotExecutableError(ViscaReplyError):
    """The camera cannot do this now (in standby, or mid-operation)."""

    cause = ErrorCode.NOT_EXECUTABLE
    key = "ptz.err.not_executable"


ERRORS: Final[dict[int, type[ViscaReplyError]]] = {
    cls.cause: cls
    for cls in (
        MessageLengthError,
        ViscaSyntaxError,
        BufferFullError,
        CommandCancelledError,
        NoSocketError,
        NotExecutableError,
    )
}


def error_for(code: int, address: int, socket: int, command: str = "") -> ViscaReplyError:
    """Return the typed error for an error reply's cause byte."""
    return ERRORS.get(code, ViscaReplyError)(address, socket, command)


# ---------------------------------------------------------------- commands and packets


@dataclass(frozen=True, slots=True)
class Command:
    """One VISCA message to send: its name, its bytes between header and FF, and how it ends."""

    name: str
    body: bytes
    finish: Finish

    @property
    def broadcast(self) -> bool:
        """True for messages sent to every camera (`88 …`)."""
        return self.finish in (Finish.ADDRESS_SET, Finish.IF_CLEAR_ALL)

    def packet(self, address: int) -> bytes:
        """Frame the command for camera `address` (ignored for broadcasts)."""
        receiver = BROADCAST if self.broadcast else address
        if not 1 <= receiver <= BROADCAST:
            raise LocalProtocolError(msg("ptz.bad_address", value=receiver))
        return bytes([header(CONTROLLER, receiver), *self.body, TERMINATOR])


def header(sender: int, receiver: int) -> int:
    """Build the header byte `1sss0rrr` (receiver 8 is the broadcast `x8`)."""
    return 0x80 | (sender << 4) | receiver


def is_header(byte: int) -> bool:
    """True for a byte that can start a packet: `1sss0rrr` or a broadcast `1sss1000`."""
    return byte != TERMINATOR and byte & 0x80 != 0 and (byte & 0x08 == 0 or byte & 0x0F == 0x08)


def hexs(data: bytes) -> str:
    """Bytes as spaced upper-case hex, the way VISCA manuals print them."""
    return data.hex(" ").upper()


# ---------------------------------------------------------------- nibble-coded numbers


def encode_signed(value: int, nibbles: int = 4) -> bytes:
    """Encode a two's-complement number one nibble per byte (`-2267` → `0F 07 02 05`)."""
    bits = 4 * nibbles
    if not -(1 << (bits - 1)) <= value < (1 << (bits - 1)):
        raise LocalProtocolError(
            msg(
                "ptz.out_of_range",
                field="position",
                value=value,
                lo=-(1 << (bits - 1)),
                hi=(1 << (bits - 1)) - 1,
            )
        )
    return encode_unsigned(value & ((1 << bits) - 1), nibbles)


def encode_unsigned(value: int, nibbles: int = 4) -> bytes:
    """Encode a non-negative number one nibble per byte, most significant first."""
    if not 0 <= value < (1 << (4 * nibbles)):
        raise LocalProtocolError(
            msg("ptz.out_of_range", field="value", value=value, lo=0, hi=(1 << (4 * nibbles)) - 1)
        )
    return bytes((value >> (4 * i)) & 0x0F for i in range(nibbles - 1, -1, -1))


def decode_unsigned(data: bytes) -> int:
    """Decode nibble-per-byte data; a byte above 0x0F is the peer's fault."""
    value = 0
    for b in data:
        if b > 0x0F:
            raise RemoteProtocolError(msg("ptz.bad_nibbles", data=hexs(data)))
        value = (value << 4) | b
    return value


def decode_signed(data: bytes) -> int:
    """Decode a two's-complement nibble-per-byte number; its width is the data's length."""
    value = decode_unsigned(data)
    bits = 4 * len(data)
    return value - (1 << bits) if bits and value & (1 << (bits - 1)) else value


# ---------------------------------------------------------------- reply events


@dataclass(frozen=True, slots=True)
class Garbage:
    """Bytes skipped because they were outside a packet (wrong baud rate, noise, a lost header)."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Ack:
    """`z0 4s FF`: camera `address` accepted a command into `socket`."""

    address: int
    socket: int


@dataclass(frozen=True, slots=True)
class Completion:
    """`z0 5s … FF`: a command finished, or (socket 0) an inquiry's answer with `data`."""

    address: int
    socket: int
    data: bytes = b""


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """`z0 6s cc FF`: camera `address` refused with cause `code`."""

    address: int
    socket: int
    code: int


@dataclass(frozen=True, slots=True)
class NetworkChange:
    """`z0 38 FF`: a camera powered up or the chain changed; Address Set is due."""

    address: int


@dataclass(frozen=True, slots=True)
class AddressSetReply:
    """`88 30 0w FF` back from the last camera: `w - 1` cameras are on the chain."""

    next_address: int

    @property
    def count(self) -> int:
        """The number of cameras on the chain."""
        return self.next_address - 1


@dataclass(frozen=True, slots=True)
class IfClearEcho:
    """`88 01 00 01 FF` came back around the ring: every camera cleared its buffers."""


@dataclass(frozen=True, slots=True)
class Returned:
    """A packet we sent came back around the ring: no camera has its address."""

    packet: bytes


Reply = Ack | Completion | ErrorReply | NetworkChange | AddressSetReply | IfClearEcho | Returned


def decode_reply(packet: bytes) -> Reply:
    """Decode one framed packet sent to the controller; raise RemoteProtocolError if not one."""
    if len(packet) < MIN_PACKET or packet[-1] != TERMINATOR or not is_header(packet[0]):
        raise RemoteProtocolError(msg("ptz.bad_packet", data=hexs(packet)))
    h, body = packet[0], packet[1:-1]
    sender, receiver = (h >> 4) & 0x07, h & 0x0F
    if receiver == BROADCAST and sender == CONTROLLER:
        if len(body) == 2 and body[0] == 0x30 and 2 <= body[1] <= 8:
            return AddressSetReply(body[1])
        if body == b"\x01\x00\x01":
            return IfClearEcho()
        raise RemoteProtocolError(msg("ptz.bad_packet", data=hexs(packet)))
    if sender == CONTROLLER and 1 <= receiver <= 7:
        return Returned(packet)
    if receiver != CONTROLLER or sender == CONTROLLER:
        raise RemoteProtocolError(msg("ptz.bad_packet", data=hexs(packet)))
    kind, socket = body[0] & 0xF0, body[0] & 0x0F
    if kind == ReplyType.ACK and len(body) == 1 and socket <= 2:
        return Ack(sender, socket)
    if kind == ReplyType.COMPLETION and socket <= 2:
        return Completion(sender, socket, bytes(body[1:]))
    if kind == ReplyType.ERROR and len(body) == 2 and socket <= 2:
        return ErrorReply(sender, socket, body[1])
    if body == b"\x38":
        return NetworkChange(sender)
    raise RemoteProtocolError(msg("ptz.bad_packet", data=hexs(packet)))


class PacketReader:
    """Split a byte stream into packets on FF, skipping (and reporting) bytes outside packets."""

    def __init__(self, max_packet: int = MAX_PACKET) -> None:
        self._buf = bytearray()
        self._max = max_packet

    def receive_data(self, data: bytes) -> None:
        """Buffer received bytes; never parses, never raises."""
        self._buf += data

    @property
    def buffered(self) -> int:
        """How many bytes wait for a terminator."""
        return len(self._buf)

    def next_packet(self) -> bytes | Garbage | None:
        """Return the next whole packet, a Garbage run that was skipped, or None for more data."""
        buf = self._buf
        start = next((i for i, b in enumerate(buf) if is_header(b)), len(buf))
        if start:
            junk = bytes(buf[:start])
            del buf[:start]
            return Garbage(junk)
        if not buf:
            return None
        end = buf.find(TERMINATOR, 0, self._max)
        if end < 0:
            if len(buf) < self._max:
                return None
            # No terminator where one must be: the header was noise. Resync after it.
            nxt = next((i for i, b in enumerate(buf) if i and is_header(b)), len(buf))
            junk = bytes(buf[:nxt])
            del buf[:nxt]
            return Garbage(junk)
        packet = bytes(buf[: end + 1])
        del buf[: end + 1]
        return packet


class ReplyParser:
    """Turn a byte stream from the cameras into reply events (Garbage included)."""

    def __init__(self) -> None:
        self._reader = PacketReader()

    def receive_data(self, data: bytes) -> None:
        """Buffer received bytes."""
        self._reader.receive_data(data)

    def next_event(self) -> Reply | Garbage | None:
        """Return the next reply or Garbage, None when more data is needed.

        A framed packet that is not a reply raises RemoteProtocolError; it is consumed,
        so the caller may log it and keep reading.
        """
        item = self._reader.next_packet()
        if item is None or isinstance(item, Garbage):
            return item
        return decode_reply(item)


# ---------------------------------------------------------------- in-flight matching


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
    """

    def __init__(self) -> None:
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
