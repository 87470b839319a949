"""The VISCA command table, declared as data, and builders that validate every argument."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from agent.ptz_moves import Direction
from agent.visca.errors import ViscaLocalError
from agent.visca.framing import Command, Finish, encode_signed, encode_unsigned

# name → (message bytes after the header, how it ends). Parameterised commands append
# their parameters to these prefixes in the builders below.
TABLE: Final[dict[str, tuple[bytes, Finish]]] = {
    "power_on": (b"\x01\x04\x00\x02", Finish.MOTION),
    "power_off": (b"\x01\x04\x00\x03", Finish.MOTION),
    "zoom_stop": (b"\x01\x04\x07\x00", Finish.IMMEDIATE),
    "zoom_tele": (b"\x01\x04\x07\x02", Finish.IMMEDIATE),
    "zoom_wide": (b"\x01\x04\x07\x03", Finish.IMMEDIATE),
    "zoom_tele_var": (b"\x01\x04\x07", Finish.IMMEDIATE),  # + 2p
    "zoom_wide_var": (b"\x01\x04\x07", Finish.IMMEDIATE),  # + 3p
    "zoom_direct": (b"\x01\x04\x47", Finish.MOTION),  # + 0p 0q 0r 0s
    "focus_auto": (b"\x01\x04\x38\x02", Finish.IMMEDIATE),
    "focus_manual": (b"\x01\x04\x38\x03", Finish.IMMEDIATE),
    "focus_one_push": (b"\x01\x04\x18\x01", Finish.IMMEDIATE),
    "drive": (b"\x01\x06\x01", Finish.IMMEDIATE),  # + VV WW P T
    "absolute": (b"\x01\x06\x02", Finish.MOTION),  # + VV WW Y… Z…
    "relative": (b"\x01\x06\x03", Finish.MOTION),  # + VV WW Y… Z…
    "home": (b"\x01\x06\x04", Finish.MOTION),
    "reset": (b"\x01\x06\x05", Finish.MOTION),
    "preset_clear": (b"\x01\x04\x3f\x00", Finish.IMMEDIATE),  # + pp
    "preset_set": (b"\x01\x04\x3f\x01", Finish.IMMEDIATE),  # + pp
    "preset_recall": (b"\x01\x04\x3f\x02", Finish.MOTION),  # + pp
    "power_inq": (b"\x09\x04\x00", Finish.INQUIRY),
    "zoom_inq": (b"\x09\x04\x47", Finish.INQUIRY),
    "focus_mode_inq": (b"\x09\x04\x38", Finish.INQUIRY),  # → 02 auto, 03 manual
    "position_inq": (b"\x09\x06\x12", Finish.INQUIRY),
    "max_speed_inq": (b"\x09\x06\x11", Finish.INQUIRY),  # → ww zz (pan, tilt; raw bytes)
    "version_inq": (b"\x09\x00\x02", Finish.INQUIRY),
    "address_set": (b"\x30\x01", Finish.ADDRESS_SET),
    "if_clear_all": (b"\x01\x00\x01", Finish.IF_CLEAR_ALL),
    "if_clear": (b"\x01\x00\x01", Finish.INQUIRY),  # answered by `z0 50 FF`, no ACK
    "cancel": (b"\x20", Finish.CANCEL),  # 2s
}

PAN_STOP: Final = 0x03
TILT_STOP: Final = 0x03


# Direction → (P, T) bytes of the drive command: P 01 left, 02 right, 03 stop; T 01 up, 02 down.
DRIVE_BYTES: Final[dict[Direction, tuple[int, int]]] = {
    Direction.UP: (0x03, 0x01),
    Direction.DOWN: (0x03, 0x02),
    Direction.LEFT: (0x01, 0x03),
    Direction.RIGHT: (0x02, 0x03),
    Direction.UP_LEFT: (0x01, 0x01),
    Direction.UP_RIGHT: (0x02, 0x01),
    Direction.DOWN_LEFT: (0x01, 0x02),
    Direction.DOWN_RIGHT: (0x02, 0x02),
    Direction.STOP: (PAN_STOP, TILT_STOP),
}


@dataclass(frozen=True, slots=True)
class Limits:
    """What the camera model accepts; arguments outside these raise ViscaLocalError."""

    max_speed_pan: int = 0x18
    max_speed_tilt: int = 0x17
    max_zoom_speed: int = 7
    max_zoom: int = 0x4000
    max_preset: int = 254
    position_nibbles: int = 4

    @property
    def position_range(self) -> tuple[int, int]:
        """The signed range a position must fit in."""
        half = 1 << (4 * self.position_nibbles - 1)
        return -half, half - 1


DEFAULT_LIMITS: Final = Limits()
# The eight drive directions an operator may ask for (STOP is its own command).
MOVES: Final = tuple(d.value for d in Direction if d is not Direction.STOP)


def check_range(field: str, value: object, lo: int, hi: int) -> int:
    """Return `value` if it is an int in lo..hi, else raise ViscaLocalError naming the field."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ViscaLocalError("ptz.out_of_range", field=field, value=value, lo=lo, hi=hi)
    return value


def simple(name: str) -> Command:
    """Build a command from the table that takes no parameters."""
    body, finish = TABLE[name]
    return Command(name, body, finish)


def power(on: bool) -> Command:
    """Power on, or standby."""
    return simple("power_on" if on else "power_off")


