"""What both camera emulators (VISCA, Pelco) share: the pty link and the paced service threads.

Protocol-neutral: the link moves bytes, the service base runs a reader and a writer thread,
queues bytes to go out at a given time and paces them like a UART. Parsing, faults and
replies stay in each emulator's own `service.py`.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import select
import signal
import sys
import threading
import time
import tty
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from collections.abc import Callable

BITS_PER_BYTE = 10  # 8N1: start bit, 8 data bits, stop bit


class PtyLink:
    """A pseudo-terminal; the controller opens `label` (the stable symlink when one is given)."""

    unlink_on_drop: ClassVar[bool] = False  # True: the symlink vanishes with a pulled cable

    def __init__(self, link: str | None = None) -> None:
        self._link = Path(link) if link else None
        self._lock = threading.Lock()
        self._master = -1
        self._slave = -1
        self.path = ""
        self.restore()

    @property
    def label(self) -> str:
        """The path to give the controller."""
        return str(self._link) if self._link else self.path

    @property
    def up(self) -> bool:
        """True while the cable is in."""
        return self._master >= 0

    def restore(self) -> None:
        """Create a fresh pty; repoint the symlink at it."""
        with self._lock:
            if self._master >= 0:
                return
            master, slave = os.openpty()
            tty.setraw(master)
            tty.setraw(slave)
            self._master, self._slave = master, slave
            self.path = os.ttyname(slave)
            if self._link is not None:
                tmp = self._link.with_name(self._link.name + ".new")
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
                tmp.symlink_to(self.path)
                tmp.replace(self._link)

    def read(self, timeout: float) -> bytes | None:
        """What the controller wrote within `timeout` (maybe b""); None if the pty failed."""
        master = self._master
        if master < 0:
            time.sleep(timeout)
            return b""
        try:
            ready, _, _ = select.select([master], [], [], timeout)
            return os.read(master, 1024) if ready else b""
        except (OSError, ValueError):
            # The controller's end closed (EIO) or we dropped the line meanwhile.
            return None

    def write(self, data: bytes) -> None:
        """Write to the controller; bytes are lost while the cable is pulled."""
        if self._master >= 0:
            with contextlib.suppress(OSError):
                os.write(self._master, data)

    def drop(self) -> None:
        """Pull the cable: close both ends, so the controller's reads and writes fail."""
        with self._lock:
            for fd in (self._master, self._slave):
                if fd >= 0:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._master = self._slave = -1
            if self.unlink_on_drop:
                self._unlink()

    def close(self) -> None:
        """Drop the pty and remove the symlink."""
        self.drop()
        self._unlink()

    def _unlink(self) -> None:
        if self._link is not None:
            with contextlib.suppress(FileNotFoundError):
                self._link.unlink()


class PacedService:
    """A reader and a writer thread on one link; bytes queued for a time, sent paced."""

    protocol_name: ClassVar[str]  # in thread names and log lines: "VISCA", "Pelco"
    _log: ClassVar[logging.Logger]  # the emulator module's logger, so log lines keep their source

    def __init__(self, emulator: Any, label: str) -> None:
        self.emulator = emulator
        self._label = label  # the link's, for thread names and log lines
        # (due, late, order, bytes, route): `late` ones go after any due at the same time.
        self._heap: list[tuple[float, int, int, bytes, Any]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._line_free_at = 0.0  # when the controller's bytes so far have all arrived
        self._out_free_at = 0.0  # when our bytes so far have all left
        name = self.protocol_name.lower()
        self._threads = [
            threading.Thread(
                target=self._guard(self._read_loop), name=f"{name}-sim-rx-{label}", daemon=True
            ),
            threading.Thread(
                target=self._guard(self._write_loop), name=f"{name}-sim-tx-{label}", daemon=True
            ),
        ]

    def start(self) -> None:
        """Start the reader and writer threads."""
        for th in self._threads:
            th.start()

    def stop(self) -> None:
        """Stop both threads and wait for them."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for th in self._threads:
            if th.is_alive() and th is not threading.current_thread():
                th.join(timeout=2.0)

    def _read_loop(self) -> None:
        raise NotImplementedError

    def _write_loop(self) -> None:
        raise NotImplementedError

    def _push(self, due: float, data: bytes, route: Any, *, late: bool) -> None:
        with self._cond:
            heapq.heappush(self._heap, (due, int(late), next(self._seq), data, route))
            self._cond.notify_all()

    def _next_due(self, *, poll_s: float | None = None) -> tuple[bytes, Any] | None:
        """Pop what is due now, or wait (at most `poll_s`) for something to be and return None."""
        with self._cond:
            now = time.monotonic()
            if self._heap and self._heap[0][0] <= now:
                _, _, _, data, route = heapq.heappop(self._heap)
                return data, route
            wait = self._heap[0][0] - now if self._heap else 0.5
            if poll_s is not None:
                wait = min(wait, poll_s)
            self._cond.wait(max(wait, 0.0))
        return None

    def _send_paced(self, data: bytes, byte_s: float, send: Callable[[bytes], None]) -> None:
        """Send at once when unpaced, else like a UART: byte i is done at (i + 1) × byte_s."""
        if not byte_s:
            send(data)
            return
        t_next = max(time.monotonic(), self._out_free_at)
        for b in data:
            t_next += byte_s
            delay = t_next - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            send(bytes([b]))
        self._out_free_at = t_next

    def _guard(self, fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except Exception:
                # A dead emulator thread would look like a silent camera: say so loudly.
                self._log.exception(
                    "%s emulator thread for %s crashed", self.protocol_name, self._label
                )
                self.emulator.errors.append(sys.exc_info()[1])

        return run


def serve_until_signalled(start: Callable[[], object], close: Callable[[], object]) -> None:
    """Run `start()`, wait for SIGTERM, SIGINT or Ctrl-C, restore the handlers, then `close()`."""
    stop = threading.Event()
    # SIGINT too: a shell starts background jobs with SIGINT ignored, so Python's own
    # KeyboardInterrupt would never come.
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        start()
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        close()


__all__ = ["BITS_PER_BYTE", "PacedService", "PtyLink", "serve_until_signalled"]
