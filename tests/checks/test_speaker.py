"""The speaker→mic acoustic loopback against a real PulseAudio room."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from agent.checks import CheckContext, Status, speaker
from agent.media import audio

pytestmark = pytest.mark.pulse


def ctx_for(make_config, out_dev: str = "room_speaker", extra: str = "", **kw) -> CheckContext:
    cfg = make_config(
        f'[microphone]\ndevice = "room_mic"\n[speaker]\ndevice = "{out_dev}"\n{extra}'
    )
    return CheckContext(cfg, lang=kw.pop("lang", "en"), **kw)


def test_loopback_passes_when_speaker_and_mic_are_joined(make_config, pulse_room) -> None:
    pulse_room.ambient(-50)
    out = speaker.run(ctx_for(make_config))
    assert out.status is Status.PASS, out
    assert out.metrics["snr_db"] > 20
    assert 0 <= out.metrics["latency_ms"] < 200
    assert out.metrics["gain_db"] == pytest.approx(0, abs=1)


def test_noiseless_room_reports_capped_snr(make_config, pulse_room) -> None:
    out = speaker.run(ctx_for(make_config))
    assert out.status is Status.PASS, out
    assert out.metrics["snr_db"] >= 60


def test_probe_to_the_other_sink_is_not_heard(make_config, pulse_room) -> None:
    pulse_room.ambient(-50)
    out = speaker.run(ctx_for(make_config, "room_hdmi"))
    assert out.status is Status.FAIL
    assert "did not hear the probe" in out.summary
    assert out.hint
    assert "amplifier" in out.hint
    assert "HDMI" in out.hint


def test_muted_sink_fails(make_config, pulse_room) -> None:
    pulse_room.mute()
    out = speaker.run(ctx_for(make_config, lang="vi"))
    assert out.status is Status.FAIL
    assert out.summary == "micro hoàn toàn im lặng khi phát tín hiệu thử"
    assert out.hint
    assert "tắt tiếng" in out.hint


def test_faint_probe_warns(make_config, pulse_room) -> None:
    pulse_room.ambient(-45)
    out = speaker.run(ctx_for(make_config, extra="min_snr_db = 40.0\n"))
    assert out.status is Status.WARN, out
    assert "faint" in out.summary


def test_in_meeting_skips_and_plays_nothing(make_config, pulse_room) -> None:
    mic = audio.resolve("room_mic", "input")
    heard: list[np.ndarray] = []
    rec = threading.Thread(
        target=lambda: heard.append(
            audio.record(mic.index, seconds=1.0, samplerate=48000, channels=1, timeout_s=5)
        ),
        daemon=True,
    )
    rec.start()
    out = speaker.run(ctx_for(make_config, in_meeting=True))
    rec.join(10)
    assert out.status is Status.SKIP
    assert out.summary == "a meeting is in progress: no probe is played"
    assert heard
    assert not np.any(heard[0])


def test_disabled_skips(make_config) -> None:
    out = speaker.run(ctx_for(make_config, extra="enabled = false\n"))
    assert out.status is Status.SKIP


def test_missing_output_fails_with_hint(make_config, pulse_room) -> None:
    out = speaker.run(ctx_for(make_config, "Yamaha amp"))
    assert out.status is Status.FAIL
    assert out.hint
    assert "[speaker] device" in out.hint
