"""Fixtures local to the MQTT tests: agent subprocesses, reaped at teardown."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


class AgentProc:
    """A `tests.mqtt.agent_proc` child process with line-based progress on stdout."""

    def __init__(self, config: Path, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.mqtt.agent_proc", str(config), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def expect(self, word: str, timeout: float = 30.0) -> list[str]:
        """Read stdout lines until one starts with `word`; return its fields."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                break
            if line is None:
                break
            if line.startswith(word):
                return line.split()
        err = self.proc.stderr.read() if self.proc.poll() is not None and self.proc.stderr else ""
        msg = f"agent process did not print {word!r} within {timeout} s; stderr: {err[-2000:]}"
        raise AssertionError(msg)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def kill(self) -> None:
        """SIGKILL and reap."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)

    def wait(self, timeout: float = 30.0) -> int:
        """Wait for exit and return the code."""
        return self.proc.wait(timeout)


@pytest.fixture
def agent_proc() -> Iterator[Callable[..., AgentProc]]:
    """Start agent subprocesses; each is killed and reaped at teardown."""
    procs: list[AgentProc] = []

    def start(config: Path, *args: str) -> AgentProc:
        p = AgentProc(config, *args)
        procs.append(p)
        return p

    yield start
    for p in procs:
        p.kill()
        for f in (p.proc.stdout, p.proc.stderr):
            if f is not None:
                f.close()
