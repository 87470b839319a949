"""The board's live-update hub: fleet changes fanned out to Server-Sent Events streams."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from typing import Any, Final

_SSE_QUEUE: Final = 1000
_BATCH_S: Final = 0.05


class Hub:
    """Fans fleet changes out to every connected browser (thread-safe in, asyncio out)."""

    def __init__(self, batch_s: float = _BATCH_S) -> None:
        self._clients: set[asyncio.Queue[str | None]] = set()
        self._tokens: dict[asyncio.Queue[str | None], str] = {}  # whose session each stream is
        self._loop: asyncio.AbstractEventLoop | None = None
        self._batch_s = batch_s
        self._lock = threading.Lock()
        # Changes are batched for `batch_s`: one loop wake-up and one write per browser per batch,
        # and a room that changed three times in a batch is sent once, with its latest state.
        self._rooms: dict[str, dict[str, Any]] = {}
        self._others: list[tuple[str, dict[str, Any]]] = []
        self._scheduled = False

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Remember the server's event loop; changes arrive on other threads."""
        self._loop = loop

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        """Queue one SSE event for every client (any thread); sent with the next batch."""
        loop = self._loop
        if loop is None or not self._clients or loop.is_closed():
            return
        with self._lock:
            if kind == "room":
                self._rooms.pop(data["room"], None)
                self._rooms[data["room"]] = data
            else:
                self._others.append((kind, data))
            if self._scheduled:
                return
            self._scheduled = True
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(loop.call_later, self._batch_s, self._flush)

    def _flush(self) -> None:
        with self._lock:
            rooms, others = self._rooms, self._others
            self._rooms, self._others, self._scheduled = {}, [], False
        frames = [_frame(kind, data) for kind, data in others]
        frames.extend(_frame("room", data) for data in rooms.values())
        if frames:
            self._fan_out("".join(frames))

    def _fan_out(self, frame: str) -> None:
        for q in list(self._clients):
            try:
                q.put_nowait(frame)
            except asyncio.QueueFull:
                # The browser reconnects by itself (EventSource) and reloads the full state.
                self._clients.discard(q)
                with contextlib.suppress(asyncio.QueueFull):
                    q.put_nowait(None)

    def add(self, token: str = "") -> asyncio.Queue[str | None]:
        """Register a new SSE client of session `token`."""
        q: asyncio.Queue[str | None] = asyncio.Queue(_SSE_QUEUE)
        self._clients.add(q)
        self._tokens[q] = token
        return q

    def remove(self, q: asyncio.Queue[str | None]) -> None:
        """Forget an SSE client."""
        self._clients.discard(q)
        self._tokens.pop(q, None)

    def end_sessions(self, tokens: set[str]) -> int:
        """End the streams of these sessions (signed out); return how many (on the loop)."""
        ended = [q for q, tok in list(self._tokens.items()) if tok in tokens]
        for q in ended:
            self.remove(q)
            while True:  # make room for the end marker even in a full queue
                try:
                    q.put_nowait(None)
                    break
                except asyncio.QueueFull:
                    q.get_nowait()
        return len(ended)

    def close_all(self) -> None:
        """End every stream (on shutdown), so the server can stop."""
        for q in list(self._clients):
            with contextlib.suppress(asyncio.QueueFull):
                q.put_nowait(None)
        self._clients.clear()


def _frame(kind: str, data: dict[str, Any]) -> str:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {kind}\ndata: {body}\n\n"
