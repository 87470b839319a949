"""agent.room.pulse against a real PulseAudio room: devices, others' streams, levels, events."""

from __future__ import annotations

import ctypes
import logging
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agent.errors import DeviceUnavailableError
from agent.room import pulse
from agent.room.pulse import APP_ID, Events, Pulse, Stream
from tests.fixtures.common import need_program

RATE = 48000


# ---------------------------------------------------------------- helpers


def wait_for(check: Callable[[], object], timeout: float = 5.0) -> object:
    """Poll `check` until it returns something truthy or `timeout` passes; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


def outputs_on(room, source: str) -> int:
    """How many source-outputs (of anyone, modules included) pactl sees on `source`."""
    index = next(
        line.split("\t")[0]
        for line in room.pactl("list", "short", "sources").splitlines()
        if line.split("\t")[1] == source
    )
    rows = room.pactl("list", "short", "source-outputs").splitlines()
    return sum(1 for row in rows if row.split("\t")[1] == index)


def pids(streams: tuple[Stream, ...]) -> set[int | None]:
    return {s.pid for s in streams}


def strangers(room) -> set[int | None]:
    """Pids already recording the mic when a test starts (see `restore`)."""
    with Pulse(room.server) as p:
        return pids(p.recorders("mic"))


def restore(room) -> None:
    """Restart the room after a test that unloaded the mic, so it leaves no stranger behind.

    agent/sim/pulse.py's reset() reloads the mic and makes it the default source again, and
    PulseAudio then moves the speaker.monitor keeper (on the fallback default meanwhile) to the
    mic: a `pacat -r` recording the mic from then on. A fresh daemon has the keepers in place.
    """
    room.kill()
    room.reset()


class Seen:
    """An on_change that remembers every (facility, kind) with its arrival time."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, float]] = []
        self._cond = threading.Condition()

    def __call__(self, facility: str, kind: str) -> None:
        with self._cond:
            self.events.append((facility, kind, time.monotonic()))
            self._cond.notify_all()

    def wait(self, facility: str, kind: str, *, after: float, timeout: float) -> float | None:
        """Arrival time of the first (facility, kind) seen after `after`, or None."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for f, k, at in self.events:
                    if (f, k) == (facility, kind) and at >= after:
                        return at
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)


def event_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "pulse-events"]


@pytest.fixture
def spawn(pulse_room) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start pacat children against the room; every one is reaped after the test."""
    need_program("pacat")
    children: list[subprocess.Popen[bytes]] = []

    def start(*argv: str, env: dict[str, str] | None = None, **kw) -> subprocess.Popen[bytes]:
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.DEVNULL)
        child = subprocess.Popen(
            ["pacat", *argv],
            env={**os.environ, **pulse_room.env, **(env or {})},
            stderr=subprocess.DEVNULL,
            **kw,
        )
        children.append(child)
        return child

    try:
        yield start
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
            for pipe in (child.stdin, child.stdout):
                if pipe is not None:
                    pipe.close()


@pytest.fixture
def room_pulse(pulse_room) -> Iterator[Pulse]:
    with Pulse(pulse_room.server) as p:
        yield p


@pytest.fixture
def dev_zero() -> Iterator[object]:
    with Path("/dev/zero").open("rb") as f:
        yield f


# ---------------------------------------------------------------- devices


@pytest.mark.pulse
def test_the_rooms_devices_and_defaults(pulse_room) -> None:
    with Pulse() as p:  # server None: PULSE_SERVER, which the fixture exported
        sources = {d.name: d for d in p.sources()}
        sinks = {d.name: d for d in p.sinks()}
        assert p.default_source() == "mic"
        assert p.default_sink() == "speaker"
    assert set(sources) == {"mic", "speaker.monitor", "hdmi.monitor"}
    assert set(sinks) == {"speaker", "hdmi"}
    assert not sources["mic"].monitor
    assert sources["speaker.monitor"].monitor
    assert sources["hdmi.monitor"].monitor
    assert not any(d.monitor for d in sinks.values())
    assert sources["mic"].description
    for d in (*sources.values(), *sinks.values()):
        assert d.state in {"running", "idle", "suspended"}
        assert d.muted is False


