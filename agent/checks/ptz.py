"""The `ptz` check: the camera answers, is powered, and really reaches its home preset.

VISCA and Pelco cameras alike (agent.ptz picks by URL). A Pelco camera acknowledges nothing:
it "answers" when it answers a position query (Pelco-D models that have them). One that
cannot tell its position (Pelco-P, or a Pelco-D camera without the queries) is still sent
home, and the check warns that it cannot verify where the camera is.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.checks import CheckContext, Outcome, Status, holders_text, skip
from agent.errors import AgentError

if TYPE_CHECKING:
    from agent.config import Config
    from agent.pelco import Camera as PelcoCamera
    from agent.visca import Camera, Reading

log = logging.getLogger(__name__)

BASELINE_FILE = "ptz-home.json"
PELCO_SETTLE_S = 0.2  # a Pelco recall has no Completion: poll until two readings agree
PELCO_TURN = 36000  # Pelco pan and tilt are hundredths of a degree, modulo a full turn


def run(ctx: CheckContext) -> Outcome:
    """Ask the version (timed), check power, recall home and read the position back."""
    cfg = ctx.config.ptz
    if not cfg.port:
        return skip(ctx, "ptz.check.no_port", "ptz.check.no_port_hint")
    from agent.ptz import is_pelco, shared
    from agent.ptz_url import line_of
    from agent.visca import localize

    metrics: dict[str, Any] = {"port": cfg.port, "address": cfg.address}
    kind, where = line_of(cfg.port)
    if kind == "serial" and not Path(where).exists():
        metrics["presence"] = "gone"
        return Outcome(
            Status.FAIL,
            ctx.t("ptz.check.gone", port=where),
            ctx.t("ptz.check.gone_hint", port=where),
            metrics,
        )
    # Another program controls the camera: do not open its port, let alone move it.
    held = ctx.held("ptz")
    if not held and kind == "serial":
        from agent.room.call import holders_of

        held = holders_of("ptz", [where])
    if held:
        metrics["passive"] = True
        metrics["in_use_by"] = [{"name": h.name, "pid": h.pid, "via": h.via} for h in held]
        return Outcome(
            Status.PASS,
            ctx.t("ptz.check.in_use", port=where, holders=holders_text(held)),
            None,
            metrics,
        )
    if kind == "tcp" and (ctx.passive or held):
        # A raw-TCP VISCA camera takes one controller: connecting would cut the call's own.
        metrics["passive"] = True
        return Outcome(Status.SKIP, ctx.t("ptz.check.in_call_tcp", port=cfg.port), None, metrics)
    try:
        # The serial port opens exclusively: use the client the daemon holds (shared with
        # its MQTT commands) when it passes one, else the process-wide one for this port.
        camera: Any = ctx.shared.get("camera") or shared(cfg)
        if is_pelco(cfg.port):
            return _run_pelco(ctx, camera, metrics)
        return _run(ctx, camera, metrics)
    except AgentError as exc:
        metrics["error"] = exc.code
        return Outcome(
            Status.FAIL,
            localize(exc.message, ctx.lang) or exc.message,
            localize(exc.hint, ctx.lang),
            metrics,
        )


def _run(ctx: CheckContext, camera: Camera, metrics: dict[str, Any]) -> Outcome:
    cfg = ctx.config.ptz
    t0 = time.monotonic()
    info = camera.version()
    response_ms = round((time.monotonic() - t0) * 1000, 1)
    metrics.update(
        vendor=info.vendor_name,
        model=f"0x{info.model:04X}",
        rom=f"0x{info.rom:04X}",
        response_ms=response_ms,
    )
    name = f"{info.vendor_name} 0x{info.model:04X}"

    powered = camera.power_status()
    # Background health runs (allow_motion False), calls and meetings never change the camera.
    may_act = ctx.allow_motion and not ctx.passive
    if not powered and cfg.power_on_before_meeting and may_act:
        if ctx.progress:
            ctx.progress(ctx.t("ptz.check.powering_on"))
        camera.power(True)
        powered = camera.power_status()
        metrics["powered_on"] = powered
    metrics["power"] = "on" if powered else "standby"
    if not powered:
        return Outcome(
            Status.FAIL,
            ctx.t("ptz.check.standby", name=name),
            ctx.t("ptz.check.standby_hint"),
            metrics,
        )

    if cfg.home_preset < 0 or not may_act or ctx.cancel.is_set():
        pos = camera.read_position()
        metrics["position"] = _pos(pos)
        return _ok(ctx, name, response_ms, pos, metrics)

    camera.preset_recall(cfg.home_preset)
    pos = camera.read_position()
    metrics["position"] = _pos(pos)
    metrics["home_preset"] = cfg.home_preset
    reference, learned = _reference(ctx.config, pos)
    drift = _drift(pos, reference)
    metrics.update(reference=list(reference), drift=drift, tolerance=cfg.position_tolerance)
    if learned:
        metrics["reference_learned"] = True
    if drift > cfg.position_tolerance:
        return Outcome(
            Status.FAIL,
            ctx.t(
                "ptz.check.drift",
                n=cfg.home_preset,
                drift=drift,
                tolerance=cfg.position_tolerance,
                pan=pos.pan,
                tilt=pos.tilt,
                zoom=_zoom(ctx, pos),
                ref=" ".join(map(str, reference)),
            ),
            ctx.t("ptz.check.drift_hint", n=cfg.home_preset),
            metrics,
        )
    return Outcome(
        Status.PASS,
        ctx.t(
            "ptz.check.home_ok",
            name=name,
            ms=response_ms,
            n=cfg.home_preset,
            pan=pos.pan,
            tilt=pos.tilt,
            zoom=_zoom(ctx, pos),
            drift=drift,
        ),
        None,
        metrics,
    )


def _run_pelco(ctx: CheckContext, camera: PelcoCamera, metrics: dict[str, Any]) -> Outcome:
    """Send home (the [ptz] home_preset, else the URL's `home=`, 34), then read back if we can."""
    from agent.pelco import PositionUnavailableError

    cfg = ctx.config.ptz
    name = f"Pelco-{camera.variant.upper()} {camera.address}"
    metrics.update(protocol=f"pelco-{camera.variant}", address=camera.address, baud=camera.baud)
    may_act = ctx.allow_motion and not ctx.passive and not ctx.cancel.is_set()
    preset = cfg.home_preset if cfg.home_preset > 0 else camera.home_preset
    try:
        if may_act:
            camera.preset_recall(preset)
            metrics["home_preset"] = preset
        t0 = time.monotonic()
        pos = _pelco_settled(ctx, camera) if may_act else camera.position()
        metrics["response_ms"] = round((time.monotonic() - t0) * 1000, 1)
    except PositionUnavailableError as exc:
        from agent.visca import localize

        metrics["position"] = None
        metrics["unavailable"] = list(exc.axes)
        key = "ptz.check.pelco_unverified_home" if may_act else "ptz.check.pelco_unverified"
        return Outcome(
            Status.WARN,
            ctx.t(key, name=name, n=preset, why=localize(exc.message, ctx.lang) or exc.message),
            localize(exc.hint, ctx.lang),
            metrics,
        )
    metrics["position"] = pos.as_dict()
    if pos.pan is None or pos.tilt is None:
        return Outcome(
            Status.WARN,
            ctx.t("ptz.check.pelco_partial", name=name, axes=", ".join(pos.unavailable)),
            ctx.t("ptz.check.pelco_partial_hint"),
            metrics,
        )
    from agent.visca import Reading

    reading = Reading(pos.pan, pos.tilt, pos.zoom)
    ms = metrics["response_ms"]
    if not may_act:
        return _ok(ctx, name, ms, reading, metrics)
    ptz_cfg = dataclasses.replace(cfg, home_preset=preset)
    reference, learned = _reference(dataclasses.replace(ctx.config, ptz=ptz_cfg), reading)
    drift = max(
        _turn_distance(a, b) if i < 2 else abs(a - b)
        for i, (a, b) in enumerate(zip(_axes(reading), reference, strict=False))
    )
    metrics.update(reference=list(reference), drift=drift, tolerance=cfg.position_tolerance)
    if learned:
        metrics["reference_learned"] = True
    values = {"pan": pos.pan, "tilt": pos.tilt, "zoom": _zoom(ctx, reading), "drift": drift}
    if drift > cfg.position_tolerance:
        return Outcome(
            Status.FAIL,
            ctx.t(
                "ptz.check.drift",
                n=preset,
                tolerance=cfg.position_tolerance,
                ref=" ".join(map(str, reference)),
                **values,
            ),
            ctx.t("ptz.check.drift_hint", n=preset),
            metrics,
        )
    return Outcome(
        Status.PASS, ctx.t("ptz.check.home_ok", name=name, ms=ms, n=preset, **values), None, metrics
    )


def _pelco_settled(ctx: CheckContext, camera: PelcoCamera) -> Any:
    """Read the position until two readings in a row agree (the recall has arrived)."""
    deadline = time.monotonic() + ctx.config.ptz.move_timeout_ms / 1000
    last = camera.position()
    while time.monotonic() < deadline and not ctx.cancel.is_set():
        time.sleep(PELCO_SETTLE_S)
        now = camera.position()
        if now == last:
            break
        last = now
    return last


def _turn_distance(a: int, b: int) -> int:
    """The distance between two angles in hundredths of a degree (35990 is 20 from 10)."""
    d = abs(a - b) % PELCO_TURN
    return min(d, PELCO_TURN - d)


def _pos(pos: Reading) -> dict[str, int | None]:
    return {"pan": pos.pan, "tilt": pos.tilt, "zoom": pos.zoom}


def _axes(pos: Reading) -> tuple[int, ...]:
    """The axes the camera reports: pan and tilt, and zoom when it answers the zoom inquiry."""
    return (pos.pan, pos.tilt) if pos.zoom is None else (pos.pan, pos.tilt, pos.zoom)


def _ok(ctx: CheckContext, name: str, ms: object, pos: Reading, metrics: dict[str, Any]) -> Outcome:
    """The camera answered (in `ms`) and was left where it was."""
    return Outcome(
        Status.PASS,
        ctx.t("ptz.check.ok", name=name, ms=ms, pan=pos.pan, tilt=pos.tilt, zoom=_zoom(ctx, pos)),
        None,
        metrics,
    )


def _zoom(ctx: CheckContext, pos: Reading) -> object:
    return ctx.t("ptz.check.zoom_unknown") if pos.zoom is None else pos.zoom


def _drift(pos: Reading, reference: tuple[int, ...]) -> int:
    # Compared on the axes both have: a camera without the zoom inquiry is judged on pan/tilt.
    return max(abs(a - b) for a, b in zip(_axes(pos), reference, strict=False))


def baseline_path(config: Config) -> Path:
    """Where the learned home position is kept."""
    return Path(config.agent.state_dir) / BASELINE_FILE


def baseline_key(config: Config) -> str:
    """The learned position belongs to one port, camera and preset."""
    p = config.ptz
    return f"{p.port}#{p.address}#{p.home_preset}"


def forget_baseline(config: Config) -> None:
    """Drop the learned home position (after the preset was saved again)."""
    path = baseline_path(config)
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.pop(baseline_key(config), None) is not None:
            path.write_text(json.dumps(data), encoding="utf-8")


def _reference(config: Config, pos: Reading) -> tuple[tuple[int, ...], bool]:
    """The configured home position, else the one learned on the first run (learned now if none)."""
    if config.ptz.home_position:
        return tuple(config.ptz.home_position), False
    path = baseline_path(config)
    key = baseline_key(config)
    data: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(path.read_text(encoding="utf-8"))
    stored = data.get(key)
    if (
        isinstance(stored, list)
        and len(stored) in (2, 3)
        and all(isinstance(v, int) for v in stored)
    ):
        return tuple(stored), False
    data[key] = list(_axes(pos))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data), encoding="utf-8")
    except OSError:
        log.warning("cannot store the learned home position in %s", path, exc_info=True)
    return _axes(pos), True
