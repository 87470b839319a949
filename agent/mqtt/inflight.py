"""What the MQTT client holds between paho's callbacks, without paho: no I/O, no threads.

- `Acks`: the publishes waiting for their PUBACK, by message id. paho may deliver a PUBACK
  before the publishing thread registers its waiter; that code is parked until it does.
- `Inbox`: received messages waiting for `get_message()`, bounded: when it is full the
  oldest is dropped and counted, so a slow reader never blocks paho's network thread.

`Acks` is not locked: `agent.mqtt.client.MqttClient` calls it under its own lock.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Final

from agent.mqtt.settings import Message

EARLY_MAX: Final = 1000  # parked PUBACKs for ids nobody registers; never grow without bound


class Waiter:
    """Who waits for one publish's PUBACK."""

    __slots__ = ("event", "on_ack", "rc")

    def __init__(
        self, on_ack: Callable[[int, int], None] | None, event: threading.Event | None = None
    ) -> None:
        """`event` is set by the PUBACK; only publish_wait needs one (Events cost at 10k/s)."""
        self.event = event
        self.on_ack = on_ack
        self.rc: int | None = None


class Acks:
    """Publishes handed to paho and not yet acknowledged, matched to their PUBACK by id."""

    def __init__(self) -> None:
        """Start with nothing pending."""
        self._pending: dict[int, Waiter] = {}
        self._early: dict[int, int] = {}

    def __len__(self) -> int:
        """How many publishes wait for their PUBACK."""
        return len(self._pending)

    def register(self, mid: int, waiter: Waiter) -> int | None:
        """Bind `waiter` to `mid`; return the PUBACK code if it came first (nothing is kept)."""
        early = self._early.pop(mid, None)
        if early is None:
            self._pending[mid] = waiter
        return early

    def acked(self, mid: int, code: int) -> Waiter | None:
        """Return the waiter of `mid`, or None and park the code for a registration to come."""
        waiter = self._pending.pop(mid, None)
        if waiter is None:
            if len(self._early) > EARLY_MAX:
                self._early.clear()
            self._early[mid] = code
        return waiter

    def waiters(self) -> list[Waiter]:
        """Every waiter still pending (stop() wakes them)."""
        return list(self._pending.values())


class Inbox:
    """Received messages for `get_message()`; the oldest is dropped (and counted) when full."""

    def __init__(self, maxsize: int) -> None:
        """Hold at most `maxsize` messages."""
        self._queue: queue.Queue[Message] = queue.Queue(maxsize=maxsize)
        self.dropped = 0

    def put(self, msg: Message) -> None:
        """Add a message, dropping the oldest while the inbox is full; never blocks."""
        while True:
            try:
                self._queue.put_nowait(msg)
            except queue.Full:
                try:
                    self._queue.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass
            else:
                return

    def get(self, timeout: float | None = None) -> Message | None:
        """The next message, or None after `timeout` seconds."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None


__all__ = ["EARLY_MAX", "Acks", "Inbox", "Waiter"]
