"""Video capture and image measures through OpenCV: the only module that imports cv2."""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from agent.errors import DeviceError, DeviceTimeoutError, DeviceUnavailableError
from agent.i18n import t
from agent.media.deadline import bounded

if TYPE_CHECKING:
    from collections.abc import Iterable

    import numpy as np
    import numpy.typing as npt

    Frame = npt.NDArray[np.uint8]

log = logging.getLogger(__name__)

ANALYSIS_WIDTH: Final = (
    640  # measures are taken at this width so thresholds do not depend on resolution
)
MAX_FILE_FRAMES: Final = 300
_URL_RE: Final = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Source:
    """A resolved video source: what OpenCV opens and how."""

    target: str | int  # a path, URL or device index
    kind: str  # "device", "file" or "stream"

    @property
    def live(self) -> bool:
        """True for cameras and streams, whose frame rate is measured by the clock."""
        return self.kind != "file"


@dataclass(frozen=True, slots=True)
class Sample:
    """About a second of frames from a source, measured."""

    width: int
    height: int
    frames: int
    seconds: float  # wall time spent reading
    fps: float  # measured for live sources, nominal for files
    nominal_fps: float  # what the source claims (0 when unknown)
    luma: float  # median mean luminance, 0..255
    stddev: float  # median spatial standard deviation of luminance
    focus: float  # median variance of the Laplacian at ANALYSIS_WIDTH
    max_diff: float  # largest mean absolute difference between consecutive frames
    median_diff: float  # its median: a stuck feed repeats frames bit for bit, so this is ~0
    stalled: bool  # a live source stopped delivering frames before the time was up
    last: Frame | None  # the last frame, BGR, for the snapshot


def parse_source(text: str | int) -> Source:
    """Classify a configured source: a device index or node, a URL or a file path."""
    if isinstance(text, int) or (isinstance(text, str) and text.strip().isdigit()):
        return Source(int(text), "device")
    text = text.strip()
    if _URL_RE.match(text):
        return Source(text, "stream")
    if text.startswith("/dev/"):
        return Source(text, "device")
    return Source(text, "file")


