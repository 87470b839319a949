"""The PTZ camera, whatever it speaks: VISCA or Pelco, picked by the port URL.

The one place that opens "a PTZ camera" for `hnth-agent ptz`, the MQTT verbs and the ptz
check::

    cam = open_camera(cfg.ptz)                 # [ptz] port picks the protocol
    cam = open_camera("pelco-d:///dev/ttyUSB0?baud=2400&address=1")
    cam = shared(cfg.ptz)                      # the process-wide client for that port
    stop_shared()                              # STOP to every shared camera (daemon shutdown)
    close_shared()

`pelco-d://` and `pelco-p://` open `agent.pelco.Camera` (the address comes from the URL's
`?address=`, 1..255; `[ptz] address` is VISCA's 1..7); anything else opens
`agent.visca.Camera`. Both satisfy `PtzCamera`.

`Hold` is the dead-man of a hold-to-move (an MQTT `ptz.move` without `duration_ms`): the
camera is stopped unless the hold is refreshed within its timeout, or at once when the
controller's link is lost.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from agent.ptz_url import SCHEMES, is_pelco

if TYPE_CHECKING:
    from agent.config import PtzConfig

log = logging.getLogger(__name__)

PELCO_SCHEMES = tuple(SCHEMES)


class PtzCamera(Protocol):
    """What the CLI, the MQTT verbs and the ptz check use of a camera, VISCA or Pelco."""

    @property
    def label(self) -> str: ...
    @property
    def address(self) -> int: ...
    def close(self) -> None: ...
    def release_when_idle(self, after_s: float | None) -> None: ...
    def drive(self, direction: str, pan_speed: int, tilt_speed: int | None = None) -> None: ...
    def stop(self) -> None: ...
    def halt(self, *, zoom: bool = False) -> None: ...
    def zoom(self, action: str, speed: int | None = None) -> None: ...
    def zoom_to(self, position: int) -> None: ...
    def power(self, on: bool) -> None: ...
    def home(self) -> None: ...
    def preset_recall(self, n: int) -> None: ...
    def preset_set(self, n: int) -> None: ...
    def preset_clear(self, n: int) -> None: ...
    def position(self) -> Any: ...
    def read_position(self) -> Any: ...


def open_camera(source: PtzConfig | str, *, address: int | None = None) -> PtzCamera:
    """Open the camera a [ptz] section (or a bare port URL) names; `address` overrides.

    Nothing is written yet: the line opens on the first command.
    """
    from agent.config import PtzConfig

    cfg = PtzConfig(port=source) if isinstance(source, str) else source
    if is_pelco(cfg.port):
        from agent.pelco import Camera as PelcoCamera
        from agent.pelco import Timeouts as PelcoTimeouts

        return PelcoCamera(
            cfg.port,
            address=address,
            timeouts=PelcoTimeouts(query_ms=cfg.ack_timeout_ms, query_retries=cfg.inquiry_retries),
        )
    from agent.visca import Camera as ViscaCamera

    if address is not None:
        cfg = dataclasses.replace(cfg, address=address)
    return ViscaCamera.from_config(cfg)


_shared: dict[str, tuple[PtzConfig, PtzCamera]] = {}
_shared_lock = threading.Lock()


def shared(ptz: PtzConfig) -> PtzCamera:
    """The process-wide camera for a [ptz] section (a serial port opens exclusively).

    The daemon, its MQTT verbs and the ptz check share it; a changed section replaces
    (and closes) the old client.
    """
    with _shared_lock:
        entry = _shared.get(ptz.port)
        if entry is not None and entry[0] == ptz:
            return entry[1]
        if entry is not None:
            entry[1].close()
        camera = open_camera(ptz)
        camera.release_when_idle(ptz.release_after_s)
        _shared[ptz.port] = (ptz, camera)
        return camera


def stop_shared() -> int:
    """Send STOP (pan, tilt and zoom) to every shared camera open now; return how many took it.

    For the daemon's shutdown: a camera moving for an MQTT verb must not keep moving after
    the process is gone. A camera that cannot be reached is logged and skipped.
    """
    with _shared_lock:
        cameras = [camera for _, camera in _shared.values()]
    stopped = 0
    for camera in cameras:
        try:
            camera.halt(zoom=True)
        except Exception as exc:  # one unreachable camera must not keep STOP from the others
            log.warning("STOP to %s at shutdown failed: %s", camera.label, exc)
        else:
            stopped += 1
    return stopped


def close_shared() -> None:
    """Close every shared camera (at daemon shutdown)."""
    with _shared_lock:
        entries = list(_shared.values())
        _shared.clear()
    for _, camera in entries:
        camera.close()


class Hold:
    """The dead-man of a hold-to-move: STOP unless refreshed within `timeout_s`.

    `arm()` starts or refreshes a hold, `release()` ends it without a STOP (a STOP or a
    timed move took over), `lost()` stops at once (the controller's link went away), and
    `close()` stops a hold still running, since nobody can refresh it any more.
    `stop` is called from the watcher thread, never while a caller's lock is held.
    """

    def __init__(
        self,
        stop: Callable[[], None],
        timeout_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prepare the watcher; its thread starts on the first `arm()`."""
        self._stop = stop
        self.timeout_s = timeout_s
        self._clock = clock
        self._cond = threading.Condition()
        self._deadline: float | None = None
        self._closed = False
        self._thread: threading.Thread | None = None
        self._why: str | None = None  # why the next STOP goes out, when not a timeout
        self.expired = 0  # holds ended by the dead-man (timeout or lost link)

    @property
    def active(self) -> bool:
        """True while a hold runs."""
        with self._cond:
            return self._deadline is not None

    def arm(self) -> None:
        """Start a hold, or refresh the one running: the camera stops `timeout_s` from now."""
        with self._cond:
            if self._closed:
                return
            self._deadline = self._clock() + self.timeout_s
            self._why = None
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="ptz-hold", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def release(self) -> None:
        """End the hold without a STOP (the caller stopped or replaced the motion)."""
        with self._cond:
            self._deadline = None
            self._cond.notify_all()

    def lost(self) -> None:
        """The controller is gone: if a hold runs, STOP now (sent by the watcher thread).

        Never blocks: it runs on the MQTT network thread, which must not wait for a camera.
        """
        with self._cond:
            if self._deadline is None:
                return
            self._deadline = self._clock() - 1.0
            self._why = "link lost"
            self._cond.notify_all()

    def close(self) -> None:
        """End the watcher thread; a hold still running (or a STOP still pending) is stopped."""
        with self._cond:
            self._closed = True
            pending = self._deadline is not None
            self._deadline = None
            thread, self._thread = self._thread, None
            self._cond.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)
        if pending:
            with self._cond:
                self.expired += 1
            self._send_stop("closing")

    def _watch(self) -> None:
        while True:
            with self._cond:
                while not self._closed:
                    if self._deadline is None:
                        self._cond.wait()
                        continue
                    left = self._deadline - self._clock()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                if self._closed:
                    return
                self._deadline = None
                self.expired += 1
                why, self._why = self._why, None
            self._send_stop(why or f"no refresh within {self.timeout_s:g} s")

    def _send_stop(self, why: str) -> None:
        log.warning("hold-to-move ended (%s): sending STOP", why)
        try:
            self._stop()
        except Exception:
            log.exception("STOP after a lapsed hold failed")


__all__ = [
    "Hold",
    "PtzCamera",
    "close_shared",
    "is_pelco",
    "open_camera",
    "shared",
    "stop_shared",
]
