"""The daemon's local socket: `check`, `ptz` and `devices` ask the one owner of the devices.

- `wire`: the framing (one JSON object per line, bounded); no I/O;
- `paths`: where the socket is;
- `server`: the daemon's side, a Unix socket for the `hnth-agent` group;
- `client`: the command line's side; `DaemonNotRunning` means "do it yourself".
"""

from agent.local.client import DaemonNotRunning, ask
from agent.local.paths import client_socket_path, server_socket_path

__all__ = ["DaemonNotRunning", "ask", "client_socket_path", "server_socket_path"]
