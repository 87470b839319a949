"""The `camera` check: open the source, read about a second, judge the picture, save a snapshot."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.checks import CheckContext, Outcome, Status, holders_text
from agent.errors import AgentError, DeviceError, DeviceTimeoutError, DeviceUnavailableError
from agent.media import v4l

if TYPE_CHECKING:
    from agent.config import CameraConfig, Config
    from agent.media.video import Sample

SNAPSHOT_NAME = "snapshot.jpg"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A camera still written to the state dir."""

    path: Path
    size: int
    ts: str  # ISO 8601 UTC with a Z


def run(ctx: CheckContext) -> Outcome:
    """Sample the camera and report the worst problem with the picture."""
    from agent.media import video

    cfg = ctx.config.camera
    source_text = v4l.auto_source() if cfg.source == "auto" else cfg.source
    if not source_text:
        return Outcome(
            Status.FAIL,
            ctx.t("camera.no_device"),
            ctx.t("camera.no_device_hint"),
            {"source": "auto"},
        )
    source = video.parse_source(source_text)
    metrics: dict[str, Any] = {"source": video.redact(str(source.target))}
    shown = metrics["source"]
    path = _path(source.target, source.kind)
    if path and not Path(path).exists():
        metrics["presence"] = "gone"
        return Outcome(
            Status.FAIL, ctx.t("camera.gone", source=shown), ctx.t("camera.gone_hint"), metrics
        )
    # Busy is not broken, and a call is never disturbed: look, do not stream.
    held = ctx.held("camera")
    if held or ctx.passive:
        return _looked_at(ctx, shown, path, held, metrics)
    budget = max(
        min(
            ctx.deadline_s("camera") - 1.0,
            cfg.open_timeout_ms / 1000 + cfg.seconds + 2 * cfg.read_timeout_ms / 1000,
        ),
        0.5,
    )
    try:
        s = video.sample(
            source,
            seconds=cfg.seconds,
            open_timeout_ms=cfg.open_timeout_ms,
            read_timeout_ms=cfg.read_timeout_ms,
            timeout_s=budget,
            want_size=(cfg.expect_width, cfg.expect_height),
            cancel=ctx.cancel,
        )
    except DeviceTimeoutError as exc:
        return Outcome(
            Status.FAIL,
            ctx.t("camera.timeout", source=shown, seconds=f"{budget:.1f}", error=exc.message),
            ctx.t("camera.timeout_hint"),
            metrics,
        )
    except (DeviceError, DeviceUnavailableError) as exc:
        if ctx.cancel.is_set():
            return Outcome(Status.ERROR, ctx.t("media.cancelled", name="camera"), None, metrics)
        # OpenCV says "could not open" for a camera another program streams from (EBUSY).
        from agent.room.call import holders_of

        held = holders_of("camera", [path]) if path else ()
        if held:
            return _looked_at(ctx, shown, path, held, metrics)
        return Outcome(
            Status.FAIL,
            ctx.t("camera.open_failed", source=shown, error=exc.message),
            ctx.t("camera.open_failed_hint"),
            metrics,
        )
    metrics.update(_metrics(s))
    problems = judge(ctx, s, cfg)

    if s.last is not None:
        try:
            snap = save_snapshot(
                ctx.config,
                video.encode_jpeg(
                    s.last, width=cfg.snapshot_width, max_bytes=cfg.snapshot_max_kb * 1024
                ),
            )
            metrics.update(
                snapshot_path=str(snap.path), snapshot_ts=snap.ts, snapshot_bytes=snap.size
            )
        except (OSError, AgentError) as exc:
            metrics["snapshot_error"] = str(exc)
            problems.append(
                (
                    Status.WARN,
                    ctx.t("camera.snapshot_failed", error=exc),
                    ctx.t("camera.snapshot_failed_hint", dir=ctx.config.agent.state_dir),
                )
            )
    if not problems:
        return Outcome(
            Status.PASS,
            ctx.t("camera.ok", width=s.width, height=s.height, fps=f"{s.fps:.1f}"),
            None,
            metrics,
        )
    worst = Status.FAIL if any(p[0] == Status.FAIL for p in problems) else Status.WARN
    top = [p for p in problems if p[0] == worst]
    if len(top) == 1:  # one problem keeps its catalogue key (the board renders it again)
        return Outcome(worst, top[0][1], top[0][2], metrics)
    return Outcome(worst, "; ".join(p[1] for p in top), " ".join(p[2] for p in top), metrics)


def _looked_at(
    ctx: CheckContext, shown: str, path: str, held: tuple[Any, ...], metrics: dict[str, Any]
) -> Outcome:
    """The camera is there, but another program uses it or a call is on: verify it without
    streaming (V4L2's own answer where the source is a node), report who holds it."""
    metrics["passive"] = True
    if held:
        metrics["in_use_by"] = [{"name": h.name, "pid": h.pid, "via": h.via} for h in held]
    if path.startswith("/dev/"):
        cap = v4l.query_cap(os.path.realpath(path))
        if cap is not None:
            metrics.update(driver=cap.driver, card=cap.card)
    if held:
        summary = ctx.t("camera.in_use", source=shown, holders=holders_text(held))
    else:
        summary = ctx.t("camera.in_call", source=shown)
    return Outcome(Status.PASS, summary, None, metrics)


