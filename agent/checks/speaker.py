"""The `speaker` check: play a chirp on the output, find it in the mic with a matched filter."""

from __future__ import annotations

from typing import Any, Final

from agent.checks import CheckContext, Outcome, Status, holders_text, skip
from agent.errors import DeviceError, DeviceTimeoutError, DeviceUnavailableError

PROBE_S: Final = 0.2
LEAD_S: Final = 0.05  # silence before the probe, so its onset is inside the recording
MAX_LATENCY_S: Final = 0.5  # a probe heard later than this is not ours
NOT_HEARD_DB: Final = 3.0  # below this SNR the probe is not there at all


def run(ctx: CheckContext) -> Outcome:
    """Measure SNR and latency of the speaker→mic path; never play during a meeting."""
    cfg = ctx.config.speaker
    if not cfg.enabled:
        return skip(ctx, "speaker.disabled")
    # Never a tone into a call, nor over a program that holds the output for itself.
    held = ctx.held("speaker")
    exclusive = tuple(h for h in held if h.via != "pulse")
    if ctx.passive or exclusive:
        metrics: dict[str, Any] = {"passive": True}
        if held:
            metrics["in_use_by"] = [{"name": h.name, "pid": h.pid, "via": h.via} for h in held]
        if exclusive:
            summary = ctx.t("speaker.in_use", holders=holders_text(exclusive))
        elif ctx.call is not None and ctx.call.on:
            summary = ctx.t("speaker.in_call")
        else:
            summary = ctx.t("speaker.in_meeting")
        return Outcome(Status.SKIP, summary, None, metrics)

    from agent.media import audio, dsp

    try:
        out_dev = audio.resolve(cfg.device, "output")
    except DeviceUnavailableError as exc:
        return Outcome(
            Status.FAIL,
            ctx.t("speaker.no_output", error=exc.message),
            ctx.t("speaker.no_output_hint"),
            {},
        )
    try:
        in_dev = audio.resolve(ctx.config.microphone.device, "input")
    except DeviceUnavailableError as exc:
        return Outcome(
            Status.FAIL,
            ctx.t("speaker.no_input", error=exc.message),
            ctx.t("mic.no_device_hint"),
            {},
        )
    sr = ctx.config.microphone.samplerate
    metrics = {
        "output": out_dev.name,
        "input": in_dev.name,
        "level_dbfs": cfg.level_dbfs,
    }
    probe = dsp.probe(sr, PROBE_S, cfg.level_dbfs)
    import numpy as np

    lead = np.zeros(int(LEAD_S * sr), dtype=np.float32)
    record_s = max(cfg.seconds, LEAD_S + PROBE_S + 0.25)
    timeout = max(min(record_s + 3.0, ctx.deadline_s("speaker") - 1.0), record_s + 0.2)
    try:
        lb = audio.play_and_record(
            out_dev.index,
            in_dev.index,
            np.concatenate([lead, probe]),
            samplerate=sr,
            record_s=record_s,
            timeout_s=timeout,
            cancel=ctx.cancel,
        )
    except (DeviceTimeoutError, DeviceError, DeviceUnavailableError) as exc:
        if ctx.cancel.is_set():
            return Outcome(Status.ERROR, ctx.t("media.cancelled", name="speaker"), None, metrics)
        return Outcome(
            Status.FAIL,
            ctx.t("speaker.failed", error=exc.message),
            ctx.t("speaker.failed_hint"),
            metrics,
        )
    heard = dsp.levels(lb.recording, sr)[0]
    metrics["mic_rms_dbfs"] = heard.rms_dbfs
    if heard.silent:
        return Outcome(Status.FAIL, ctx.t("speaker.silent"), ctx.t("speaker.silent_hint"), metrics)
    det = dsp.detect(lb.recording, probe, max_lag=int((LEAD_S + MAX_LATENCY_S) * sr))
    metrics.update(snr_db=det.snr_db, gain_db=det.gain_db)
    if det.snr_db < NOT_HEARD_DB:
        return Outcome(
            Status.FAIL,
            ctx.t("speaker.not_heard", snr=f"{det.snr_db:.0f}"),
            ctx.t("speaker.not_heard_hint"),
            metrics,
        )
    # The PortAudio clocks of two streams agree only to a millisecond or so; never report < 0.
    offset = lb.offset_s or 0.0
    latency_ms = max((det.lag_samples / sr + offset - LEAD_S) * 1000, 0.0)
    metrics["latency_ms"] = round(latency_ms, 1)
    if det.snr_db < cfg.min_snr_db:
        return Outcome(
            Status.WARN,
            ctx.t("speaker.weak", snr=f"{det.snr_db:.0f}", min=f"{cfg.min_snr_db:g}"),
            ctx.t("speaker.weak_hint"),
            metrics,
        )
    return Outcome(
        Status.PASS,
        ctx.t("speaker.ok", snr=f"{det.snr_db:.0f}", latency=f"{latency_ms:.0f}"),
        None,
        metrics,
    )