@pytest.mark.pulse
def test_a_muted_sink_and_an_unloaded_mic_show(pulse_room, room_pulse) -> None:
    pulse_room.mute("hdmi")
    pulse_room.unload_mic()
    try:
        assert {d.name: d.muted for d in room_pulse.sinks()} == {"speaker": False, "hdmi": True}
        assert "mic" not in {d.name for d in room_pulse.sources()}
        assert room_pulse.recorders("mic") == ()
        assert room_pulse.peak_dbfs("mic", 0.2) is None
    finally:
        restore(pulse_room)


@pytest.mark.pulse
def test_our_connection_carries_our_name_and_app_id(pulse_room, room_pulse) -> None:
    blocks = pulse_room.pactl("list", "clients").split("Client #")
    ours = [b for b in blocks if f'application.process.id = "{os.getpid()}"' in b]
    assert ours
    assert all('application.name = "hnth-agent"' in b for b in ours), ours
    assert all(f'application.id = "{APP_ID}"' in b for b in ours), ours


# ---------------------------------------------------------------- other clients' streams


@pytest.mark.pulse
def test_a_recorder_of_the_mic_shows_with_pid_and_name(pulse_room, room_pulse, spawn) -> None:
    before = strangers(pulse_room)
    child = spawn("-r", "-d", "mic")
    found = wait_for(lambda: pids(room_pulse.recorders("mic")) - before)
    assert found == {child.pid}
    (stream,) = [s for s in room_pulse.recorders("mic") if s.pid not in before]
    assert stream.pid == child.pid
    assert stream.name == "pacat"
    assert stream.app == "pacat"
    assert stream.target == "mic"
    assert stream.corked is False
    # Not on the other sources, and the room's keeper is not on the mic.
    assert child.pid not in pids(room_pulse.recorders("hdmi.monitor"))


@pytest.mark.pulse
def test_a_modules_own_stream_is_not_a_recorder(pulse_room, room_pulse) -> None:
    # speaker.monitor's readers: module-remap-source's own stream feeding the mic, which has
    # no client, and the room's keeper (a pacat) unless an earlier reset() moved it (`restore`).
    rows = [r.split("\t") for r in pulse_room.pactl("list", "short", "source-outputs").splitlines()]
    with_client = outputs_on(pulse_room, "speaker.monitor") - sum(1 for r in rows if r[2] == "-")
    found = room_pulse.recorders("speaker.monitor")
    assert len(found) == with_client
    assert all(s.name == "pacat" and s.pid is not None for s in found)
    assert any(r[2] == "-" for r in rows)  # the module's stream is there, and not counted


@pytest.mark.pulse
def test_a_player_on_the_speaker_shows(pulse_room, room_pulse, spawn, dev_zero) -> None:
    child = spawn("-p", "--raw", "-d", "speaker", stdin=dev_zero)  # plays silence
    found = wait_for(lambda: room_pulse.players("speaker"))
    assert isinstance(found, tuple)
    assert pids(found) == {child.pid}
    assert found[0].target == "speaker"
    assert found[0].name == "pacat"
    assert room_pulse.players("hdmi") == ()
    assert room_pulse.players("speaker", exclude_pids=[child.pid]) == ()


@pytest.mark.pulse
def test_excluded_pids_and_our_own_app_id_are_not_counted(pulse_room, room_pulse, spawn) -> None:
    before, outputs = strangers(pulse_room), outputs_on(pulse_room, "mic")
    other = spawn("-r", "-d", "mic")
    spawn("-r", "-d", "mic", env={"PULSE_PROP": f"application.id={APP_ID}"})
    assert wait_for(lambda: outputs_on(pulse_room, "mic") == outputs + 2)
    assert pids(room_pulse.recorders("mic")) == {other.pid, *before}
    excluded = {other.pid, *(p for p in before if p is not None)}
    assert room_pulse.recorders("mic", exclude_pids=excluded) == ()


@pytest.mark.pulse
def test_the_rooms_ambient_sound_is_a_player(pulse_room, room_pulse) -> None:
    # Callers must not take a player alone for a call; here it is only made visible.
    assert room_pulse.players("speaker") == ()
    pulse_room.ambient(-45)
    found = wait_for(lambda: room_pulse.players("speaker"))
    assert isinstance(found, tuple)
    assert pids(found) == {pulse_room._ambient.pid}


