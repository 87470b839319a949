"""PulseAudio/PipeWire as the room sees it, without opening a device: streams, levels, events.

The only module that imports pulsectl (a ctypes binding of libpulse; PipeWire serves the same
protocol through pipewire-pulse), and only when a function here is called. A call in the room
shows as another client recording the mic's source or playing to the speaker's sink. Every
libpulse wait goes through `_Guard`, so a dead or hung server raises DeviceUnavailableError
within the timeout instead of blocking (libpulse itself gives up on a request only after 30 s).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import math
import os
import select
import threading
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any, Final, Self

from agent.errors import DeviceUnavailableError

__all__ = ["APP_ID", "Device", "Events", "Pulse", "Stream"]

log = logging.getLogger(__name__)

APP_ID: Final = "org.hnth.agent"  # the application.id our own processes set (via PULSE_PROP)
_CLIENT_NAME: Final = "hnth-agent"
# Level meters: pulsectl's get_peak_sample (any process's) and pavucontrol tag their
# peak-detect streams so; they read a level and disturb nobody, so they are not a call.
_NOT_A_CALL: Final = frozenset({APP_ID, "org.PulseAudio.pavucontrol"})
_INVALID: Final = 2**32 - 1  # PA_INVALID_INDEX: a stream with no client, a source of no sink
_FLOOR_DBFS: Final = -120.0  # digital silence, as a number MQTT payloads can carry
_FACILITIES: Final = ("source", "sink", "source_output", "sink_input", "server")
_KINDS: Final = ("new", "change", "remove")
_STATES: Final = ("running", "idle", "suspended")
_UPDATE_REPLACE: Final = 2  # pa_update_mode_t PA_UPDATE_REPLACE
_RETRY_S: Final = 2.0
_LISTEN_S: Final = 0.2  # how often the event thread looks at its stop flag
_EVENTS_CONNECT_S: Final = 0.8  # below stop()'s 1 s promise even when the server hangs


@dataclass(frozen=True, slots=True)
class Stream:
    """Another client's stream on a source or sink."""

    index: int
    pid: int | None  # application.process.id
    name: str  # application.process.binary, else application.name, else ""
    app: str  # application.name ("" if none)
    target: str  # the source or sink it records from / plays to
    corked: bool  # paused


@dataclass(frozen=True, slots=True)
class Device:
    """A source or sink as PulseAudio lists it."""

    name: str
    description: str
    muted: bool
    monitor: bool  # a sink's monitor source (sources only)
    state: str  # "running", "idle", "suspended", or "unknown"


class Pulse:
    """A short-lived connection to a PulseAudio/PipeWire server; every call bounded in time."""

    def __init__(self, server: str | None = None, *, timeout_s: float = 2.0) -> None:
        self._timeout = timeout_s
        self._lock = threading.Lock()
        self._guard = _Guard()
        self._pa: Any = _connect(server, timeout_s, self._guard)

    def close(self) -> None:
        """Disconnect; calls after this raise DeviceUnavailableError."""
        with self._lock:
            pa, self._pa = self._pa, None
        if pa is not None:
            pa.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sources(self) -> tuple[Device, ...]:
        """Every source, monitors of sinks included (flagged)."""
        with self._call("list sources") as pa:
            return tuple(_device(s) for s in pa.source_list())

    def sinks(self) -> tuple[Device, ...]:
        """Every sink."""
        with self._call("list sinks") as pa:
            return tuple(_device(s) for s in pa.sink_list())

    def default_source(self) -> str | None:
        """The server's default source name, None when it has none."""
        with self._call("read the default source") as pa:
            return str(pa.server_info().default_source_name or "") or None

    def default_sink(self) -> str | None:
        """The server's default sink name, None when it has none."""
        with self._call("read the default sink") as pa:
            return str(pa.server_info().default_sink_name or "") or None

    def recorders(self, source: str, *, exclude_pids: Collection[int] = ()) -> tuple[Stream, ...]:
        """Others' streams recording `source`: not ours, a module's or a level meter's."""
        with self._call(f"list the recorders of {source}") as pa:
            names = {s.index: s.name for s in pa.source_list()}
            streams = pa.source_output_list()
            clients = {c.index: c.proplist for c in pa.client_list()}
        return _others(streams, "source", names, clients, target=source, exclude_pids=exclude_pids)

    def players(self, sink: str, *, exclude_pids: Collection[int] = ()) -> tuple[Stream, ...]:
        """Others' streams playing to `sink`, skipped as in `recorders`."""
        with self._call(f"list the players of {sink}") as pa:
            names = {s.index: s.name for s in pa.sink_list()}
            streams = pa.sink_input_list()
            clients = {c.index: c.proplist for c in pa.client_list()}
        return _others(streams, "sink", names, clients, target=sink, exclude_pids=exclude_pids)

    def peak_dbfs(self, source: str, seconds: float = 1.0) -> float | None:
        """The source's peak over `seconds` in dBFS (floor -120), None when the source is gone."""
        with self._call(f"measure the level of {source}", extra_s=seconds) as pa:
            if source not in {s.name for s in pa.source_list()}:
                return None
            # A PA_STREAM_PEAK_DETECT record stream: the server hands it one peak per 40 ms
            # and never moves it, so other recorders of the source keep their data and latency.
            peak = float(pa.get_peak_sample(source, seconds))
            if source not in {s.name for s in pa.source_list()}:
                return None  # unplugged while measuring: the stream was killed part way
        return 20 * math.log10(peak) if peak > 10 ** (_FLOOR_DBFS / 20) else _FLOOR_DBFS

    @contextlib.contextmanager
    def _call(self, what: str, extra_s: float = 0.0) -> Iterator[Any]:
        with self._lock:
            if self._pa is None:
                raise DeviceUnavailableError(f"PulseAudio: cannot {what}: connection closed")
            pulsectl = _import()
            self._guard.arm(self._timeout + extra_s)
            try:
                yield self._pa
            except _failures(pulsectl) as exc:
                # The connection is unusable after a timeout or a loss; a caller opens a new one.
                pa, self._pa = self._pa, None
                pa.close()
                raise _unavailable(what, exc, self._guard) from None
            finally:
                self._guard.disarm()


