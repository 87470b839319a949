"""The meaning of each VISCA message for an emulated camera: inquiries and command decoding.

Each function reads a `CameraState` and returns replies or an effect to apply; no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from agent.visca.emulator.model import Axis, Model
from agent.visca.errors import ErrorCode
from agent.visca.framing import decode_signed, decode_unsigned, encode_signed, encode_unsigned

if TYPE_CHECKING:
    from agent.visca.emulator.state import CameraState


def inquiry(cam: CameraState, body: bytes) -> list[bytes]:
    """Answer an inquiry (`09 …`): the reply packets, or an error."""
    m = cam.model
    if body == b"\x09\x04\x00":
        return [cam.reply(0x50, 0x02 if cam.powered else 0x03)]
    if body == b"\x09\x00\x02":
        return [
            cam.reply(
                0x50,
                m.vendor >> 8,
                m.vendor & 0xFF,
                m.model >> 8,
                m.model & 0xFF,
                m.rom >> 8,
                m.rom & 0xFF,
                m.max_socket,
            )
        ]
    if not cam.powered:
        return [cam.error(0, ErrorCode.NOT_EXECUTABLE)]
    if body == b"\x09\x04\x47" and m.zoom_inquiry:
        return [cam.reply(0x50, *encode_unsigned(round(cam.zoom), 4))]
    if body == b"\x09\x04\x38" and m.focus_inquiry:
        # CAM_FocusModeInq: 02 auto, 03 manual (one-push leaves the mode as it was).
        return [cam.reply(0x50, 0x02 if cam.focus == "auto" else 0x03)]
    if body == b"\x09\x06\x11":
        return [cam.reply(0x50, m.max_speed_pan, m.max_speed_tilt)]
    if body == b"\x09\x06\x12":
        n = m.position_nibbles
        pan, tilt, _ = cam.position()
        return [cam.reply(0x50, *encode_signed(pan, n), *encode_signed(tilt, n))]
    return [cam.error(0, ErrorCode.SYNTAX)]


# ---- commands


def decode(cam: CameraState, body: bytes) -> tuple[str, Axis | None, Callable[[], None]] | None:
    """Map a body to (name, job axis or None if immediate, effect); None is a syntax error."""
    m = cam.model
    b = body
    if b[:3] == b"\x01\x06\x01" and len(b) == 7:
        vv, ww, p, tt = b[3:]
        lo = _slowest(m)
        if not (
            lo <= vv <= m.max_speed_pan
            and lo <= ww <= m.max_speed_tilt
            and 1 <= p <= 3
            and 1 <= tt <= 3
        ):
            return None
        vv, ww = max(vv, 1), max(ww, 1)
        pan_v = {1: -1, 2: 1, 3: 0}[p] * vv * m.units_per_speed
        tilt_v = {1: 1, 2: -1, 3: 0}[tt] * ww * m.units_per_speed

        def drive() -> None:
            cam.target = None
            cam.pan_v, cam.tilt_v = pan_v, tilt_v

        return ("drive" if p != 3 or tt != 3 else "drive_stop", None, drive)
    if b[:3] in (b"\x01\x06\x02", b"\x01\x06\x03"):
        n = m.position_nibbles
        if len(b) != 5 + 2 * n or any(x > 0x0F for x in b[5:]):
            return None
        vv, ww = b[3], b[4]
        lo = _slowest(m)
        if not (lo <= vv <= m.max_speed_pan and lo <= ww <= m.max_speed_tilt):
            return None
        vv, ww = max(vv, 1), max(ww, 1)  # a lenient camera takes 00 as its slowest speed
        pan, tilt = decode_signed(b[5 : 5 + n]), decode_signed(b[5 + n :])
        if b[2] == 0x03:
            pan, tilt = pan + round(cam.pan), tilt + round(cam.tilt)
        if not (m.pan_min <= pan <= m.pan_max and m.tilt_min <= tilt <= m.tilt_max):
            return None
        return ("absolute", Axis.PAN_TILT, lambda: cam.go(pan, tilt, vv, ww))
    if b in (b"\x01\x06\x04", b"\x01\x06\x05"):
        return (
            "home",
            Axis.PAN_TILT,
            lambda: cam.go(0, 0, m.max_speed_pan, m.max_speed_tilt),
        )
    if b[:3] == b"\x01\x04\x3f" and len(b) == 5 and b[3] <= 2:
        pp = b[4]
        if pp >= m.presets:
            return None
        if b[3] == 0x00:

            def clear_preset() -> None:
                cam.presets.pop(pp, None)

            return ("preset_clear", None, clear_preset)
        if b[3] == 0x01:
            return (
                "preset_set",
                None,
                lambda: cam.presets.__setitem__(pp, (cam.pan, cam.tilt, cam.zoom)),
            )
        rp, rt, rz = cam.presets.get(pp, (0.0, 0.0, 0.0))
        return (
            "preset_recall",
            Axis.PAN_TILT,
            lambda: cam.go(rp, rt, m.max_speed_pan, m.max_speed_tilt, rz),
        )
    if b[:3] == b"\x01\x04\x07" and len(b) == 4:
        x = b[3]
        rates = {0x00: 0.0, 0x02: cam.zoom_rate(2), 0x03: -cam.zoom_rate(2)}
        if x in rates:
            rate = rates[x]
        elif 0x20 <= x <= 0x27:
            rate = cam.zoom_rate(x & 0x0F)
        elif 0x30 <= x <= 0x37:
            rate = -cam.zoom_rate(x & 0x0F)
        else:
            return None

        def zoom_drive() -> None:
            cam.zoom_v = rate

        return ("zoom", None, zoom_drive)
    if b[:3] == b"\x01\x04\x47" and len(b) == 7:
        if any(x > 0x0F for x in b[3:]):
            return None
        pos = decode_unsigned(b[3:])
        if pos > m.zoom_max:
            return None

        def zoom_direct() -> None:
            cam.zoom_v = 0.0
            cam.zoom_target = (float(pos), cam.zoom_rate(7))

        return ("zoom_direct", Axis.ZOOM, zoom_direct)
    focus = {
        b"\x01\x04\x38\x02": "auto",
        b"\x01\x04\x38\x03": "manual",
        b"\x01\x04\x18\x01": "one-push",
    }
    if b in focus:
        mode = focus[b]

        def set_focus() -> None:
            if mode != "one-push":
                cam.focus = mode

        return ("focus", None, set_focus)
    return None


def _slowest(m: Model) -> int:
    """The lowest speed byte accepted: 01 on Sony (a BRC-300 refuses 00), 00 on lenient cameras."""
    return 0 if m.accepts_speed_zero else 1
