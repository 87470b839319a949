"""State: what the emulated Pelco camera believes, as a pure function of the frames and time.

Positions use the units Pelco-D's query answers carry: pan 0..35999 and tilt in hundredths
of a degree, zoom 0 (wide) .. 65535 (tele). Tilt follows the common dome convention
(0 = horizon, positive = down, above the horizon reported as 36000 + tilt), so "up"
lowers it [outof-memory/pelco_control README: -15..90 degrees ↔ 34500..36000, 0..9000].
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.pelco import commands as cmds
from agent.pelco.commands import Axis, DFocus, Motion, Opcode, PFocus, Power
from agent.pelco.protocol import Frame, Variant

FULL_TURN = 36000
ZOOM_MAX = 0xFFFF
QUERY_AXES: dict[int, Axis] = {query: axis for axis, (query, _) in cmds.QUERIES.items()}


@dataclass(frozen=True, slots=True)
class Model:
    """The emulated camera's mechanics and what it answers (a Chinese-OEM dome by default)."""

    pan_max_per_s: float = 10_000.0  # hundredths of a degree per second at speed 3F
    turbo_per_s: float = 15_000.0  # at pan speed 40 (turbo)
    tilt_max_per_s: float = 6_000.0  # at tilt speed 3F
    tilt_min: int = -1500  # 15 degrees above the horizon
    tilt_max: int = 9000  # straight down
    zoom_full_s: float = 4.0  # wide to tele at zoom speed 3; slower speeds take longer
    preset_per_s: float = 20_000.0  # how fast a preset recall travels, per axis
    presets: int = 255
    home_preset: int = cmds.DEFAULT_HOME_PRESET  # always goes to pan 0, tilt 0, zoom wide
    answers_queries: bool = True  # many real Pelco-D cameras answer no 0x51/0x53/0x55


@dataclass(slots=True)
class Goal:
    """Where a preset recall is heading."""

    pan: float
    tilt: float
    zoom: float


