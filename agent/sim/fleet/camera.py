"""A simulated room's PTZ camera: a position and presets the MQTT verbs move, nothing more.

The room validates each command first, exactly as the real agent does; this only keeps the
state a real camera would report back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

DIRECTIONS: Final = {
    "up": (0, 1),
    "down": (0, -1),
    "left": (-1, 0),
    "right": (1, 0),
    "up-left": (-1, 1),
    "up-right": (1, 1),
    "down-left": (-1, -1),
    "down-right": (1, -1),
}
MAX_ZOOM: Final = 0x4000


@dataclass(slots=True)
class SimCamera:
    """Pan, tilt and zoom, and the presets stored on the camera."""

    pan: int = 0
    tilt: int = 0
    zoom: int = 0
    presets: dict[int, tuple[int, int, int]] = field(default_factory=dict)

    def position(self) -> dict[str, int]:
        """The position as the contract reports it."""
        return {"pan": self.pan, "tilt": self.tilt, "zoom": self.zoom}

    def apply(self, verb: str, args: dict[str, Any]) -> dict[str, int]:
        """Apply one validated `ptz.*` verb (a move already lasted); return the verb's result."""
        if verb == "ptz.move":
            dx, dy = DIRECTIONS[args["direction"]]
            self.pan += dx * args["speed"] * 10
            self.tilt += dy * args["speed"] * 10
        elif verb == "ptz.zoom":
            step = {"in": 1000, "out": -1000}.get(args.get("action", ""), 0)
            self.zoom = max(0, min(MAX_ZOOM, args.get("position", self.zoom + step)))
        elif verb == "ptz.home":
            self.pan = self.tilt = 0
        elif verb == "ptz.preset.set":
            self.presets[args["preset"]] = (self.pan, self.tilt, self.zoom)
        elif verb == "ptz.preset.clear":
            self.presets.pop(args["preset"], None)
        elif verb == "ptz.preset.recall":
            self.pan, self.tilt, self.zoom = self.presets.get(args["preset"], (0, 0, 0))
        elif verb in {"ptz.stop", "ptz.power"}:
            return {}
        return {} if verb in {"ptz.preset.set", "ptz.preset.clear"} else self.position()


__all__ = ["DIRECTIONS", "SimCamera"]
