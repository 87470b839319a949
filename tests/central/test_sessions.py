"""Sessions in the database (issue 13): they survive a restart and are shared by every board on it.

The same tests run on SQLite and on a real PostgreSQL (`store_url`); a database that stops
answering is a store whose driver seam raises StoreUnavailable, or a real PostgreSQL stopped.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from central.auth import Role, Session, Sessions
from central.config import BoardConfig
from central.service import Board
from central.store import Store, StoreUnavailable, open_store
from tests.central.conftest import PASSWORDS
from tests.fixtures.postgres import Postgres

TTL = 3600.0
# The expiry is stored to the millisecond on both databases (PostgreSQL's column is DOUBLE
# PRECISION: its REAL would be ±64 s at today's epoch seconds, and fail these tests).
SLACK = 0.01


class Clock:
    """A settable wall clock and monotonic clock for Sessions."""

    def __init__(self) -> None:
        self.wall = 1_800_000_000.0
        self.mono = 1000.0

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


class Flaky:
    """A store whose database stops answering on demand (the board's view of an outage)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.down = False

    @property
    def _lock(self) -> Any:
        return self.store._lock

    def _exec(self, sql: str, params: Sequence[Any] = ()) -> int:
        if self.down:
            raise StoreUnavailable("database is locked")
        return self.store._exec(sql, params)

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self.down:
            raise StoreUnavailable("database is locked")
        return self.store._query(sql, params)


@pytest.fixture
def stores(store_url: str, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """Open as many stores on the one database as a test wants (boards on one database)."""
    opened: list[Store] = []

    def one() -> Store:
        opened.append(open_store(store_url, str(tmp_path)))
        return opened[-1]

    yield one
    for s in opened:
        s.close()


def _rows(store: Store) -> list[tuple[Any, ...]]:
    with store._lock:
        return store._query('SELECT token_hash, "user", role, csrf, expires, created FROM sessions')


def _same(got: Session | None, made: Session) -> None:
    assert got is not None
    assert (got.token, got.user, got.role, got.csrf) == (
        made.token,
        made.user,
        made.role,
        made.csrf,
    )
    assert got.expires == pytest.approx(made.expires, abs=SLACK)


def test_a_session_survives_a_new_board_on_the_same_database(stores):
    first = Board(BoardConfig(cookie_secure=False), stores())
    made = first.sessions.create("op", Role.OPERATOR)
    first.store.close()  # the board stops; its process memory is gone with it
    again = Board(BoardConfig(cookie_secure=False), stores())
    got, expired = again.sessions.get(made.token)
    _same(got, made)
    assert not expired
    assert again.sessions.get("not-a-token") == (None, False)
    assert again.sessions.get(None) == (None, False)


def test_two_boards_share_sessions_and_a_sign_out_ends_it_on_both(stores):
    a = Sessions(stores(), TTL)
    b = Sessions(stores(), TTL)
    made = a.create("view", Role.VIEWER)
    _same(b.get(made.token)[0], made)
    _same(a.get(made.token)[0], made)  # a has it remembered now, which must not outvote b's drop
    b.drop(made.token)
    assert a.get(made.token) == (None, False)
    assert b.get(made.token) == (None, False)


def test_drop_user_ends_only_that_users_sessions_everywhere(stores):
    a = Sessions(stores(), TTL)
    b = Sessions(stores(), TTL)
    op1, op2 = a.create("op", Role.OPERATOR), b.create("op", Role.OPERATOR)
    view = a.create("view", Role.VIEWER)
    assert a.get(op2.token)[0] is not None
    assert b.drop_user("op") == 2
    assert a.get(op1.token) == (None, True)  # its page says the session expired
    assert b.get(op2.token) == (None, True)
    for sessions in (a, b):
        assert sessions.get(op1.token) == (None, False)
        assert sessions.get(op2.token) == (None, False)
        _same(sessions.get(view.token)[0], view)
    assert b.drop_user("op") == 0


def test_an_expired_session_is_refused_and_removed_and_old_rows_are_purged(stores):
    clock = Clock()
    store = stores()
    s = Sessions(store, TTL, clock=lambda: clock.wall, monotonic=lambda: clock.mono)
    old = s.create("view", Role.VIEWER)
    clock.advance(TTL - SLACK)
    assert s.get(old.token)[0] is not None
    clock.advance(2 * SLACK)
    assert s.get(old.token) == (None, True)
    assert s.get(old.token) == (None, False)  # removed: expired once, then unknown
    assert _rows(store) == []

    # Rows nobody asks about again are deleted by a later sign-in (at most once an hour).
    s.create("view", Role.VIEWER)
    clock.advance(TTL + SLACK)
    latest = s.create("op", Role.OPERATOR)
    assert [r[1] for r in _rows(store)] == ["op"]

    other = Sessions(stores(), TTL, clock=lambda: clock.wall)
    other.expire(latest.token)
    assert s.get(latest.token) == (None, True)


def test_the_token_is_stored_only_as_its_sha256(stores, store_url: str, tmp_path: Path):
    store = stores()
    made = Sessions(store, TTL).create("op", Role.OPERATOR)
    [(digest, user, role, csrf, expires, created)] = _rows(store)
    assert digest == hashlib.sha256(made.token.encode()).hexdigest()
    assert (user, role, csrf) == ("op", "operator", made.csrf)
    assert expires == pytest.approx(made.expires, abs=SLACK)
    assert created.endswith("Z")
    assert made.token not in repr(_rows(store))
    if store_url.startswith("sqlite"):
        for f in tmp_path.glob("board.sqlite*"):  # the file and its WAL
            assert made.token.encode() not in f.read_bytes(), f


def test_while_the_database_is_away_recent_sessions_work_and_sign_ins_fail(store: Store):
    clock = Clock()
    flaky = Flaky(store)
    s = Sessions(flaky, TTL, clock=lambda: clock.wall, monotonic=lambda: clock.mono)
    other = Sessions(store, TTL, clock=lambda: clock.wall)  # a board whose database answers
    seen, gone = s.create("view", Role.VIEWER), s.create("op", Role.OPERATOR)
    never_seen_here = other.create("view", Role.VIEWER)
    assert s.get(seen.token)[0] is not None

    flaky.down = True
    _same(s.get(seen.token)[0], seen)  # the page keeps working for a viewer
    assert s.get(never_seen_here.token) == (None, False)  # nothing vouches for it here
    with pytest.raises(StoreUnavailable):
        s.create("view", Role.VIEWER)
    s.drop(gone.token)  # a sign-out while the database is away still ends the session here
    assert s.get(gone.token) == (None, False)
    other.drop(seen.token)  # the other board signs `seen` out meanwhile
    _same(s.get(seen.token)[0], seen)  # unknown here until the database answers
    clock.advance(601)
    assert s.get(never_seen_here.token) == (None, False)

    flaky.down = False
    clock.advance(3)  # the next request asks the database again
    assert s.get(seen.token) == (None, False)  # the database said it was dropped: refused
    assert s.get(gone.token) == (None, False)
    assert other.get(gone.token) == (None, False)  # the sign-out was written when it came back
    _same(s.get(never_seen_here.token)[0], never_seen_here)


def test_sign_in_on_one_board_works_on_another_and_sign_out_ends_both(stores, web):
    boards = [Board(BoardConfig(cookie_secure=False), stores()) for _ in range(2)]
    boards[0].users.add("view", Role.VIEWER, PASSWORDS["view"])
    (_, _, client_a), (_, _, client_b) = web(boards[0]), web(boards[1])
    a, b = client_a(), client_b()
    a.login("view")
    for cookie in a.jar:
        b.jar.set_cookie(cookie)  # the same browser behind a load balancer
    b.csrf = a.csrf
    assert b.call("GET", "/api/me")[1]["user"] == "view"
    assert b.call("POST", "/api/logout", {})[0] == 200
    status, body = a.call("GET", "/api/me", lang="en")
    assert status == 401
    assert body["error"]["code"] == "login_required"


def test_sign_in_says_the_database_is_down_and_open_pages_keep_working(
    web, make_board, monkeypatch
):
    board, _, client = web()
    viewer = client()
    viewer.login("view")

    def away(*_: Any, **__: Any) -> Any:
        raise StoreUnavailable("disk I/O error")

    monkeypatch.setattr(board.store, "_query", away)
    monkeypatch.setattr(board.store, "_exec", away)
    status, body = viewer.call("GET", "/api/fleet")
    assert status == 200, body
    for lang, words in (("en", "database is not answering"), ("vi", "không phản hồi")):
        status, body = client().call(
            "POST", "/api/login", {"user": "op", "password": PASSWORDS["op"]}, lang=lang
        )
        assert status == 503
        assert body["error"]["code"] == "db_down"
        assert words in body["error"]["message"]
    monkeypatch.undo()
    viewer.login("op")  # back by itself


@pytest.mark.postgres
def test_a_real_postgresql_outage_keeps_pages_and_refuses_sign_in(
    postgres: Postgres, web, tmp_path
):
    url = postgres.new_database()
    store = open_store(url, str(tmp_path))
    board = Board(BoardConfig(cookie_secure=False), store)
    board.users.add("view", Role.VIEWER, PASSWORDS["view"])
    _, _, client = web(board)
    viewer = client()
    viewer.login("view")
    token = next(c.value for c in viewer.jar if c.name == "hnth_board")
    postgres.stop()
    try:
        assert viewer.call("GET", "/api/fleet")[0] == 200
        status, body = client().call(
            "POST", "/api/login", {"user": "view", "password": PASSWORDS["view"]}
        )
        assert (status, body["error"]["code"]) == (503, "db_down")
        assert viewer.call("POST", "/api/logout", {})[0] == 200
        assert viewer.call("GET", "/api/fleet")[0] == 401
    finally:
        postgres.start()
    time.sleep(2.5)  # then the board asks the database again (central.auth._RETRY_S)
    assert board.sessions.get("another-token") == (None, False)  # the sign-out written first
    other = open_store(url, str(tmp_path))
    try:
        assert Sessions(other, TTL).get(token) == (None, False)
        assert _rows(other) == []
    finally:
        other.close()
        store.close()
