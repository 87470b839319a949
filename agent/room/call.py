"""Is a call on in the room? Signals that never open a device, and who holds which device.

A call is on when another program records the room's microphone (a PulseAudio/PipeWire
stream, a running ALSA capture, an open capture node), holds the camera (an open fd, or
V4L2 buffers owned elsewhere), when a configured call program runs, or when a socket is
connected to the MCU. Programs that only play to the speaker or hold the PTZ port are named
as holders (the speaker and PTZ checks leave those devices alone) but are not a call by
themselves: a music player is not a meeting.

What each signal needs across the system-user/desktop-user boundary is in docs/calls.md.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from agent.contract.clock import iso
from agent.ptz_url import line_of
from agent.room import procfs

if TYPE_CHECKING:
    from agent.config import Config
    from agent.room.pulse import Pulse

log = logging.getLogger(__name__)

DEV_SND: Final = Path("/dev/snd")
# ALSA states in which a substream is in use by its owner (PREPARED: opened and set up).
_ALSA_BUSY: Final = frozenset({"RUNNING", "PREPARED", "DRAINING", "PAUSED", "XRUN"})
# Devices whose holder means a call is on; a speaker player or a PTZ controller alone does not.
CALL_DEVICES: Final = frozenset({"camera", "microphone"})


@dataclass(frozen=True, slots=True)
class Holder:
    """Another program using one of the room's devices."""

    device: str  # "camera", "microphone", "speaker" or "ptz"
    pid: int | None
    name: str
    via: str  # "fd" (an open file), "pulse" (a sound-server stream), "alsa", "v4l2"
    path: str = ""  # the node, file or PulseAudio source/sink it holds

    def as_dict(self) -> dict[str, Any]:
        """The contract form (readiness `call.holders[]`)."""
        return {
            "device": self.device,
            "pid": self.pid,
            "name": self.name[:64],
            "via": self.via,
            "path": self.path[:200],
        }


@dataclass(frozen=True, slots=True)
class Audio:
    """The sound server call detection looks at, and the room's source and sink names on it."""

    server: str | None = None  # a libpulse server string; None: no server to look at
    source: str | None = None  # the microphone's PulseAudio source
    sink: str | None = None  # the speaker's PulseAudio sink


@dataclass(frozen=True, slots=True)
class Call:
    """What the room is doing: `on` when a call is, the signals that say so, who holds what."""

    on: bool = False
    signals: tuple[str, ...] = ()
    holders: tuple[Holder, ...] = ()
    unseen: tuple[str, ...] = ()  # signals that could not be looked at (and why)
    audio: Audio = field(default_factory=Audio)
    at: datetime | None = None

    def held(self, device: str) -> tuple[Holder, ...]:
        """The holders of one device."""
        return tuple(h for h in self.holders if h.device == device)

    def as_dict(self) -> dict[str, Any]:
        """The contract form: readiness `call`."""
        return {
            "on": self.on,
            "signals": list(self.signals[:16]),
            "holders": [h.as_dict() for h in self.holders[:16]],
            "unseen": list(self.unseen[:8]),
            "at": iso(self.at) if self.at is not None else None,
        }


NO_CALL: Final = Call()


