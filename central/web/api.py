"""The board's HTTP routes: the page, sign-in, the JSON reads, the live stream, operations and
operator actions."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path
from typing import Final

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from agent.errors import AgentError
from agent.i18n import catalog, forms, is_plural
from central.auth import Role, Session, verify_password
from central.availability import report
from central.metrics import CONTENT_TYPE, health_check, prometheus
from central.service import Board
from central.store import StoreUnavailable
from central.web.degraded import IngestHealth
from central.web.hub import Hub
from central.web.security import COOKIE, DUMMY_HASH, SCRYPT_WAITING, Guard

log = logging.getLogger(__name__)

STATIC: Final = Path(__file__).with_name("static")
_KEEPALIVE_S: Final = 15.0
_HEALTH_DB_S: Final = 2.0  # /healthz waits this long for the database


def routes(board: Board, hub: Hub, guard: Guard, health: IngestHealth) -> list[BaseRoute]:
    """The app's routes, each behind the guard its role needs; `health` is what the page reads."""
    lang_of, error, read_json, guarded = guard.lang_of, guard.error, guard.read_json, guard.guarded
    throttle = guard.throttle

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
        if guard.waiting >= SCRYPT_WAITING:
            return error(request, 429, "busy")
        guard.waiting += 1
        try:
            async with guard.scrypt_gate:
                found = await run_in_threadpool(board.store.user, name)
                # Verify against a dummy hash for unknown users: timing does not reveal who exists.
                stored = found[1] if found else DUMMY_HASH
                ok = await run_in_threadpool(verify_password, password, stored)
        except StoreUnavailable as exc:
            log.warning("board sign-in for %r refused: database not answering (%s)", name, exc)
            return error(request, 503, "db_down")
        finally:
            guard.waiting -= 1
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
        try:
            session = await run_in_threadpool(board.sessions.create, name, Role(found[0]))
        except StoreUnavailable as exc:
            log.warning("board sign-in for %r refused: database not answering (%s)", name, exc)
            return error(request, 503, "db_down")
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
            session, _ = await run_in_threadpool(board.sessions.get, token)
            await run_in_threadpool(board.sessions.drop, token)
            hub.end_sessions({token})  # its open live streams end now, not at their next write
            if session is not None:
                address = request.client.host if request.client else "?"
                try:
                    await run_in_threadpool(board.audit, session.user, "logout", address, ok=True)
                except StoreUnavailable as exc:  # signed out all the same (central.auth)
                    log.warning("sign-out of %r not audited: %s", session.user, exc)
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
        # messages keeps the general form, for a page cached from before plurals were sent.
        plurals = {k: forms(k, lang) for k in texts if is_plural(k)}
        return JSONResponse({"lang": lang, "messages": texts, "plurals": plurals})

    # ------------------------------------------------------------ reads

    async def fleet(_: Request) -> Response:
        return JSONResponse({"rooms": board.fleet.rooms(), "health": health.payload()})

    async def room(request: Request) -> Response:
        detail = await run_in_threadpool(board.fleet.detail, request.path_params["room"])
        if detail is None:
            return error(request, 404, "no_room", room=request.path_params["room"])
        detail["audit"] = [
            asdict(a)
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
        return JSONResponse({"audit": [asdict(a) for a in rows]})

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
                yield f"event: hello\ndata: {json.dumps({'health': health.payload()})}\n\n"
                while True:
                    try:
                        frame = await asyncio.wait_for(q.get(), _KEEPALIVE_S)
                    except TimeoutError:
                        token = request.cookies.get(COOKIE)
                        if (await run_in_threadpool(board.sessions.get, token))[0] is None:
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
        degraded = [r["code"] for r in health.payload()["ingest"]]
        peers = len(board.peers.alive) if board.cfg.share_ingest else None
        text = prometheus(
            board.fleet, live_clients=len(hub._clients), degraded=degraded, peers=peers
        )
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

    return [
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
