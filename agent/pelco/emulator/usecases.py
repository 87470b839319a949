"""UseCases: what a test or a technician does to the emulated camera."""

from __future__ import annotations

import random
import time
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from agent.pelco.commands import Axis

if TYPE_CHECKING:
    from agent.pelco.emulator import Emulator
    from agent.pelco.emulator.state import CameraState


class Fault(StrEnum):
    """A way an answer goes wrong on the line."""

    WRONG_ADDRESS = "wrong-address"  # the answer names another camera (address + 1)
    BAD_CHECKSUM = "bad-checksum"  # the check byte is off by one
    GARBAGE = "garbage"  # line noise (no start byte) before the answer
    SILENT = "silent"  # nothing comes back (RX pair cut)


@dataclass(slots=True)
class Faults:
    """The faults on every answer, and those queued for the next answers only."""

    active: set[Fault] = field(default_factory=set)
    once: deque[Fault] = field(default_factory=deque)
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def take(self) -> set[Fault]:
        """The faults for the answer about to go out."""
        return self.active | ({self.once.popleft()} if self.once else set())


class UseCases:
    """Faults, profiles, cables and placement for one emulator."""

    def __init__(self, emulator: Emulator) -> None:
        self._emu = emulator

    @property
    def state(self) -> CameraState:
        """The camera's state."""
        return self._emu.state

    def set_faults(self, *faults: Fault | str) -> None:
        """Apply these faults to every answer from now on."""
        self._emu.faults.active = {Fault(f) for f in faults}

    def next_answers(self, *faults: Fault | str) -> None:
        """Spoil only the next answers, one fault each, in order."""
        self._emu.faults.once.extend(Fault(f) for f in faults)

    def clear_faults(self) -> None:
        """Behave again."""
        self._emu.faults.active.clear()
        self._emu.faults.once.clear()

    def disable_queries(self, *axes: Axis | str) -> None:
        """Stop answering position queries (only these axes' if named), as many cameras do."""
        with self._emu.lock:
            if axes:
                self._emu.state.unanswered |= {Axis(a) for a in axes}
            else:
                self._emu.state.answers_queries = False

    def enable_queries(self) -> None:
        """Answer every position query again."""
        with self._emu.lock:
            self._emu.state.answers_queries = True
            self._emu.state.unanswered.clear()

    def send(self, data: bytes) -> None:
        """Put raw bytes on the line now (noise, a frame from another camera…)."""
        self._emu.service.schedule(time.monotonic(), data)

    def place(self, pan: float, tilt: float, zoom: float = 0.0) -> None:
        """Put the camera at a position at once, motionless."""
        with self._emu.lock:
            s = self._emu.state
            s.advance(time.monotonic())
            s.pan, s.tilt, s.zoom = pan, tilt, zoom
            s.pan_v = s.tilt_v = s.zoom_v = 0.0
            s.goal = None

    def set_motion_scale(self, scale: float) -> None:
        """Make pan, tilt and recalls `scale` times faster (tests keep moves short)."""
        with self._emu.lock:
            self._emu.state.advance(time.monotonic())
            self._emu.state.motion_scale = scale

    def disconnect(self) -> None:
        """Pull the cable: the pty closes and its path vanishes."""
        self._emu.service.link.drop()

    def reconnect(self) -> None:
        """Plug it back in (same symlink path, fresh pty)."""
        self._emu.service.link.restore()
