"""The board's guards: security headers, sign-in throttling and the session checks on each call."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.errors import AgentError
from agent.i18n import t
from central.auth import DISABLED, Role, Session, Throttle, csrf_ok
from central.service import Board
from central.store import StoreUnavailable
from central.web.hub import Hub

COOKIE: Final = "hnth_board"
_MAX_BODY: Final = 64 * 1024
SCRYPT_AT_ONCE: Final = 2  # password checks running together (each costs 16 MB and ~50 ms)
SCRYPT_WAITING: Final = 16  # more sign-ins waiting than this are refused at once
_RECHECK_USER_S: Final = 30.0  # how soon a disabled or deleted user's sessions end

Handler = Callable[[Request], Awaitable[Response]]


class Guard:
    """Per-app request helpers: language, errors, sessions, role and CSRF checks, JSON bodies."""

    def __init__(self, board: Board, hub: Hub) -> None:
        self.board = board
        self.hub = hub
        self.throttle = Throttle()
        self.scrypt_gate = asyncio.Semaphore(SCRYPT_AT_ONCE)
        self.waiting = 0  # sign-ins queued for the scrypt gate
        self._checked: dict[str, float] = {}  # session token → when its user was last found enabled

    def lang_of(self, request: Request) -> str:
        """The reader's language: the X-Lang header, the lang query, else the board's."""
        lang = (
            request.headers.get("x-lang")
            or request.query_params.get("lang")
            or self.board.cfg.language
        )
        return lang if lang in ("vi", "en") else "vi"

    def error(self, request: Request, status: int, code: str, **params: Any) -> JSONResponse:
        """A JSON error worded by the catalogue in the reader's language."""
        message = t(f"board.web.err.{code}", lang=self.lang_of(request), **params)
        return JSONResponse({"ok": False, "error": {"code": code, "message": message}}, status)

    def session_of(self, request: Request) -> tuple[Session | None, bool]:
        """The request's session (or None) and whether it had expired."""
        return self.board.sessions.get(request.cookies.get(COOKIE))

    async def still_allowed(self, session: Session) -> bool:
        """A user disabled or deleted (by `board user`, another process) loses its sessions."""
        checked = self._checked
        now = time.monotonic()
        if now - checked.get(session.token, 0.0) < _RECHECK_USER_S:
            return True
        try:
            found = await run_in_threadpool(self.board.store.user, session.user)
        except StoreUnavailable:
            # The session itself was vouched for (central.auth); ask about its user again later.
            checked[session.token] = now
            return True
        if found is None or found[1].startswith(DISABLED):
            await run_in_threadpool(self.board.sessions.drop, session.token)
            self.hub.end_sessions({session.token})
            checked.pop(session.token, None)
            return False
        if len(checked) > 10_000:
            checked.clear()
        checked[session.token] = now
        return True

    def guarded(self, role: Role | None, handler: Handler, *, write: bool = False) -> Handler:
        """Wrap `handler`: a live session, the role, and for writes the origin and CSRF token."""
        error = self.error

        async def wrapper(request: Request) -> Response:
            # In a worker thread: the sessions are in the database, which may be slow or away.
            session, expired = await run_in_threadpool(self.session_of, request)
            if session is not None and not await self.still_allowed(session):
                session, expired = None, True
            if session is None:
                return error(request, 401, "session_expired" if expired else "login_required")
            if write:
                origin = request.headers.get("origin")
                host = request.headers.get("host", "")
                if origin and origin.split("://", 1)[-1] != host:
                    return error(request, 403, "csrf")
                if not csrf_ok(session, request.headers.get("x-csrf-token")):
                    return error(request, 403, "csrf")
            if role is Role.OPERATOR and session.role is not Role.OPERATOR:
                return error(request, 403, "forbidden")
            request.state.session = session
            try:
                return await handler(request)
            except AgentError as exc:
                return JSONResponse(
                    {"ok": False, "error": {"code": exc.code, "message": exc.message}}, 400
                )

        return wrapper

    async def read_json(self, request: Request) -> dict[str, Any]:
        """The request's JSON object body; AgentError if too big or not an object."""
        raw = await request.body()
        if len(raw) > _MAX_BODY:
            raise AgentError(t("board.web.err.too_big", lang=self.lang_of(request)))
        try:
            data = json.loads(raw or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            raise AgentError(t("board.web.err.bad_json", lang=self.lang_of(request)))
        return data


class SecurityHeaders:
    """CSP, framing, sniffing and referrer headers on every response (pages, files, API)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to the response start, leaving streaming bodies alone."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in _HEADER_BYTES if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


DUMMY_HASH: Final = (
    "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
)
_SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob:; style-src 'self'; script-src 'self';"
        " connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self';"
        " frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_HEADER_BYTES: Final = tuple((k.lower().encode(), v.encode()) for k, v in _SECURITY_HEADERS.items())
