"""The board's web side: the Starlette app (JSON API, Server-Sent Events, static page) and the
uvicorn server that runs it in a thread.

app.py wires the app; api.py holds the routes; security.py the headers, sign-in throttling and
session guards; hub.py fans fleet changes out to the live streams; server.py runs it.
"""

from __future__ import annotations

from central.web.app import create_app
from central.web.server import WebServer

__all__ = ["WebServer", "create_app"]
