"""sd_notify in a few lines of socket code: READY, STATUS, WATCHDOG and STOPPING."""

from __future__ import annotations

import os
import socket
from typing import Final

_ENV: Final = "NOTIFY_SOCKET"


def notify(*lines: str) -> bool:
    """Send `KEY=value` lines to systemd; False (and nothing sent) when not under systemd."""
    path = os.environ.get(_ENV)
    if not path:
        return False
    # A leading '@' names a socket in the abstract namespace.
    address = "\0" + path[1:] if path.startswith("@") else path
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall("\n".join(lines).encode())
    except OSError:
        return False
    return True


def ready(status: str) -> bool:
    """Tell systemd the service is up."""
    return notify("READY=1", f"STATUS={status}")


def status(text: str) -> bool:
    """Update the one-line status shown by `systemctl status`."""
    return notify(f"STATUS={text}")


def watchdog() -> bool:
    """Pet the watchdog; only call this while the agent is known to be healthy."""
    return notify("WATCHDOG=1")


def stopping(text: str = "stopping") -> bool:
    """Tell systemd a clean stop has begun."""
    return notify("STOPPING=1", f"STATUS={text}")


def watchdog_interval_s() -> float | None:
    """Return how often to pet the watchdog (half of WatchdogSec), or None when it is off."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return int(usec) / 1e6 / 2
    except ValueError:
        return None
