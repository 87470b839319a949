"""V4L2 cameras from /dev and sysfs, without opening them (no cv2 needed)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

DEV: Final = Path("/dev")
BY_ID: Final = Path("/dev/v4l/by-id")
SYSFS: Final = Path("/sys/class/video4linux")


@dataclass(frozen=True, slots=True)
class Camera:
    """A V4L2 video node; `path` is the stable by-id link when there is one."""

    path: str
    node: str  # e.g. /dev/video0
    name: str  # the driver's card name from sysfs, "" when unknown


def cameras(
    dev: Path | None = None, by_id: Path | None = None, sysfs: Path | None = None
) -> list[Camera]:
    """List capture nodes, by-id first; a by-id link's -index0 node is the picture stream."""
    dev, by_id, sysfs = dev or DEV, by_id or BY_ID, sysfs or SYSFS
    found: dict[str, Camera] = {}
    linked: set[str] = set()
    try:
        links = sorted(by_id.iterdir())
    except OSError:
        links = []
    for link in links:
        node = os.path.realpath(link)
        linked.add(node)
        # USB cameras expose -index0 (video) and -index1 (metadata); only index0 gives frames.
        if re.search(r"-index[1-9]\d*$", link.name) or node in found:
            continue
        found[node] = Camera(str(link), node, _name(sysfs, Path(node).name))
    try:
        nodes = sorted(dev.glob("video*"), key=lambda p: int(re.sub(r"\D", "", p.name) or 0))
    except OSError:
        nodes = []
    for path in nodes:
        real = os.path.realpath(path)
        if real not in linked and real not in found:
            found[real] = Camera(str(path), real, _name(sysfs, path.name))
    return list(found.values())


def auto_source() -> str | None:
    """The camera `[camera] source = "auto"` means: the first by-id camera, else /dev/video*."""
    found = cameras()
    return found[0].path if found else None


def _name(sysfs: Path, node: str) -> str:
    try:
        return (sysfs / node / "name").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