@pytest.mark.pulse
def test_our_own_level_meter_is_not_a_recorder(pulse_room, room_pulse) -> None:
    before, outputs = strangers(pulse_room), outputs_on(pulse_room, "mic")
    with Pulse(pulse_room.server) as meter:
        measuring = threading.Thread(target=meter.peak_dbfs, args=("mic", 1.5))
        measuring.start()
        try:
            assert wait_for(lambda: outputs_on(pulse_room, "mic") == outputs + 1, timeout=1.0)
            assert pids(room_pulse.recorders("mic")) == before
        finally:
            measuring.join()


# ---------------------------------------------------------------- levels


@pytest.mark.pulse
def test_the_peak_follows_the_room(pulse_room, room_pulse) -> None:
    pulse_room.ambient(-30, "noise")
    loud = room_pulse.peak_dbfs("mic", 0.5)
    # Uniform white noise at -30 dBFS RMS peaks sqrt(3) higher: -25.2 dBFS.
    expected = -30 + 20 * math.log10(math.sqrt(3))
    print(f"peak at -30 dBFS noise: {loud} dBFS (expected {expected:.1f})")
    assert loud is not None
    assert loud == pytest.approx(expected, abs=3)
    pulse_room.stop_ambient()
    quiet = room_pulse.peak_dbfs("mic", 0.5)
    print(f"peak in silence: {quiet} dBFS")
    assert quiet is not None
    assert quiet < -60


@pytest.mark.pulse
def test_measuring_does_not_disturb_another_recorder(pulse_room, room_pulse, spawn) -> None:
    pulse_room.ambient(-30)
    other = spawn(
        "-r", "--raw", "--format=s16le", "--channels=1", f"--rate={RATE}",
        "--latency-msec=50", "-d", "mic", stdout=subprocess.PIPE,
    )  # fmt: skip
    received = [0]

    def count() -> None:
        assert other.stdout is not None
        while chunk := other.stdout.read1(65536):
            received[0] += len(chunk)

    reader = threading.Thread(target=count, daemon=True)
    reader.start()
    try:
        assert wait_for(lambda: received[0] > 0)
        start, t0 = received[0], time.monotonic()
        peak = room_pulse.peak_dbfs("mic", 1.0)
        got, took = received[0] - start, time.monotonic() - t0
        assert peak is not None
        assert peak > -40
        # s16 mono: 2 bytes a sample; allow for one latency's worth of jitter.
        assert got >= 2 * RATE * (took - 0.2), (got, took)
        assert other.poll() is None
    finally:
        other.terminate()
        other.wait(timeout=5)
        reader.join(timeout=5)


# ---------------------------------------------------------------- events


@pytest.mark.pulse
def test_events_report_devices_and_streams(pulse_room, spawn) -> None:
    seen = Seen()
    events = Events(seen).start()  # server None: PULSE_SERVER
    try:
        assert seen.wait("server", "new", after=0, timeout=3)
        assert events.connected
        t0 = time.monotonic()
        pulse_room.unload_mic()
        removed = seen.wait("source", "remove", after=t0, timeout=1.0)
        assert removed is not None
        print(f"unload_mic -> ('source', 'remove') in {removed - t0:.3f} s")
        t1 = time.monotonic()
        pulse_room.reset()
        assert seen.wait("source", "new", after=t1, timeout=1.0)
        t2 = time.monotonic()
        spawn("-r", "-d", "mic")
        assert seen.wait("source_output", "new", after=t2, timeout=1.0)
    finally:
        t3 = time.monotonic()
        events.stop()
        stopped = time.monotonic() - t3
        restore(pulse_room)
    assert stopped < 1.0
    assert not event_threads()


@pytest.mark.pulse
def test_events_reconnect_after_the_server_dies(pulse_room, spawn) -> None:
    seen = Seen()
    events = Events(seen, pulse_room.server).start()
    try:
        assert seen.wait("server", "new", after=0, timeout=3)
        t0 = time.monotonic()
        pulse_room.kill()
        assert seen.wait("server", "remove", after=t0, timeout=1.0)
        assert not events.connected
        pulse_room.restart()
        t_up = time.monotonic()
        assert wait_for(lambda: events.connected, timeout=6)
        print(f"room back -> connected again in {time.monotonic() - t_up:.2f} s")
        assert seen.wait("server", "new", after=t0, timeout=1.0)
        t1 = time.monotonic()
        spawn("-r", "-d", "mic")
        assert seen.wait("source_output", "new", after=t1, timeout=1.0)
    finally:
        events.stop()
        pulse_room.reset()  # restarts the room if a failure above left it dead
    assert not event_threads()


