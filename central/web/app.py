"""The board's web app (Starlette): wires the routes, the live-update hub and the guards."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, Final

from starlette.applications import Starlette

from central.service import Board
from central.web.api import routes
from central.web.degraded import IngestHealth
from central.web.hub import Hub
from central.web.security import Guard, SecurityHeaders

_WATCH_S: Final = 1.0


def create_app(board: Board) -> Starlette:
    """Build the ASGI app serving `board`."""
    hub = Hub()
    health = IngestHealth(board.fleet)

    def publish(kind: str, data: dict[str, Any]) -> None:
        hub.publish(kind, health.payload() if kind == "broker" else data)

    unsubscribe = board.fleet.subscribe(publish)
    guard = Guard(board, hub)

    async def watch_ingest() -> None:
        # Pending writes, drops and rejections change without an event: look every second.
        while True:
            await asyncio.sleep(_WATCH_S)
            changed = health.changed()
            if changed is not None:
                hub.publish("broker", changed)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        hub.bind(asyncio.get_running_loop())
        health.changed()  # the state at start is the baseline: only changes are sent
        watcher = asyncio.create_task(watch_ingest())
        yield
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        hub.close_all()
        unsubscribe()

    app = Starlette(routes=routes(board, hub, guard, health), lifespan=lifespan)
    app.state.hub = hub
    app.state.throttle = guard.throttle
    app.add_middleware(SecurityHeaders)
    return app
