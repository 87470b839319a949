"""Board rigs: a Board on a temp SQLite history, its web server, a live central MQTT link."""

from __future__ import annotations

import dataclasses
import http.cookiejar
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from central.auth import Role
from central.config import BoardConfig
from central.service import Board
from central.store import Store, open_store
from tests.fixtures.postgres import Postgres

PASSWORDS = {"op": "operator-pw-1", "view": "viewer-pw-1"}


@pytest.fixture
def make_board(tmp_path: Path) -> Iterator[Callable[..., Board]]:
    """Factory for a Board on a temp SQLite file, with users `op` (operator) and `view` (viewer)."""
    made: list[Board] = []

    def make(**cfg: Any) -> Board:
        bcfg = dataclasses.replace(BoardConfig(cookie_secure=False), **cfg)
        store = open_store(f"sqlite:///{tmp_path}/board-{len(made)}.sqlite", str(tmp_path))
        board = Board(bcfg, store)
        board.users.add("op", Role.OPERATOR, PASSWORDS["op"])
        board.users.add("view", Role.VIEWER, PASSWORDS["view"])
        made.append(board)
        return board

    yield make
    for b in made:
        b.stop()
        b.store.close()


@dataclass
class Http:
    """A tiny cookie-keeping HTTP client for the board's JSON API."""

    base: str
    csrf: str = ""
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(
        self, method: str, path: str, body: Any = None, *, csrf: str | None = None, lang: str = "en"
    ) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("X-Lang", lang)
        req.add_header("Content-Type", "application/json")
        token = self.csrf if csrf is None else csrf
        if token:
            req.add_header("X-CSRF-Token", token)
        try:
            with self.opener.open(req, timeout=30) as r:
                raw, status, ctype = r.read(), r.status, r.headers.get("content-type", "")
        except urllib.error.HTTPError as e:
            raw, status, ctype = e.read(), e.code, e.headers.get("content-type", "")
        return status, json.loads(raw) if "json" in ctype else raw

    def login(self, user: str) -> dict[str, Any]:
        status, body = self.call("POST", "/api/login", {"user": user, "password": PASSWORDS[user]})
        assert status == 200, body
        self.csrf = body["csrf"]
        return body


@pytest.fixture
def web(
    make_board: Callable[..., Board],
) -> Iterator[Callable[..., tuple[Board, Any, Callable[[], Http]]]]:
    """Start a board's web server on a free port; returns (board, server, new_http_client)."""
    from central.web.server import WebServer

    servers: list[WebServer] = []

    def start(
        board: Board | None = None, **cfg: Any
    ) -> tuple[Board, WebServer, Callable[[], Http]]:
        b = board or make_board(**cfg)
        server = WebServer(b, "127.0.0.1", 0)
        server.start()
        servers.append(server)
        return b, server, lambda: Http(f"http://127.0.0.1:{server.port}")

    yield start
    for s in servers:
        s.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty history: a SQLite file, or a new database on the test PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/board.sqlite"
    pg: Postgres = request.getfixturevalue("postgres")
    return pg.new_database()


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Store]:
    """An empty, migrated history on each database (the same tests run on both)."""
    s = open_store(store_url, str(tmp_path))
    yield s
    s.close()