def _path(target: str | int, kind: str) -> str:
    """The filesystem path of a source (a device node or a file); "" for a stream URL."""
    if isinstance(target, int):
        return f"/dev/video{target}"
    return target if kind in ("device", "file") else ""


def judge(ctx: CheckContext, s: Sample, cfg: CameraConfig) -> list[tuple[Status, str, str]]:
    """Return (status, summary, hint) for every problem with the sampled picture, worst first."""
    out: list[tuple[Status, str, str]] = []
    if s.stalled:
        out.append(
            (Status.FAIL, ctx.t("camera.stalled", frames=s.frames), ctx.t("camera.stalled_hint"))
        )
    # Black before uniform (a black frame is uniform too), uniform before frozen (a covered lens
    # shows little change) and before focus (a flat picture has no edges to measure).
    if s.luma < cfg.black_luma:
        out.append(
            (Status.FAIL, ctx.t("camera.black", luma=f"{s.luma:.0f}"), ctx.t("camera.black_hint"))
        )
    elif s.stddev < cfg.uniform_stddev:
        out.append(
            (
                Status.FAIL,
                ctx.t("camera.covered", stddev=f"{s.stddev:.1f}"),
                ctx.t("camera.covered_hint"),
            )
        )
    else:
        if s.frames >= 3 and s.median_diff <= cfg.frozen_diff:
            out.append((Status.FAIL, ctx.t("camera.frozen"), ctx.t("camera.frozen_hint")))
        limit = cfg.focus_baseline * cfg.focus_ratio if cfg.focus_baseline > 0 else cfg.min_focus
        if s.focus < limit:
            out.append(
                (
                    Status.WARN,
                    ctx.t("camera.blurred", focus=f"{s.focus:.0f}", limit=f"{limit:.0f}"),
                    ctx.t("camera.blurred_hint"),
                )
            )
    if cfg.min_fps and s.fps and s.fps < cfg.min_fps:
        out.append(
            (
                Status.WARN,
                ctx.t("camera.low_fps", fps=f"{s.fps:.1f}", min=f"{cfg.min_fps:g}"),
                ctx.t("camera.low_fps_hint"),
            )
        )
    want = (cfg.expect_width or s.width, cfg.expect_height or s.height)
    if (s.width, s.height) != want:
        out.append(
            (
                Status.WARN,
                ctx.t(
                    "camera.wrong_size",
                    width=s.width,
                    height=s.height,
                    expect_width=cfg.expect_width or "*",
                    expect_height=cfg.expect_height or "*",
                ),
                ctx.t("camera.wrong_size_hint"),
            )
        )
    out.sort(key=lambda p: p[0] != Status.FAIL)
    return out


def save_snapshot(config: Config, jpeg: bytes) -> Snapshot:
    """Write `jpeg` atomically to `<state_dir>/snapshot.jpg` and return where and when."""
    state = Path(config.agent.state_dir)
    state.mkdir(parents=True, exist_ok=True)
    path = state / SNAPSHOT_NAME
    # Write then rename, so a reader (the MQTT publisher) never sees half a JPEG.
    fd, tmp = tempfile.mkstemp(prefix=".snapshot-", suffix=".jpg", dir=state)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(jpeg)
        Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    now = datetime.now(UTC)
    ts = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    return Snapshot(path, len(jpeg), ts)


def take_snapshot(config: Config, timeout_s: float = 10.0) -> Snapshot:
    """Grab a fresh still for the MQTT `snapshot` command; raise an AgentError on failure."""
    from agent.media import video

    cfg = config.camera
    text = v4l.auto_source() if cfg.source == "auto" else cfg.source
    if not text:
        raise DeviceUnavailableError("no camera found")
    s = video.sample(
        video.parse_source(text),
        seconds=0.2,
        open_timeout_ms=cfg.open_timeout_ms,
        read_timeout_ms=cfg.read_timeout_ms,
        timeout_s=timeout_s,
        want_size=(cfg.expect_width, cfg.expect_height),
    )
    assert s.last is not None  # sample() raises when no frame came
    return save_snapshot(
        config,
        video.encode_jpeg(s.last, width=cfg.snapshot_width, max_bytes=cfg.snapshot_max_kb * 1024),
    )


def _metrics(s: Sample) -> dict[str, Any]:
    return {
        "width": s.width,
        "height": s.height,
        "fps": s.fps,
        "nominal_fps": s.nominal_fps,
        "frames": s.frames,
        "luma": s.luma,
        "contrast": s.stddev,
        "focus": s.focus,
        "motion": s.median_diff,
        "max_motion": s.max_diff,
    }
