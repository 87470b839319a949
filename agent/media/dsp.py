"""Sans-IO audio analysis: levels per channel, the loopback probe and its matched filter."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Samples = npt.NDArray[np.float32]

FLOOR_DBFS: Final = -200.0  # what exact digital silence reports instead of -inf
CLIP_LEVEL: Final = 0.999  # |x| at or above this counts as clipped (full scale is 1.0)
SNR_CAP_DB: Final = 120.0  # a noiseless digital loopback reports this instead of +inf
PROBE_F0: Final = 500.0
PROBE_F1: Final = 4000.0


@dataclass(frozen=True, slots=True)
class ChannelLevels:
    """Levels of one channel of a capture; dBFS relative to a full-scale sine's peak."""

    rms_dbfs: float
    peak_dbfs: float
    noise_floor_dbfs: float  # the RMS of the quietest 10 % of 20 ms blocks
    clip_ratio: float  # share of samples at full scale
    dc_offset: float  # mean sample value, full scale = 1.0
    silent: bool  # every sample exactly zero: muted, unplugged or a dead driver


@dataclass(frozen=True, slots=True)
class Detection:
    """Where the probe was found in a recording and how clearly."""

    lag_samples: int  # index in the recording where the probe starts
    gain_db: float  # level of the heard probe relative to the played one
    snr_db: float  # the probe's power against everything else in its window


def db(value: float) -> float:
    """Return 20·log10(value), floored at FLOOR_DBFS for zero."""
    return 20 * math.log10(value) if value > 0 else FLOOR_DBFS


def levels(samples: Samples, samplerate: int) -> list[ChannelLevels]:
    """Measure each channel of a (frames, channels) float capture."""
    import numpy as np

    data = np.asarray(samples, dtype=np.float64)
    if data.ndim == 1:
        data = data[:, None]
    block = max(samplerate // 50, 1)
    out: list[ChannelLevels] = []
    for ch in range(data.shape[1]):
        x = data[:, ch]
        if x.size == 0:
            out.append(ChannelLevels(FLOOR_DBFS, FLOOR_DBFS, FLOOR_DBFS, 0.0, 0.0, silent=True))
            continue
        n_blocks = max(x.size // block, 1)
        blocks = x[: n_blocks * block].reshape(n_blocks, -1) if x.size >= block else x[None, :]
        block_rms = np.sqrt(np.mean(blocks**2, axis=1))
        quiet = np.sort(block_rms)[: max(len(block_rms) // 10, 1)]
        out.append(
            ChannelLevels(
                rms_dbfs=round(db(float(np.sqrt(np.mean(x**2)))), 2),
                peak_dbfs=round(db(float(np.max(np.abs(x)))), 2),
                noise_floor_dbfs=round(db(float(np.mean(quiet))), 2),
                clip_ratio=round(float(np.mean(np.abs(x) >= CLIP_LEVEL)), 6),
                dc_offset=round(float(np.mean(x)), 6),
                silent=not bool(np.any(x)),
            )
        )
    return out


def probe(samplerate: int, seconds: float = 0.2, level_dbfs: float = -20.0) -> Samples:
    """Return a linear chirp PROBE_F0→PROBE_F1 with 10 ms fades, peaking at `level_dbfs`."""
    import numpy as np

    n = max(int(samplerate * seconds), 16)
    tt = np.arange(n) / samplerate
    k = (PROBE_F1 - PROBE_F0) / seconds
    x = np.sin(2 * np.pi * (PROBE_F0 * tt + 0.5 * k * tt**2))
    fade = min(int(0.01 * samplerate), n // 2)
    if fade:
        ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fade))
        x[:fade] *= ramp
        x[-fade:] *= ramp[::-1]
    return (x * 10 ** (level_dbfs / 20)).astype(np.float32)


def detect(recording: Samples, reference: Samples, max_lag: int | None = None) -> Detection:
    """Find `reference` in a mono `recording` with a matched filter and measure its SNR."""
    import numpy as np

    x = np.asarray(recording, dtype=np.float64).reshape(-1)
    p = np.asarray(reference, dtype=np.float64).reshape(-1)
    ep = float(p @ p)
    if x.size < p.size or ep == 0:
        return Detection(0, FLOOR_DBFS, -SNR_CAP_DB)
    size = 1 << (x.size + p.size - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(x, size) * np.conj(np.fft.rfft(p, size)), size)[
        : x.size - p.size + 1
    ]
    limit = corr.size if max_lag is None else min(max_lag + 1, corr.size)
    lag = int(np.argmax(np.abs(corr[:limit])))
    seg = x[lag : lag + p.size]
    a = float(seg @ p) / ep
    residual = float(np.sum((seg - a * p) ** 2))
    signal = a * a * ep
    if signal == 0:
        snr = -SNR_CAP_DB
    elif residual <= signal * 10 ** (-SNR_CAP_DB / 10):
        snr = SNR_CAP_DB
    else:
        snr = 10 * math.log10(signal / residual)
    return Detection(lag, round(db(abs(a)), 2), round(snr, 2))
