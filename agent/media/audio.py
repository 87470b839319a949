"""Audio capture and playback through PortAudio: the only module that imports sounddevice."""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from agent.errors import DeviceError, DeviceTimeoutError, DeviceUnavailableError
from agent.i18n import t
from agent.media.deadline import bounded

if TYPE_CHECKING:
    from collections.abc import Iterator

    from agent.media.dsp import Samples

log = logging.getLogger(__name__)
Kind = Literal["input", "output"]


@dataclass(frozen=True, slots=True)
class AudioDevice:
    """One PortAudio device as the technician sees it in `hnth-agent devices`."""

    index: int
    name: str
    hostapi: str
    inputs: int
    outputs: int
    samplerate: float
    default_input: bool
    default_output: bool


@dataclass(frozen=True, slots=True)
class Loopback:
    """A recording made while a signal played; `offset_s` aligns it to the playback."""

    recording: Samples  # mono, float32
    # (time the first recorded sample was captured) - (time the first played sample left the
    # DAC), from PortAudio's stream clocks; None when the host API gives no times.
    offset_s: float | None


def list_devices() -> list[AudioDevice]:
    """Return every PortAudio device; an empty list when PortAudio has none."""
    sd = _sd()
    with _exclusive("the audio device list", time.monotonic() + _LIST_WAIT_S, None):
        try:
            devices = sd.query_devices()
            hostapis = sd.query_hostapis()
            default_in, default_out = _defaults(sd)
        except sd.PortAudioError as exc:
            raise DeviceUnavailableError(f"PortAudio: {exc}") from None
    return [
        AudioDevice(
            index=i,
            name=str(d["name"]),
            hostapi=str(hostapis[d["hostapi"]]["name"]),
            inputs=int(d["max_input_channels"]),
            outputs=int(d["max_output_channels"]),
            samplerate=float(d["default_samplerate"]),
            default_input=i == default_in,
            default_output=i == default_out,
        )
        for i, d in enumerate(devices)
    ]


def resolve(spec: str, kind: Kind) -> AudioDevice:
    """Pick a device by index or name substring; "" means the system default for `kind`."""
    devices = [d for d in list_devices() if (d.inputs if kind == "input" else d.outputs) > 0]
    if not devices:
        raise DeviceUnavailableError(t("audio.none_of_kind", kind=t(f"audio.kind.{kind}")))
    spec = spec.strip()
    if not spec:
        chosen = next(
            (d for d in devices if (d.default_input if kind == "input" else d.default_output)), None
        )
        return chosen or devices[0]
    if spec.isdigit():
        match = next((d for d in devices if d.index == int(spec)), None)
    else:
        low = spec.lower()
        match = next((d for d in devices if d.name.lower() == low), None) or next(
            (d for d in devices if low in d.name.lower()), None
        )
    if match is None:
        names = ", ".join(d.name for d in devices)
        raise DeviceUnavailableError(
            t("audio.no_match", kind=t(f"audio.kind.{kind}"), spec=spec, names=names)
        )
    return match


def record(
    device: int,
    *,
    seconds: float,
    samplerate: int,
    channels: int,
    timeout_s: float,
    cancel: threading.Event | None = None,
    skip_probe: bool = False,
) -> Samples:
    """Capture (frames, channels) float32 samples, or raise within `timeout_s`.

    Waits first while another capture or loopback of this process runs; that wait counts
    against `timeout_s`. With `skip_probe`, blocks that arrived while this process played a
    loopback probe, or shortly after, are left out: the speaker check's chirp and its echo are
    not room sound.
    """
    deadline = time.monotonic() + timeout_s
    return bounded(
        lambda: _record(
            device,
            seconds=seconds,
            samplerate=samplerate,
            channels=channels,
            deadline=deadline,
            cancel=cancel,
            skip_probe=skip_probe,
        ),
        timeout_s + 1.0,
        f"audio capture on device {device}",
    )


def play_and_record(
    out_device: int,
    in_device: int,
    signal: Samples,
    *,
    samplerate: int,
    record_s: float,
    timeout_s: float,
    cancel: threading.Event | None = None,
) -> Loopback:
    """Play mono `signal` on one device while recording `record_s` on another; waits as record."""
    deadline = time.monotonic() + timeout_s
    return bounded(
        lambda: _loopback(
            out_device,
            in_device=in_device,
            signal=signal,
            samplerate=samplerate,
            record_s=record_s,
            deadline=deadline,
            cancel=cancel,
        ),
        timeout_s + 1.0,
        f"audio loopback {out_device}→{in_device}",
    )