def detect(
    config: Config,
    *,
    audio: Audio | None = None,
    pulse: Pulse | None = None,
    exclude: Collection[int] = (),
    proc: Path = procfs.PROC,
    asound: Path = procfs.ASOUND,
    dev_snd: Path = DEV_SND,
) -> Call:
    """Look at every signal once (a few ms); never opens a device, never raises for a race."""
    audio = audio or Audio()
    own = set(exclude) | procfs.family(os.getpid(), proc=proc)
    holders: list[Holder] = []
    unseen: list[str] = []
    signals: list[str] = []

    paths = _device_paths(config, dev_snd)
    own |= _pty_far_ends(paths["ptz"], own, proc)
    scan = procfs.holders([p for ps in paths.values() for p in ps], exclude=own, proc=proc)
    for device, wanted in paths.items():
        for path in wanted:
            holders.extend(
                Holder(device, pr.pid, pr.name, "fd", path) for pr in scan.holders.get(path, ())
            )
    if scan.unreadable:
        unseen.append(f"fd:{scan.unreadable}")
    for pcm in procfs.pcms(asound=asound):
        if pcm.state in _ALSA_BUSY and pcm.owner_pid is not None and pcm.owner_pid not in own:
            device = "microphone" if pcm.stream == "capture" else "speaker"
            who = procfs.process(pcm.owner_pid, proc=proc)
            holders.append(Holder(device, pcm.owner_pid, who.name if who else "", "alsa", pcm.node))
    if not any(h.device == "camera" for h in holders):
        holders.extend(_v4l2_busy(paths["camera"]))
    holders.extend(_network_ptz(config, own, proc))
    if pulse is not None and audio.source:
        holders.extend(_pulse_holders(pulse, audio, own))
    elif audio.server is None:
        unseen.append("pulse:none")
    elif pulse is None:
        unseen.append("pulse:unreachable")

    signals.extend(f"{h.via}:{h.device}" for h in _dedupe(holders) if h.device in CALL_DEVICES)
    signals.extend(
        f"program:{pr.name}"
        for pr in procfs.processes(config.room.call_programs, exclude=own, proc=proc)
    )
    mcu = resolve_hosts(config.room.mcu)
    if mcu:
        signals.extend(
            f"mcu:{sock.remote[0]}"
            for sock in procfs.sockets_to(mcu, proc=proc)
            if sock.pid not in own  # our own network check's probes are not a call
        )
    signals = list(dict.fromkeys(signals))
    return Call(
        on=bool(signals),
        signals=tuple(signals),
        holders=tuple(_dedupe(holders)),
        unseen=tuple(unseen),
        audio=audio,
        at=datetime.now(UTC),
    )


def holders_of(
    device: str, paths: Iterable[str], *, exclude: Collection[int] = (), proc: Path = procfs.PROC
) -> tuple[Holder, ...]:
    """Who holds one device now (after an open failed: busy is not broken); () if nobody seen."""
    wanted = [p for p in paths if p]
    own = set(exclude) | procfs.family(os.getpid(), proc=proc)
    own |= _pty_far_ends(wanted, own, proc)
    scan = procfs.holders(wanted, exclude=own, proc=proc)
    found = [
        Holder(device, pr.pid, pr.name, "fd", path)
        for path in wanted
        for pr in scan.holders.get(path, ())
    ]
    if not found and device == "camera":
        found = _v4l2_busy(wanted)
    return tuple(_dedupe(found))


def camera_paths(config: Config) -> tuple[str, ...]:
    """The camera's source as paths (its by-id link and the node behind it); () for a URL."""
    from agent.media import v4l

    source = config.camera.source.strip()
    if source == "auto":
        found = v4l.cameras()
        return tuple(dict.fromkeys(p for c in found for p in (c.path, c.node)))
    if source.isdigit():
        return (f"/dev/video{int(source)}",)
    if source.startswith("/"):
        real = os.path.realpath(source)
        return tuple(dict.fromkeys((source, real)))
    return ()


def ptz_path(config: Config) -> str:
    """The PTZ camera's serial device path, or "" (no port, or a network camera)."""
    kind, where = line_of(config.ptz.port)
    return where if kind == "serial" else ""


def resolve_hosts(hosts: Iterable[str], timeout_s: float = 1.0) -> frozenset[str]:
    """IP addresses of `hosts` (literals as they are; names resolved once, bounded in time)."""
    out: set[str] = set()
    for host in hosts:
        out.update(_RESOLVER.lookup(host, timeout_s))
    return frozenset(out)


# ---------------------------------------------------------------- helpers


def _device_paths(config: Config, dev_snd: Path) -> dict[str, tuple[str, ...]]:
    capture: list[str] = []
    playback: list[str] = []
    try:
        for node in sorted(dev_snd.glob("pcmC*D*")):
            (capture if node.name.endswith("c") else playback).append(str(node))
    except OSError:
        pass
    ptz = ptz_path(config)
    return {
        "camera": camera_paths(config),
        "microphone": tuple(capture),
        "speaker": tuple(playback),
        "ptz": (ptz,) if ptz else (),
    }