class Events:
    """A daemon thread reporting `on_change(facility, kind)` for sources, sinks and streams."""

    def __init__(self, on_change: Callable[[str, str], None], server: str | None = None) -> None:
        self._on_change = on_change
        self._server = server
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connected = False

    def start(self) -> Self:
        """Start listening (and reconnecting every ~2 s while the server is away)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="pulse-events", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread; returns within 1 s unless on_change itself is stuck."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            if self._thread.is_alive():
                log.warning("PulseAudio events: the thread did not stop within 1 s")

    @property
    def connected(self) -> bool:
        """True while subscribed to a server."""
        return self._connected

    def _run(self) -> None:
        quiet = False  # say it once at info level, then at debug while the server stays away
        while not self._stop.is_set():
            try:
                self._listen()
            except DeviceUnavailableError as exc:
                level = logging.DEBUG if quiet else logging.INFO
                log.log(level, "PulseAudio events: %s; retrying every %.0f s", exc, _RETRY_S)
                quiet = True
            except Exception:
                log.exception("PulseAudio events: unexpected failure; retrying in %.0f s", _RETRY_S)
            if self._connected:
                quiet = False
                self._connected = False
                log.info("PulseAudio events: connection lost")
                self._emit("server", "remove")
            self._stop.wait(_RETRY_S)

    def _listen(self) -> None:
        guard = _Guard()
        pa = _connect(self._server, _EVENTS_CONNECT_S, guard)
        pulsectl = _import()
        pending: list[tuple[str, str]] = []

        def collect(ev: Any) -> None:
            # Runs inside libpulse's dispatch, where no pulse call may be made: queue and stop.
            facility = next((f for f in _FACILITIES if ev.facility == f), None)
            kind = next((k for k in _KINDS if ev.t == k), None)
            if facility is not None and kind is not None:
                pending.append((facility, kind))
                raise pulsectl.PulseLoopStop

        try:
            pa.event_callback_set(collect)
            guard.arm(_EVENTS_CONNECT_S)
            pa.event_mask_set(*_FACILITIES)
            guard.disarm()
            if self._stop.is_set():
                return
            self._connected = True
            log.info("PulseAudio events: connected")
            self._emit("server", "new")
            while not self._stop.is_set():
                pa.event_listen(timeout=_LISTEN_S)
                batch, pending[:] = pending[:], []
                for facility, kind in batch:
                    self._emit(facility, kind)
        except pulsectl.PulseDisconnected:
            return
        except _failures(pulsectl) as exc:
            raise _unavailable("listen for events", exc, guard) from None
        finally:
            pa.close()

    def _emit(self, facility: str, kind: str) -> None:
        try:
            self._on_change(facility, kind)
        except Exception:
            log.exception("PulseAudio events: on_change(%r, %r) failed", facility, kind)


class _Guard:
    """libpulse's poll function: poll(2) on its descriptors, never past the armed deadline."""

    def __init__(self) -> None:
        self._deadline = math.inf
        self.limit_s = 0.0
        self.expired = False

    def arm(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds
        self.limit_s = seconds
        self.expired = False

    def disarm(self) -> None:
        self._deadline = math.inf

    def __call__(self, fds: list[Any], timeout_s: float) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0:
            self.expired = True
            # pulsectl hands libpulse a -1 for this, so the blocked pulsectl call raises
            # (and libpulse logs one "poll(): …" line to stderr, which we cannot silence).
            raise TimeoutError
        wait = left if timeout_s < 0 else min(timeout_s, left)
        wanted: dict[int, int] = {}
        for fd in fds:
            wanted[fd.fd] = wanted.get(fd.fd, 0) | fd.events
        poller = select.poll()
        for fd_no, events in wanted.items():
            poller.register(fd_no, events)
        ready = dict(poller.poll(None if math.isinf(wait) else wait * 1000))
        always = select.POLLERR | select.POLLHUP | select.POLLNVAL
        for fd in fds:
            fd.revents = ready.get(fd.fd, 0) & (fd.events | always)
        return sum(1 for fd in fds if fd.revents)

    def failed(self, *exc_info: Any) -> None:
        # pulsectl's default hook prints a traceback to stderr; an expiry is expected.
        if not self.expired:
            log.error("PulseAudio: poll failed", exc_info=exc_info)


def _import() -> Any:
    try:
        import pulsectl
    except (ImportError, OSError) as exc:  # OSError: pulsectl loads libpulse.so.0 at import
        raise DeviceUnavailableError(
            f"the PulseAudio client library cannot be loaded: {exc}",
            hint="install Debian's libpulse0, and pulsectl in the agent's environment",
        ) from None
    return pulsectl


def _failures(pulsectl: Any) -> tuple[type[BaseException], ...]:
    # CallError: a libpulse call failed, e.g. the poll after _Guard's deadline.
    return (pulsectl.PulseError, pulsectl.PulseDisconnected, pulsectl._pulsectl.pa.CallError)


def _unavailable(what: str, exc: BaseException, guard: _Guard) -> DeviceUnavailableError:
    if guard.expired:
        return DeviceUnavailableError(
            f"PulseAudio: cannot {what}: no answer within {guard.limit_s:.1f} s"
        )
    return DeviceUnavailableError(f"PulseAudio: cannot {what}: {exc}")


def _connect(server: str | None, timeout_s: float, guard: _Guard) -> Any:
    pulsectl = _import()
    pa = pulsectl.Pulse(_CLIENT_NAME, server=server, connect=False)
    pa.set_poll_func(guard, guard.failed)
    guard.arm(timeout_s)
    try:
        # Not connect(timeout=…): pulsectl 24.12 then always waits the whole timeout; the guard
        # bounds the wait instead.
        pa.connect(autospawn=False)
        _label(pa)
        pa.server_info()  # a round trip: the label is on the client before any stream of ours
    except _failures(pulsectl) as exc:
        pa.close()
        where = server or os.environ.get("PULSE_SERVER") or "the default server"
        raise _unavailable(f"connect to {where}", exc, guard) from None
    finally:
        guard.disarm()
    return pa


def _label(pa: Any) -> None:
    # pulsectl creates its context without a proplist and offers no call to change it, so the
    # client's application.id is set through libpulse directly; our streams inherit it.
    lib = _libpulse()
    props = lib.pa_proplist_from_string(f"application.id={APP_ID}".encode())
    try:
        op = lib.pa_context_proplist_update(pa._ctx, _UPDATE_REPLACE, props, None, None)
    finally:
        lib.pa_proplist_free(props)
    if op:
        lib.pa_operation_unref(op)


@functools.cache
def _libpulse() -> ctypes.CDLL:
    lib = ctypes.CDLL("libpulse.so.0")  # already loaded by pulsectl: the same handle
    ptr = ctypes.c_void_p
    lib.pa_proplist_from_string.argtypes = [ctypes.c_char_p]
    lib.pa_proplist_from_string.restype = ptr
    lib.pa_proplist_free.argtypes = [ptr]
    lib.pa_proplist_free.restype = None
    lib.pa_context_proplist_update.argtypes = [ptr, ctypes.c_int, ptr, ptr, ptr]
    lib.pa_context_proplist_update.restype = ptr
    lib.pa_operation_unref.argtypes = [ptr]
    lib.pa_operation_unref.restype = None
    return lib


def _device(info: Any) -> Device:
    return Device(
        name=str(info.name),
        description=str(info.description or ""),
        muted=bool(info.mute),
        monitor=getattr(info, "monitor_of_sink", _INVALID) != _INVALID,  # sinks have none
        state=next((s for s in _STATES if info.state == s), "unknown"),
    )


def _others(
    streams: list[Any],
    where: str,
    names: dict[int, str],
    clients: dict[int, dict[str, str]],
    *,
    target: str,
    exclude_pids: Collection[int],
) -> tuple[Stream, ...]:
    # Ours: APP_ID, or this process even where PULSE_PROP was not set for it.
    skip = {os.getpid(), *exclude_pids}
    found = []
    for s in streams:
        client = clients.get(s.client)
        # No client: a module's own stream (module-remap-source's reader of its master).
        if names.get(getattr(s, where)) != target or client is None:
            continue
        if {s.proplist.get("application.id"), client.get("application.id")} & _NOT_A_CALL:
            continue
        props = {**client, **s.proplist}
        pid = _pid(props.get("application.process.id"))
        if pid in skip:
            continue
        app = props.get("application.name", "")
        found.append(
            Stream(
                index=int(s.index),
                pid=pid,
                name=props.get("application.process.binary") or app,
                app=app,
                target=target,
                corked=bool(s.corked),
            )
        )
    return tuple(found)


def _pid(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None
