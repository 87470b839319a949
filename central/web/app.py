"""The board's web app (Starlette): wires the routes, the live-update hub and the guards."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette

from central.service import Board
from central.web.api import routes
from central.web.hub import Hub
from central.web.security import Guard, SecurityHeaders


def create_app(board: Board) -> Starlette:
    """Build the ASGI app serving `board`."""
    hub = Hub()
    unsubscribe = board.fleet.subscribe(hub.publish)
    guard = Guard(board, hub)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        hub.bind(asyncio.get_running_loop())
        yield
        hub.close_all()
        unsubscribe()

    app = Starlette(routes=routes(board, hub, guard), lifespan=lifespan)
    app.state.hub = hub
    app.state.throttle = guard.throttle
    app.add_middleware(SecurityHeaders)
    return app
