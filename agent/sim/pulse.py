"""A private PulseAudio "room": a speaker, a mic that hears it and an HDMI sink it does not hear."""

from __future__ import annotations

import array
import contextlib
import logging
import math
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Self

from agent import programs
from agent.errors import DeviceUnavailableError

log = logging.getLogger(__name__)

SPEAKER: Final = "speaker"
MIC: Final = "mic"
HDMI: Final = "hdmi"
# ALSA names PortAudio (and so sounddevice and the checks) see for the room's devices.
ALSA_SPEAKER: Final = "room_speaker"
ALSA_MIC: Final = "room_mic"
ALSA_HDMI: Final = "room_hdmi"
RATE: Final = 48000

_ROOM_PA: Final = """\
load-module module-native-protocol-unix auth-anonymous=1 socket={socket}
load-module module-null-sink sink_name=speaker rate={rate}
load-module module-null-sink sink_name=hdmi rate={rate}
load-module module-remap-source source_name=mic master=speaker.monitor
set-default-sink speaker
set-default-source mic
"""

_ASOUNDRC: Final = """\
pcm.room_speaker { type pulse; device "speaker" }
ctl.room_speaker { type pulse }
pcm.room_mic { type pulse; device "mic" }
ctl.room_mic { type pulse }
pcm.room_hdmi { type pulse; device "hdmi" }
ctl.room_hdmi { type pulse }
"""


@dataclass(frozen=True, slots=True)
class Ambient:
    """A sound playing into the speaker sink, so the mic hears a room."""

    kind: str  # "noise" (pink noise) or "tone" (a 440 Hz sine)
    level_dbfs: float


def available() -> str | None:
    """Return None when a room can be started here, else the reason it cannot."""
    for tool in ("pulseaudio", "pactl", "pacat"):
        if programs.which(tool) is None:
            return programs.missing_message(tool)
    return None


