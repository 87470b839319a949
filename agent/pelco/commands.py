"""The Pelco command tables, declared as data, and builders that validate every argument.

No I/O here either. Sources for each table are named next to it; docs/pelco.md sums them up.

Pelco motion frames are levels, not events: a standard frame says what moves *now*, so a
frame with only the zoom bit set also stops pan and tilt. The client composes each frame
from its whole motion state for that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, IntFlag, StrEnum
from typing import Final

from agent import ptz_url
from agent.pelco.protocol import Frame, PelcoLocalError, Variant, check_range
from agent.ptz_moves import Direction


class Motion(IntFlag):
    """Pelco-D command 2 / Pelco-P data 2 bits: the same positions in both protocols.

    [Pelco D manual TF-0002 "standard command set"; Pelco C466M-E §5.3.2 data 2]
    """

    RIGHT = 0x02  # pan right
    LEFT = 0x04  # pan left
    UP = 0x08  # tilt up
    DOWN = 0x10  # tilt down
    ZOOM_TELE = 0x20  # zoom in
    ZOOM_WIDE = 0x40  # zoom out


class DFocus(IntEnum):
    """Pelco-D focus bits: near lives in command 1, far in command 2 (TF-0002)."""

    NEAR_CMD1 = 0x01  # command 1 bit 0
    FAR_CMD2 = 0x80  # command 2 bit 7


class PFocus(IntEnum):
    """Pelco-P focus bits, both in data 1 (C466M-E §5.3.2; Active Silicon: near 02, far 01)."""

    FAR = 0x01  # data 1 bit 0
    NEAR = 0x02  # data 1 bit 1


class Power(IntEnum):
    """Camera on/off: the standard frame's sense bits, command 1 (D) or data 1 (P).

    Pelco-D: bit 3 "camera on/off" acts, bit 7 "sense" says on (set) or off (clear)
    [Pelco D manual TF-0002 "standard command set"]. Pelco-P: bit 4 "camera on/off" acts,
    bit 6 "camera on" says on [Pelco C466M-E §5.3.2 data 1].
    """

    D_ON = 0x88
    D_OFF = 0x08
    P_ON = 0x50
    P_OFF = 0x10


class Opcode(IntEnum):
    """Extended commands: the odd value in command 2 (D) or data 2 (P), command 1 / data 1 = 0.

    [Pelco D manual TF-0002 "extended commands" and "responses"; Minrray UV950A manual §5.2]
    """

    SET_PRESET = 0x03  # data2 = preset
    CLEAR_PRESET = 0x05  # data2 = preset
    GOTO_PRESET = 0x07  # data2 = preset
    ZOOM_SPEED = 0x25  # data2 = 0..3
    QUERY_PAN = 0x51  # Pelco-D only; answered by PAN_POSITION
    QUERY_TILT = 0x53  # Pelco-D only; answered by TILT_POSITION
    QUERY_ZOOM = 0x55  # Pelco-D only; answered by ZOOM_POSITION
    PAN_POSITION = 0x59  # response: data1 data2 = pan, 1/100 degree
    TILT_POSITION = 0x5B  # response: data1 data2 = tilt, 1/100 degree
    ZOOM_POSITION = 0x5D  # response: data1 data2 = zoom, 0..65535 of the lens range


class Axis(StrEnum):
    """What a position query asks about."""

    PAN = "pan"  # 0..35999, hundredths of a degree
    TILT = "tilt"  # hundredths of a degree, as the camera counts them
    ZOOM = "zoom"  # 0 (wide) .. 65535 (tele)


# Direction → motion bits (both protocols).
DIRECTION_BITS: Final[dict[Direction, Motion]] = {
    Direction.UP: Motion.UP,
    Direction.DOWN: Motion.DOWN,
    Direction.LEFT: Motion.LEFT,
    Direction.RIGHT: Motion.RIGHT,
    Direction.UP_LEFT: Motion.UP | Motion.LEFT,
    Direction.UP_RIGHT: Motion.UP | Motion.RIGHT,
    Direction.DOWN_LEFT: Motion.DOWN | Motion.LEFT,
    Direction.DOWN_RIGHT: Motion.DOWN | Motion.RIGHT,
    Direction.STOP: Motion(0),
}
ZOOM_BITS: Final[dict[str, Motion]] = {
    "in": Motion.ZOOM_TELE,
    "out": Motion.ZOOM_WIDE,
    "stop": Motion(0),
}
FOCUS_ACTIONS: Final = ("near", "far", "stop")
QUERIES: Final[dict[Axis, tuple[Opcode, Opcode]]] = {
    Axis.PAN: (Opcode.QUERY_PAN, Opcode.PAN_POSITION),
    Axis.TILT: (Opcode.QUERY_TILT, Opcode.TILT_POSITION),
    Axis.ZOOM: (Opcode.QUERY_ZOOM, Opcode.ZOOM_POSITION),
}
RESPONSES: Final[dict[int, Axis]] = {resp: axis for axis, (_, resp) in QUERIES.items()}

MAX_PAN_SPEED: Final = 0x3F
TURBO: Final = 0x40  # pan speed "turbo" (pan only)
MAX_TILT_SPEED: Final = 0x3F
MAX_ZOOM_SPEED: Final = 3
# The presets, the home preset and the baud rates are also the port URL's grammar, which lives
# below the config layer (agent.ptz_url) so that [ptz] port is checked at load.
MAX_PRESET: Final = ptz_url.MAX_PRESET
DEFAULT_HOME_PRESET: Final = ptz_url.DEFAULT_HOME_PRESET
DEFAULT_BAUD: Final = ptz_url.DEFAULT_BAUD


def direction(value: Direction | str) -> Direction:
    """Return `value` as a Direction, or raise PelcoLocalError listing the allowed ones."""
    try:
        return Direction(value)
    except ValueError:
        raise PelcoLocalError(
            "pelco.bad_choice",
            field="direction",
            value=value,
            allowed=", ".join(d.value for d in Direction),
        ) from None


@dataclass(frozen=True, slots=True)
class MotionState:
    """What should be moving: the whole content of one standard frame."""

    direction: Direction = Direction.STOP
    pan_speed: int = 0
    tilt_speed: int = 0
    zoom: str = "stop"  # in, out, stop
    focus: str = "stop"  # near, far, stop

    @property
    def idle(self) -> bool:
        """True when nothing moves: the frame is the Pelco STOP frame."""
        return self.direction is Direction.STOP and self.zoom == "stop" and self.focus == "stop"


STOPPED: Final = MotionState()


def standard(variant: Variant, address: int, state: MotionState) -> Frame:
    """The standard (non-extended) frame that sets every motion to `state`."""
    check_range("pan_speed", state.pan_speed, 0, TURBO)
    check_range("tilt_speed", state.tilt_speed, 0, MAX_TILT_SPEED)
    if state.zoom not in ZOOM_BITS:
        raise PelcoLocalError(
            "pelco.bad_choice", field="zoom", value=state.zoom, allowed=", ".join(ZOOM_BITS)
        )
    if state.focus not in FOCUS_ACTIONS:
        raise PelcoLocalError(
            "pelco.bad_choice", field="focus", value=state.focus, allowed=", ".join(FOCUS_ACTIONS)
        )
    drive = DIRECTION_BITS[state.direction]
    bits = drive | ZOOM_BITS[state.zoom]
    # Like the published examples (`FF 01 00 08 00 23 2C` up): an axis that does not move
    # gets speed 00.
    pan = state.pan_speed if drive & (Motion.LEFT | Motion.RIGHT) else 0
    tilt = state.tilt_speed if drive & (Motion.UP | Motion.DOWN) else 0
    word1, word2 = 0, int(bits)
    if variant is Variant.D:
        if state.focus == "near":
            word1 |= DFocus.NEAR_CMD1
        elif state.focus == "far":
            word2 |= DFocus.FAR_CMD2
    elif state.focus == "near":
        word1 |= PFocus.NEAR
    elif state.focus == "far":
        word1 |= PFocus.FAR
    return Frame(variant, _address(variant, address), word1, word2, pan, tilt)


def power(variant: Variant, address: int, on: bool) -> Frame:
    """Turn the camera on or off; nothing moves in the same frame (it is a standard frame)."""
    if variant is Variant.D:
        word1 = Power.D_ON if on else Power.D_OFF
    else:
        word1 = Power.P_ON if on else Power.P_OFF
    return Frame(variant, _address(variant, address), int(word1), 0, 0, 0)


def stop(variant: Variant, address: int) -> Frame:
    """The all-zero frame: pan, tilt, zoom and focus stop."""
    return standard(variant, address, STOPPED)


def extended(
    variant: Variant, address: int, opcode: Opcode, data2: int = 0, data1: int = 0
) -> Frame:
    """An extended command frame (command 1 / data 1 zero, odd opcode)."""
    return Frame(variant, _address(variant, address), 0, int(opcode), data1, data2)


def preset(variant: Variant, address: int, action: str, number: int) -> Frame:
    """Set, recall ("recall" is Pelco's "go to") or clear preset 1..255."""
    ops = {"set": Opcode.SET_PRESET, "recall": Opcode.GOTO_PRESET, "clear": Opcode.CLEAR_PRESET}
    if action not in ops:
        raise PelcoLocalError(
            "pelco.bad_choice", field="action", value=action, allowed=", ".join(ops)
        )
    return extended(variant, address, ops[action], check_range("preset", number, 1, MAX_PRESET))


def zoom_speed(variant: Variant, address: int, speed: int) -> Frame:
    """Set the zoom lens speed 0..3 (extended 0x25); later zoom frames run at it."""
    return extended(
        variant, address, Opcode.ZOOM_SPEED, check_range("zoom_speed", speed, 0, MAX_ZOOM_SPEED)
    )


def query(variant: Variant, address: int, axis: Axis) -> Frame:
    """A Pelco-D position query; Pelco-P has none, so asking raises PelcoLocalError."""
    if variant is not Variant.D:
        raise PelcoLocalError("pelco.no_query", variant=variant.upper(), axis=axis.value)
    return extended(variant, address, QUERIES[axis][0])


def response(frame: Frame) -> tuple[Axis, int] | None:
    """The axis and value of a position response, or None if the frame is not one."""
    if frame.variant is not Variant.D or frame.word1 != 0:
        return None
    axis = RESPONSES.get(frame.word2)
    return None if axis is None else (axis, frame.value)


def position_response(variant: Variant, address: int, axis: Axis, value: int) -> Frame:
    """The camera's answer to a position query (for the emulator and the tests)."""
    check_range(axis.value, value, 0, 0xFFFF)
    return extended(variant, address, QUERIES[axis][1], value & 0xFF, value >> 8)


def _address(variant: Variant, address: int) -> int:
    lo, hi = (1, 255) if variant is Variant.D else (1, 256)
    return check_range("address", address, lo, hi)
