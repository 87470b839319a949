"""The process-wide VISCA camera per port: a serial port opens exclusively, so one is shared.

The daemon, its MQTT handler and the ptz check share one `Camera` per [ptz] port; the
daemon STOPs every one at shutdown (`shared_cameras`) and closes them (`close_shared`).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from agent.visca.camera import Camera

if TYPE_CHECKING:
    from agent.config import PtzConfig

_shared: dict[str, tuple[PtzConfig, Camera]] = {}
_shared_lock = threading.Lock()


def shared(ptz: PtzConfig) -> Camera:
    """The process-wide camera for a [ptz] section.

    A serial port opens exclusively, so the daemon, its MQTT handler and the ptz check
    must share one client per port. A changed section replaces (and closes) the old one.
    """
    with _shared_lock:
        entry = _shared.get(ptz.port)
        if entry is not None and entry[0] == ptz:
            return entry[1]
        if entry is not None:
            entry[1].close()
        camera = Camera.from_config(ptz)
        _shared[ptz.port] = (ptz, camera)
        return camera


def shared_cameras() -> list[Camera]:
    """The shared cameras open now (the daemon sends each a STOP at shutdown)."""
    with _shared_lock:
        return [camera for _, camera in _shared.values()]


def close_shared() -> None:
    """Close every shared camera (at daemon shutdown)."""
    with _shared_lock:
        entries = list(_shared.values())
        _shared.clear()
    for _, camera in entries:
        camera.close()


__all__ = ["close_shared", "shared", "shared_cameras"]
