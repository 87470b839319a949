"""How many operator commands may wait for rooms' answers at once, in total and per room.

A command waiting for its room's response holds a web worker thread: bounded, so that a flood
(or rooms that never answer) cannot take the threads every other page needs.
"""

from __future__ import annotations

import threading
from typing import Final

MAX_IN_FLIGHT: Final = 16  # in total (Starlette's pool has 40 threads)
MAX_IN_FLIGHT_ROOM: Final = 4  # per room (a held camera move repeats every 500 ms)


class Admission:
    """Slots for commands in flight; `enter` refuses at once rather than wait for one."""

    def __init__(self, total: int = MAX_IN_FLIGHT, per_room: int = MAX_IN_FLIGHT_ROOM) -> None:
        self._total = threading.BoundedSemaphore(total)
        self._per_room_max = per_room
        self._lock = threading.Lock()
        self._per_room: dict[str, int] = {}

    def enter(self, room: str, verb: str) -> str | None:
        """Take a slot for a command to `room`; None, or the catalogue key of why not."""
        with self._lock:
            # ptz.stop is never refused for a busy room: it is what ends a hold.
            if verb != "ptz.stop" and self._per_room.get(room, 0) >= self._per_room_max:
                return "board.cmd.busy_room"
            if not self._total.acquire(blocking=False):
                return "board.cmd.busy"
            self._per_room[room] = self._per_room.get(room, 0) + 1
        return None

    def leave(self, room: str) -> None:
        """Give back the slot `enter` took."""
        with self._lock:
            left = self._per_room.get(room, 1) - 1
            if left:
                self._per_room[room] = left
            else:
                self._per_room.pop(room, None)
            self._total.release()
