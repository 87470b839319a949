"""The daemon's side of the local socket: one thread per connection, a few at a time.

The socket is `0660` and belongs to the daemon's group (`hnth-agent` under systemd), so a
technician in that group can ask without reading the config. Each request is logged with the
asker's uid and pid (SO_PEERCRED).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from agent.errors import AgentError, BusyError, RemoteProtocolError
from agent.i18n import t
from agent.local import wire

log = logging.getLogger(__name__)

MAX_CLIENTS: Final = 8
READ_TIMEOUT_S: Final = 30.0  # a client that connects and says nothing is dropped after this


@dataclass(frozen=True, slots=True)
class Peer:
    """Who is asking, as the kernel says."""

    pid: int
    uid: int
    gid: int


Handler = Callable[[str, dict[str, Any], Peer, str], Any]


class LocalServer:
    """A Unix socket at `path` that answers requests with `handle(verb, args, peer, lang)`."""

    def __init__(
        self, path: Path, handle: Handler, *, group: int | None = None, mode: int = 0o660
    ) -> None:
        """Nothing is bound until `start()`."""
        self.path = path
        self._handle = handle
        self._group = group
        self._mode = mode
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._slots = threading.BoundedSemaphore(MAX_CLIENTS)
        self._stopping = threading.Event()
        self.served = 0

    def start(self) -> None:
        """Bind and listen; BusyError when another daemon already answers on the path."""
        self.path.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
        if self.path.exists() or self.path.is_symlink():
            if _answers(self.path):
                raise BusyError(t("local.socket_taken", path=self.path))
            self.path.unlink()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        # Bound under a restrictive umask, then opened up: never a moment of 0777.
        old = os.umask(0o177)
        try:
            sock.bind(str(self.path))
        finally:
            os.umask(old)
        if self._group is not None:
            os.chown(self.path, -1, self._group)
        self.path.chmod(self._mode)
        sock.listen(16)
        self._sock = sock
        self._thread = threading.Thread(target=self._accept, name="local-socket", daemon=True)
        self._thread.start()
        log.info("local socket %s (mode %o)", self.path, self._mode)

    def stop(self) -> None:
        """Stop accepting, remove the socket file; requests in progress finish on their own."""
        self._stopping.set()
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        with contextlib.suppress(OSError):
            self.path.unlink()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            sock = self._sock
            if sock is None:
                return
            try:
                conn, _ = sock.accept()
            except OSError:
                if self._stopping.is_set():
                    return
                log.warning("local socket accept failed", exc_info=True)
                continue
            if not self._slots.acquire(blocking=False):
                with contextlib.suppress(OSError):
                    conn.sendall(wire.answer(error=BusyError(t("local.too_many"))))
                conn.close()
                continue
            threading.Thread(
                target=self._serve, args=(conn,), name="local-client", daemon=True
            ).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            peer = _peer(conn)
            conn.settimeout(READ_TIMEOUT_S)
            with conn, conn.makefile("rb") as reader:
                while not self._stopping.is_set():
                    line = reader.readline(wire.MAX_LINE + 1)
                    if not line:
                        return
                    conn.sendall(self._one(line, peer))
        except (OSError, TimeoutError) as exc:
            log.debug("local client went away: %s", exc)
        finally:
            self._slots.release()

    def _one(self, line: bytes, peer: Peer) -> bytes:
        try:
            verb, args, lang = wire.parse_request(line)
        except RemoteProtocolError as exc:
            return wire.answer(error=exc)
        log.info("local %s from uid %d (pid %d)", verb, peer.uid, peer.pid)
        self.served += 1
        try:
            return wire.answer(self._handle(verb, args, peer, lang))
        except AgentError as exc:
            return wire.answer(error=exc)
        except Exception as exc:
            log.exception("local %s failed", verb)
            return wire.answer(error=exc)


def _peer(conn: socket.socket) -> Peer:
    raw = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", raw)
    return Peer(pid, uid, gid)


def _answers(path: Path) -> bool:
    """True when something listens on `path` (a live daemon), False for a stale file."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


__all__ = ["MAX_CLIENTS", "LocalServer", "Peer"]
