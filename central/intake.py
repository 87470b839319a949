"""The board's intake: received messages wait here, so the MQTT thread only reads the socket.

mosquitto drops what it cannot write to a slow client (beyond max_queued_messages, 1000 by
default, even at QoS 0), and it says so only in its own log. So the MQTT callback only appends
to this queue and one worker applies the messages, in order. The queue is bounded
(`limit` messages); beyond it a message is dropped here, where it is counted and shown.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Final

from central.model import Message

log = logging.getLogger(__name__)

_BATCH: Final = 1000  # messages taken from the queue per lock round


class Intake:
    """A bounded FIFO of received messages and the thread that ingests them."""

    def __init__(self, handle: Callable[[Message], None], limit: int = 500_000) -> None:
        self._handle = handle
        self._limit = limit
        self._q: deque[tuple[float, Message]] = deque()
        self._cond = threading.Condition()
        self._busy = False
        self._thread: threading.Thread | None = None
        self.dropped = 0  # messages refused because the queue was full
        self.peak = 0  # the longest the queue has been

    def put(self, msg: Message) -> bool:
        """Queue one message (any thread; never blocks on ingest); False if it was dropped."""
        with self._cond:
            if len(self._q) >= self._limit:
                self.dropped += 1
                if self.dropped == 1 or self.dropped % 10_000 == 0:
                    log.warning("board intake full: %d messages dropped", self.dropped)
                return False
            self._q.append((time.monotonic(), msg))
            self.peak = max(self.peak, len(self._q))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="board-intake", daemon=True)
                self._thread.start()
            self._cond.notify()
        return True

    def depth(self) -> int:
        """Messages waiting."""
        return len(self._q)

    def lag_s(self) -> float:
        """How long the oldest waiting message has waited (0 when none waits)."""
        with self._cond:
            return time.monotonic() - self._q[0][0] if self._q else 0.0

    def drain(self, timeout: float) -> bool:
        """Wait until every queued message is ingested; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._q and not self._busy, timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._q))
                batch = [self._q.popleft()[1] for _ in range(min(_BATCH, len(self._q)))]
                self._busy = True
            try:
                for msg in batch:
                    self._handle(msg)  # Fleet.ingest never raises
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
