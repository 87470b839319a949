"""Synthetic camera pictures: clips of each fault and an MJPEG-over-HTTP live camera."""

from __future__ import annotations

import functools
import logging
import threading
import time
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Final, Self

from agent.media import video

if TYPE_CHECKING:
    from collections.abc import Iterator

    from agent.media.video import Frame

log = logging.getLogger(__name__)

WIDTH: Final = 640
HEIGHT: Final = 360
FPS: Final = 30.0
BOUNDARY: Final = "hnthframe"


class Scene(StrEnum):
    """What the simulated camera shows."""

    MOVING = "moving"  # a detailed pattern that moves, with sensor noise: a healthy camera
    BLACK = "black"  # no signal: dark frames with a little noise
    FROZEN = "frozen"  # one frame repeated bit for bit: a stuck converter or encoder
    BLURRED = "blurred"  # the moving pattern, far out of focus
    COVERED = "covered"  # a lens cap: a flat dim picture with only sensor noise


def frames(
    scene: Scene | str, count: int, width: int = WIDTH, height: int = HEIGHT
) -> Iterator[Frame]:
    """Yield `count` BGR frames of `scene`."""
    import numpy as np

    scene = Scene(scene)
    rng = np.random.default_rng(7)
    # A few noise fields reused in turn: drawing fresh noise per frame made clips slow to write.
    noise = [rng.normal(0, 1.5, (height, width, 3)).astype(np.float32) for _ in range(7)]
    still = _pattern(0, width, height)
    for i in range(count):
        if scene is Scene.FROZEN:
            yield still
            continue
        if scene is Scene.BLACK:
            base = np.full((height, width, 3), 3, dtype=np.float32)
        elif scene is Scene.COVERED:
            base = np.full((height, width, 3), (38, 52, 60), dtype=np.float32)
        else:
            base = _pattern(i, width, height).astype(np.float32)
            if scene is Scene.BLURRED:
                base = video.blur(base.astype(np.uint8), 12).astype(np.float32)
        noisy = base + noise[i % len(noise)]
        yield np.clip(noisy, 0, 255).astype(np.uint8)


def write_clip(
    path: str | Path,
    scene: Scene | str,
    *,
    seconds: float = 2.0,
    fps: float = FPS,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Path:
    """Write a clip of `scene` (MJPG .avi or mp4v .mp4) and return its path."""
    return video.write_video(path, frames(scene, max(int(seconds * fps), 2), width, height), fps)


def write_clips(directory: str | Path, **kwargs: float) -> dict[str, Path]:
    """Write one clip per scene into `directory`; return scene name → path."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    return {s.value: write_clip(d / f"{s.value}.avi", s, **kwargs) for s in Scene}  # type: ignore[arg-type]


class MjpegCamera:
    """A live camera serving `multipart/x-mixed-replace` JPEG frames over HTTP."""

    def __init__(
        self, scene: Scene | str = Scene.MOVING, *, fps: float = FPS, host: str = "127.0.0.1"
    ) -> None:
        self._scene = Scene(scene)
        self._fps = fps
        self._stalled = threading.Event()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._cache: dict[Scene, list[bytes]] = {}
        camera = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                camera._serve(self)

            def log_message(self, fmt: str, *args: object) -> None:
                log.debug("mjpeg: %s", fmt % args)

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- state
    @property
    def url(self) -> str:
        """The stream URL OpenCV (or a browser) opens."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/stream.mjpg"

    # ---------------------------------------------------------------- service
    def start(self) -> Self:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="mjpeg-camera", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and end every open stream."""
        self._closed.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- use cases
    def show(self, scene: Scene | str) -> None:
        """Switch what the camera shows."""
        with self._lock:
            self._scene = Scene(scene)

    def stall(self, stalled: bool = True) -> None:
        """Keep connections open but stop sending frames, like a hung encoder."""
        if stalled:
            self._stalled.set()
        else:
            self._stalled.clear()

    # ---------------------------------------------------------------- helpers
    def _jpegs(self, scene: Scene) -> list[bytes]:
        with self._lock:
            if scene not in self._cache:
                self._cache[scene] = [
                    video.encode_jpeg(f, width=WIDTH, max_bytes=1 << 20)
                    for f in frames(scene, int(self._fps))
                ]
            return self._cache[scene]

    def _serve(self, req: BaseHTTPRequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Type", f"multipart/x-mixed-replace;boundary={BOUNDARY}")
        req.send_header("Cache-Control", "no-cache")
        req.end_headers()
        i = 0
        period = 1.0 / self._fps
        next_at = time.monotonic()
        try:
            while not self._closed.is_set():
                if self._stalled.is_set():
                    self._closed.wait(0.05)
                    continue
                with self._lock:
                    scene = self._scene
                jpegs = self._jpegs(scene)
                data = jpegs[i % len(jpegs)]
                head = (
                    f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                    f"Content-Length: {len(data)}\r\n\r\n"
                )
                req.wfile.write(head.encode() + data + b"\r\n")
                req.wfile.flush()
                i += 1
                # A real camera drops frames it could not send; it does not send a burst later.
                next_at = max(next_at + period, time.monotonic())
                self._closed.wait(max(next_at - time.monotonic(), 0))
        except (BrokenPipeError, ConnectionResetError):
            return


@functools.lru_cache(maxsize=4)
def _grid(width: int, height: int) -> tuple[Frame, Frame]:
    import numpy as np

    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    return y, x


def _pattern(i: int, width: int, height: int) -> Frame:
    """A textured test card that pans by 4 px per frame, with a bouncing disc."""
    import numpy as np

    y, x = _grid(width, height)
    xs = x + 4 * i
    checker = ((xs // 32 + y // 32) % 2) * 120 + 40
    stripes = 60 * np.sin(xs / 5.0) * (y > height * 0.7)
    grad = 50 * x / width
    img = np.stack([checker + grad, checker + stripes, checker - grad + 50], axis=-1)
    cx = width / 2 + (width / 3) * np.sin(i / 10)
    cy = height / 2 + (height / 4) * np.cos(i / 7)
    disc = (x - cx) ** 2 + (y - cy) ** 2 < (height / 8) ** 2
    img[disc] = (30, 200, 240)
    out: Frame = np.clip(img, 0, 255).astype(np.uint8)
    return out
