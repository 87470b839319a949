"""Sans-IO EDID 1.x base-block parser (checked against edid-decode) and a builder for tests."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from agent.errors import RemoteProtocolError

HEADER: Final = bytes.fromhex("00ffffffffffff00")
BLOCK: Final = 128
_TAG_SERIAL: Final = 0xFF
_TAG_TEXT: Final = 0xFE
_TAG_NAME: Final = 0xFC


@dataclass(frozen=True, slots=True)
class Mode:
    """A detailed timing: active pixels and the refresh rate it gives."""

    width: int
    height: int
    refresh_hz: float
    pixel_clock_khz: int
    interlaced: bool = False

    def __str__(self) -> str:
        return f"{self.width}x{self.height}{'i' if self.interlaced else ''}@{self.refresh_hz:.2f}"


@dataclass(frozen=True, slots=True)
class Edid:
    """What a display says about itself in its EDID base block."""

    manufacturer: str  # three-letter PNP id, e.g. "SAM"
    product: int  # product code, as edid-decode's "Model"
    serial: int  # numeric serial; 0 when unused
    serial_text: str  # the serial-number descriptor, "" when absent
    name: str  # the monitor-name descriptor, "" when absent
    week: int
    year: int
    version: str  # e.g. "1.4"
    digital: bool
    size_cm: tuple[int, int]
    preferred: Mode | None  # the first detailed timing
    modes: tuple[Mode, ...]  # every detailed timing in the base block
    extensions: int

    @property
    def label(self) -> str:
        """A name a technician recognises: the model name, else manufacturer and product code."""
        return self.name or f"{self.manufacturer} {self.product:04X}"


def parse(data: bytes) -> Edid:
    """Parse an EDID; raise RemoteProtocolError naming what is wrong for anything else."""
    if len(data) < BLOCK:
        raise RemoteProtocolError(f"EDID is {len(data)} bytes, expected at least {BLOCK}")
    if len(data) % BLOCK:
        raise RemoteProtocolError(f"EDID is {len(data)} bytes, not a multiple of {BLOCK}")
    base = data[:BLOCK]
    if base[:8] != HEADER:
        raise RemoteProtocolError(f"EDID header is {base[:8].hex(' ')}, expected {HEADER.hex(' ')}")
    total = sum(base) % 256
    if total:
        want = (base[127] - total) % 256
        raise RemoteProtocolError(f"EDID checksum byte is {base[127]:02x}, expected {want:02x}")
    mfg_word = struct.unpack(">H", base[8:10])[0]
    letters = [(mfg_word >> s) & 0x1F for s in (10, 5, 0)]
    if mfg_word & 0x8000 or not all(1 <= v <= 26 for v in letters):
        raise RemoteProtocolError(
            f"EDID manufacturer id {base[8:10].hex(' ')} is not three letters"
        )
    product, serial = struct.unpack("<HI", base[10:16])
    modes: list[Mode] = []
    name = serial_text = ""
    for off in range(54, 126, 18):
        desc = base[off : off + 18]
        if desc[0] or desc[1]:
            modes.append(_timing(desc))
        elif desc[3] == _TAG_NAME:
            name = _text(desc)
        elif desc[3] == _TAG_SERIAL:
            serial_text = _text(desc)
    return Edid(
        manufacturer="".join(chr(ord("A") - 1 + v) for v in letters),
        product=product,
        serial=serial,
        serial_text=serial_text,
        name=name,
        week=base[16],
        year=1990 + base[17],
        version=f"{base[18]}.{base[19]}",
        digital=bool(base[20] & 0x80),
        size_cm=(base[21], base[22]),
        preferred=modes[0] if modes else None,
        modes=tuple(modes),
        extensions=base[126],
    )


def build(
    *,
    manufacturer: str = "HNT",
    product: int = 0x1234,
    serial: int = 0,
    name: str = "",
    serial_text: str = "",
    width: int = 1920,
    height: int = 1080,
    refresh_hz: int = 60,
    year: int = 2023,
    week: int = 10,
) -> bytes:
    """Return a valid 128-byte EDID 1.4 with one detailed timing and optional descriptors."""
    if len(manufacturer) != 3 or not manufacturer.isalpha() or not manufacturer.isupper():
        raise ValueError("manufacturer must be three upper-case letters")
    mfg = 0
    for ch in manufacturer:
        mfg = (mfg << 5) | (ord(ch) - ord("A") + 1)
    head = bytearray(HEADER)
    head += struct.pack(">H", mfg) + struct.pack("<HI", product, serial)
    head += bytes([week, year - 1990, 1, 4])
    # Digital 8 bits/colour HDMI-a; 52x29 cm; gamma 2.2; DPMS standby+suspend+off, RGB, preferred
    # timing is native, continuous frequency off.
    head += bytes([0xA2, 52, 29, 120, 0xEE])
    head += bytes.fromhex("ee91a3544c99260f5054")  # sRGB-like chromaticity
    head += bytes([0x21, 0x08, 0x00])  # established timings: 640x480@60, 800x600@60, 1024x768@60
    head += b"\x01\x01" * 8  # no standard timings
    descriptors = [_dtd(width, height, refresh_hz)]
    if name:
        descriptors.append(_descriptor(_TAG_NAME, name))
    if serial_text:
        descriptors.append(_descriptor(_TAG_SERIAL, serial_text))
    descriptors.append(_range_limits())
    while len(descriptors) < 4:
        descriptors.append(bytes([0, 0, 0, 0x10, 0]) + bytes(13))  # dummy descriptor
    body = head + b"".join(descriptors[:4]) + b"\x00"
    return bytes(body + bytes([(-sum(body)) % 256]))


# ---------------------------------------------------------------- helpers


def _timing(d: bytes) -> Mode:
    clock_khz = struct.unpack("<H", d[0:2])[0] * 10
    hact = d[2] | (d[4] & 0xF0) << 4
    hblank = d[3] | (d[4] & 0x0F) << 8
    vact = d[5] | (d[7] & 0xF0) << 4
    vblank = d[6] | (d[7] & 0x0F) << 8
    interlaced = bool(d[17] & 0x80)
    total = (hact + hblank) * (vact + vblank)
    refresh = clock_khz * 1000 / total if total else 0.0
    if interlaced:
        vact *= 2
        refresh *= 2
    return Mode(hact, vact, round(refresh, 2), clock_khz, interlaced)


def _text(d: bytes) -> str:
    raw = d[5:18].split(b"\x0a", 1)[0]
    return raw.decode("cp437").rstrip()


def _descriptor(tag: int, text: str) -> bytes:
    raw = text.encode("ascii", "replace")[:13]
    if len(raw) < 13:
        raw += b"\x0a" + b"\x20" * (12 - len(raw))
    return bytes([0, 0, 0, tag, 0]) + raw


def _range_limits() -> bytes:
    # 50-75 Hz vertical, 30-90 kHz horizontal, 170 MHz max clock, no extended timing info.
    return bytes([0, 0, 0, 0xFD, 0, 50, 75, 30, 90, 17, 0x01, 0x0A]) + b"\x20" * 6


def _dtd(width: int, height: int, refresh_hz: int) -> bytes:
    # CEA-861 style blanking for 1080p/720p-class modes; close enough for any size.
    hblank, vblank = (280, 45) if width >= 1920 else (370, 30)
    hfp, hsync, vfp, vsync = 88, 44, 4, 5
    clock = round((width + hblank) * (height + vblank) * refresh_hz / 10_000)
    return struct.pack(
        "<H16B",
        clock,
        width & 0xFF,
        hblank & 0xFF,
        (width >> 8) << 4 | hblank >> 8,
        height & 0xFF,
        vblank & 0xFF,
        (height >> 8) << 4 | vblank >> 8,
        hfp & 0xFF,
        hsync & 0xFF,
        (vfp & 0x0F) << 4 | vsync & 0x0F,
        0,
        0x09,  # 521 mm, low byte
        0x23,  # 291 mm, low byte
        0x21,  # high nibbles: 0x2.., 0x1..
        0,
        0,
        0x1E,  # digital separate sync, +hsync +vsync
    )