class PulseRoom:
    """A PulseAudio daemon in `base_dir`, with `env` for any process that should use it."""

    def __init__(self, base_dir: str | os.PathLike[str], *, start_timeout_s: float = 5.0) -> None:
        self.base = Path(base_dir)
        self.home = self.base / "home"
        self.runtime = self.base / "runtime"
        self.socket = self.runtime / "native"
        self.server = f"unix:{self.socket}"
        self._timeout = start_timeout_s
        self._daemon: subprocess.Popen[bytes] | None = None
        self._keepers: list[subprocess.Popen[bytes]] = []
        self._ambient: subprocess.Popen[bytes] | None = None
        self._feeder: threading.Thread | None = None
        self._log = self.base / "pulseaudio.log"

    # ---------------------------------------------------------------- state
    @property
    def env(self) -> dict[str, str]:
        """Environment variables that point a process at this room."""
        # XDG_CONFIG_HOME rather than HOME: alsa-lib reads $XDG_CONFIG_HOME/alsa/asoundrc too,
        # and changing HOME in a test process would surprise everything else that runs there.
        return {
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_RUNTIME_DIR": str(self.runtime),
            "PULSE_SERVER": self.server,
            # The ALSA pulse plugin must not spawn a daemon of its own when ours is gone.
            "PULSE_CLIENTCONFIG": str(self.home / "client.conf"),
        }

    @property
    def running(self) -> bool:
        """True while the daemon process is alive."""
        return self._daemon is not None and self._daemon.poll() is None

    # ---------------------------------------------------------------- service
    def start(self) -> Self:
        """Start the daemon and the keeper streams; raise DeviceUnavailableError if it fails."""
        reason = available()
        if reason:
            raise DeviceUnavailableError(reason)
        for d in (self.home, self.runtime):
            d.mkdir(parents=True, exist_ok=True)
            d.chmod(0o700)
        (self.home / ".asoundrc").write_text(_ASOUNDRC, encoding="utf-8")  # for HOME=self.home
        (self.home / ".config" / "alsa").mkdir(parents=True, exist_ok=True)
        (self.home / ".config" / "alsa" / "asoundrc").write_text(_ASOUNDRC, encoding="utf-8")
        (self.home / "client.conf").write_text("autospawn = no\n", encoding="utf-8")
        pa = self.base / "room.pa"
        pa.write_text(_ROOM_PA.format(socket=self.socket, rate=RATE), encoding="utf-8")
        with contextlib.suppress(FileNotFoundError):
            self.socket.unlink()
        env = {**os.environ, **self.env}
        with self._log.open("ab") as logf:
            self._daemon = subprocess.Popen(
                [
                    "pulseaudio",
                    "-n",
                    "-F",
                    str(pa),
                    "--daemonize=no",
                    "--exit-idle-time=-1",
                    "--disallow-exit",
                    "--use-pid-file=no",
                    "--disable-shm=yes",
                    "-v",
                ],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=logf,
                stderr=logf,
            )
        deadline = time.monotonic() + self._timeout
        while not self._pactl_ok("info"):
            if self._daemon.poll() is not None or time.monotonic() > deadline:
                tail = self._log.read_text(encoding="utf-8", errors="replace")[-600:]
                self.stop()
                raise DeviceUnavailableError(f"PulseAudio room did not start: {tail}")
            time.sleep(0.02)
        for sink in (SPEAKER, HDMI):
            self._keep(sink)
        return self

    def stop(self) -> None:
        """Stop every child process and reap it."""
        self.stop_ambient()
        for p in self._keepers:
            _reap(p)
        self._keepers.clear()
        if self._daemon is not None:
            _reap(self._daemon)
            self._daemon = None

    def kill(self) -> None:
        """SIGKILL the daemon, as a crash would (use case for fault tests)."""
        if self._daemon is not None and self._daemon.poll() is None:
            self._daemon.send_signal(signal.SIGKILL)
            self._daemon.wait()

    def restart(self) -> Self:
        """Stop whatever is left and start a fresh daemon on the same socket."""
        self.stop()
        return self.start()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---------------------------------------------------------------- use cases
    def mute(self, sink: str = SPEAKER, muted: bool = True) -> None:
        """Mute or unmute a sink, like a muted amplifier."""
        self.pactl("set-sink-mute", sink, "1" if muted else "0")

    def unload_mic(self) -> None:
        """Unload the mic module: PulseAudio moves open streams to the fallback source."""
        self.pactl("unload-module", "module-remap-source")

    def replug_mic(self) -> None:
        """Load the mic module again (a USB microphone plugged back in); the room keeps playing."""
        if "source_name=mic" in self.pactl("list", "short", "modules"):
            return
        self.pactl(
            "load-module", "module-remap-source", "source_name=mic", "master=speaker.monitor"
        )
        self.pactl("set-default-source", MIC)
        # PulseAudio moves streams that follow the default source onto the new default: the
        # keepers (recording the monitors) would become recorders of the mic, which is what a
        # call looks like. Start them again where they belong.
        for p in self._keepers:
            _reap(p)
        self._keepers.clear()
        for sink in (SPEAKER, HDMI):
            self._keep(sink)

    def freeze_mic(self, frozen: bool = True) -> None:
        """Suspend the mic: open streams stay "active" but get no data, a silent hang."""
        self.pactl("suspend-source", MIC, "1" if frozen else "0")

    def ambient(self, level_dbfs: float = -45.0, kind: str = "noise") -> Ambient:
        """Play a continuous room sound into the speaker sink (the mic hears it)."""
        self.stop_ambient()
        loop = _sound_loop(kind, level_dbfs)
        self._ambient = subprocess.Popen(
            [
                programs.require("pacat"),
                "--playback",
                "--raw",
                "--format=s16le",
                "--channels=1",
                f"--rate={RATE}",
                "--latency-msec=20",
                "--stream-name=ambient",
                "-d",
                SPEAKER,
            ],
            env={**os.environ, **self.env},
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # pacat blocks on a full pipe, so writing the loop over and over plays it in real time.
        self._feeder = threading.Thread(
            target=_feed, args=(self._ambient, loop), name="pulse-ambient", daemon=True
        )
        self._feeder.start()
        if not self._wait_sound(SPEAKER):
            self.stop_ambient()
            msg = "the ambient player (pacat) did not start"
            raise DeviceUnavailableError(msg)
        return Ambient(kind, level_dbfs)

    def stop_ambient(self) -> None:
        """Silence the room."""
        player, self._ambient = self._ambient, None
        if player is not None:
            _reap(player)
        if self._feeder is not None:
            self._feeder.join(timeout=5)
            self._feeder = None
        if player is not None and player.stdin is not None:
            with contextlib.suppress(OSError):
                player.stdin.close()

    def reset(self) -> None:
        """Bring the room back to its start state: unmuted, silent, all modules loaded."""
        if not self.running:
            self.restart()
            return
        self.stop_ambient()
        for sink in (SPEAKER, HDMI):
            self.mute(sink, muted=False)
        self.replug_mic()
        self.freeze_mic(frozen=False)

    def pactl(self, *args: str) -> str:
        """Run pactl against this room and return its stdout."""
        out = subprocess.run(
            ["pactl", *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=self._timeout,
            check=True,
        )
        return out.stdout

    # ---------------------------------------------------------------- helpers
    def _pactl_ok(self, *args: str) -> bool:
        try:
            self.pactl(*args)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            return False
        return True

    def _wait_sound(self, sink: str) -> bool:
        # The player takes a moment before its first samples reach the sink; wait for them.
        reader = subprocess.Popen(
            [
                "pacat",
                "-r",
                "--raw",
                "--format=s16le",
                "--channels=1",
                f"--rate={RATE}",
                "--latency-msec=10",
                "-d",
                f"{sink}.monitor",
            ],
            env={**os.environ, **self.env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert reader.stdout is not None
        os.set_blocking(reader.stdout.fileno(), False)
        deadline = time.monotonic() + self._timeout
        try:
            while time.monotonic() < deadline:
                if self._ambient is not None and self._ambient.poll() is not None:
                    return False
                chunk = reader.stdout.read(4096)
                if chunk and chunk.strip(b"\0"):
                    return True
                time.sleep(0.01)
            return False
        finally:
            reader.stdout.close()
            _reap(reader)

    def _count(self, kind: str) -> int:
        return len(self.pactl("list", "short", kind).splitlines())

    def _keep(self, sink: str) -> None:
        # An idle null sink renders in 2 s blocks, so each new stream would stall ~2 s; a
        # low-latency reader on the monitor plus a suspend/resume makes it render in 10 ms steps.
        keeper = subprocess.Popen(
            ["pacat", "-r", "--latency-msec=10", "-d", f"{sink}.monitor"],
            env={**os.environ, **self.env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._keepers.append(keeper)
        deadline = time.monotonic() + self._timeout
        want = len(self._keepers)
        while self._count("source-outputs") < want and time.monotonic() < deadline:
            time.sleep(0.02)
        self.pactl("suspend-sink", sink, "1")
        self.pactl("suspend-sink", sink, "0")


def _sound_loop(kind: str, level_dbfs: float) -> bytes:
    """One second of 16-bit mono sound whose RMS is `level_dbfs` (clipped like a real ADC)."""
    amp = 10 ** (level_dbfs / 20)
    rng = random.Random(1)
    if kind == "noise":
        # White noise uniform in [-a, a] has an RMS of a / sqrt(3).
        peak = amp * math.sqrt(3)
        samples = (rng.uniform(-peak, peak) for _ in range(RATE))
    else:
        # A 440 Hz sine whose RMS is amp; 440 whole periods per second, so the loop is seamless.
        samples = (amp * math.sqrt(2) * math.sin(2 * math.pi * 440 * i / RATE) for i in range(RATE))
    pcm = array.array("h", (max(-32768, min(32767, round(x * 32767))) for x in samples))
    if sys.byteorder == "big":
        pcm.byteswap()
    return pcm.tobytes()


def _feed(player: subprocess.Popen[bytes], loop: bytes) -> None:
    assert player.stdin is not None
    with contextlib.suppress(OSError, ValueError):  # the player was stopped: a broken pipe
        while player.poll() is None:
            player.stdin.write(loop)
            player.stdin.flush()


def _reap(p: subprocess.Popen[bytes]) -> None:
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=3)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