def refresh() -> None:
    """Re-scan devices: PortAudio lists them once, at initialisation."""
    sd = _sd()
    with _exclusive("the audio device re-scan", time.monotonic() + _LIST_WAIT_S, None):
        # sounddevice has no public re-scan; terminate/initialize is what its docs suggest.
        sd._terminate()
        sd._initialize()


# ---------------------------------------------------------------- helpers

# PortAudio is not thread-safe: a microphone capture and a speaker loopback opening and closing
# their streams at once from two threads crashed the check worker (SIGSEGV in libportaudio and
# libc). So one capture, loopback or device re-scan at a time per process, each holding this
# lock from opening its streams to closing them. It is taken and released inside the helper
# thread of `bounded`, so a caller that gave up never leaves it held: the helper lets go when
# its stream work ends.
_IO = threading.Lock()
_POLL_S: Final = 0.02
# Longer than the longest capture the config allows ([microphone] seconds <= 30, plus 3 s).
_LIST_WAIT_S: Final = 40.0


@contextmanager
def _exclusive(what: str, by: float, cancel: threading.Event | None) -> Iterator[None]:
    """Hold the audio lock for the block; wait until monotonic time `by` at most, or `cancel`."""
    t0 = time.monotonic()
    while not _IO.acquire(timeout=max(min(_POLL_S, by - time.monotonic()), 0.0)):
        if cancel is not None and cancel.is_set():
            raise DeviceError(f"{what}: cancelled")
        if time.monotonic() >= by:
            raise DeviceTimeoutError(
                f"{what}: another audio test was still running after {time.monotonic() - t0:.1f} s"
            )
    waited = time.monotonic() - t0
    if waited >= _POLL_S:
        log.debug("%s waited %.0f ms for another audio test", what, waited * 1000)
    try:
        yield
    finally:
        _IO.release()


class _ProbeWindow:
    """When this process plays a probe; a capture may leave those blocks out."""

    # Under _IO no capture runs while this process plays a probe, only right after one, so
    # what gets left out in practice is the probe's echo tail (TAIL_S).

    TAIL_S = 0.15  # room echo and output latency: the probe is still heard this long after

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._playing = 0
        self._until = 0.0

    def begin(self) -> None:
        with self._lock:
            self._playing += 1

    def end(self) -> None:
        with self._lock:
            self._playing = max(self._playing - 1, 0)
            self._until = time.monotonic() + self.TAIL_S

    def busy(self) -> bool:
        # Called from PortAudio's callback thread: no lock, two plain reads are enough here.
        return self._playing > 0 or time.monotonic() < self._until


_PROBE = _ProbeWindow()


def _sd() -> Any:
    try:
        import sounddevice as sd
    except OSError as exc:  # libportaudio2 missing: sounddevice raises at import
        raise DeviceUnavailableError(f"PortAudio is not installed: {exc}") from None
    return sd


def _defaults(sd: Any) -> tuple[int, int]:
    dev = sd.default.device
    try:
        return int(dev[0]), int(dev[1])
    except (TypeError, ValueError):
        return -1, -1


def _port_error(sd: Any, exc: Exception, what: str) -> Exception:
    text = str(exc)
    low = text.lower()
    # ALSA says "Device or resource busy" (-16); PortAudio's own code for it is -9985.
    if isinstance(exc, sd.PortAudioError) and any(w in low for w in ("busy", "-16]", "-9985")):
        return DeviceError(f"{what}: device busy: {text}")
    if isinstance(exc, sd.PortAudioError | ValueError):
        return DeviceUnavailableError(f"{what}: {text}")
    return exc


def _wait(
    done: threading.Event, streams: list[Any], deadline: float, cancel: threading.Event | None
) -> str:
    """Wait for `done`; return "done", "cancelled", "stopped" (stream inactive) or "timeout"."""
    while not done.wait(0.02):
        if cancel is not None and cancel.is_set():
            return "cancelled"
        if not _all_active(streams) and not done.is_set():
            return "stopped"
        if time.monotonic() > deadline:
            return "timeout"
    return "done"


def _all_active(streams: list[Any]) -> bool:
    try:
        return all(s.active for s in streams)
    except Exception:  # PortAudio reports a dead server as an error, not as "inactive"
        return False


def _close(streams: list[Any]) -> None:
    for s in streams:
        try:
            s.abort()
            s.close()
        except Exception:
            log.debug("closing an audio stream failed", exc_info=True)


