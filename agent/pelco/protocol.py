"""Pelco-D and Pelco-P framing and the frame parser; this module contains no I/O of any kind.

The caller owns the port, the threads and the clock: it feeds received bytes to
`Parser.receive_data`, pulls `next_event()` and writes what `Frame.to_bytes()` returns.
Errors carry a catalogue key and its arguments; the caller renders them (no i18n here).

Byte layouts, from the published tables:
- Pelco-D: `FF addr cmd1 cmd2 data1 data2 sum`, sum = (addr + cmd1 + cmd2 + data1 + data2)
  mod 256 [Pelco "D" Protocol Manual TF-0002 v2.1 (2003); Pelco DRD14 manual C466M-E §5.2;
  worked examples in the OXIC XPM9A261A manual, appendix 3: `FF 01 00 02 20 00 23` right].
- Pelco-P: `A0 addr data1 data2 data3 data4 AF xor`, xor = XOR of the seven bytes STX..ETX
  inclusive; the address byte is the camera number minus one [Pelco C466M-E §5.3 ("ADD 0 to
  1F"); Active Silicon Harrier manual, "CS: an XOR sum of byte 1 ~ 7"; MnDOT protozoa
  pelco_p notes, "XOR of all bytes between STX and ETX, inclusive"].
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from agent.errors import LocalProtocolError, RemoteProtocolError

# The variants and the address ranges are also the port URL's grammar (agent.ptz_url, pure,
# below the config layer); the core uses them from there.
from agent.ptz_url import ADDRESS_RANGE, Variant


class Marker(IntEnum):
    """The fixed framing bytes."""

    SYNC = 0xFF  # Pelco-D byte 1
    STX = 0xA0  # Pelco-P byte 1
    ETX = 0xAF  # Pelco-P byte 7


FRAME_LENGTH: Final[dict[Variant, int]] = {Variant.D: 7, Variant.P: 8}
START: Final[dict[Variant, int]] = {Variant.D: Marker.SYNC, Variant.P: Marker.STX}


# ---------------------------------------------------------------- errors: a key and arguments


def _plain(key: str, params: dict[str, object]) -> str:
    """A language-neutral rendering for logs; callers show `t(key, **params)` to people."""
    extra = ", ".join(f"{k}={v}" for k, v in params.items())
    return f"{key}({extra})" if extra else key


class PelcoLocalError(LocalProtocolError):
    """We asked for something the protocol cannot say (an argument out of range)."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(_plain(key, params))
        self.key = key
        self.params = params


class PelcoRemoteError(RemoteProtocolError):
    """The line carried a framed run of bytes that is not a valid frame."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(_plain(key, params))
        self.key = key
        self.params = params


def check_range(field: str, value: object, lo: int, hi: int) -> int:
    """Return `value` if it is an int in lo..hi, else raise PelcoLocalError naming the field."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise PelcoLocalError("pelco.out_of_range", field=field, value=value, lo=lo, hi=hi)
    return value


def hexs(data: bytes) -> str:
    """Bytes as spaced upper-case hex, the way the manuals print them."""
    return data.hex(" ").upper()


def checksum(variant: Variant, head: bytes) -> int:
    """The check byte for a frame's bytes before it (sync or STX included)."""
    if variant is Variant.D:
        return sum(head[1:]) & 0xFF
    x = 0
    for b in head:
        x ^= b
    return x


# ---------------------------------------------------------------- frames