def _network_ptz(config: Config, own: Collection[int], proc: Path) -> list[Holder]:
    """Another program connected to a network PTZ camera's control port (/proc/net).

    A raw-TCP VISCA camera takes one controller: a second connection cuts the first.
    """
    kind, host = line_of(config.ptz.port)
    if kind != "tcp" or not host:
        return []
    from urllib.parse import urlsplit

    try:
        port = urlsplit(config.ptz.port.strip()).port
    except ValueError:
        return []
    out: list[Holder] = []
    for sock in procfs.sockets_to(resolve_hosts([host]), proc=proc):
        if sock.proto.startswith("tcp") and sock.state == "ESTABLISHED" and sock.pid not in own:
            if port is not None and sock.remote[1] != port:
                continue
            who = procfs.process(sock.pid, proc=proc) if sock.pid is not None else None
            where = f"{sock.remote[0]}:{sock.remote[1]}"
            out.append(Holder("ptz", sock.pid, who.name if who else "", "net", where))
    return out


def _pty_far_ends(paths: Iterable[str], own: Collection[int], proc: Path) -> set[int]:
    """The processes at the device end of a pty among `paths` (an emulated camera)."""
    indices = {
        int(real.rsplit("/", 1)[1])
        for p in paths
        if (real := os.path.realpath(p)).startswith("/dev/pts/")
        and real.rsplit("/", 1)[1].isdigit()
    }
    if not indices:
        return set()
    ends = procfs.pty_device_ends(exclude=own, proc=proc)
    return {pid for index in indices for pid in ends.get(index, ())}


def _v4l2_busy(paths: Iterable[str]) -> list[Holder]:
    from agent.media import v4l

    out: list[Holder] = []
    for path in paths:
        real = os.path.realpath(path)
        if Path(real).name.startswith("video") and v4l.streaming_elsewhere(real):
            out.append(Holder("camera", None, "", "v4l2", real))
            break
    return out


def _pulse_holders(pulse: Pulse, audio: Audio, own: Collection[int]) -> list[Holder]:
    from agent.errors import DeviceUnavailableError

    out: list[Holder] = []
    try:
        if audio.source:
            out.extend(
                Holder("microphone", s.pid, s.name or s.app, "pulse", audio.source)
                for s in pulse.recorders(audio.source, exclude_pids=own)
            )
        if audio.sink:
            out.extend(
                Holder("speaker", s.pid, s.name or s.app, "pulse", audio.sink)
                for s in pulse.players(audio.sink, exclude_pids=own)
            )
    except DeviceUnavailableError as exc:
        log.debug("sound server: %s", exc)
    return out


def _dedupe(holders: Iterable[Holder]) -> list[Holder]:
    return list(dict.fromkeys(holders))


class _Resolver:
    """Host names to addresses, cached: a call check must never wait on a dead DNS server."""

    TTL_S: Final = 600.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}

    def lookup(self, host: str, timeout_s: float) -> frozenset[str]:
        host = host.strip().strip("[]")
        if not host:
            return frozenset()
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        except OSError:
            pass
        else:
            return frozenset({host})
        with self._lock:
            hit = self._cache.get(host)
        if hit is not None and time.monotonic() - hit[0] < self.TTL_S:
            return hit[1]
        result: list[frozenset[str]] = []

        def resolve() -> None:
            try:
                infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
                result.append(frozenset(str(i[4][0]) for i in infos))
            except OSError:
                result.append(frozenset())

        worker = threading.Thread(target=resolve, name="mcu-resolve", daemon=True)
        worker.start()
        worker.join(timeout_s)
        found = result[0] if result else (hit[1] if hit else frozenset())
        with self._lock:
            self._cache[host] = (time.monotonic(), found)
        return found


_RESOLVER: Final = _Resolver()


__all__ = [
    "CALL_DEVICES",
    "NO_CALL",
    "Audio",
    "Call",
    "Holder",
    "camera_paths",
    "detect",
    "holders_of",
    "ptz_path",
    "resolve_hosts",
]
