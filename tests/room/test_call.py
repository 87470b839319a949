"""Call detection against real processes: who holds the camera, the port, the microphone."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.config import loads
from agent.room.call import Audio, detect, holders_of
from tests.fixtures.common import need_program

HOLD = """
import ctypes, os, socket, sys, time
name = sys.argv[1]
if name:
    ctypes.CDLL(None).prctl(15, name.encode(), 0, 0, 0)  # PR_SET_NAME
held = [open(p, "rb") for p in sys.argv[3:]]
if sys.argv[2]:
    host, port = sys.argv[2].rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, int(port)))
    held.append(s)
print("ready", os.getpid(), flush=True)
sys.stdout.close()
time.sleep(600)
"""


@dataclass(frozen=True)
class Held:
    pid: int


@pytest.fixture
def holder() -> Iterator[object]:
    """Start a process that holds files open (and a socket), named as asked; killed after.

    It is not our child (setsid --fork): the agent never counts its own process tree, and
    the call software is never a child of the agent.
    """
    pids: list[int] = []

    def start(*paths: str, name: str = "", connect: str = "") -> Held:
        proc = subprocess.Popen(
            ["setsid", "--fork", sys.executable, "-c", HOLD, name, connect, *paths],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        word, pid = proc.stdout.readline().split()
        proc.stdout.close()
        proc.wait()
        assert word == "ready"
        pids.append(int(pid))
        return Held(int(pid))

    yield start
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def config(tmp_path: Path, text: str = ""):
    return loads(f'[agent]\nstate_dir = "{tmp_path}"\n' + text)


def test_nothing_in_use_is_no_call(tmp_path, video_clips):
    cfg = config(tmp_path, f'[camera]\nsource = "{video_clips["moving"]}"\n')
    call = detect(cfg, asound=tmp_path / "no-asound")
    assert not call.on
    assert call.holders == ()
    assert "pulse:none" in call.unseen or any(u.startswith("pulse") for u in call.unseen)


def test_a_process_holding_the_camera_is_a_call_and_is_named(tmp_path, video_clips, holder):
    clip = str(video_clips["moving"])
    cfg = config(tmp_path, f'[camera]\nsource = "{clip}"\n')
    proc = holder(clip, name="vmc-client")
    call = detect(cfg, asound=tmp_path / "no-asound")
    assert call.on
    assert "fd:camera" in call.signals
    [h] = call.held("camera")
    assert (h.pid, h.name, h.via) == (proc.pid, "vmc-client", "fd")
    assert call.as_dict()["holders"][0]["name"] == "vmc-client"


def test_a_held_serial_port_is_named_but_is_not_a_call(tmp_path, holder):
    master, slave = os.openpty()
    try:
        link = tmp_path / "ttyCAM"
        link.symlink_to(os.ttyname(slave))
        cfg = config(tmp_path, f'[ptz]\nport = "{link}"\n')
        proc = holder(str(link), name="codec-ctl")
        call = detect(cfg, asound=tmp_path / "no-asound")
        assert not call.on
        [h] = call.held("ptz")
        assert h.pid == proc.pid
        assert holders_of("ptz", [str(link)])[0].pid == proc.pid
    finally:
        os.close(master)
        os.close(slave)


def test_the_emulated_camera_at_the_pty_far_end_is_not_a_rival(tmp_path, visca_process):
    cfg = config(tmp_path, f'[ptz]\nport = "{visca_process.path}"\n')
    assert detect(cfg, asound=tmp_path / "no-asound").held("ptz") == ()
    assert holders_of("ptz", [visca_process.path]) == ()


def test_a_call_program_and_a_socket_to_the_mcu(tmp_path, holder):
    mcu = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    mcu.bind(("127.0.0.7", 0))
    port = mcu.getsockname()[1]
    try:
        cfg = config(tmp_path, '[room]\ncall_programs = ["zoom"]\nmcu = ["127.0.0.7"]\n')
        assert not detect(cfg, asound=tmp_path / "none").on
        holder(name="zoom")
        assert detect(cfg, asound=tmp_path / "none").signals == ("program:zoom",)
        # Our own sockets to the MCU (the network check's probes) are not a call.
        own = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        own.connect(("127.0.0.7", port))
        assert detect(cfg, asound=tmp_path / "none").signals == ("program:zoom",)
        own.close()
        holder(connect=f"127.0.0.7:{port}")
        signals = detect(cfg, asound=tmp_path / "none").signals
        assert "mcu:127.0.0.7" in signals
    finally:
        mcu.close()


def test_a_running_alsa_capture_is_a_call(tmp_path, holder):
    proc = holder(name="pipewire")
    sub = tmp_path / "asound" / "card1" / "pcm0c" / "sub0"
    sub.mkdir(parents=True)
    (tmp_path / "asound" / "card1" / "id").write_text("Device\n")
    (sub / "status").write_text(f"state: RUNNING\nowner_pid   : {proc.pid}\n")
    call = detect(config(tmp_path), asound=tmp_path / "asound")
    assert call.on
    [h] = call.held("microphone")
    assert (h.pid, h.name, h.via, h.path) == (proc.pid, "pipewire", "alsa", "/dev/snd/pcmC1D0c")
    (sub / "status").write_text("closed\n")
    assert not detect(config(tmp_path), asound=tmp_path / "asound").on


def detached(argv: list[str], env: dict[str, str]) -> int:
    """Start `argv` outside our process tree (as the call software would be); its pid."""
    out = subprocess.run(
        ["sh", "-c", '"$@" </dev/null >/dev/null 2>&1 & echo $!', "sh", *argv],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def kill(*pids: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def detect_until(cfg, audio, server, tmp_path, want: bool, timeout: float = 5.0):
    from agent.room.pulse import Pulse

    deadline = time.monotonic() + timeout
    while True:
        with Pulse(server) as pulse:
            call = detect(cfg, audio=audio, pulse=pulse, asound=tmp_path / "none")
        if call.on == want or time.monotonic() > deadline:
            return call
        time.sleep(0.1)


@pytest.mark.pulse
def test_another_client_recording_the_mic_is_a_call(tmp_path, pulse_room):
    need_program("pacat", "sh")
    cfg = config(tmp_path)
    audio = Audio(pulse_room.server, "mic", "speaker")
    env = {**os.environ, **pulse_room.env}
    started: list[int] = []
    try:
        player = detached(["pacat", "-p", "-d", "speaker", "/dev/zero"], env)
        started.append(player)
        time.sleep(0.5)
        quiet = detect_until(cfg, audio, pulse_room.server, tmp_path, want=False)
        assert not quiet.on, quiet  # something plays to the speaker: named, not a call
        assert [h.pid for h in quiet.held("speaker")] == [player]
        ours = detached(
            ["pacat", "-r", "-d", "mic"],
            {**env, "PULSE_PROP": "application.id=org.hnth.agent"},
        )
        started.append(ours)
        time.sleep(0.5)
        assert not detect_until(cfg, audio, pulse_room.server, tmp_path, want=False).on
        recorder = detached(["pacat", "-r", "-d", "mic"], env)
        started.append(recorder)
        call = detect_until(cfg, audio, pulse_room.server, tmp_path, want=True)
        assert call.on
        assert "pulse:microphone" in call.signals
        assert [h.pid for h in call.held("microphone")] == [recorder]
        kill(recorder)
        assert not detect_until(cfg, audio, pulse_room.server, tmp_path, want=False).on
    finally:
        kill(*started)


def test_a_single_controller_tcp_camera_in_use_is_left_alone(tmp_path, visca_factory):
    from agent.checks import CheckContext, Status
    from agent.checks.ptz import run

    rig = visca_factory(pty=False, listen=["tcp://127.0.0.1:0"])
    url = rig.urls["tcp"]
    cfg = config(tmp_path, f'[ptz]\nport = "{url}"\nhome_preset = 1\n')
    port = int(url.rsplit(":", 1)[1])
    ready = tmp_path / "ctl.ready"
    code = (
        "import pathlib, socket, sys, time\n"
        f"s = socket.create_connection(('127.0.0.1', {port}))\n"
        f"pathlib.Path({str(ready)!r}).write_text('ok')\n"
        "time.sleep(600)\n"
    )
    controller = detached([sys.executable, "-c", code], dict(os.environ))
    try:
        deadline = time.monotonic() + 5
        while not ready.exists():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        call = detect(cfg, asound=tmp_path / "none")
        [h] = call.held("ptz")
        assert (h.pid, h.via) == (controller, "net")
        assert not call.on  # a camera controller alone is not a call
        before = len(rig.requests)
        out = run(CheckContext(cfg, lang="en", call=call))
        assert out.status is Status.PASS
        assert out.metrics["passive"] is True
        assert len(rig.requests) == before  # never connected: the controller keeps the camera
    finally:
        kill(controller)
    # Nobody holds it: the check asks the camera as usual.
    from agent.ptz import close_shared

    try:
        out = run(CheckContext(cfg, lang="en", call=detect(cfg, asound=tmp_path / "none")))
    finally:
        close_shared()
    assert out.status is Status.PASS
    assert not out.metrics.get("passive")
