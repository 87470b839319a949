"""Links: how a controller reaches the emulated camera. A real pty stands in for RS-485."""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
import tty
from pathlib import Path


class PtyLink:
    """A pseudo-terminal; the controller opens `label` (the stable symlink when one is given).

    `drop()` closes both ends, as a pulled USB adapter does: the controller's reads and
    writes fail and the path vanishes. `restore()` makes a fresh pty behind the same symlink.
    """

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

    def recv(self, timeout: float) -> bytes:
        """Return what the controller wrote within `timeout` (maybe nothing)."""
        master = self._master
        if master < 0:
            time.sleep(timeout)
            return b""
        try:
            ready, _, _ = select.select([master], [], [], timeout)
            return os.read(master, 1024) if ready else b""
        except (OSError, ValueError):
            # The controller's end closed (EIO) or we dropped the line meanwhile.
            time.sleep(timeout)
            return b""

    def send(self, data: bytes) -> None:
        """Write to the controller; bytes are lost while the cable is pulled."""
        if self._master >= 0:
            with contextlib.suppress(OSError):
                os.write(self._master, data)

    def drop(self) -> None:
        """Pull the cable."""
        with self._lock:
            for fd in (self._master, self._slave):
                if fd >= 0:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._master = self._slave = -1
            if self._link is not None:
                with contextlib.suppress(FileNotFoundError):
                    self._link.unlink()

    def close(self) -> None:
        """Drop the pty and remove the symlink."""
        self.drop()
