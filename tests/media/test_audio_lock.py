"""One capture or loopback at a time per process: PortAudio crashed when two raced."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

from agent.checks import CheckContext, Status
from agent.checks.worker import Batch, Request
from agent.errors import DeviceError, DeviceTimeoutError
from agent.media import audio, dsp

pytestmark = pytest.mark.pulse

SR = 48000
SECONDS = 0.6  # both calls record this long, so two that ran together would end together


@pytest.fixture
def devices(pulse_room) -> tuple[int, int]:
    """(speaker, mic) device indexes of the room."""
    return audio.resolve("room_speaker", "output").index, audio.resolve("room_mic", "input").index


def probe_signal() -> np.ndarray:
    lead = np.zeros(int(0.05 * SR), dtype=np.float32)
    return np.concatenate([lead, dsp.probe(SR, 0.2, -20.0)])


def capture(mic: int, *, seconds: float = SECONDS, **kw) -> np.ndarray:
    kw.setdefault("timeout_s", 5.0)
    return audio.record(mic, seconds=seconds, samplerate=SR, channels=1, **kw)


def loopback(speaker: int, mic: int, *, seconds: float = SECONDS, **kw) -> audio.Loopback:
    kw.setdefault("timeout_s", 5.0)
    return audio.play_and_record(
        speaker, mic, probe_signal(), samplerate=SR, record_s=seconds, **kw
    )


class Timed(threading.Thread):
    """Run `fn` once, keeping its result or error and the monotonic time it returned at."""

    def __init__(self, fn, barrier: threading.Barrier | None = None) -> None:
        super().__init__(daemon=True)
        self.fn = fn
        self.barrier = barrier
        self.result: object = None
        self.error: BaseException | None = None
        self.ended = 0.0

    def run(self) -> None:
        if self.barrier is not None:
            self.barrier.wait()
        try:
            self.result = self.fn()
        except BaseException as exc:
            self.error = exc
        self.ended = time.monotonic()


def wait_for_loopback_streams(pulse_room, before: int) -> None:
    """Return once the loopback's input stream is open in the room (it holds the lock then)."""
    deadline = time.monotonic() + 5
    while source_outputs(pulse_room) <= before:
        assert time.monotonic() < deadline, "the loopback never opened its streams"
        time.sleep(0.01)


def source_outputs(pulse_room) -> int:
    return len(pulse_room.pactl("list", "short", "source-outputs").splitlines())


@pytest.mark.timeout(120)
@pytest.mark.slow
def test_capture_and_loopback_from_two_threads_take_turns(pulse_room, devices) -> None:
    speaker, mic = devices
    pulse_room.ambient(-60)
    for _ in range(20):
        barrier = threading.Barrier(2)
        cap = Timed(lambda: capture(mic), barrier)
        loop = Timed(lambda: loopback(speaker, mic), barrier)
        cap.start()
        loop.start()
        cap.join(15)
        loop.join(15)
        assert cap.error is None, cap.error
        assert loop.error is None, loop.error
        # Each call's streams ran for SECONDS before it returned. Had they run together, both
        # would have returned at about the same time; in turn, the later one ends a whole
        # capture after the earlier one (less the few ms the earlier one took to return).
        first, last = sorted((cap, loop), key=lambda th: th.ended)
        assert last.ended - first.ended >= SECONDS - 0.02
        # Real sound in both: the capture hears the room and never the probe, the loopback both.
        rec = cap.result
        assert isinstance(rec, np.ndarray)
        assert rec.shape == (int(SECONDS * SR), 1)
        heard = dsp.levels(rec, SR)[0]
        assert heard.rms_dbfs == pytest.approx(-60, abs=2)
        assert heard.peak_dbfs < -45  # the probe plays at -20 dBFS
        lb = loop.result
        assert isinstance(lb, audio.Loopback)
        assert dsp.levels(lb.recording.reshape(-1, 1), SR)[0].peak_dbfs > -30
        assert dsp.detect(lb.recording, dsp.probe(SR, 0.2, -20.0)).snr_db > 20


