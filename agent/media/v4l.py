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


# ---------------------------------------------------------------- V4L2's own answers
# Two ioctls a second file handle may make while another program streams, without taking
# anything from it: QUERYCAP (the driver answers: the camera is there) and REQBUFS with
# count 0, which vb2 refuses with EBUSY when another handle owns the buffer queue.

_VIDIOC_QUERYCAP: Final = 0x80685600  # _IOR('V', 0, struct v4l2_capability), 104 bytes
_VIDIOC_REQBUFS: Final = 0xC0145608  # _IOWR('V', 8, struct v4l2_requestbuffers), 20 bytes
_BUF_TYPE_VIDEO_CAPTURE: Final = 1
_MEMORY_MMAP: Final = 1


@dataclass(frozen=True, slots=True)
class Capability:
    """What VIDIOC_QUERYCAP says of a node."""

    driver: str
    card: str
    bus_info: str


def query_cap(node: str) -> Capability | None:
    """Ask the driver what the node is; None when it is not a V4L2 device or cannot be opened."""
    import fcntl
    import struct

    buf = bytearray(104)
    try:
        fd = os.open(node, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.ioctl(fd, _VIDIOC_QUERYCAP, buf)
    except OSError:
        return None
    finally:
        os.close(fd)
    driver, card, bus = struct.unpack_from("16s32s32s", buf)
    return Capability(*(_c_string(b) for b in (driver, card, bus)))


def streaming_elsewhere(node: str) -> bool | None:
    """True when another file handle owns the node's capture buffers (another program streams).

    None when the answer is unknown: not a V4L2 node, no permission, or no MMAP streaming.
    """
    import errno
    import fcntl
    import struct

    try:
        fd = os.open(node, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        req = bytearray(struct.pack("IIIIB3x", 0, _BUF_TYPE_VIDEO_CAPTURE, _MEMORY_MMAP, 0, 0))
        fcntl.ioctl(fd, _VIDIOC_REQBUFS, req)
    except OSError as exc:
        return True if exc.errno == errno.EBUSY else None
    finally:
        os.close(fd)
    return False


def _c_string(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", errors="replace")
