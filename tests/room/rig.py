"""A commune room in a real call, for the live-call tests.

- `Room`: a PulseAudio room with its noise floor, a camera (a real video file the tests may
  delete and put back), a VISCA camera on a pty with a home preset and the technician's
  framing, and the config that names them.
- `Call`: the call software, played by processes outside the test's process tree, as a real
  call program is outside the agent's: a PulseAudio client recording the microphone and one
  playing (silence) to the speaker, and a process holding the camera source and the serial
  port open.
- `Monitor`: what the room hears: the speaker sink's monitor, read continuously, loudest
  50 ms window kept, so a test can say the agent played nothing (or that it did).
"""

from __future__ import annotations

import array
import contextlib
import math
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOM_NOISE_DBFS = -45.0
HOME = (0.0, 0.0, 0.0)  # the home preset, raw VISCA units
FRAMING = (1060.0, 210.0, 2705.0)  # where the technician framed the room

_HOLD = """
import pathlib, sys, time
held = [open(p, "rb") for p in sys.argv[2:]]
pathlib.Path(sys.argv[1]).write_text("ready")
time.sleep(3600)
"""


def detached(argv: list[str], env: dict[str, str]) -> int:
    """Start `argv` outside our process tree (as the call software is); return its pid."""
    out = subprocess.run(
        ["sh", "-c", '"$@" </dev/null >/dev/null 2>&1 & echo $!', "sh", *argv],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def kill(*pids: int) -> None:
    """SIGKILL each pid that is still there."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@dataclass
class Room:
    """What one test room is made of, and its config."""

    tmp: Path
    pulse: Any  # agent.sim.pulse.PulseRoom
    camera: Any  # tests.fixtures.visca.ViscaRig
    clip: Path
    source: Path
    extra: str = ""
    config: Path = field(init=False)

    def __post_init__(self) -> None:
        self.source.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.clip, self.source)
        cam = self.camera.state
        cam.presets[1] = HOME
        cam.pan, cam.tilt, cam.zoom = FRAMING
        self.config = self.tmp / "config.toml"
        self.write()

    @property
    def env(self) -> dict[str, str]:
        """The environment of a process in this room (its sound server)."""
        return {**os.environ, **self.pulse.env, "HNTH_AGENT_LANG": "en"}

    def write(self, extra: str = "") -> None:
        """Write the room's config (with `extra` TOML appended)."""
        self.config.write_text(
            f'[agent]\nstate_dir = "{self.tmp / "state"}"\nlanguage = "en"\n'
            f'socket = "{self.tmp / "agent.sock"}"\n'
            '[room]\nprovince = "son-la"\nid = "xa-chieng-son"\nname = "UBND xã Chiềng Sơn"\n'
            f'[camera]\nsource = "{self.source}"\nseconds = 0.5\n'
            '[microphone]\ndevice = "room_mic"\nseconds = 0.5\n'
            '[speaker]\ndevice = "room_speaker"\n'
            f'[ptz]\nport = "{self.camera.path}"\nhome_preset = 1\nhome_position = [0, 0]\n'
            '[checks]\nenabled = ["camera", "microphone", "speaker", "ptz"]\n'
            'critical = ["camera", "microphone", "ptz"]\n' + self.extra + extra,
            encoding="utf-8",
        )

    def position(self) -> tuple[float, float, float]:
        """Where the camera points now."""
        cam = self.camera.state
        return (cam.pan, cam.tilt, cam.zoom)


class Call:
    """The call software: a recorder of the mic, a player to the speaker, a holder of devices."""

    def __init__(self, room: Room) -> None:
        self.room = room
        self.pids: list[int] = []
        self.holder = 0
        self.recorder = 0

    def start(self) -> Call:
        """Join the call (the room's devices are taken)."""
        env = self.room.env
        self.recorder = detached(["pacat", "-r", "-d", "mic"], env)
        player = detached(["pacat", "-p", "-d", "speaker", "/dev/zero"], env)
        self.pids += [self.recorder, player]
        ready = self.room.tmp / f"holder-{len(self.pids)}.ready"
        self.holder = detached(
            [sys.executable, "-c", _HOLD, str(ready), str(self.room.source), self.room.camera.path],
            env,
        )
        self.pids.append(self.holder)
        deadline = time.monotonic() + 10
        while not ready.exists():
            assert time.monotonic() < deadline, "the call's device holder did not start"
            time.sleep(0.02)
        return self

    def end(self) -> None:
        """Hang up."""
        kill(*self.pids)
        self.pids.clear()


class Monitor:
    """Reads the speaker sink's monitor: the loudest 50 ms seen since `reset()`, in dBFS."""

    WINDOW = 2400  # samples at 48 kHz

    def __init__(self, room: Room) -> None:
        self._proc = subprocess.Popen(
            [
                "pacat",
                "-r",
                "--raw",
                "--format=s16le",
                "--channels=1",
                "--rate=48000",
                "--latency-msec=20",
                "-d",
                "speaker.monitor",
            ],
            env=room.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._lock = threading.Lock()
        self._loudest = -120.0
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def reset(self) -> None:
        """Forget what was heard so far."""
        with self._lock:
            self._loudest = -120.0

    @property
    def loudest(self) -> float:
        """The loudest 50 ms window since the last reset, dBFS."""
        with self._lock:
            return self._loudest

    def close(self) -> None:
        """Stop listening."""
        self._proc.kill()
        self._proc.wait()
        self._thread.join(2)
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        while True:
            raw = self._proc.stdout.read(self.WINDOW * 2)
            if not raw or len(raw) < self.WINDOW * 2:
                return
            pcm = array.array("h")
            pcm.frombytes(raw)
            if sys.byteorder == "big":
                pcm.byteswap()
            rms = math.sqrt(sum(x * x for x in pcm) / len(pcm)) / 32768
            level = 20 * math.log10(max(rms, 1e-6))
            with self._lock:
                self._loudest = max(self._loudest, level)