def _record(
    device: int,
    *,
    seconds: float,
    samplerate: int,
    channels: int,
    deadline: float,
    cancel: threading.Event | None,
    skip_probe: bool,
) -> Samples:
    import numpy as np

    sd = _sd()
    n = max(int(seconds * samplerate), 1)
    buf = np.zeros((n, channels), dtype=np.float32)
    keep = np.ones(n, dtype=bool)
    pos = [0]
    done = threading.Event()

    def callback(indata: Any, frames: int, _time: Any, _status: Any) -> None:
        take = min(frames, n - pos[0])
        buf[pos[0] : pos[0] + take] = indata[:take]
        if _PROBE.busy():
            keep[pos[0] : pos[0] + take] = False
        pos[0] += take
        if pos[0] >= n:
            done.set()
            raise sd.CallbackStop

    what = f"audio input {device}"
    # The capture itself needs `seconds`: a later start could only end in a timeout.
    with _exclusive(what, deadline - seconds, cancel):
        try:
            stream = sd.InputStream(
                device=device,
                channels=channels,
                samplerate=samplerate,
                dtype="float32",
                callback=callback,
            )
            stream.start()
        except Exception as exc:
            raise _port_error(sd, exc, what) from None
        try:
            state = _wait(done, [stream], deadline, cancel)
        finally:
            _close([stream])
    out = _finish(state, buf, pos[0], n, what)
    # Keep the whole capture when the probe covered nearly all of it: some sound beats none.
    if skip_probe and keep.sum() >= n // 10 and not keep.all():
        log.debug("left %d probe frames out of the capture", n - int(keep.sum()))
        return out[keep]
    return out


def _loopback(
    out_device: int,
    *,
    in_device: int,
    signal: Samples,
    samplerate: int,
    record_s: float,
    deadline: float,
    cancel: threading.Event | None,
) -> Loopback:
    import numpy as np

    sd = _sd()
    n = max(int(record_s * samplerate), 1)
    buf = np.zeros((n, 1), dtype=np.float32)
    play = np.asarray(signal, dtype=np.float32).reshape(-1)
    pos = [0]
    played = [0]
    done = threading.Event()
    times: dict[str, float] = {}

    def in_cb(indata: Any, frames: int, tinfo: Any, _status: Any) -> None:
        if pos[0] == 0:
            times["adc"] = float(tinfo.inputBufferAdcTime)
        take = min(frames, n - pos[0])
        buf[pos[0] : pos[0] + take] = indata[:take, :1]
        pos[0] += take
        if pos[0] >= n:
            done.set()
            raise sd.CallbackStop

    def out_cb(outdata: Any, frames: int, tinfo: Any, _status: Any) -> None:
        if played[0] == 0:
            times["dac"] = float(tinfo.outputBufferDacTime)
        chunk = play[played[0] : played[0] + frames]
        outdata[: chunk.size, 0] = chunk
        outdata[chunk.size :] = 0
        played[0] += frames

    what = f"audio loopback {out_device}→{in_device}"
    streams: list[Any] = []
    with _exclusive(what, deadline - record_s, cancel):
        try:
            streams.append(
                sd.InputStream(
                    device=in_device,
                    channels=1,
                    samplerate=samplerate,
                    dtype="float32",
                    callback=in_cb,
                )
            )
            streams.append(
                sd.OutputStream(
                    device=out_device,
                    channels=1,
                    samplerate=samplerate,
                    dtype="float32",
                    callback=out_cb,
                )
            )
            _PROBE.begin()
            for s in streams:
                s.start()
        except Exception as exc:
            _close(streams)
            _PROBE.end()
            raise _port_error(sd, exc, what) from None
        try:
            state = _wait(done, streams, deadline, cancel)
        finally:
            _close(streams)
            _PROBE.end()
    rec = _finish(state, buf, pos[0], n, what)
    adc, dac = times.get("adc", 0.0), times.get("dac", 0.0)
    offset = adc - dac if adc > 0 and dac > 0 else None
    return Loopback(rec[:, 0].copy(), offset)


def _finish(state: str, buf: Samples, got: int, n: int, what: str) -> Samples:
    if state == "done":
        return buf
    if state == "cancelled":
        raise DeviceError(f"{what}: cancelled")
    if state == "stopped":
        raise DeviceUnavailableError(f"{what}: the stream stopped after {got} of {n} frames")
    raise DeviceTimeoutError(
        f"{what}: no audio for {(got and 'part') or 'all'} of the capture ({got}/{n} frames)"
    )
