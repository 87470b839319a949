"""The Pelco camera: what a caller asks of it (move, zoom, focus, presets, position).

Every call returns once its frame is written (Pelco acknowledges nothing); `position()`
waits for the Pelco-D answers. See `agent.pelco.client` for the line and the exchange.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from agent.errors import DeviceError, InvalidArgumentError
from agent.pelco import commands as cmds
from agent.pelco.client import Client, Counters, Timeouts
from agent.pelco.commands import Axis, MotionState
from agent.pelco.protocol import ADDRESS_RANGE, PelcoLocalError, Variant, check_range
from agent.pelco.text import msg, render, rendered
from agent.ptz_moves import Direction

AXES: Final = (Axis.PAN, Axis.TILT, Axis.ZOOM)


@dataclass(frozen=True, slots=True)
class Position:
    """Pan and tilt in hundredths of a degree, zoom 0 (wide) .. 65535 (tele); None = no answer."""

    pan: int | None
    tilt: int | None
    zoom: int | None

    @property
    def unavailable(self) -> tuple[str, ...]:
        """The axes the camera did not report."""
        return tuple(a.value for a in AXES if getattr(self, a.value) is None)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form; a missing axis is null and listed under `unavailable`."""
        return {
            "pan": self.pan,
            "tilt": self.tilt,
            "zoom": self.zoom,
            "unavailable": list(self.unavailable),
        }


class PositionUnavailableError(DeviceError):
    """The camera cannot tell its position: Pelco-P has no query, or the camera never answers."""

    def __init__(self, message: str, *, hint: str | None = None, axes: tuple[str, ...]) -> None:
        super().__init__(message, hint=hint)
        self.axes = axes


