"""The command line's side of the local socket: ask the daemon, or learn that there is none."""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Any

from agent.errors import AccessError, AgentError, DeviceTimeoutError, RemoteProtocolError
from agent.i18n import t
from agent.local import wire


class DaemonNotRunning(AgentError):  # noqa: N818 - a state, not a failure: the caller works alone
    """No daemon answers on the socket: the command does the work itself."""

    code = "offline"


class DaemonError(AgentError):
    """The daemon answered with an error; `code` is the one it gave."""

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.code = code


def ask(
    path: Path, verb: str, args: dict[str, Any] | None = None, *, lang: str = "", timeout: float
) -> Any:
    """Send one request and return the daemon's result; raise what the daemon raised."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    sock.settimeout(min(timeout, 5.0))
    try:
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError):
            raise DaemonNotRunning(t("local.no_daemon", path=path)) from None
        except PermissionError:
            raise AccessError(
                t("local.denied", path=path), hint=t("local.denied_hint", path=path)
            ) from None
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ECONNREFUSED):
                raise DaemonNotRunning(t("local.no_daemon", path=path)) from None
            raise
        sock.settimeout(timeout)
        sock.sendall(wire.request(verb, args, lang=lang))
        with sock.makefile("rb") as reader:
            try:
                line = reader.readline(wire.MAX_LINE + 1)
            except TimeoutError:
                raise DeviceTimeoutError(
                    t("local.timeout", seconds=f"{timeout:g}"), hint=t("local.timeout_hint")
                ) from None
    finally:
        sock.close()
    if not line:
        raise RemoteProtocolError(t("local.closed", path=path))
    body = wire.parse_answer(line)
    if body["ok"]:
        return body.get("result")
    raw = body.get("error")
    error: dict[str, Any] = raw if isinstance(raw, dict) else {}
    raise DaemonError(
        str(error.get("code") or "internal"),
        str(error.get("message") or "?"),
        error.get("hint") if isinstance(error.get("hint"), str) else None,
    )


__all__ = ["DaemonError", "DaemonNotRunning", "ask"]
