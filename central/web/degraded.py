"""Why ingest is degraded now: the fleet's health for the page, with the reasons its pill shows.

The history not written (the database away, writes failing or queued) is a reason for as long as
it lasts. Counters that only grow (messages the intake queue dropped, messages rejected) are one
while they grew within the last `window_s`, so the pill clears by itself once ingest recovers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Final

from central.state import Fleet

WINDOW_S: Final = 300.0  # a drop or a rejection keeps the pill up this long
PENDING_WARN: Final = 1000  # queued writes that say the database is behind (a flush is ~0.25 s)
_GROWING: Final = ("intake_dropped", "rejected")


class IngestHealth:
    """The health payload the page reads: `Fleet.health()` plus `ingest`, a list of reasons.

    A reason is a dict with a `code` (`db`, `pending`, `dropped`, `rejected`) and the values its
    message (`board.web.ingest.<code>`) names; an empty list means ingest is normal.
    """

    def __init__(
        self,
        fleet: Fleet,
        *,
        window_s: float = WINDOW_S,
        pending_warn: int = PENDING_WARN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fleet = fleet
        self.window_s = window_s
        self.pending_warn = pending_warn
        self._clock = clock
        self._lock = threading.Lock()
        # counter → (its value, when it last grew, its value before the current run of growth)
        self._growth: dict[str, tuple[int, float, int]] = {}
        self._sent: list[dict[str, Any]] | None = None

    def payload(self) -> dict[str, Any]:
        """The fleet's health with `ingest`: why ingest is degraded now ([] when it is not)."""
        h = self.fleet.health()
        with self._lock:
            h["ingest"] = self._reasons(h, self._clock())
        return h

    def changed(self) -> dict[str, Any] | None:
        """The payload when its reasons differ from the last one this returned, else None."""
        h = self.payload()
        with self._lock:
            if h["ingest"] == self._sent:
                return None
            self._sent = h["ingest"]
        return h

    def _reasons(self, h: dict[str, Any], now: float) -> list[dict[str, Any]]:
        reasons: list[dict[str, Any]] = []
        pending = int(h["db_pending"])
        if not h["db_ok"]:
            reasons.append({"code": "db", "error": h["db_error"]})
        if pending >= self.pending_warn or (pending and not h["db_ok"]):
            reasons.append({"code": "pending", "n": pending})
        for name in _GROWING:
            n = self._grown(name, int(h[name]), now)
            if n:
                code = "dropped" if name == "intake_dropped" else "rejected"
                reason: dict[str, Any] = {"code": code, "n": n}
                if code == "rejected":
                    reason["last"] = h["last_rejected"]
                reasons.append(reason)
        return reasons

    def _grown(self, name: str, value: int, now: float) -> int:
        """How much a counter grew in its current run (growth apart by under `window_s`)."""
        last, at, start = self._growth.get(name, (value, -float("inf"), value))
        if value > last:
            if now - at > self.window_s:
                start = last
            last, at = value, now
        elif value < last:  # a counter reset (a new Fleet): start over
            last, at, start = value, -float("inf"), value
        self._growth[name] = (last, at, start)
        return last - start if now - at <= self.window_s else 0
