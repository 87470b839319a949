"""One PTZ line and its reader thread: bytes in feed a sans-IO parser; a lost line fails callers.

Protocol-neutral plumbing shared by `agent.visca.client` and `agent.pelco.client`: it opens no
port (the client hands it an open transport) and imports neither protocol. The client keeps
its sans-IO core, its errors and its messages; it fills in the hooks below.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import ClassVar, Generic, Protocol, Self, TypeVar

from agent.errors import DeviceUnavailableError


class ByteLine(Protocol):
    """What the reader needs from a transport: read bytes, close."""

    def read(self) -> bytes:
        """Return bytes received within a short poll (maybe none); raise DeviceUnavailableError."""

    def close(self) -> None:
        """Release the line; safe to call twice."""


T = TypeVar("T", bound=ByteLine)
P = TypeVar("P")


class LineClient(Generic[T, P]):
    """A client's line: the transport, its reader thread, and what happens when it is lost.

    Everything here runs under `_cond`; subclasses fill in the hooks.
    """

    protocol_name: ClassVar[str]  # in log lines and the reader thread's name: "VISCA", "Pelco"
    _log: ClassVar[logging.Logger]  # the client module's logger, so log lines keep their source

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.RLock())
        self._transport: T | None = None
        self._reader: threading.Thread | None = None
        self._reader_stop = threading.Event()
        self._release_after: float | None = None
        self._last_use = 0.0
        self._opened = threading.Event()
        self._releaser: threading.Thread | None = None
        self.releases = 0  # lines closed for being idle

    def release_when_idle(self, after_s: float | None) -> None:
        """Close the line once no exchange has used it for `after_s` seconds (None: never).

        The daemon holds a camera's port only while it uses it: `hnth-agent ptz` from a
        terminal, or a single-controller IP camera's own software, can have it in between.
        """
        with self._cond:
            self._release_after = after_s if after_s and after_s > 0 else None
            if self._release_after is not None and self._releaser is None:
                self._releaser = threading.Thread(
                    target=self._release_loop,
                    name=f"{self.protocol_name.lower()}-release",
                    daemon=True,
                )
                self._releaser.start()
            self._cond.notify_all()

    @property
    def label(self) -> str:
        """The port as messages name it."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the line and stop the reader; a later call reopens it."""
        raise NotImplementedError

    # ---------------------------------------------------------------- hooks

    def _idle(self) -> bool:
        """True when nothing waits on the line, so it may be closed (called under `_cond`)."""
        return True

    def _feed(self, parser: P, data: bytes) -> bool:
        """Give received bytes to `parser` and act on its events; False if `parser` is stale."""
        raise NotImplementedError

    def _fail_waiters(self, exc: BaseException) -> None:
        """The line is gone: every caller waiting on it raises `exc` (and is woken)."""
        raise NotImplementedError

    def _crash_error(self, exc: Exception) -> BaseException:
        """What callers raise when the reader itself crashed with `exc`."""
        raise NotImplementedError

    # ---------------------------------------------------------------- the line

    def _touch(self) -> None:
        """An exchange used the line just now (called under `_cond`)."""
        self._last_use = time.monotonic()
        self._opened.set()

    def _release_loop(self) -> None:
        while True:
            self._opened.wait()
            reader: threading.Thread | None = None
            with self._cond:
                after = self._release_after
                if after is None or self._transport is None:
                    self._opened.clear()
                    continue
                left = self._last_use + after - time.monotonic()
                if left <= 0 and self._idle():
                    # Closed under the lock, so an exchange that starts now opens a fresh line
                    # (a serial port opens exclusively: the old one must be shut first).
                    transport, reader = self._transport, self._reader
                    self._transport, self._reader = None, None
                    self._reader_stop.set()
                    self._opened.clear()
                    self.releases += 1
                    self._log.debug("%s idle for %.1f s: closed", self.label, after)
                    try:
                        transport.close()
                    except Exception:
                        self._log.debug("closing an idle line failed", exc_info=True)
            if reader is not None:
                reader.join(timeout=2.0)
            else:
                time.sleep(left if left > 0 else 0.5)

    def _start_reader(self, transport: T, parser: P) -> None:
        """Take `transport` as the open line and start a reader feeding `parser`."""
        self._touch()
        self._transport = transport
        self._reader_stop = threading.Event()
        self._reader = threading.Thread(
            target=self._read_loop,
            args=(transport, parser, self._reader_stop),
            name=f"{self.protocol_name.lower()}-reader-{self.label}",
            daemon=True,
        )
        self._reader.start()

    def _close_line(self, error: BaseException) -> None:
        """Close the line and stop the reader; waiting callers raise `error`."""
        with self._cond:
            transport, reader = self._transport, self._reader
            self._transport, self._reader = None, None
            self._reader_stop.set()
            self._fail_waiters(error)
        if reader is not None and reader is not threading.current_thread():
            reader.join(timeout=2.0)
        if transport is not None:
            transport.close()

    def _read_loop(self, transport: T, parser: P, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                data = transport.read()
                if not data:
                    continue
                self._log.debug("%s ← %s", self.label, data.hex(" ").upper())
                with self._cond:
                    if not self._feed(parser, data):
                        return
        except DeviceUnavailableError as exc:
            if not stop.is_set():
                self._log.info("%s", exc)
                with self._cond:
                    self._mark_dead(transport, exc)
        except Exception as exc:
            # Never die silently: log it, and fail every waiter so no caller hangs.
            self._log.exception("%s reader for %s crashed", self.protocol_name, self.label)
            with self._cond:
                self._mark_dead(transport, self._crash_error(exc))

    def _mark_dead(self, transport: T, exc: BaseException) -> None:
        """Forget `transport` (if it is still the line) and fail its callers with `exc`."""
        if self._transport is transport:
            self._transport = None
            self._reader_stop.set()
            self._fail_waiters(exc)
            try:
                transport.close()
            except Exception:
                self._log.debug("closing a dead line failed", exc_info=True)


__all__ = ["ByteLine", "LineClient"]
