"""OpenCV capture against real clips, a live MJPEG stream and sources that misbehave."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from agent.errors import DeviceTimeoutError, DeviceUnavailableError
from agent.media import video
from agent.sim.video import Scene


def sample(target: str, **kw: object) -> video.Sample:
    args: dict[str, object] = {
        "seconds": 1.0,
        "open_timeout_ms": 2000,
        "read_timeout_ms": 1000,
        "timeout_s": 8.0,
    }
    args.update(kw)
    return video.sample(video.parse_source(target), **args)  # type: ignore[arg-type]


def test_parse_source_kinds() -> None:
    assert video.parse_source("0") == video.Source(0, "device")
    assert video.parse_source("/dev/v4l/by-id/usb-cam-video-index0").kind == "device"
    assert video.parse_source("rtsp://cam.local/stream1").kind == "stream"
    assert video.parse_source("HTTP://10.0.0.9/mjpg").kind == "stream"
    assert video.parse_source("/var/lib/clip.avi").kind == "file"
    assert not video.parse_source("/var/lib/clip.avi").live


def test_moving_clip_measures(video_clips: dict[str, Path]) -> None:
    s = sample(str(video_clips["moving"]))
    assert (s.width, s.height) == (640, 360)
    assert s.fps == 30.0
    assert s.frames == 30
    assert s.luma > 60
    assert s.stddev > 30
    assert s.focus > 500
    assert s.median_diff > 5
    assert s.last is not None
    assert s.last.shape == (360, 640, 3)


@pytest.mark.parametrize(
    ("scene", "check"),
    [
        (Scene.BLACK, lambda s: s.luma < 16),
        (Scene.FROZEN, lambda s: s.median_diff <= 0.1 and s.stddev > 30),
        (Scene.BLURRED, lambda s: s.focus < 20 and s.stddev > 6),
        (Scene.COVERED, lambda s: s.stddev < 6 and s.luma > 16),
    ],
)
def test_each_fault_clip_shows_its_fault(video_clips: dict[str, Path], scene: Scene, check) -> None:
    s = sample(str(video_clips[scene.value]))
    assert check(s), s


def test_live_stream_is_sampled(mjpeg_stream) -> None:
    s = sample(mjpeg_stream.url)
    assert (s.width, s.height) == (640, 360)
    assert s.frames > 2
    assert s.fps > 0
    assert not s.stalled
    assert s.median_diff > 5


@pytest.mark.timeout(20)
def test_stream_that_stalls_mid_read_is_reported(mjpeg_stream) -> None:
    timer = threading.Timer(0.3, mjpeg_stream.stall)
    timer.start()
    try:
        s = sample(mjpeg_stream.url, seconds=3.0, read_timeout_ms=500)
    finally:
        timer.cancel()
    assert s.stalled
    assert s.frames >= 1


@pytest.fixture
def blackhole() -> Iterator[str]:
    """A TCP server that accepts and then says nothing, like a wedged RTSP mount."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    conns: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.1)
        while not stop.is_set():
            try:
                conns.append(srv.accept()[0])
            except OSError:
                continue

    th = threading.Thread(target=accept, daemon=True)
    th.start()
    try:
        yield f"127.0.0.1:{srv.getsockname()[1]}"
    finally:
        stop.set()
        th.join(5)
        for c in conns:
            c.close()
        srv.close()


@pytest.mark.timeout(20)
@pytest.mark.parametrize("scheme", ["http", "rtsp"])
def test_silent_server_fails_by_the_open_timeout(blackhole: str, scheme: str) -> None:
    with pytest.raises((DeviceUnavailableError, DeviceTimeoutError)):
        sample(
            f"{scheme}://{blackhole}/stream",
            open_timeout_ms=800,
            read_timeout_ms=800,
            timeout_s=6.0,
        )


@pytest.mark.timeout(20)
def test_refused_connection_fails() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DeviceUnavailableError):
        sample(f"rtsp://127.0.0.1:{port}/live", open_timeout_ms=800)


@pytest.mark.timeout(20)
def test_overall_deadline_wins_over_a_slow_open(blackhole: str) -> None:
    # Open timeout far beyond the deadline: the deadline must still return control.
    with pytest.raises(DeviceTimeoutError):
        sample(f"http://{blackhole}/x", open_timeout_ms=30000, read_timeout_ms=30000, timeout_s=1.0)


def test_missing_and_corrupt_files(tmp_path: Path) -> None:
    with pytest.raises(DeviceUnavailableError):
        sample(str(tmp_path / "nope.avi"))
    bad = tmp_path / "bad.avi"
    bad.write_bytes(np.random.default_rng(0).bytes(50_000))
    with pytest.raises((DeviceUnavailableError, DeviceTimeoutError)):
        sample(str(bad))
    with pytest.raises(DeviceUnavailableError):
        sample("/dev/video-does-not-exist")


def test_jpeg_fits_its_budget_even_for_noise() -> None:
    frame = np.random.default_rng(0).integers(0, 256, (1080, 1920, 3), dtype=np.uint8)
    data = video.encode_jpeg(frame, width=640, max_bytes=64 * 1024)
    assert len(data) <= 64 * 1024
    img = video.decode_jpeg(data)
    assert img is not None
    assert img.shape[1] <= 640
    tiny = video.encode_jpeg(frame, width=640, max_bytes=6 * 1024)
    assert len(tiny) <= 6 * 1024
    assert video.decode_jpeg(b"not a jpeg") is None
