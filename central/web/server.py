"""Run the board's web app with uvicorn, in the foreground or on a thread (tests, the bench)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING

import uvicorn

from central.web.app import create_app

if TYPE_CHECKING:
    from central.service import Board


class WebServer:
    """uvicorn serving one board; `start()` runs it on a thread, `stop()` joins it."""

    def __init__(self, board: Board, host: str, port: int) -> None:
        self.app = create_app(board)
        config = uvicorn.Config(
            self.app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (useful when started on port 0)."""
        servers = self.server.servers
        if servers and servers[0].sockets:
            return int(servers[0].sockets[0].getsockname()[1])
        return int(self.server.config.port)

    def run(self) -> None:
        """Serve in the foreground until SIGINT/SIGTERM."""
        self.server.run()

    def start(self, timeout: float = 10.0) -> None:
        """Serve on a background thread; return once it accepts connections."""
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self.server.serve()), name="board-web", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                msg = "board web server did not start"
                raise RuntimeError(msg)
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop serving (open SSE streams are ended) and join the thread."""
        hub = getattr(self.app.state, "hub", None)
        if hub is not None and hub._loop is not None and not hub._loop.is_closed():
            hub._loop.call_soon_threadsafe(hub.close_all)
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
