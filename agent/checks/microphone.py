"""The `microphone` check: capture about a second and judge its levels per channel."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from agent.checks import CheckContext, Outcome, Status, holders_text
from agent.errors import DeviceError, DeviceTimeoutError, DeviceUnavailableError


def run(ctx: CheckContext) -> Outcome:
    """Record from the configured (or default) input and report RMS, peak, floor, clipping, DC.

    During a call, or while another program holds the input, only look: the sound server's
    level of the source (a peak meter, shared with the call), never a capture of our own.
    """
    held = ctx.held("microphone")
    if ctx.passive or any(h.via != "pulse" for h in held):
        return listen(ctx, held)
    from agent.media import audio, dsp

    cfg = ctx.config.microphone
    try:
        dev = audio.resolve(cfg.device, "input")
    except DeviceUnavailableError as exc:
        return Outcome(
            Status.FAIL, ctx.t("mic.no_device", error=exc.message), ctx.t("mic.no_device_hint"), {}
        )
    metrics: dict[str, Any] = {"device": dev.name, "index": dev.index, "samplerate": cfg.samplerate}
    channels = max(min(dev.inputs, 2), 1)
    timeout = max(min(cfg.seconds + 3.0, ctx.deadline_s("microphone") - 1.0), cfg.seconds + 0.2)
    try:
        rec = audio.record(
            dev.index,
            seconds=cfg.seconds,
            samplerate=cfg.samplerate,
            channels=channels,
            timeout_s=timeout,
            cancel=ctx.cancel,
            # The speaker check may play its chirp meanwhile; it is not the room's sound.
            skip_probe=True,
        )
    except DeviceTimeoutError as exc:
        return Outcome(
            Status.FAIL,
            ctx.t("mic.timeout", device=dev.name, error=exc.message),
            ctx.t("mic.timeout_hint"),
            metrics,
        )
    except (DeviceError, DeviceUnavailableError) as exc:
        if ctx.cancel.is_set():
            return Outcome(Status.ERROR, ctx.t("media.cancelled", name="microphone"), None, metrics)
        if "busy" in exc.message:
            return listen(ctx, held or _alsa_holders())
        return Outcome(
            Status.FAIL,
            ctx.t("mic.open_failed", device=dev.name, error=exc.message),
            ctx.t("mic.open_failed_hint"),
            metrics,
        )
    chans = dsp.levels(rec, cfg.samplerate)
    metrics["seconds_measured"] = round(rec.shape[0] / cfg.samplerate, 3)
    metrics["channels"] = [asdict(c) for c in chans]
    live = [c for c in chans if not c.silent]
    if not live:
        return Outcome(
            Status.FAIL, ctx.t("mic.silent", device=dev.name), ctx.t("mic.silent_hint"), metrics
        )
    loud = max(live, key=lambda c: c.rms_dbfs)
    metrics.update(
        rms_dbfs=loud.rms_dbfs, peak_dbfs=loud.peak_dbfs, noise_floor_dbfs=loud.noise_floor_dbfs
    )
    clip = max(c.clip_ratio for c in chans)
    if clip > cfg.clip_warn_ratio:
        return Outcome(
            Status.WARN,
            ctx.t("mic.clipping", device=dev.name, pct=f"{clip * 100:.1f}"),
            ctx.t("mic.clipping_hint"),
            metrics,
        )
    # Judge the background level (the quietest blocks), not the RMS: the speaker check may play
    # its probe during this capture, and that must not hide a mic that hears almost nothing.
    if loud.noise_floor_dbfs < cfg.min_rms_dbfs:
        return Outcome(
            Status.WARN,
            ctx.t("mic.too_low", rms=f"{loud.noise_floor_dbfs:.1f}", min=f"{cfg.min_rms_dbfs:g}"),
            ctx.t("mic.too_low_hint"),
            metrics,
        )
    return Outcome(
        Status.PASS,
        ctx.t("mic.ok", device=dev.name, rms=f"{loud.rms_dbfs:.1f}", peak=f"{loud.peak_dbfs:.1f}"),
        None,
        metrics,
    )


def listen(ctx: CheckContext, held: tuple[Any, ...]) -> Outcome:
    """The passive microphone check: present, who records it, its level from the sound server."""
    metrics: dict[str, Any] = {"passive": True}
    if held:
        metrics["in_use_by"] = [{"name": h.name, "pid": h.pid, "via": h.via} for h in held]
    audio_ = ctx.call.audio if ctx.call is not None else None
    source = audio_.source if audio_ is not None else None
    if audio_ is not None and audio_.server and source:
        from agent.room.pulse import Pulse

        metrics["source"] = source
        try:
            with Pulse(audio_.server) as pulse:
                device = next((d for d in pulse.sources() if d.name == source), None)
                if device is None:
                    metrics["presence"] = "gone"
                    return Outcome(
                        Status.FAIL,
                        ctx.t("mic.gone", device=source),
                        ctx.t("mic.gone_hint"),
                        metrics,
                    )
                metrics["muted"] = device.muted
                peak = pulse.peak_dbfs(source, min(ctx.config.microphone.seconds, 1.0))
        except DeviceUnavailableError as exc:
            metrics["sound_server"] = exc.message
        else:
            if peak is not None:
                metrics["peak_dbfs"] = round(peak, 1)
            if device.muted:
                return Outcome(
                    Status.WARN,
                    ctx.t("mic.muted_in_call", device=device.description or source),
                    ctx.t("mic.muted_in_call_hint"),
                    metrics,
                )
    if held:
        return Outcome(Status.PASS, ctx.t("mic.in_use", holders=holders_text(held)), None, metrics)
    return Outcome(Status.PASS, ctx.t("mic.in_call"), None, metrics)


def _alsa_holders() -> tuple[Any, ...]:
    """Who holds the sound card's capture side now (the open failed as busy)."""
    from agent.room import procfs
    from agent.room.call import Holder

    out = []
    for pcm in procfs.pcms():
        if pcm.stream == "capture" and pcm.owner_pid is not None and pcm.state != "closed":
            who = procfs.process(pcm.owner_pid)
            out.append(
                Holder("microphone", pcm.owner_pid, who.name if who else "", "alsa", pcm.node)
            )
    return tuple(out)
