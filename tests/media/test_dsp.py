"""Levels and the matched filter on signals whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from agent.media import dsp

SR = 48000


def sine(freq: float, amp: float, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_full_scale_sine_levels() -> None:
    (lv,) = dsp.levels(sine(1000, 1.0)[:, None], SR)
    assert lv.peak_dbfs == pytest.approx(0.0, abs=0.01)
    assert lv.rms_dbfs == pytest.approx(-3.01, abs=0.02)
    assert not lv.silent


def test_exact_zeros_are_silent_and_floored() -> None:
    lv = dsp.levels(np.zeros((4800, 2), np.float32), SR)
    assert [c.silent for c in lv] == [True, True]
    assert lv[0].rms_dbfs == dsp.FLOOR_DBFS


def test_channels_are_measured_separately() -> None:
    x = np.stack([sine(440, 0.1), np.zeros(SR, np.float32)], axis=1)
    left, right = dsp.levels(x, SR)
    assert left.rms_dbfs == pytest.approx(-23.01, abs=0.05)
    assert right.silent
    assert not left.silent


def test_clipping_ratio_and_dc_offset() -> None:
    x = np.clip(sine(100, 2.0), -1, 1) + 0.0
    (lv,) = dsp.levels(x, SR)
    assert lv.clip_ratio > 0.5
    (dc,) = dsp.levels(np.full(SR, 0.25, np.float32), SR)
    assert dc.dc_offset == pytest.approx(0.25)


def test_noise_floor_ignores_a_short_loud_burst() -> None:
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(SR) * 0.001).astype(np.float32)  # -60 dBFS
    x[: SR // 5] += sine(1000, 0.5, 0.2)
    (lv,) = dsp.levels(x, SR)
    assert lv.noise_floor_dbfs == pytest.approx(-60, abs=1.5)
    assert lv.rms_dbfs > -20


def test_probe_level_and_band() -> None:
    p = dsp.probe(SR, 0.2, -20.0)
    assert float(np.max(np.abs(p))) == pytest.approx(0.1, rel=0.01)
    spectrum = np.abs(np.fft.rfft(p))
    freqs = np.fft.rfftfreq(p.size, 1 / SR)
    inside = spectrum[(freqs >= dsp.PROBE_F0) & (freqs <= dsp.PROBE_F1)].sum()
    assert inside / spectrum.sum() > 0.9


@pytest.mark.parametrize("lag", [0, 1, 480, 7777])
def test_detect_finds_the_probe_at_its_lag(lag: int) -> None:
    p = dsp.probe(SR, 0.2, -20.0)
    rng = np.random.default_rng(lag)
    x = (rng.standard_normal(SR) * 10 ** (-50 / 20)).astype(np.float32)
    x[lag : lag + p.size] += p * 0.5
    det = dsp.detect(x, p)
    assert det.lag_samples == lag
    assert det.gain_db == pytest.approx(-6.02, abs=0.2)
    # probe RMS ≈ -23 dBFS - 6 dB heard against -50 dBFS noise → about 21 dB
    assert det.snr_db == pytest.approx(21, abs=1.5)


def test_detect_reports_noise_only_as_not_heard() -> None:
    p = dsp.probe(SR, 0.2, -20.0)
    rng = np.random.default_rng(3)
    x = (rng.standard_normal(SR) * 0.05).astype(np.float32)
    assert dsp.detect(x, p).snr_db < 0


def test_detect_caps_a_noiseless_loopback_and_respects_max_lag() -> None:
    p = dsp.probe(SR, 0.1, -20.0)
    x = np.zeros(SR, np.float32)
    x[30000 : 30000 + p.size] = p
    assert dsp.detect(x, p).snr_db == dsp.SNR_CAP_DB
    assert dsp.detect(x, p, max_lag=1000).snr_db < 0  # the probe lies beyond the window


def test_detect_on_silence_and_short_input() -> None:
    p = dsp.probe(SR, 0.1)
    assert dsp.detect(np.zeros(SR, np.float32), p).snr_db == -dsp.SNR_CAP_DB
    assert dsp.detect(np.zeros(10, np.float32), p).snr_db == -dsp.SNR_CAP_DB