@pytest.mark.pulse
def test_a_failing_on_change_is_logged_and_events_go_on(pulse_room, caplog) -> None:
    seen = Seen()

    def on_change(facility: str, kind: str) -> None:
        seen(facility, kind)
        raise RuntimeError("boom")

    events = Events(on_change, pulse_room.server).start()
    try:
        assert seen.wait("server", "new", after=0, timeout=3)
        t0 = time.monotonic()
        pulse_room.mute("hdmi")
        assert seen.wait("sink", "change", after=t0, timeout=1.0)
        assert events.connected
    finally:
        events.stop()
    assert any("boom" in str(r.exc_info) for r in caplog.records if r.exc_info)


# ---------------------------------------------------------------- no server, a hung server


def test_nothing_listening_fails_fast(tmp_path) -> None:
    started = time.monotonic()
    with pytest.raises(DeviceUnavailableError, match="connect"):
        Pulse(f"unix:{tmp_path}/nothing", timeout_s=1.0)
    assert time.monotonic() - started < 1.0 + 1.0


def test_events_keep_retrying_where_nothing_listens(tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger=pulse.__name__)
    seen = Seen()
    events = Events(seen, f"unix:{tmp_path}/nothing").start()
    try:
        time.sleep(2.4)  # the first attempt and one retry ~2 s later
        assert not events.connected
        assert event_threads()
        retries = [r for r in caplog.records if "retrying" in r.getMessage()]
        assert len(retries) >= 2, [r.getMessage() for r in caplog.records]
        assert seen.events == []
    finally:
        t0 = time.monotonic()
        events.stop()
        assert time.monotonic() - t0 < 1.0
    assert not event_threads()


def test_a_server_that_never_answers_times_out(tmp_path) -> None:
    # A listening socket nobody accepts on: the kernel completes the connect, then silence.
    path = tmp_path / "mute"
    with socket.socket(socket.AF_UNIX) as srv:
        srv.bind(str(path))
        srv.listen(8)
        started = time.monotonic()
        with pytest.raises(DeviceUnavailableError, match=r"no answer within 0\.5 s"):
            Pulse(f"unix:{path}", timeout_s=0.5)
        assert time.monotonic() - started < 1.5
        events = Events(lambda *_: None, f"unix:{path}").start()
        time.sleep(0.3)  # inside its connect attempt
        t0 = time.monotonic()
        events.stop()
        assert time.monotonic() - t0 < 1.0
        assert not events.connected
    assert wait_for(lambda: not event_threads(), timeout=1.0)


@pytest.mark.pulse
def test_a_call_to_a_stopped_server_times_out(pulse_room) -> None:
    p = Pulse(pulse_room.server, timeout_s=0.5)
    daemon = pulse_room._daemon
    daemon.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        with pytest.raises(DeviceUnavailableError, match=r"no answer within 0\.5 s"):
            p.sinks()
        assert time.monotonic() - started < 1.5
    finally:
        daemon.send_signal(signal.SIGCONT)
        p.close()
    with pytest.raises(DeviceUnavailableError, match="closed"):
        p.sources()
    with Pulse(pulse_room.server) as again:
        assert {d.name for d in again.sinks()} == {"speaker", "hdmi"}


# ---------------------------------------------------------------- the library is missing


def test_a_missing_pulsectl_names_the_package(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pulsectl", None)
    with pytest.raises(DeviceUnavailableError, match="libpulse0"):
        Pulse()


def test_a_missing_libpulse_names_the_package(monkeypatch) -> None:
    for name in [m for m in sys.modules if m == "pulsectl" or m.startswith("pulsectl.")]:
        monkeypatch.delitem(sys.modules, name)

    def no_library(*_: object, **__: object) -> None:
        raise OSError("libpulse.so.0: cannot open shared object file")

    monkeypatch.setattr(ctypes, "CDLL", no_library)
    Events(lambda *_: None)  # constructing is free: only connecting loads the library
    with pytest.raises(DeviceUnavailableError, match="libpulse0") as caught:
        Pulse()
    assert "libpulse.so.0" in str(caught.value)


def test_importing_the_module_loads_no_pulsectl() -> None:
    code = "import sys, agent.room.pulse; print('pulsectl' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"