class Camera(Client):
    """A Pelco-D or Pelco-P camera on a serial line; safe to share between threads."""

    @property
    def home_preset(self) -> int:
        """The preset `home()` recalls (34, Pelco's "zero pan", unless configured)."""
        return self._endpoint.home_preset

    @property
    def supports_position(self) -> bool:
        """Whether the protocol has position queries at all (Pelco-D yes, Pelco-P no)."""
        return self.variant is Variant.D

    def ranges(self) -> dict[str, tuple[int, int]]:
        """The allowed range of every argument, for callers that validate first (e.g. MQTT)."""
        return {
            "speed": (1, cmds.TURBO),
            "pan_speed": (1, cmds.TURBO),
            "tilt_speed": (1, cmds.MAX_TILT_SPEED),
            "zoom_speed": (0, cmds.MAX_ZOOM_SPEED),
            "preset": (1, cmds.MAX_PRESET),
            "address": ADDRESS_RANGE[self.variant],
        }

    # ---------------------------------------------------------------- the public calls

    def drive(
        self, direction: Direction | str, pan_speed: int, tilt_speed: int | None = None
    ) -> None:
        """Start moving in one of 8 directions (or "stop") at pan speed 1..64 (64 = turbo)."""
        with rendered():
            d = cmds.direction(direction)
            if d is Direction.STOP:
                self.stop()
                return
            check_range("pan_speed", pan_speed, 1, cmds.TURBO)
            if tilt_speed is None:
                tilt_speed = min(pan_speed, cmds.MAX_TILT_SPEED)
            check_range("tilt_speed", tilt_speed, 1, cmds.MAX_TILT_SPEED)
        with self._cond:
            state = MotionState(d, pan_speed, tilt_speed, self._motion.zoom, self._motion.focus)
            self._send(cmds.standard(self.variant, self.address, state))
            self._motion = state

    move = drive  # the name issue 16 uses; VISCA's client calls it drive

    def stop(self) -> None:
        """Stop pan, tilt, zoom and focus now (the Pelco STOP frame); never waits for a query."""
        with self._cond:
            self._motion = cmds.STOPPED
            self._send(cmds.stop(self.variant, self.address))

    def zoom(self, action: str, speed: int | None = None) -> None:
        """Zoom "in", "out" or "stop"; a speed 0..3 is set first (Pelco's zoom-speed command)."""
        if action not in cmds.ZOOM_BITS:
            raise render(
                PelcoLocalError(
                    "pelco.bad_choice",
                    field="zoom",
                    value=action,
                    allowed=", ".join(cmds.ZOOM_BITS),
                )
            )
        with self._cond, rendered():
            if speed is not None:
                self._send(cmds.zoom_speed(self.variant, self.address, speed))
            self._set(zoom=action)

    def focus(self, action: str) -> None:
        """Focus "near", "far" or "stop" (Pelco has continuous focus only)."""
        if action not in cmds.FOCUS_ACTIONS:
            raise render(
                PelcoLocalError(
                    "pelco.bad_choice",
                    field="focus",
                    value=action,
                    allowed=", ".join(cmds.FOCUS_ACTIONS),
                )
            )
        with self._cond:
            self._set(focus=action)

    def home(self) -> None:
        """Recall the home preset (`home_preset`, 34 by default)."""
        self.preset_recall(self.home_preset)

    def preset_recall(self, n: int) -> None:
        """Go to preset `n` (1..255); Pelco reports no completion, so this returns at once."""
        with self._cond, rendered():
            self._send(cmds.preset(self.variant, self.address, "recall", n))
            self._motion = cmds.STOPPED

    def preset_set(self, n: int) -> None:
        """Store the current position as preset `n` (1..255)."""
        with self._cond, rendered():
            self._send(cmds.preset(self.variant, self.address, "set", n))

    def preset_clear(self, n: int) -> None:
        """Clear preset `n` (1..255)."""
        with self._cond, rendered():
            self._send(cmds.preset(self.variant, self.address, "clear", n))

    def position(self) -> Position:
        """Ask pan, tilt and zoom (Pelco-D 0x51/0x53/0x55); an axis that gets no answer is None.

        Raise PositionUnavailableError on Pelco-P (no query exists) and when the camera
        answers neither pan nor tilt (many Pelco-D cameras have no queries).
        """
        if not self.supports_position:
            raise PositionUnavailableError(
                msg("pelco.no_position_protocol", variant=self.variant.upper()),
                hint=msg("pelco.no_position_protocol_hint"),
                axes=tuple(a.value for a in AXES),
            )
        pan = self._query(Axis.PAN)
        tilt = self._query(Axis.TILT)
        if pan is None and tilt is None:
            raise PositionUnavailableError(
                msg("pelco.no_position", address=self.address, port=self.label),
                hint=msg("pelco.no_position_hint"),
                axes=tuple(a.value for a in AXES),
            )
        return Position(pan, tilt, self._query(Axis.ZOOM))

    def halt(self, *, zoom: bool = False) -> None:
        """Stop everything now, for a caller about to go away (one STOP frame stops zoom too)."""
        del zoom  # Pelco's STOP clears pan, tilt, zoom and focus alike
        self.stop()

    def read_position(self) -> Position:
        """The same as `position()`: the name the VISCA client and the ptz check use."""
        return self.position()

    def power(self, on: bool) -> None:
        """Turn the camera on or off (the sense bits); Pelco cannot say whether it took effect."""
        with self._cond:
            self._motion = cmds.STOPPED  # a standard frame: whatever moved stops
            self._send(cmds.power(self.variant, self.address, on))

    def zoom_to(self, position: int) -> None:
        """Pelco zoom is continuous only: refused with invalid_argument."""
        del position
        raise self.unsupported("zoom-to")

    def unsupported(self, what: str) -> InvalidArgumentError:
        """The error for a command this protocol does not have."""
        return InvalidArgumentError(
            msg("pelco.unsupported", what=what, variant=self.variant.upper()),
            hint=msg("pelco.unsupported_hint"),
        )

    def _set(self, **change: str) -> None:
        state = MotionState(
            self._motion.direction,
            self._motion.pan_speed,
            self._motion.tilt_speed,
            change.get("zoom", self._motion.zoom),
            change.get("focus", self._motion.focus),
        )
        self._send(cmds.standard(self.variant, self.address, state))
        self._motion = state


__all__ = [
    "Camera",
    "Counters",
    "Position",
    "PositionUnavailableError",
    "Timeouts",
]
