"""The microphone check against a real PulseAudio room."""

from __future__ import annotations

import threading

import pytest

from agent.checks import CheckContext, Status, microphone

pytestmark = pytest.mark.pulse


def ctx_for(
    make_config, device: str = "room_mic", extra: str = "", lang: str = "en"
) -> CheckContext:
    seconds = "" if "seconds" in extra else "seconds = 0.5\n"
    return CheckContext(
        make_config(f'[microphone]\ndevice = "{device}"\n{seconds}{extra}'), lang=lang
    )


def test_room_noise_passes_with_levels(make_config, pulse_room) -> None:
    pulse_room.ambient(-45)
    out = microphone.run(ctx_for(make_config))
    assert out.status is Status.PASS, out
    assert out.metrics["rms_dbfs"] == pytest.approx(-45, abs=1.5)
    assert out.metrics["noise_floor_dbfs"] == pytest.approx(-45, abs=2)
    assert out.metrics["peak_dbfs"] > out.metrics["rms_dbfs"]
    ch = out.metrics["channels"][0]
    assert ch["clip_ratio"] == 0
    assert abs(ch["dc_offset"]) < 0.001
    assert out.summary.startswith("room_mic: level -4")


def test_default_device_is_used_when_unconfigured(make_config, pulse_room) -> None:
    pulse_room.ambient(-40)
    out = microphone.run(ctx_for(make_config, device=""))
    assert out.status is Status.PASS, out
    assert out.metrics["device"] == "default"


def test_dead_silence_fails(make_config, pulse_room) -> None:
    out = microphone.run(ctx_for(make_config, lang="vi"))
    assert out.status is Status.FAIL
    assert "im lặng tuyệt đối" in out.summary
    assert out.hint
    assert "tắt tiếng" in out.hint


def test_muted_sink_gives_exact_zeros(make_config, pulse_room) -> None:
    pulse_room.ambient(-30)
    pulse_room.mute()
    out = microphone.run(ctx_for(make_config))
    assert out.status is Status.FAIL
    assert "dead silence" in out.summary


def test_quiet_mic_warns(make_config, pulse_room) -> None:
    pulse_room.ambient(-85)
    out = microphone.run(ctx_for(make_config))
    assert out.status is Status.WARN, out
    assert "hears almost nothing" in out.summary
    assert out.hint


def test_clipping_warns(make_config, pulse_room) -> None:
    pulse_room.ambient(6, kind="tone")
    out = microphone.run(ctx_for(make_config))
    assert out.status is Status.WARN, out
    assert "clips" in out.summary
    assert out.hint
    assert "gain" in out.hint


def test_unknown_device_fails_and_names_what_exists(make_config, pulse_room) -> None:
    out = microphone.run(ctx_for(make_config, device="Shure MXA"))
    assert out.status is Status.FAIL
    assert "Shure MXA" in out.summary
    assert "room_mic" in out.summary
    assert out.hint
    assert "hnth-agent devices" in out.hint


def _run_with_fault(make_config, fault) -> object:
    ctx = ctx_for(make_config, extra="seconds = 2.0\n")
    result: list[object] = []
    th = threading.Thread(target=lambda: result.append(microphone.run(ctx)), daemon=True)
    th.start()
    threading.Timer(0.4, fault).start()
    th.join(20)
    assert not th.is_alive(), "the microphone check hung"
    return result[0]


@pytest.mark.timeout(60)
def test_mic_that_stops_calling_back_fails_within_deadline(make_config, pulse_room) -> None:
    pulse_room.ambient(-40)
    out = _run_with_fault(make_config, pulse_room.freeze_mic)
    assert out.status is Status.FAIL, out
    assert "stopped delivering sound" in out.summary
    assert out.hint
    assert "replug" in out.hint


def test_mic_module_unloaded_falls_back_to_another_source(make_config, pulse_room) -> None:
    # PulseAudio moves the stream to the fallback source (speaker.monitor): sound keeps coming.
    pulse_room.ambient(-40)
    pulse_room.unload_mic()
    out = microphone.run(ctx_for(make_config, device=""))
    assert out.status is Status.PASS, out


@pytest.mark.timeout(60)
def test_pulseaudio_killed_mid_capture_fails_within_deadline(make_config, pulse_room) -> None:
    pulse_room.ambient(-40)
    out = _run_with_fault(make_config, pulse_room.kill)
    assert out.status is Status.FAIL, out
    assert out.hint


def test_the_speaker_probe_does_not_count_as_room_sound(make_config, pulse_room) -> None:
    from agent.checks import speaker
    from agent.checks.runner import run_checks

    pulse_room.ambient(-60)
    cfg = make_config('[microphone]\ndevice = "room_mic"\n[speaker]\ndevice = "room_speaker"\n')
    report = run_checks(["microphone", "speaker"], CheckContext(cfg, lang="en"))
    mic, spk = report.result("microphone"), report.result("speaker")
    assert spk is not None
    assert spk.status is Status.PASS  # the probe did play, loud
    assert mic is not None
    assert mic.status is Status.PASS
    # The capture and the loopback take turns (one PortAudio stream set at a time), and the
    # probe's echo tail is left out: the mic measured the room, not the -20 dBFS chirp.
    assert mic.metrics["rms_dbfs"] == pytest.approx(-60, abs=2)
    assert mic.metrics["seconds_measured"] >= 0.8
    assert speaker.PROBE_S > 0
