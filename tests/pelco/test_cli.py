"""`hnth-agent sim pelco --pty` as a real child process, driven by the real client."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.pelco import Camera, PositionUnavailableError, Timeouts

ROOT = Path(__file__).resolve().parents[2]
FAST = Timeouts(query_ms=300, query_retries=1)


class Sim:
    """A running `hnth-agent sim pelco` and the path it printed."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "agent", "sim", "pelco", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "HNTH_AGENT_LANG": "en"},
        )
        assert self.proc.stdout is not None
        self.path = self.proc.stdout.readline().strip()
        self._result: tuple[int, str] | None = None

    def stop(self) -> tuple[int, str]:
        """SIGTERM, reap, and return the exit code and stderr (again on a second call)."""
        if self._result is not None:
            return self._result
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        err = self.proc.stderr.read() if self.proc.stderr else ""
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        self._result = (self.proc.returncode, err)
        return self._result


@pytest.fixture
def sim() -> Iterator[type[Sim]]:
    started: list[Sim] = []

    class Tracked(Sim):
        def __init__(self, *args: str) -> None:
            super().__init__(*args)
            started.append(self)

    yield Tracked
    for s in started:
        s.stop()  # every child is reaped, even when the test failed


def test_sim_pelco_pty_prints_its_path_and_is_a_camera(sim):
    s = sim("--pty", "--protocol", "d", "--address", "3", "--baud", "9600", "--motion-scale", "20")
    assert s.path.startswith("/dev/pts/"), s.path
    with Camera(f"pelco-d://{s.path}?baud=9600&address=3", timeouts=FAST) as cam:
        assert cam.position().pan == 0
        cam.drive("right", 0x3F)
        time.sleep(0.2)
        cam.stop()
        pan = cam.position().pan
        assert pan is not None
        assert pan > 1000
        cam.preset_set(2)
        cam.home()
        time.sleep(0.3)
        assert cam.position().pan == 0
        cam.preset_recall(2)
        time.sleep(0.3)
        assert cam.position().pan == pan
    code, err = s.stop()
    assert code == 0
    assert "Pelco-D camera at address 3, 9600 baud" in err
    assert "stopped after" in err


def test_sim_pelco_answers_only_its_own_address(sim):
    s = sim("--pty", "--address", "2", "--baud", "9600")
    with Camera(f"pelco-d://{s.path}?baud=9600&address=1", timeouts=FAST) as cam:
        with pytest.raises(PositionUnavailableError):
            cam.position()
    assert s.stop()[0] == 0


def test_sim_pelco_without_queries_and_in_pelco_p(sim, tmp_path):
    d = sim("--pty", "--no-queries", "--baud", "9600")
    with Camera(f"pelco-d://{d.path}?baud=9600", timeouts=FAST) as cam:
        cam.drive("up", 5)
        with pytest.raises(PositionUnavailableError):
            cam.position()
        cam.stop()
    code, err = d.stop()
    assert code == 0
    assert "no-queries" in err
    assert "stopped after 6 frames" in err  # drive, pan ×2, tilt ×2, stop

    link = tmp_path / "ttyPELCO"
    p = sim("--link", str(link), "--protocol", "p")
    assert p.path == str(link)
    with Camera(f"pelco-p://{link}", timeouts=FAST) as cam:
        cam.drive("left", 3)
        cam.home()
        with pytest.raises(PositionUnavailableError):
            cam.position()
    code, err = p.stop()
    assert code == 0
    assert "Pelco-P camera at address 1, 4800 baud" in err
    assert "stopped after 2 frames" in err


def test_sim_pelco_stops_on_sigint_too(sim):
    s = sim("--pty", "--baud", "9600")
    with Camera(f"pelco-d://{s.path}?baud=9600", timeouts=FAST) as cam:
        cam.stop()
    s.proc.send_signal(signal.SIGINT)
    s.proc.wait(timeout=5)  # else stop()'s SIGTERM may land while SIGINT is being handled
    code, err = s.stop()
    assert code == 0
    assert "stopped after 1 frame\n" in err


def test_sim_pelco_needs_a_pty(sim):
    s = sim("--protocol", "p")
    assert s.path == ""
    code, err = s.stop()
    assert code != 0
    assert "--pty" in err
