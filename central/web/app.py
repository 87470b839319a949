"""The board's web app (Starlette): JSON API, Server-Sent Events and the static page."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Final

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.errors import AgentError
from agent.i18n import catalog, t
from central.auth import DISABLED, Role, Session, Throttle, csrf_ok, verify_password
from central.availability import report
from central.metrics import CONTENT_TYPE, health_check, prometheus
from central.service import Board
from central.store import StoreUnavailable

log = logging.getLogger(__name__)

STATIC: Final = Path(__file__).with_name("static")
COOKIE: Final = "hnth_board"
_SSE_QUEUE: Final = 1000
_BATCH_S: Final = 0.05
_KEEPALIVE_S: Final = 15.0
_MAX_BODY: Final = 64 * 1024
_HEALTH_DB_S: Final = 2.0  # /healthz waits this long for the database
_SCRYPT_AT_ONCE: Final = 2  # password checks running together (each costs 16 MB and ~50 ms)
_SCRYPT_WAITING: Final = 16  # more sign-ins waiting than this are refused at once
_RECHECK_USER_S: Final = 30.0  # how soon a disabled or deleted user's sessions end

Handler = Callable[[Request], Awaitable[Response]]


class Hub:
    """Fans fleet changes out to every connected browser (thread-safe in, asyncio out)."""

    def __init__(self, batch_s: float = _BATCH_S) -> None:
        self._clients: set[asyncio.Queue[str | None]] = set()
        self._tokens: dict[asyncio.Queue[str | None], str] = {}  # whose session each stream is
        self._loop: asyncio.AbstractEventLoop | None = None
        self._batch_s = batch_s
        self._lock = threading.Lock()
        # Changes are batched for `batch_s`: one loop wake-up and one write per browser per batch,
        # and a room that changed three times in a batch is sent once, with its latest state.
        self._rooms: dict[str, dict[str, Any]] = {}
        self._others: list[tuple[str, dict[str, Any]]] = []
        self._scheduled = False

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Remember the server's event loop; changes arrive on other threads."""
        self._loop = loop

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        """Queue one SSE event for every client (any thread); sent with the next batch."""
        loop = self._loop
        if loop is None or not self._clients or loop.is_closed():
            return
        with self._lock:
            if kind == "room":
                self._rooms.pop(data["room"], None)
                self._rooms[data["room"]] = data
            else:
                self._others.append((kind, data))
            if self._scheduled:
                return
            self._scheduled = True
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(loop.call_later, self._batch_s, self._flush)

    def _flush(self) -> None:
        with self._lock:
            rooms, others = self._rooms, self._others
            self._rooms, self._others, self._scheduled = {}, [], False
        frames = [_frame(kind, data) for kind, data in others]
        frames.extend(_frame("room", data) for data in rooms.values())
        if frames:
            self._fan_out("".join(frames))

    def _fan_out(self, frame: str) -> None:
        for q in list(self._clients):
            try:
                q.put_nowait(frame)
            except asyncio.QueueFull:
                # The browser reconnects by itself (EventSource) and reloads the full state.
                self._clients.discard(q)
                with contextlib.suppress(asyncio.QueueFull):
                    q.put_nowait(None)

    def add(self, token: str = "") -> asyncio.Queue[str | None]:
        """Register a new SSE client of session `token`."""
        q: asyncio.Queue[str | None] = asyncio.Queue(_SSE_QUEUE)
        self._clients.add(q)
        self._tokens[q] = token
        return q

    def remove(self, q: asyncio.Queue[str | None]) -> None:
        """Forget an SSE client."""
        self._clients.discard(q)
        self._tokens.pop(q, None)

    def end_sessions(self, tokens: set[str]) -> int:
        """End the streams of these sessions (signed out); return how many (on the loop)."""
        ended = [q for q, tok in list(self._tokens.items()) if tok in tokens]
        for q in ended:
            self.remove(q)
            while True:  # make room for the end marker even in a full queue
                try:
                    q.put_nowait(None)
                    break
                except asyncio.QueueFull:
                    q.get_nowait()
        return len(ended)

    def close_all(self) -> None:
        """End every stream (on shutdown), so the server can stop."""
        for q in list(self._clients):
            with contextlib.suppress(asyncio.QueueFull):
                q.put_nowait(None)
        self._clients.clear()


