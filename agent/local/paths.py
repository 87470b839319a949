"""Where the daemon's local socket is, for the daemon and for the commands that ask it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from agent.config import Config

ENV_VAR: Final = "HNTH_AGENT_SOCKET"
SYSTEM_DIR: Final = Path("/run/hnth-agent")
SOCKET_NAME: Final = "agent.sock"


def server_socket_path(config: Config) -> Path:
    """Where the daemon listens: [agent] socket, systemd's runtime dir, /run, the state dir."""
    if config.agent.socket:
        return Path(config.agent.socket)
    runtime = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
    if runtime:
        return Path(runtime) / SOCKET_NAME
    if os.access(SYSTEM_DIR, os.W_OK) or (
        not SYSTEM_DIR.exists() and os.access(SYSTEM_DIR.parent, os.W_OK)
    ):
        return SYSTEM_DIR / SOCKET_NAME
    return Path(config.agent.state_dir) / SOCKET_NAME


def client_socket_path(explicit: str | None, config: Config | None) -> Path:
    """Where a command looks for the daemon: --socket, $HNTH_AGENT_SOCKET, the config, /run."""
    if explicit:
        return Path(explicit)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    if config is not None:
        if config.agent.socket:
            return Path(config.agent.socket)
        runtime = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
        if runtime:
            return Path(runtime) / SOCKET_NAME
        state = Path(config.agent.state_dir) / SOCKET_NAME
        if not (SYSTEM_DIR / SOCKET_NAME).exists() and state.exists():
            return state
    return SYSTEM_DIR / SOCKET_NAME


__all__ = ["ENV_VAR", "SOCKET_NAME", "SYSTEM_DIR", "client_socket_path", "server_socket_path"]
