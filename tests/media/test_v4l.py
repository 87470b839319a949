"""V4L2 camera listing over a /dev-like tree of real nodes and by-id symlinks."""

from __future__ import annotations

from pathlib import Path

from agent.media import v4l


def make(tmp_path: Path) -> tuple[Path, Path, Path]:
    dev, by_id, sysfs = tmp_path / "dev", tmp_path / "dev/v4l/by-id", tmp_path / "sys"
    by_id.mkdir(parents=True)
    for n, name in [(0, "HD Pro Webcam C920"), (1, "HD Pro Webcam C920"), (2, "USB Capture HDMI")]:
        (dev / f"video{n}").write_text("")
        (sysfs / f"video{n}").mkdir(parents=True)
        (sysfs / f"video{n}" / "name").write_text(name + "\n")
    (by_id / "usb-046d_HD_Pro_Webcam_C920-video-index0").symlink_to(dev / "video0")
    (by_id / "usb-046d_HD_Pro_Webcam_C920-video-index1").symlink_to(dev / "video1")
    return dev, by_id, sysfs


def test_by_id_first_metadata_nodes_skipped(tmp_path: Path) -> None:
    dev, by_id, sysfs = make(tmp_path)
    cams = v4l.cameras(dev, by_id, sysfs)
    assert [c.path for c in cams] == [
        str(by_id / "usb-046d_HD_Pro_Webcam_C920-video-index0"),
        str(dev / "video2"),
    ]
    assert [c.name for c in cams] == ["HD Pro Webcam C920", "USB Capture HDMI"]
    assert cams[0].node == str(dev / "video0")


def test_no_cameras(tmp_path: Path) -> None:
    assert v4l.cameras(tmp_path / "dev", tmp_path / "by-id", tmp_path / "sys") == []


def test_auto_source_uses_the_module_paths(tmp_path: Path, monkeypatch) -> None:
    dev, by_id, sysfs = make(tmp_path)
    monkeypatch.setattr(v4l, "DEV", dev)
    monkeypatch.setattr(v4l, "BY_ID", by_id)
    monkeypatch.setattr(v4l, "SYSFS", sysfs)
    assert v4l.auto_source() == str(by_id / "usb-046d_HD_Pro_Webcam_C920-video-index0")
