"""The camera check against real clips and a live MJPEG stream, one fault at a time."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from agent.checks import CheckContext, Status, camera
from agent.media import v4l, video


def ctx_for(make_config, source: str, extra: str = "", lang: str = "en") -> CheckContext:
    cfg = make_config(f'[camera]\nsource = "{source}"\n{extra}')
    return CheckContext(cfg, lang=lang)


def test_good_clip_passes_and_saves_a_snapshot(make_config, video_clips) -> None:
    ctx = ctx_for(make_config, video_clips["moving"], "expect_width = 640\nexpect_height = 360\n")
    out = camera.run(ctx)
    assert out.status is Status.PASS, out
    assert out.summary == "640x360 @ 30.0 fps, image live"
    path = Path(out.metrics["snapshot_path"])
    assert path == Path(ctx.config.agent.state_dir) / "snapshot.jpg"
    data = path.read_bytes()
    assert len(data) <= 64 * 1024 == ctx.config.camera.snapshot_max_kb * 1024
    img = video.decode_jpeg(data)
    assert img is not None
    assert img.shape[1] == 640
    assert out.metrics["snapshot_ts"].endswith("Z")
    assert not list(path.parent.glob(".snapshot-*"))  # no temp file left behind


@pytest.mark.parametrize(
    ("scene", "status", "words", "hint_words"),
    [
        ("black", Status.FAIL, "image is black", "lens cap"),
        ("frozen", Status.FAIL, "frozen", "power-cycle"),
        ("covered", Status.FAIL, "uniform", "lens cap"),
        ("blurred", Status.WARN, "out of focus", "auto-focus"),
    ],
)
def test_each_fault_gets_its_status_and_hint(
    make_config, video_clips, scene, status, words, hint_words
) -> None:
    out = camera.run(ctx_for(make_config, video_clips[scene]))
    assert out.status is status, out
    assert words in out.summary
    assert out.hint
    assert hint_words in out.hint
    assert Path(out.metrics["snapshot_path"]).exists()  # evidence even when it fails


def test_vietnamese_hint_for_black(make_config, video_clips) -> None:
    out = camera.run(ctx_for(make_config, video_clips["black"], lang="vi"))
    assert out.status is Status.FAIL
    assert out.summary.startswith("hình ảnh màu đen")
    assert out.hint
    assert "nắp che ống kính" in out.hint


def test_focus_baseline_is_relative(make_config, video_clips) -> None:
    # The good clip measures ~1800; a baseline of 10000 makes it "blurred" relative to that.
    out = camera.run(ctx_for(make_config, video_clips["moving"], "focus_baseline = 10000.0\n"))
    assert out.status is Status.WARN
    assert "out of focus" in out.summary


def test_wrong_resolution_and_low_fps_warn(make_config, video_clips) -> None:
    out = camera.run(
        ctx_for(
            make_config,
            video_clips["moving"],
            "expect_width = 1920\nexpect_height = 1080\nmin_fps = 50.0\n",
        )
    )
    assert out.status is Status.WARN
    assert "640x360, expected 1920x1080" in out.summary
    assert "30.0 fps is below 50" in out.summary


def test_live_mjpeg_stream_passes(make_config, mjpeg_stream) -> None:
    out = camera.run(ctx_for(make_config, mjpeg_stream.url, "min_fps = 5.0\n"))
    assert out.status is Status.PASS, out
    assert out.metrics["width"] == 640


@pytest.mark.timeout(30)
def test_stream_showing_black_then_stalling(make_config, mjpeg_stream) -> None:
    mjpeg_stream.show("black")
    timer = threading.Timer(0.4, mjpeg_stream.stall)
    timer.start()
    try:
        out = camera.run(
            ctx_for(make_config, mjpeg_stream.url, "seconds = 3.0\nread_timeout_ms = 500\n")
        )
    finally:
        timer.cancel()
    assert out.status is Status.FAIL
    assert "stopped after" in out.summary
    assert "image is black" in out.summary


@pytest.mark.timeout(30)
def test_unreachable_stream_fails_with_a_hint(make_config) -> None:
    out = camera.run(
        ctx_for(make_config, "rtsp://admin:secret@127.0.0.1:9/live", "open_timeout_ms = 800\n")
    )
    assert out.status is Status.FAIL
    assert "secret" not in out.summary
    assert "secret" not in str(out.metrics)
    assert out.hint
    assert "URL" in out.hint


def test_auto_without_cameras_fails_with_hint(make_config, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(v4l, "DEV", tmp_path / "dev")
    monkeypatch.setattr(v4l, "BY_ID", tmp_path / "by-id")
    out = camera.run(ctx_for(make_config, "auto"))
    assert out.status is Status.FAIL
    assert out.summary == "no camera found (/dev/video*)"
    assert out.hint
    assert "hnth-agent devices" in out.hint


def test_missing_file_fails_as_gone_without_opening_it(make_config, tmp_path) -> None:
    out = camera.run(ctx_for(make_config, str(tmp_path / "none.avi")))
    assert out.status is Status.FAIL
    assert out.summary.key == "camera.gone"
    assert "gone" in out.summary
    assert out.metrics["presence"] == "gone"


def test_unwritable_state_dir_warns_but_keeps_the_verdict(
    make_config, video_clips, tmp_path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    cfg = make_config(
        f'[agent]\nstate_dir = "{blocker}/sub"\n[camera]\nsource = "{video_clips["moving"]}"\n'
    )
    out = camera.run(CheckContext(cfg, lang="en"))
    assert out.status is Status.WARN
    assert "snapshot not saved" in out.summary
    assert "snapshot_path" not in out.metrics


def test_take_snapshot_for_the_mqtt_command(make_config, video_clips) -> None:
    cfg = make_config(f'[camera]\nsource = "{video_clips["moving"]}"\n')
    snap = camera.take_snapshot(cfg)
    assert snap.path.exists()
    assert snap.size == snap.path.stat().st_size <= 64 * 1024


@pytest.mark.timeout(30)
def test_cancel_ends_the_read_with_error(make_config, mjpeg_stream) -> None:
    ctx = ctx_for(make_config, mjpeg_stream.url, "seconds = 20.0\n")
    threading.Timer(0.5, ctx.cancel.set).start()
    out = camera.run(ctx)
    assert out.status is Status.ERROR
    assert out.summary == "the camera check was cancelled"
