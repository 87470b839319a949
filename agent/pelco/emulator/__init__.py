"""A Pelco-D/Pelco-P camera emulator, shaped like pyatv's fake devices.

- State (`state.CameraState`, `state.Model`): position moving over time at the commanded
  speeds, presets (34 is home), zoom, and whether position queries are answered.
- Links (`links.PtyLink`): a real pty, with a stable symlink that survives a pulled cable.
- Service (`service.Service`): parses frames with the same sans-IO core as the client and
  paces both directions at the baud rate (8N1, 10 bits per byte).
- UseCases (`usecases.UseCases`): answer from a wrong address, with a bad check byte or
  after garbage; no position queries; pull and restore the cable; place the camera.

It is also `hnth-agent sim pelco`, so technicians and tests share one camera.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Self

from agent.pelco.commands import DEFAULT_BAUD
from agent.pelco.emulator.links import PtyLink
from agent.pelco.emulator.service import Service
from agent.pelco.emulator.state import CameraState, Model
from agent.pelco.emulator.usecases import Fault, Faults, UseCases
from agent.pelco.protocol import Frame, Variant


class Emulator:
    """One Pelco camera behind one pty."""

    def __init__(
        self,
        variant: Variant | str = Variant.D,
        *,
        address: int = 1,
        baud: int | None = None,
        model: Model | None = None,
        faults: tuple[Fault | str, ...] | list[Fault | str] = (),
        link: str | None = None,
    ) -> None:
        self.variant = Variant(variant)
        self.baud = DEFAULT_BAUD[self.variant] if baud is None else baud
        self.lock = threading.RLock()
        self.state = CameraState(self.variant, address, model or Model())
        self.faults = Faults(active={Fault(f) for f in faults})
        self.frames: deque[tuple[float, Frame]] = deque(maxlen=10_000)  # (arrival, frame)
        self.received_bytes = 0
        self.bad_frames = 0
        self.errors: list[BaseException | None] = []
        self.usecases = UseCases(self)
        self.service = Service(self, PtyLink(link))
        self._started = False

    @property
    def path(self) -> str:
        """The path the controller opens."""
        return self.service.link.label

    def start(self) -> Self:
        """Start serving."""
        if not self._started:
            self._started = True
            self.service.start()
        return self

    def close(self) -> None:
        """Stop the threads and release the pty."""
        self.service.stop()
        self.service.link.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["CameraState", "Emulator", "Fault", "Model", "UseCases"]
