"""A running `hnth-agent run` subprocess with a real NOTIFY_SOCKET, for daemon tests."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HNTH = str(Path(sys.executable).parent / "hnth-agent")
BASE = "hnth/v2/son-la/xa-chieng-son"  # the room the daemon tests configure


class Daemon:
    """`hnth-agent run` as systemd would start it; collects notify messages and log lines."""

    def __init__(self, tmp: Path, config_path: Path, env: dict[str, str] | None = None) -> None:
        self.notify_path = str(tmp / "notify.sock")
        # A daemon started again in the same folder.
        (tmp / "notify.sock").unlink(missing_ok=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.notify_path)
        self.sock.settimeout(0.2)
        self.notices: list[str] = []
        self.lines: list[str] = []
        self._stop = threading.Event()
        full_env = {k: v for k, v in os.environ.items() if k != "HNTH_AGENT_CONFIG"}
        full_env.update(
            {"NOTIFY_SOCKET": self.notify_path, "WATCHDOG_USEC": "2000000", **(env or {})}
        )
        self.proc = subprocess.Popen(
            [HNTH, "run", "--config", str(config_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=full_env,
        )
        self._threads = [
            threading.Thread(target=self._read_notify, daemon=True),
            threading.Thread(target=self._read_log, daemon=True),
        ]
        for th in self._threads:
            th.start()

    def _read_notify(self) -> None:
        while not self._stop.is_set():
            try:
                self.notices.append(self.sock.recv(4096).decode())
            except TimeoutError:
                continue
            except OSError:
                return

    def _read_log(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, what: Callable[[], bool], timeout: float, label: str = "") -> None:
        """Wait until `what()` is true, or fail with the daemon's log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if what():
                return
            if self.proc.poll() is not None and not what():
                break
            time.sleep(0.05)
        log = "\n".join(self.lines[-40:])
        msg = f"timed out waiting for {label}; rc={self.proc.poll()}\n{log}"
        raise AssertionError(msg)

    def notice(self, prefix: str) -> bool:
        """True when some notify message contains a line starting with `prefix`."""
        return any(line.startswith(prefix) for n in self.notices for line in n.splitlines())

    def logged(self, text: str) -> bool:
        """True when some log line contains `text`."""
        return any(text in line for line in self.lines)

    def signal(self, sig: signal.Signals) -> None:
        """Send a signal to the daemon."""
        self.proc.send_signal(sig)

    def close(self) -> int | None:
        """Stop the daemon (SIGKILL if it does not stop) and reap it."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stop.set()
        for th in self._threads:
            th.join(2)
        with contextlib.suppress(OSError):
            self.sock.close()
        return self.proc.returncode


class Inbox:
    """Everything a central subscriber sees, by topic."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.seen: list[tuple[str, bytes, bool]] = []

    def pump(self) -> None:
        while (msg := self.client.get_message(0.05)) is not None:
            self.seen.append((msg.topic, msg.payload, msg.retain))

    def find(self, topic: str, pred: Callable[[dict[str, Any]], bool] = lambda _: True) -> Any:
        self.pump()
        for t, payload, _ in reversed(self.seen):
            if t == topic and payload:
                try:
                    doc = json.loads(payload)
                except ValueError:
                    continue
                if pred(doc):
                    return doc
        return None

    def events(self, kind: str) -> list[dict[str, Any]]:
        self.pump()
        out = []
        for t, payload, _ in self.seen:
            if t == f"{BASE}/events":
                doc = json.loads(payload)
                if doc.get("kind") == kind:
                    out.append(doc)
        return out
