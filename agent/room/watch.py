"""Device arrival and removal as events: udev where it runs, inotify and PulseAudio otherwise.

Nothing is opened to find out. udev (pyudev) reports video4linux, sound, tty and DRM
devices on a real PC; inotify watches the folders of the configured paths (a camera file or
node, a serial port or its by-id link, /dev/snd), which also covers containers and tests
where no udev daemon runs; the sound server's own events (agent.room.pulse.Events) say when
a source or sink comes or goes. Each event calls `on_change(origin)`; the daemon then looks
at what is present (agent.room.presence) and acts on what changed.

pyudev and inotify_simple are imported here only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Final

log = logging.getLogger(__name__)

UDEV_SUBSYSTEMS: Final = ("video4linux", "sound", "tty", "drm", "usb-serial")
UDEV_CONTROL: Final = Path("/run/udev/control")  # exists while systemd-udevd runs
REARM_S: Final = 30.0  # folders that did not exist are looked for again this often


class Watcher:
    """One thread for udev and inotify (and PulseAudio's own); `on_change(origin)` per event."""

    def __init__(
        self,
        on_change: Callable[[str], None],
        paths: Iterable[str],
        *,
        pulse_server: str | None = None,
        udev: bool | None = None,
    ) -> None:
        """`paths` are what to watch (their folders are); `udev` None: use it when it runs."""
        self._on_change = on_change
        self._dirs = _folders(paths)
        self._pulse_server = pulse_server
        self._want_udev = UDEV_CONTROL.exists() if udev is None else udev
        self._stop_r, self._stop_w = os.pipe()
        self._thread: threading.Thread | None = None
        self._pulse: Any = None
        self.sources: list[str] = []  # what is on: "udev", "inotify", "pulse"
        self.events = 0

    def start(self) -> Watcher:
        """Start watching; a source that cannot start is logged and left out."""
        inotify, wds = self._inotify()
        monitor = self._udev()
        if self._pulse_server is not None:
            try:
                from agent.room.pulse import Events

                self._pulse = Events(self._pulse_event, self._pulse_server).start()
                self.sources.append("pulse")
            except Exception as exc:
                log.warning("sound server events unavailable: %s", exc)
        self._thread = threading.Thread(
            target=self._run, args=(inotify, wds, monitor), name="device-watch", daemon=True
        )
        self._thread.start()
        log.info("watching devices with %s", ", ".join(self.sources) or "nothing")
        return self

    def stop(self) -> None:
        """Stop every source; returns within about a second."""
        with contextlib.suppress(OSError):
            os.write(self._stop_w, b"x")
        if self._pulse is not None:
            self._pulse.stop()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        for fd in (self._stop_r, self._stop_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    # ---------------------------------------------------------------- sources

    def _inotify(self) -> tuple[Any, dict[int, Path]]:
        try:
            from inotify_simple import INotify
        except ImportError as exc:
            log.warning("inotify unavailable: %s", exc)
            return None, {}
        try:
            inotify = INotify(nonblocking=True)
        except OSError as exc:
            log.warning("inotify unavailable: %s", exc)
            return None, {}
        wds = self._arm(inotify, {})
        self.sources.append("inotify")
        return inotify, wds

    def _arm(self, inotify: Any, wds: dict[int, Path]) -> dict[int, Path]:
        from inotify_simple import flags

        mask = (
            flags.CREATE
            | flags.DELETE
            | flags.MOVED_FROM
            | flags.MOVED_TO
            | flags.ATTRIB
            | flags.DELETE_SELF
            | flags.MOVE_SELF
        )
        watched = set(wds.values())
        for folder in self._dirs:
            if folder in watched:
                continue
            try:
                wds[inotify.add_watch(str(folder), mask)] = folder
            except OSError as exc:
                log.debug("not watching %s: %s", folder, exc)
        return wds

    def _udev(self) -> Any:
        if not self._want_udev:
            return None
        try:
            import pyudev

            context = pyudev.Context()
            monitor = pyudev.Monitor.from_netlink(context)
            for subsystem in UDEV_SUBSYSTEMS:
                monitor.filter_by(subsystem)
            monitor.start()
        except Exception as exc:
            log.warning("udev unavailable, using inotify: %s", exc)
            return None
        self.sources.append("udev")
        return monitor

    # ---------------------------------------------------------------- the thread

    def _run(self, inotify: Any, wds: dict[int, Path], monitor: Any) -> None:
        fds = [self._stop_r]
        if inotify is not None:
            fds.append(inotify.fileno())
        if monitor is not None:
            fds.append(monitor.fileno())
        try:
            while True:
                ready, _, _ = select.select(fds, [], [], REARM_S)
                if self._stop_r in ready:
                    return
                if inotify is not None and inotify.fileno() in ready:
                    self._read_inotify(inotify, wds)
                if monitor is not None and monitor.fileno() in ready:
                    self._read_udev(monitor)
                if inotify is not None and len(wds) < len(self._dirs):
                    wds = self._arm(inotify, wds)
        except Exception:
            log.exception("device watcher stopped")
        finally:
            if inotify is not None:
                with contextlib.suppress(OSError):
                    inotify.close()

    def _read_inotify(self, inotify: Any, wds: dict[int, Path]) -> None:
        from inotify_simple import flags

        changed = False
        for event in inotify.read(timeout=0):
            if event.mask & (flags.IGNORED | flags.DELETE_SELF | flags.MOVE_SELF):
                wds.pop(event.wd, None)  # the folder itself went: re-armed when it is back
            changed = True
        if changed:
            self._fire("inotify")

    def _read_udev(self, monitor: Any) -> None:
        while (device := monitor.poll(timeout=0)) is not None:
            log.debug("udev %s %s", device.action, device.sys_path)
            self._fire(f"udev:{device.subsystem}")

    def _pulse_event(self, facility: str, kind: str) -> None:
        if facility in ("source", "sink", "source_output", "sink_input", "server"):
            self._fire(f"pulse:{facility}:{kind}")

    def _fire(self, origin: str) -> None:
        self.events += 1
        try:
            self._on_change(origin)
        except Exception:
            log.exception("device change handler failed")


def _folders(paths: Iterable[str]) -> tuple[Path, ...]:
    """The folders to watch for `paths`: each one's own, and its target's (a by-id link)."""
    out: dict[Path, None] = {}
    for raw in paths:
        if not raw:
            continue
        path = Path(raw)
        out[path.parent] = None
        real = Path(os.path.realpath(path))
        out[real.parent] = None
    return tuple(out)


__all__ = ["UDEV_SUBSYSTEMS", "Watcher"]
