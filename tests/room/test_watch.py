"""The device watcher: inotify and the sound server's events, on real files and a real server."""

from __future__ import annotations

import threading
import time

import pytest

from agent.room.watch import Watcher


class Seen:
    def __init__(self) -> None:
        self.origins: list[str] = []
        self.event = threading.Event()

    def __call__(self, origin: str) -> None:
        self.origins.append(origin)
        self.event.set()

    def wait(self, timeout: float = 2.0) -> bool:
        ok = self.event.wait(timeout)
        self.event.clear()
        return ok


def test_inotify_sees_a_device_path_go_and_come_back(tmp_path):
    node = tmp_path / "dev" / "video0"
    node.parent.mkdir()
    node.write_bytes(b"")
    link = tmp_path / "by-id" / "usb-cam-index0"
    link.parent.mkdir()
    link.symlink_to(node)
    seen = Seen()
    w = Watcher(seen, [str(link)], udev=False).start()
    try:
        assert w.sources == ["inotify"]
        (tmp_path / "dev" / "unrelated").mkdir()  # the node's folder is watched too
        assert seen.wait()
        link.unlink()
        assert seen.wait()
        link.symlink_to(node)
        assert seen.wait()
        node.unlink()  # the target behind the link
        assert seen.wait()
        assert all(o == "inotify" for o in seen.origins)
        t0 = time.monotonic()
    finally:
        w.stop()
    assert time.monotonic() - t0 < 1.5


def test_nothing_to_watch_still_stops(tmp_path):
    w = Watcher(lambda _o: None, [str(tmp_path / "missing" / "ttyUSB0")], udev=False).start()
    t0 = time.monotonic()
    w.stop()
    assert time.monotonic() - t0 < 1.5


def test_a_failing_handler_does_not_stop_the_watcher(tmp_path):
    calls = []

    def bad(origin):
        calls.append(origin)
        raise RuntimeError("handler bug")

    f = tmp_path / "port"
    f.write_bytes(b"")
    w = Watcher(bad, [str(f)], udev=False).start()
    try:
        f.unlink()
        deadline = time.monotonic() + 2
        while not calls and time.monotonic() < deadline:
            time.sleep(0.02)
        f.write_bytes(b"")
        deadline = time.monotonic() + 2
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(calls) >= 2
    finally:
        w.stop()


@pytest.mark.pulse
def test_the_sound_server_says_when_the_microphone_goes(tmp_path, pulse_room):
    seen = Seen()
    w = Watcher(seen, [], pulse_server=pulse_room.server, udev=False).start()
    try:
        assert "pulse" in w.sources
        deadline = time.monotonic() + 5
        while not any(o.startswith("pulse:server:new") for o in seen.origins):
            assert time.monotonic() < deadline, seen.origins
            time.sleep(0.05)
        seen.origins.clear()
        pulse_room.unload_mic()
        deadline = time.monotonic() + 2
        while "pulse:source:remove" not in seen.origins:
            assert time.monotonic() < deadline, seen.origins
            time.sleep(0.02)
    finally:
        w.stop()
        pulse_room.replug_mic()
