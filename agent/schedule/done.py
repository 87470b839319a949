"""Which pre-meeting check slots have run, kept in state_dir so a restart does not repeat them.

A slot is the key `agent.schedule.due` gives (meeting id, start, offset). Only the last two
days are written back, so the file stays small.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

FILE: Final = "schedule-done.json"
KEEP: Final = timedelta(days=2)

Slot = tuple[str, str, float]


class DoneSlots:
    """The set of slots already run, loaded from and saved to `{state_dir}/schedule-done.json`."""

    def __init__(self, state_dir: Callable[[], str], clock: Callable[[], datetime]) -> None:
        """Nothing is read until `load()`; `state_dir` is asked each time (a reload may move it)."""
        self._state_dir = state_dir
        self._clock = clock
        self.slots: set[Slot] = set()

    @property
    def path(self) -> Path:
        """The file the slots are kept in."""
        return Path(self._state_dir()) / FILE

    def load(self) -> None:
        """Read the file; a missing or damaged one starts empty."""
        try:
            items = json.loads(self.path.read_text(encoding="utf-8"))
            self.slots = {(str(a), str(b), float(c)) for a, b, c in items}
        except (OSError, ValueError, TypeError):
            self.slots = set()

    def add(self, keys: Iterable[Slot]) -> None:
        """Remember slots as run and write the file (a failure is logged, not raised)."""
        self.slots.update(keys)
        cutoff = (self._clock() - KEEP).isoformat()
        keep = sorted(k for k in self.slots if k[1] >= cutoff)
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(keep), encoding="utf-8")
            tmp.replace(path)
        except OSError as exc:
            log.warning("cannot save the schedule state to %s: %s", path, exc)


__all__ = ["DoneSlots", "Slot"]