@dataclass(frozen=True, slots=True)
class Frame:
    """One Pelco frame, either way on the line.

    `address` is the camera number as set on its switches; the four words are Pelco-D's
    cmd1, cmd2, data1, data2, or Pelco-P's data1..data4 (same positions in both).
    """

    variant: Variant
    address: int
    word1: int
    word2: int
    data1: int
    data2: int

    def __post_init__(self) -> None:
        lo, hi = (0, 255) if self.variant is Variant.D else ADDRESS_RANGE[Variant.P]
        check_range("address", self.address, lo, hi)
        for name in ("word1", "word2", "data1", "data2"):
            check_range(name, getattr(self, name), 0, 0xFF)

    @property
    def value(self) -> int:
        """The 16-bit value carried by data1 (high byte) and data2 (low byte)."""
        return self.data1 << 8 | self.data2

    def to_bytes(self) -> bytes:
        """The frame as it goes on the wire, check byte included."""
        if self.variant is Variant.D:
            head = bytes(
                [Marker.SYNC, self.address, self.word1, self.word2, self.data1, self.data2]
            )
            return head + bytes([checksum(Variant.D, head)])
        head = bytes(
            [
                Marker.STX,
                self.address - 1,
                self.word1,
                self.word2,
                self.data1,
                self.data2,
                Marker.ETX,
            ]
        )
        return head + bytes([checksum(Variant.P, head)])

    @classmethod
    def from_bytes(cls, data: bytes, variant: Variant) -> Frame:
        """Decode exactly one frame; raise PelcoRemoteError saying what is wrong, in hex."""
        n = FRAME_LENGTH[variant]
        if len(data) != n or data[0] != START[variant]:
            raise PelcoRemoteError("pelco.bad_frame", variant=variant.upper(), data=hexs(data))
        if variant is Variant.P and data[6] != Marker.ETX:
            raise PelcoRemoteError("pelco.bad_etx", got=f"{data[6]:02X}", data=hexs(data))
        want = checksum(variant, data[:-1])
        if data[-1] != want:
            raise PelcoRemoteError(
                "pelco.bad_checksum",
                expected=f"{want:02X}",
                got=f"{data[-1]:02X}",
                data=hexs(data),
            )
        address = data[1] if variant is Variant.D else data[1] + 1
        return cls(variant, address, data[2], data[3], data[4], data[5])


@dataclass(frozen=True, slots=True)
class Garbage:
    """Bytes skipped because they were outside a frame (noise, wrong baud rate, a lost start)."""

    data: bytes


class Parser:
    """Split a byte stream into frames, resynchronising on the next start byte after junk.

    `next_event()` returns a Frame, a Garbage run, or None when more data is needed. A run
    that starts like a frame but fails its check raises PelcoRemoteError after being
    consumed, so the caller counts it and keeps reading.
    """

    def __init__(self, variant: Variant) -> None:
        self.variant = variant
        self._buf = bytearray()
        self._start = START[variant]
        self._len = FRAME_LENGTH[variant]

    def receive_data(self, data: bytes) -> None:
        """Buffer received bytes; never parses, never raises."""
        self._buf += data

    @property
    def buffered(self) -> int:
        """How many bytes wait for the rest of a frame."""
        return len(self._buf)

    def next_event(self) -> Frame | Garbage | None:
        """Return the next frame or skipped run; None when more data is needed."""
        buf = self._buf
        start = buf.find(self._start)
        if start < 0:
            start = len(buf)
        if start:
            junk = bytes(buf[:start])
            del buf[:start]
            return Garbage(junk)
        if len(buf) < self._len:
            return None
        candidate = bytes(buf[: self._len])
        try:
            frame = Frame.from_bytes(candidate, self.variant)
        except PelcoRemoteError:
            # The start byte may have been noise with a real frame right behind it:
            # resynchronise on the next start byte inside the candidate, if there is one.
            nxt = candidate.find(self._start, 1)
            if nxt > 0:
                del buf[:nxt]
                return Garbage(candidate[:nxt])
            del buf[: self._len]
            raise
        del buf[: self._len]
        return frame


__all__ = [
    "ADDRESS_RANGE",
    "FRAME_LENGTH",
    "Frame",
    "Garbage",
    "Marker",
    "Parser",
    "PelcoLocalError",
    "PelcoRemoteError",
    "Variant",
    "check_range",
    "checksum",
    "hexs",
]