def test_a_capture_behind_a_long_loopback_times_out(pulse_room, devices) -> None:
    speaker, mic = devices
    before = source_outputs(pulse_room)
    loop = Timed(lambda: loopback(speaker, mic, seconds=2.0))
    loop.start()
    wait_for_loopback_streams(pulse_room, before)
    t0 = time.monotonic()
    with pytest.raises(DeviceTimeoutError, match="another audio test was still running"):
        capture(mic, seconds=0.3, timeout_s=0.8)
    waited = time.monotonic() - t0
    # It gave up when a 0.3 s capture could no longer fit in 0.8 s, not when the loopback ended.
    assert 0.4 <= waited < 0.8
    assert loop.is_alive()
    loop.join(10)
    assert loop.error is None, loop.error
    assert capture(mic, seconds=0.3, timeout_s=1.0).shape == (int(0.3 * SR), 1)


def test_a_capture_waiting_behind_a_loopback_can_be_cancelled(pulse_room, devices) -> None:
    speaker, mic = devices
    before = source_outputs(pulse_room)
    loop = Timed(lambda: loopback(speaker, mic, seconds=2.0))
    loop.start()
    wait_for_loopback_streams(pulse_room, before)
    cancel = threading.Event()
    cap = Timed(lambda: capture(mic, seconds=0.3, timeout_s=5.0, cancel=cancel))
    cap.start()
    time.sleep(0.3)
    assert cap.is_alive()
    set_at = time.monotonic()
    cancel.set()
    cap.join(5)
    assert isinstance(cap.error, DeviceError)
    assert "cancelled" in str(cap.error)
    assert cap.ended - set_at < 0.2
    assert loop.is_alive()  # it ended the wait, not the loopback
    loop.join(10)
    assert loop.error is None, loop.error


def test_the_device_list_waits_for_a_loopback(pulse_room, devices) -> None:
    speaker, mic = devices
    before = source_outputs(pulse_room)
    loop = Timed(lambda: loopback(speaker, mic, seconds=1.0))
    loop.start()
    wait_for_loopback_streams(pulse_room, before)
    listed = audio.list_devices()
    done = time.monotonic()
    loop.join(10)
    assert loop.error is None, loop.error
    assert any(d.name == "room_mic" for d in listed)
    assert done >= loop.ended - 0.05  # PortAudio's device list is not read under open streams


def test_a_capture_stuck_in_portaudio_keeps_the_lock_until_it_returns(pulse_room, devices) -> None:
    _, mic = devices
    # A stopped PulseAudio server makes PortAudio's open block inside C: the caller gives up
    # (bounded), but its helper thread still owns the streams, and so the lock.
    pid = pulse_room._daemon.pid  # PulseRoom has no "pause" use case (yet)
    os.kill(pid, signal.SIGSTOP)
    try:
        with pytest.raises(DeviceTimeoutError, match="did not return"):
            capture(mic, seconds=0.3, timeout_s=1.0)
        with pytest.raises(DeviceTimeoutError, match="another audio test was still running"):
            capture(mic, seconds=0.3, timeout_s=0.5)
    finally:
        os.kill(pid, signal.SIGCONT)
    # Once the server answers, the abandoned helper closes its stream and lets go.
    assert capture(mic, seconds=0.3, timeout_s=5.0).shape == (int(0.3 * SR), 1)


@pytest.mark.timeout(300)
@pytest.mark.slow
def test_microphone_and_speaker_checks_in_one_worker_never_error(make_config, pulse_room) -> None:
    pulse_room.ambient(-50)
    cfg = make_config(
        '[microphone]\ndevice = "room_mic"\nseconds = 0.5\n[speaker]\ndevice = "room_speaker"\n'
    )
    ctx = CheckContext(cfg, lang="en")
    timeout = max(cfg.timeout_for("microphone"), cfg.timeout_for("speaker"))
    for _ in range(10):
        batch = Batch(Request(cfg, ("microphone", "speaker"), "en", in_meeting=False), timeout)
        mic = batch.loader("microphone")(ctx)
        spk = batch.loader("speaker")(ctx)
        assert mic.status in (Status.PASS, Status.WARN), mic
        assert spk.status in (Status.PASS, Status.WARN), spk
        assert mic.metrics["rms_dbfs"] == pytest.approx(-50, abs=2)
        assert spk.metrics["snr_db"] > 20