def sample(
    source: Source,
    *,
    seconds: float,
    open_timeout_ms: int,
    read_timeout_ms: int,
    timeout_s: float,
    want_size: tuple[int, int] | None = None,
    cancel: threading.Event | None = None,
) -> Sample:
    """Open `source`, read about `seconds` of frames and measure them, within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    return bounded(
        lambda: _sample(
            source,
            seconds=seconds,
            open_timeout_ms=open_timeout_ms,
            read_timeout_ms=read_timeout_ms,
            deadline=deadline,
            want_size=want_size,
            cancel=cancel,
        ),
        timeout_s + 0.5,
        f"video source {redact(source.target)}",
    )


def redact(target: str | int) -> str:
    """Hide the password in `scheme://user:password@host/…`; it must not reach logs or central."""
    text = str(target)
    if "://" in text and "@" in text.split("://", 1)[1].split("/", 1)[0]:
        scheme, rest = text.split("://", 1)
        auth, host = rest.split("@", 1)
        return f"{scheme}://{auth.split(':', 1)[0]}:***@{host}"
    return text


def encode_jpeg(frame: Frame, *, width: int, max_bytes: int) -> bytes:
    """Return a JPEG of `frame` about `width` pixels wide and at most `max_bytes` long."""
    cv2 = _cv2()

    h, w = frame.shape[:2]
    scale = min(width / w, 1.0)
    for _ in range(8):
        size = (max(int(w * scale), 16), max(int(h * scale), 16))
        img = cv2.resize(frame, size, interpolation=cv2.INTER_AREA) if size != (w, h) else frame
        for quality in (85, 70, 55, 40, 30):
            ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
            if ok and buf.size <= max_bytes:
                return bytes(buf.tobytes())
        scale *= 0.7
    raise DeviceError(f"cannot fit a snapshot into {max_bytes} bytes")


def decode_jpeg(data: bytes) -> Frame | None:
    """Decode JPEG bytes to a BGR frame; None when they are not an image."""
    cv2 = _cv2()
    import numpy as np

    img = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    return None if img is None else img


def write_video(path: str | os.PathLike[str], frames: Iterable[Frame], fps: float) -> Path:
    """Write BGR frames to an MJPG .avi (or mp4v .mp4) file."""
    cv2 = _cv2()

    out = Path(path)
    writer: Any = None
    try:
        for frame in frames:
            if writer is None:
                h, w = frame.shape[:2]
                code = "mp4v" if out.suffix == ".mp4" else "MJPG"
                writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*code), fps, (w, h))
                if not writer.isOpened():
                    raise DeviceError(f"cannot write video {out}")
            writer.write(frame)
    finally:
        if writer is not None:
            writer.release()
    return out


def blur(frame: Frame, sigma: float) -> Frame:
    """Return `frame` Gaussian-blurred, as an out-of-focus lens would show it."""
    cv2 = _cv2()

    out: Frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    return out


# ---------------------------------------------------------------- helpers


def _cv2() -> Any:
    # FFmpeg prints its own errors ("Error reading HTTP response") on stderr; we report them.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    import cv2

    if not getattr(_cv2, "quiet", False):
        # OpenCV logs stream timeouts on stderr as warnings; we report them ourselves.
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
        _cv2.quiet = True  # type: ignore[attr-defined]
    return cv2


def _rate(stamps: list[float], span: float) -> float:
    # Frames queued while the source was opening arrive in a burst; count from a quarter in.
    if len(stamps) < 2 or span <= 0:
        return 0.0
    start = stamps[0] + span / 4
    rest = [s for s in stamps if s >= start]
    if len(rest) < 2 or rest[-1] == rest[0]:
        return (len(stamps) - 1) / span
    return (len(rest) - 1) / (rest[-1] - rest[0])


def _open(
    source: Source, open_timeout_ms: int, read_timeout_ms: int, want_size: tuple[int, int] | None
) -> Any:
    cv2 = _cv2()

    if source.kind == "device":
        target = source.target
        if isinstance(target, str):
            target = os.path.realpath(target)
            if not Path(target).exists():
                raise DeviceUnavailableError(t("video.missing"))
        cap = cv2.VideoCapture(target, cv2.CAP_V4L2)
        if cap.isOpened() and want_size and all(want_size):
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, want_size[0])
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, want_size[1])
    else:
        if source.kind == "file" and not Path(str(source.target)).is_file():
            raise DeviceUnavailableError(t("video.missing"))
        # Without these two, OpenCV's FFmpeg backend waited 20 s on a broken RTSP mount.
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            open_timeout_ms,
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            read_timeout_ms,
        ]
        cap = cv2.VideoCapture(str(source.target), cv2.CAP_FFMPEG, params)
    if not cap.isOpened():
        cap.release()
        raise DeviceUnavailableError(t("video.cannot_open"))
    return cap


def _sample(
    source: Source,
    *,
    seconds: float,
    open_timeout_ms: int,
    read_timeout_ms: int,
    deadline: float,
    want_size: tuple[int, int] | None,
    cancel: threading.Event | None,
) -> Sample:
    cv2 = _cv2()
    import numpy as np

    cap = _open(source, open_timeout_ms, read_timeout_ms, want_size)
    try:
        nominal = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        if not np.isfinite(nominal) or nominal > 1000:
            nominal = 0.0
        limit = (
            MAX_FILE_FRAMES
            if source.live
            else max(2, min(MAX_FILE_FRAMES, round((nominal or 30) * seconds)))
        )
        lumas: list[float] = []
        stds: list[float] = []
        focus: list[float] = []
        diffs: list[float] = []
        prev: Any = None
        last: Any = None
        width = height = 0
        stalled = False
        t0 = time.monotonic()
        first_at: float | None = None
        stamps: list[float] = []
        frames = 0
        while frames < limit:
            now = time.monotonic()
            if cancel is not None and cancel.is_set():
                raise DeviceError(f"reading {redact(source.target)} was cancelled")
            if now > deadline:
                if frames == 0:
                    raise DeviceTimeoutError(
                        f"no frame from {redact(source.target)} before the deadline"
                    )
                stalled = source.live
                break
            if source.live and first_at is not None and now - first_at >= seconds:
                break
            ok, frame = cap.read()
            if not ok or frame is None:
                if frames == 0:
                    raise DeviceTimeoutError(f"{redact(source.target)} opened but gave no frame")
                stalled = source.live
                break
            stamps.append(time.monotonic())
            if first_at is None:
                first_at = stamps[0]
            frames += 1
            last = frame
            height, width = frame.shape[:2]
            gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
            if width != ANALYSIS_WIDTH:
                size = (ANALYSIS_WIDTH, max(round(height * ANALYSIS_WIDTH / width), 1))
                gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
            mean, std = cv2.meanStdDev(gray)
            lumas.append(float(mean[0][0]))
            stds.append(float(std[0][0]))
            focus.append(float(cv2.Laplacian(gray, cv2.CV_64F).var()))
            if prev is not None:
                diffs.append(float(cv2.absdiff(gray, prev).mean()))
            prev = gray
        elapsed = time.monotonic() - t0
        span = time.monotonic() - first_at if first_at is not None else 0.0
    finally:
        cap.release()
    fps = _rate(stamps, span) if source.live else nominal
    return Sample(
        width=width,
        height=height,
        frames=frames,
        seconds=round(elapsed, 3),
        fps=round(fps, 2),
        nominal_fps=round(nominal, 2),
        luma=round(float(np.median(lumas)), 2) if lumas else 0.0,
        stddev=round(float(np.median(stds)), 2) if stds else 0.0,
        focus=round(float(np.median(focus)), 2) if focus else 0.0,
        max_diff=round(max(diffs), 3) if diffs else 0.0,
        median_diff=round(float(np.median(diffs)), 3) if diffs else 0.0,
        stalled=stalled,
        last=last,
    )