@dataclass(slots=True)
class CameraState:
    """One camera: position, what moves and how fast, presets; advanced by `advance(now)`."""

    variant: Variant
    address: int
    model: Model = field(default_factory=Model)
    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 0.0
    pan_v: float = 0.0  # hundredths of a degree per second, + is right
    tilt_v: float = 0.0  # + is down
    zoom_v: float = 0.0  # + is tele
    zoom_speed: int = cmds.MAX_ZOOM_SPEED
    focus: str = "stop"
    powered: bool = True
    goal: Goal | None = None
    presets: dict[int, tuple[float, float, float]] = field(default_factory=dict)
    motion_scale: float = 1.0
    answers_queries: bool = True
    unanswered: set[Axis] = field(default_factory=set)  # axes whose query is ignored
    frames_handled: int = 0
    _t: float = 0.0

    def __post_init__(self) -> None:
        self.answers_queries = self.model.answers_queries

    # ---- time
    def advance(self, now: float) -> None:
        """Move everything to time `now`."""
        dt = now - self._t
        if dt <= 0:
            return
        self._t = now
        m = self.model
        if self.goal is not None:
            step = m.preset_per_s * self.motion_scale * dt
            g = self.goal
            self.pan = _approach_angle(self.pan, g.pan, step)
            self.tilt = _approach(self.tilt, g.tilt, step)
            self.zoom = _approach(self.zoom, g.zoom, ZOOM_MAX / m.zoom_full_s * dt)
            if (self.pan, self.tilt, self.zoom) == (g.pan, g.tilt, g.zoom):
                self.goal = None
            return
        self.pan = (self.pan + self.pan_v * self.motion_scale * dt) % FULL_TURN
        self.tilt = min(
            max(self.tilt + self.tilt_v * self.motion_scale * dt, m.tilt_min), m.tilt_max
        )
        self.zoom = min(max(self.zoom + self.zoom_v * dt, 0.0), float(ZOOM_MAX))

    def moving(self) -> bool:
        """True while anything moves."""
        return self.goal is not None or any((self.pan_v, self.tilt_v, self.zoom_v))

    def reported(self, axis: Axis) -> int:
        """An axis as the camera's query answer carries it."""
        if axis is Axis.PAN:
            return round(self.pan) % FULL_TURN
        if axis is Axis.TILT:
            return round(self.tilt) % FULL_TURN  # above the horizon: 36000 + tilt
        return round(self.zoom)

    # ---- frames
    def handle(self, frame: Frame, now: float) -> list[Frame]:
        """Execute one frame addressed to this camera; return the answers to send."""
        self.advance(now)
        self.frames_handled += 1
        if frame.word2 & 0x01:
            return self._extended(frame)
        self._standard(frame)
        return []

    def _standard(self, frame: Frame) -> None:
        # A standard frame is a level: whatever it does not set stops (and a recall ends).
        self.goal = None
        m = self.model
        d = self.variant is Variant.D
        acts, on = (Power.D_OFF, Power.D_ON) if d else (Power.P_OFF, Power.P_ON)
        if frame.word1 & acts:
            self.powered = (frame.word1 & on) == on
        if not self.powered:  # in standby the mechanics do not answer motion
            self.pan_v = self.tilt_v = self.zoom_v = 0.0
            self.focus = "stop"
            return
        bits = Motion(frame.word2 & 0x7E)
        pan_dir = (1 if Motion.RIGHT in bits else 0) - (1 if Motion.LEFT in bits else 0)
        tilt_dir = (1 if Motion.DOWN in bits else 0) - (1 if Motion.UP in bits else 0)
        pan_speed = min(frame.data1, cmds.TURBO)
        pan_rate = (
            m.turbo_per_s
            if pan_speed == cmds.TURBO
            else m.pan_max_per_s * pan_speed / cmds.MAX_PAN_SPEED
        )
        tilt_rate = m.tilt_max_per_s * min(frame.data2, cmds.MAX_TILT_SPEED) / cmds.MAX_TILT_SPEED
        self.pan_v = pan_dir * pan_rate
        self.tilt_v = tilt_dir * tilt_rate
        zoom_dir = (1 if Motion.ZOOM_TELE in bits else 0) - (1 if Motion.ZOOM_WIDE in bits else 0)
        self.zoom_v = zoom_dir * ZOOM_MAX / m.zoom_full_s * (self.zoom_speed + 1) / 4
        if self.variant is Variant.D:
            near, far = frame.word1 & DFocus.NEAR_CMD1, frame.word2 & DFocus.FAR_CMD2
        else:
            near, far = frame.word1 & PFocus.NEAR, frame.word1 & PFocus.FAR
        self.focus = "near" if near and not far else "far" if far and not near else "stop"

    def _extended(self, frame: Frame) -> list[Frame]:
        op, n = frame.word2, frame.data2
        if op == Opcode.SET_PRESET and 1 <= n <= self.model.presets:
            if n != self.model.home_preset:
                self.presets[n] = (self.pan, self.tilt, self.zoom)
        elif op == Opcode.CLEAR_PRESET:
            self.presets.pop(n, None)
        elif op == Opcode.GOTO_PRESET:
            target = (0.0, 0.0, 0.0) if n == self.model.home_preset else self.presets.get(n)
            if target is not None:  # an unset preset is ignored, as cameras do
                self.pan_v = self.tilt_v = self.zoom_v = 0.0
                self.goal = Goal(*target)
        elif op == Opcode.ZOOM_SPEED and n <= cmds.MAX_ZOOM_SPEED:
            self.zoom_speed = n
        elif self.variant is Variant.D and op in QUERY_AXES:
            axis = QUERY_AXES[op]
            if not self.answers_queries or axis in self.unanswered:
                return []
            return [cmds.position_response(self.variant, self.address, axis, self.reported(axis))]
        return []


def _approach(value: float, target: float, step: float) -> float:
    if abs(target - value) <= step:
        return target
    return value + step if target > value else value - step


def _approach_angle(value: float, target: float, step: float) -> float:
    """Pan the short way round."""
    diff = (target - value + FULL_TURN / 2) % FULL_TURN - FULL_TURN / 2
    if abs(diff) <= step:
        return target
    return (value + (step if diff > 0 else -step)) % FULL_TURN