def create_app(board: Board) -> Starlette:
    """Build the ASGI app serving `board`."""
    hub = Hub()
    unsubscribe = board.fleet.subscribe(hub.publish)
    throttle = Throttle()
    scrypt_gate = asyncio.Semaphore(_SCRYPT_AT_ONCE)
    waiting = [0]  # sign-ins queued for the scrypt gate
    checked: dict[str, float] = {}  # session token → when its user was last found enabled

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        hub.bind(asyncio.get_running_loop())
        yield
        hub.close_all()
        unsubscribe()

    def lang_of(request: Request) -> str:
        lang = (
            request.headers.get("x-lang") or request.query_params.get("lang") or board.cfg.language
        )
        return lang if lang in ("vi", "en") else "vi"

    def error(request: Request, status: int, code: str, **params: Any) -> JSONResponse:
        message = t(f"board.web.err.{code}", lang=lang_of(request), **params)
        return JSONResponse({"ok": False, "error": {"code": code, "message": message}}, status)

    def session_of(request: Request) -> tuple[Session | None, bool]:
        return board.sessions.get(request.cookies.get(COOKIE))

    async def still_allowed(session: Session) -> bool:
        """A user disabled or deleted (by `board user`, another process) loses its sessions."""
        now = time.monotonic()
        if now - checked.get(session.token, 0.0) < _RECHECK_USER_S:
            return True
        found = await run_in_threadpool(board.store.user, session.user)
        if found is None or found[1].startswith(DISABLED):
            board.sessions.drop(session.token)
            hub.end_sessions({session.token})
            checked.pop(session.token, None)
            return False
        if len(checked) > 10_000:
            checked.clear()
        checked[session.token] = now
        return True

    def guarded(role: Role | None, handler: Handler, *, write: bool = False) -> Handler:
        async def wrapper(request: Request) -> Response:
            session, expired = session_of(request)
            if session is not None and not await still_allowed(session):
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

    async def read_json(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if len(raw) > _MAX_BODY:
            raise AgentError(t("board.web.err.too_big", lang=lang_of(request)))
        try:
            data = json.loads(raw or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            raise AgentError(t("board.web.err.bad_json", lang=lang_of(request)))
        return data

    # ------------------------------------------------------------ pages and login

    async def index(_: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def login(request: Request) -> Response:
        try:
            data = await read_json(request)
        except AgentError as exc:
            return JSONResponse(
                {"ok": False, "error": {"code": "bad_json", "message": exc.message}}, 400
            )
        name, password = str(data.get("user", ""))[:64], str(data.get("password", ""))
        address = request.client.host if request.client else "?"
        lock = throttle.locked(name, address)
        if lock is not None:
            # Refused before the password is checked: the right one does not help a guesser.
            minutes = max(1, (lock.seconds_left + 59) // 60)
            return error(request, 429, "locked", minutes=minutes)
        if waiting[0] >= _SCRYPT_WAITING:
            return error(request, 429, "busy")
        waiting[0] += 1
        try:
            async with scrypt_gate:
                found = await run_in_threadpool(board.store.user, name)
                # Verify against a dummy hash for unknown users: timing does not reveal who exists.
                stored = found[1] if found else _DUMMY_HASH
                ok = await run_in_threadpool(verify_password, password, stored)
        finally:
            waiting[0] -= 1
        if not found or not ok:
            log.warning("failed board login for %r from %s", name, address)
            for who in throttle.failed(name, address):
                log.warning("board sign-in locked for %s %r (%s)", who, name, address)
                await run_in_threadpool(
                    board.audit,
                    name,
                    "login.locked",
                    address,
                    ok=False,
                    args={"by": who, "minutes": int(throttle.lockout_s // 60)},
                )
            return error(request, 401, "bad_login")
        throttle.succeeded(name)
        session = board.sessions.create(name, Role(found[0]))
        await run_in_threadpool(board.audit, name, "login", address, ok=True)
        response = JSONResponse(
            {"ok": True, "user": name, "role": session.role.value, "csrf": session.csrf}
        )
        response.set_cookie(
            COOKIE,
            session.token,
            max_age=int(board.sessions.ttl_s),
            httponly=True,
            secure=board.cfg.cookie_secure,
            samesite="strict",
            path="/",
        )
        return response

    async def logout(request: Request) -> Response:
        token = request.cookies.get(COOKIE)
        if token:
            session, _ = board.sessions.get(token)
            board.sessions.drop(token)
            hub.end_sessions({token})  # its open live streams end now, not at their next write
            if session is not None:
                address = request.client.host if request.client else "?"
                await run_in_threadpool(board.audit, session.user, "logout", address, ok=True)
        response = JSONResponse({"ok": True})
        response.delete_cookie(COOKIE, path="/")
        return response

    async def me(request: Request) -> Response:
        s: Session = request.state.session
        return JSONResponse({"ok": True, "user": s.user, "role": s.role.value, "csrf": s.csrf})

    async def messages(request: Request) -> Response:
        lang = lang_of(request)
        idx = 0 if lang == "vi" else 1
        texts = {
            k: v[idx]
            for k, v in catalog().items()
            if k.startswith(("board.web.", "check.", "status.", "verdict."))
        }
        return JSONResponse({"lang": lang, "messages": texts})

    # ------------------------------------------------------------ reads

    async def fleet(_: Request) -> Response:
        return JSONResponse({"rooms": board.fleet.rooms(), "health": board.fleet.health()})

    async def room(request: Request) -> Response:
        detail = await run_in_threadpool(board.fleet.detail, request.path_params["room"])
        if detail is None:
            return error(request, 404, "no_room", room=request.path_params["room"])
        detail["audit"] = [
            _audit(a)
            for a in await run_in_threadpool(board.store.audit, 20, request.path_params["room"])
        ]
        return JSONResponse(detail)

    async def snapshot(request: Request) -> Response:
        rec = board.fleet.room(request.path_params["room"])
        if rec is None or rec.snapshot is None:
            return error(request, 404, "no_snapshot")
        return Response(
            rec.snapshot, media_type="image/jpeg", headers={"Cache-Control": "no-store"}
        )

    async def meetings(_: Request) -> Response:
        return JSONResponse({"meetings": board.fleet.meetings()})

    async def audit(request: Request) -> Response:
        rows = await run_in_threadpool(
            board.store.audit, 200, request.query_params.get("target") or None
        )
        return JSONResponse({"audit": [_audit(a) for a in rows]})

    async def availability(request: Request) -> Response:
        month = request.query_params.get("month", "")
        cfg = board.cfg
        fmt = request.query_params.get("format", "")
        if fmt in ("csv", "xlsx", "pdf"):  # the contract's files (central.report)
            from central.report.web import download

            body, media, name = await run_in_threadpool(
                download,
                board.store,
                cfg,
                board.report_cfg,
                month,
                fmt,
                lang_of(request),
                board.fleet.now(),
            )
            disposition = f'attachment; filename="{name}"'
            return Response(body, media_type=media, headers={"Content-Disposition": disposition})
        rows = await run_in_threadpool(
            report,
            board.store,
            month,
            tz=cfg.timezone,
            now=board.fleet.now(),
            offsets_min=cfg.pre_meeting_offsets_min,
            tolerance_min=cfg.pre_meeting_tolerance_min,
        )
        return JSONResponse({"month": month, "rooms": [r.as_dict() for r in rows]})

    async def stream(request: Request) -> Response:
        q = hub.add(request.cookies.get(COOKIE, ""))

        async def events() -> AsyncIterator[str]:
            try:
                yield "retry: 2000\n\n"
                yield f"event: hello\ndata: {json.dumps({'health': board.fleet.health()})}\n\n"
                while True:
                    try:
                        frame = await asyncio.wait_for(q.get(), _KEEPALIVE_S)
                    except TimeoutError:
                        if board.sessions.get(request.cookies.get(COOKIE))[0] is None:
                            return
                        yield ": keepalive\n\n"
                        continue
                    if frame is None:
                        return
                    yield frame
            finally:
                hub.remove(q)

        return StreamingResponse(
            events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    # ------------------------------------------------------------ operations (no sign-in)

    async def healthz(_: Request) -> Response:
        # For the load balancer: 200 while ingesting with a database that answers, else 503.
        try:
            await asyncio.wait_for(run_in_threadpool(board.store.ping), _HEALTH_DB_S)
            store_error = None
        except TimeoutError:
            store_error = f"no answer within {_HEALTH_DB_S:g} s"
        except StoreUnavailable as exc:
            store_error = str(exc)
        ok, reasons = health_check(board.fleet, store_error)
        h = board.fleet.health()
        body = {"ok": ok, "reasons": reasons} | {
            k: h[k] for k in ("broker_connected", "db_ok", "db_pending", "db_errors", "rooms")
        }
        return JSONResponse(body, 200 if ok else 503, headers={"Cache-Control": "no-store"})

    async def metrics(_: Request) -> Response:
        text = prometheus(board.fleet, live_clients=len(hub._clients))
        return Response(text, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})

    # ------------------------------------------------------------ operator actions

    async def command(request: Request) -> Response:
        data = await read_json(request)
        s: Session = request.state.session
        args = data.get("args") or {}
        if not isinstance(args, dict):
            return error(request, 400, "bad_json")
        verb = str(data.get("verb", ""))
        result = await run_in_threadpool(
            functools.partial(
                board.command,
                s.user,
                request.path_params["room"],
                verb,
                args,
                lang_of(request),
                repeat=data.get("repeat") is True and verb == "ptz.move",
            )
        )
        return JSONResponse({**result.body, "audit_id": result.audit_id})

    async def schedule(request: Request) -> Response:
        data = await read_json(request)
        s: Session = request.state.session
        result = await run_in_threadpool(board.schedule, s.user, data, lang_of(request))
        return JSONResponse({**result.body, "audit_id": result.audit_id}, 200 if result.ok else 502)

    async def cancel(request: Request) -> Response:
        s: Session = request.state.session
        p = request.path_params
        result = await run_in_threadpool(
            board.cancel, s.user, p["province"], p["id"], lang_of(request)
        )
        return JSONResponse({**result.body, "audit_id": result.audit_id}, 200 if result.ok else 502)

    routes = [
        Route("/", index),
        Route("/healthz", healthz),
        Route("/metrics", metrics),
        Route("/api/login", login, methods=["POST"]),
        Route("/api/logout", logout, methods=["POST"]),
        Route("/api/messages", messages),
        Route("/api/me", guarded(Role.VIEWER, me)),
        Route("/api/fleet", guarded(Role.VIEWER, fleet)),
        # A room is `province/room`: the path converter takes the slash (most specific first).
        Route("/api/rooms/{room:path}/snapshot", guarded(Role.VIEWER, snapshot)),
        Route(
            "/api/rooms/{room:path}/command",
            guarded(Role.OPERATOR, command, write=True),
            methods=["POST"],
        ),
        Route("/api/rooms/{room:path}", guarded(Role.VIEWER, room)),
        Route("/api/meetings", guarded(Role.VIEWER, meetings)),
        Route("/api/meetings", guarded(Role.OPERATOR, schedule, write=True), methods=["POST"]),
        Route(
            "/api/meetings/{province}/{id}",
            guarded(Role.OPERATOR, cancel, write=True),
            methods=["DELETE"],
        ),
        Route("/api/audit", guarded(Role.VIEWER, audit)),
        Route("/api/report", guarded(Role.VIEWER, availability)),
        Route("/api/stream", guarded(Role.VIEWER, stream)),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.hub = hub
    app.state.throttle = throttle
    app.add_middleware(SecurityHeaders)
    return app


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


def _frame(kind: str, data: dict[str, Any]) -> str:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {kind}\ndata: {body}\n\n"


def _audit(a: Any) -> dict[str, Any]:
    return {
        "id": a.id,
        "ts": a.ts,
        "user": a.user,
        "action": a.action,
        "target": a.target,
        "args": a.args,
        "ok": a.ok,
        "result": a.result,
    }


_DUMMY_HASH: Final = (
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
