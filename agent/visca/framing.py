"""VISCA framing: packets, nibble-coded numbers and reply events; no I/O of any kind.

The caller owns the port and the clock: it feeds received bytes to `ReplyParser.receive_data`
and pulls `next_event()`. Errors carry catalogue keys (see `agent.visca.errors`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Final

from agent.visca.errors import ViscaLocalError, ViscaRemoteError

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


class Finish(Enum):
    """How a command ends, which sets what the caller waits for and how long."""

    IMMEDIATE = "immediate"  # ACK, then Completion at once (drive, stop, zoom, focus)
    MOTION = "motion"  # ACK, then Completion when the motion stops (home, recall, goto, power)
    INQUIRY = "inquiry"  # no ACK; the answer is a socket-0 Completion (inquiries, IF_Clear)
    CANCEL = "cancel"  # the answer is an error reply: Cancelled or No socket
    ADDRESS_SET = "address_set"  # broadcast; the answer is `88 30 0w FF` from the last camera
    IF_CLEAR_ALL = "if_clear_all"  # broadcast; the packet comes back around the ring


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
            raise ViscaLocalError("ptz.bad_address", value=receiver)
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
        raise ViscaLocalError(
            "ptz.out_of_range",
            field="position",
            value=value,
            lo=-(1 << (bits - 1)),
            hi=(1 << (bits - 1)) - 1,
        )
    return encode_unsigned(value & ((1 << bits) - 1), nibbles)


def encode_unsigned(value: int, nibbles: int = 4) -> bytes:
    """Encode a non-negative number one nibble per byte, most significant first."""
    if not 0 <= value < (1 << (4 * nibbles)):
        raise ViscaLocalError(
            "ptz.out_of_range", field="value", value=value, lo=0, hi=(1 << (4 * nibbles)) - 1
        )
    return bytes((value >> (4 * i)) & 0x0F for i in range(nibbles - 1, -1, -1))


def decode_unsigned(data: bytes) -> int:
    """Decode nibble-per-byte data; a byte above 0x0F is the peer's fault."""
    value = 0
    for b in data:
        if b > 0x0F:
            raise ViscaRemoteError("ptz.bad_nibbles", data=hexs(data))
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
        raise ViscaRemoteError("ptz.bad_packet", data=hexs(packet))
    h, body = packet[0], packet[1:-1]
    sender, receiver = (h >> 4) & 0x07, h & 0x0F
    if receiver == BROADCAST and sender == CONTROLLER:
        if len(body) == 2 and body[0] == 0x30 and 2 <= body[1] <= 8:
            return AddressSetReply(body[1])
        if body == b"\x01\x00\x01":
            return IfClearEcho()
        raise ViscaRemoteError("ptz.bad_packet", data=hexs(packet))
    if sender == CONTROLLER and 1 <= receiver <= 7:
        return Returned(packet)
    if receiver != CONTROLLER or sender == CONTROLLER:
        raise ViscaRemoteError("ptz.bad_packet", data=hexs(packet))
    kind, socket = body[0] & 0xF0, body[0] & 0x0F
    if kind == ReplyType.ACK and len(body) == 1 and socket <= 2:
        return Ack(sender, socket)
    if kind == ReplyType.COMPLETION and socket <= 2:
        return Completion(sender, socket, bytes(body[1:]))
    if kind == ReplyType.ERROR and len(body) == 2 and socket <= 2:
        return ErrorReply(sender, socket, body[1])
    if body == b"\x38":
        return NetworkChange(sender)
    raise ViscaRemoteError("ptz.bad_packet", data=hexs(packet))


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