def drive(
    direction: Direction | str, pan_speed: int, tilt_speed: int, limits: Limits = DEFAULT_LIMITS
) -> Command:
    """Pan-tilt drive; speeds are always sent non-zero, even for STOP (a BRC-300 refuses 00)."""
    try:
        d = Direction(direction)
    except ValueError:
        raise ViscaLocalError(
            "ptz.bad_direction", value=direction, allowed=", ".join(x.value for x in Direction)
        ) from None
    vv = check_range("pan_speed", pan_speed, 1, limits.max_speed_pan)
    ww = check_range("tilt_speed", tilt_speed, 1, limits.max_speed_tilt)
    p, tt = DRIVE_BYTES[d]
    body, finish = TABLE["drive"]
    return Command(
        "stop" if d is Direction.STOP else f"drive_{d.value}", body + bytes([vv, ww, p, tt]), finish
    )


def stop(limits: Limits = DEFAULT_LIMITS) -> Command:
    """Pan-tilt stop, with speed 01 rather than 00."""
    return drive(Direction.STOP, 1, 1, limits)


def zoom(action: str, speed: int | None = None, limits: Limits = DEFAULT_LIMITS) -> Command:
    """Zoom "in" (tele), "out" (wide) or "stop"; with a speed, the variable form 2p/3p."""
    if action == "stop":
        return simple("zoom_stop")
    if action not in ("in", "out"):
        raise ViscaLocalError(
            "ptz.bad_choice", field="action", value=action, allowed="in, out, stop"
        )
    if speed is None:
        return simple("zoom_tele" if action == "in" else "zoom_wide")
    p = check_range("zoom_speed", speed, 0, limits.max_zoom_speed)
    name = "zoom_tele_var" if action == "in" else "zoom_wide_var"
    body, finish = TABLE[name]
    return Command(name, body + bytes([(0x20 if action == "in" else 0x30) | p]), finish)


def zoom_direct(position: int, limits: Limits = DEFAULT_LIMITS) -> Command:
    """Zoom to a position, 0 (wide) … max_zoom."""
    pos = check_range("zoom", position, 0, limits.max_zoom)
    body, finish = TABLE["zoom_direct"]
    return Command("zoom_direct", body + encode_unsigned(pos, 4), finish)


def focus(mode: str) -> Command:
    """Focus "auto", "manual" or "one-push"."""
    names = {"auto": "focus_auto", "manual": "focus_manual", "one-push": "focus_one_push"}
    if mode not in names:
        raise ViscaLocalError("ptz.bad_choice", field="mode", value=mode, allowed=", ".join(names))
    return simple(names[mode])


def move(
    pan: int,
    tilt: int,
    pan_speed: int,
    tilt_speed: int,
    *,
    relative: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> Command:
    """Absolute (or relative) pan-tilt move to signed positions."""
    lo, hi = limits.position_range
    check_range("pan", pan, lo, hi)
    check_range("tilt", tilt, lo, hi)
    vv = check_range("pan_speed", pan_speed, 1, limits.max_speed_pan)
    ww = check_range("tilt_speed", tilt_speed, 1, limits.max_speed_tilt)
    name = "relative" if relative else "absolute"
    body, finish = TABLE[name]
    n = limits.position_nibbles
    return Command(
        name, body + bytes([vv, ww]) + encode_signed(pan, n) + encode_signed(tilt, n), finish
    )


def preset(action: str, number: int, limits: Limits = DEFAULT_LIMITS) -> Command:
    """Preset "set", "recall" or "clear" (Sony calls clear "reset")."""
    names = {"clear": "preset_clear", "set": "preset_set", "recall": "preset_recall"}
    if action not in names:
        raise ViscaLocalError(
            "ptz.bad_choice", field="action", value=action, allowed=", ".join(names)
        )
    pp = check_range("preset", number, 0, limits.max_preset)
    body, finish = TABLE[names[action]]
    return Command(names[action], body + bytes([pp]), finish)


def cancel(socket: int) -> Command:
    """Cancel the command running in socket 1 or 2."""
    s = check_range("socket", socket, 1, 2)
    body, finish = TABLE["cancel"]
    return Command("cancel", bytes([body[0] | s]), finish)


def home() -> Command:
    """Pan-tilt home."""
    return simple("home")


def reset() -> Command:
    """Pan-tilt reset (re-initialise the mechanics)."""
    return simple("reset")


def if_clear(*, broadcast: bool = False) -> Command:
    """IF_Clear: empty the command buffers of one camera, or of all of them."""
    return simple("if_clear_all" if broadcast else "if_clear")


def address_set() -> Command:
    """Address Set broadcast: cameras number themselves 1..n."""
    return simple("address_set")


def power_inquiry() -> Command:
    """Power inquiry: `z0 50 02 FF` on, `03` standby."""
    return simple("power_inq")


def zoom_inquiry() -> Command:
    """Zoom position inquiry."""
    return simple("zoom_inq")


def focus_mode_inquiry() -> Command:
    """Focus mode inquiry: `z0 50 02 FF` auto, `03` manual."""
    return simple("focus_mode_inq")


def max_speed_inquiry() -> Command:
    """Pan-tilt maximum speed inquiry: `z0 50 ww zz FF` (BRC-300 PanTilt_Max_Speed)."""
    return simple("max_speed_inq")


def position_inquiry() -> Command:
    """Pan-tilt position inquiry."""
    return simple("position_inq")


def version_inquiry() -> Command:
    """Version inquiry: vendor, model, ROM, max socket."""
    return simple("version_inq")
