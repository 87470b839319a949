"""The board's web side: the Starlette app (JSON API, Server-Sent Events, static page) and the
uvicorn server that runs it in a thread."""

from __future__ import annotations

from central.web.app import create_app
from central.web.server import WebServer

__all__ = ["WebServer", "create_app"]
