"""Links: how a controller reaches the emulated camera. A real pty stands in for RS-485."""

from __future__ import annotations

import time

from agent import ptz_emulator


class PtyLink(ptz_emulator.PtyLink):
    """A pseudo-terminal; the controller opens `label` (the stable symlink when one is given).

    `drop()` closes both ends, as a pulled USB adapter does: the controller's reads and
    writes fail and the path vanishes. `restore()` makes a fresh pty behind the same symlink.
    """

    unlink_on_drop = True

    def recv(self, timeout: float) -> bytes:
        """Return what the controller wrote within `timeout` (maybe nothing)."""
        data = self.read(timeout)
        if data is None:
            time.sleep(timeout)
            return b""
        return data

    def send(self, data: bytes) -> None:
        """Write to the controller; bytes are lost while the cable is pulled."""
        self.write(data)
