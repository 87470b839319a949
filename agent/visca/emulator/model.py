"""What an emulated camera is: its model's identity, ranges and mechanics, and job records."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class Model:
    """The emulated camera model: identity, ranges and mechanics (EVI-D70-like by default)."""

    vendor: int = 0x0020
    model: int = 0x0402
    rom: int = 0x0100
    max_socket: int = 2
    pan_min: int = -2267  # F725
    pan_max: int = 2267  # 08DB
    tilt_min: int = -400  # FE70
    tilt_max: int = 1200  # 04B0
    zoom_max: int = 0x4000
    max_speed_pan: int = 0x18
    max_speed_tilt: int = 0x17
    presets: int = 255
    position_nibbles: int = 4
    units_per_speed: float = 55.0  # pan/tilt units per second per speed step (≈100°/s at 18h)
    zoom_units_per_s: float = 2048.0  # per zoom speed step + 1
    power_on_s: float = 0.5
    # Quirks some cameras have (see agent.visca.emulator.profiles for who has which):
    accepts_speed_zero: bool = False  # speed 00 is taken as the slowest, not a syntax error
    zoom_inquiry: bool = True  # False: `8x 09 04 47 FF` gets a syntax error (many cheap cameras)
    focus_inquiry: bool = True  # False: `8x 09 04 38 FF` gets a syntax error
    reply_address: int | None = None  # over IP reply from this address (PTZOptics G3: 2)
    ip_id: int | None = None  # over IP answer only header 8<id> (Lumens); None: any address


class Axis(StrEnum):
    """What a socket's long-running job moves."""

    PAN_TILT = "pan_tilt"  # home, reset, absolute, relative, preset recall
    ZOOM = "zoom"  # zoom direct
    POWER = "power"  # power on from standby


@dataclass(slots=True)
class Job:
    """A command holding a socket until it completes."""

    socket: int
    name: str
    axis: Axis
    origin: Any
    since: float = 0.0  # when its packet arrived: its Completion may not go out before its ACK


@dataclass(slots=True)
class Target:
    """Where a pan-tilt (and maybe zoom) motion is heading, and how fast."""

    pan: float
    tilt: float
    pan_rate: float
    tilt_rate: float
    zoom: float | None = None


# An outgoing reply: (origin it goes to, packet bytes).
Out = tuple[Any, bytes]
