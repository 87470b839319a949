"""The board service: wires the MQTT link, fleet state, history flushing and operator actions."""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from agent.errors import InvalidArgumentError
from agent.i18n import t
from central.auth import Role, Sessions, hash_password
from central.config import BoardConfig
from central.model import SLUG, Message, iso
from central.state import Fleet
from central.store import Store

log = logging.getLogger(__name__)

VERBS: Final = (
    "check",
    "state",
    "snapshot",
    "ptz.move",
    "ptz.stop",
    "ptz.zoom",
    "ptz.home",
    "ptz.preset.recall",
    "ptz.preset.set",
    "ptz.preset.clear",
    "ptz.power",
    "ptz.position",
)
_MEETING_ID: Final = re.compile(SLUG)


class Link(Protocol):
    """What the board needs from an MQTT client (agent.mqtt.client.MqttClient fits)."""

    @property
    def connected(self) -> bool:
        """True while connected to the broker."""
        ...

    def publish_wait(
        self,
        topic: str,
        payload: bytes | str,
        *,
        qos: int = 1,
        retain: bool = False,
        timeout: float = 5.0,
        content_type: str | None = None,
        response_topic: str | None = None,
        correlation_data: bytes | None = None,
        message_expiry_s: int | None = None,
    ) -> int | None:
        """Publish and return the PUBACK reason code, or None on timeout."""
        ...


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What an operator action returned, as stored in the audit log."""

    ok: bool
    body: dict[str, Any]
    audit_id: int


class Board:
    """The running board: state, history, sessions and the outbound side of the contract."""

    def __init__(
        self,
        cfg: BoardConfig,
        store: Store,
        link: Link | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.cfg = cfg
        self.store = store
        self.fleet = Fleet(cfg, store, clock=clock)
        self.sessions = Sessions(cfg.session_ttl_h * 3600)
        self.link = link
        self._stop = threading.Event()
        self.stopping = False
        self._flusher: threading.Thread | None = None

    def start(self) -> None:
        """Start writing history in the background."""
        self._flusher = threading.Thread(target=self._flush_loop, name="board-history", daemon=True)
        self._flusher.start()

    def stop(self) -> None:
        """Stop the history writer after a last flush."""
        self.stopping = True
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join(10)
        self.fleet.flush()

    def on_message(self, msg: Message) -> None:
        """Feed one received message into the fleet (called on the MQTT thread; must not block)."""
        self.fleet.ingest(msg)

    # ------------------------------------------------------------ users

    def add_user(self, name: str, role: Role, password: str) -> None:
        """Create or replace a board user."""
        if not re.fullmatch(r"[A-Za-z0-9._@-]{1,64}", name):
            raise InvalidArgumentError(t("board.user.bad_name", name=name))
        if len(password) < 8:
            raise InvalidArgumentError(t("board.user.short_password"))
        self.store.put_user(name, role.value, hash_password(password), self.fleet.now())

    # ------------------------------------------------------------ operator actions

    def command(
        self, user: str, room: str, verb: str, args: dict[str, Any], lang: str
    ) -> ActionResult:
        """Send a contract command to a room, wait for its response and audit both (blocking)."""
        rec = self.fleet.room(room)
        if verb not in VERBS:
            raise InvalidArgumentError(t("board.cmd.unknown_verb", lang=lang, verb=verb))
        if rec is None:
            raise InvalidArgumentError(t("board.cmd.unknown_room", lang=lang, room=room))
        request_id = secrets.token_hex(8)
        timeout = self.cfg.command_timeout_s
        payload = {
            **args,
            "request_id": request_id,
            "expires_at": iso(self.fleet.now() + timedelta(seconds=timeout)),
        }
        base = rec.path.base
        fut = self.fleet.expect_response(request_id)
        body: dict[str, Any]
        rc = self._publish(
            f"{base}/cmd/{verb}",
            json.dumps(payload).encode(),
            response_topic=f"{base}/resp/{request_id}",
            correlation_data=request_id.encode(),
            message_expiry_s=int(timeout),
        )
        if rc != 0:
            self.fleet.forget_response(request_id)
            body = self._link_error(rc, lang)
        else:
            try:
                response = fut.result(timeout)
            except FutureTimeout:
                self.fleet.forget_response(request_id)
                body = {
                    "ok": False,
                    "error": {
                        "code": "timeout",
                        "message": t("board.cmd.timeout", lang=lang, s=int(timeout)),
                    },
                }
            else:
                body = {k: response[k] for k in ("ok", "result", "error") if k in response}
        body["request_id"] = request_id
        ok = bool(body.get("ok"))
        audit_id = self._audit(user, f"cmd:{verb}", room, args=args, ok=ok, result=body)
        return ActionResult(ok, body, audit_id)

    def schedule(self, user: str, data: dict[str, Any], lang: str) -> ActionResult:
        """Publish a retained `hnth.meeting/1`, validated first, and audit it (blocking)."""
        province = str(data.get("province") or self.cfg.province or self._only_province())
        meeting_id = str(data.get("id") or "m-" + secrets.token_hex(4))
        title = str(data.get("title") or "").strip()
        rooms = data.get("rooms") or ["*"]
        if isinstance(rooms, str):
            rooms = [r.strip() for r in rooms.split(",") if r.strip()]
        try:
            start = _parse_local(str(data.get("start", "")), self.cfg.timezone)
            end = _parse_local(str(data.get("end", "")), self.cfg.timezone)
        except ValueError:
            raise InvalidArgumentError(t("board.meeting.bad_time", lang=lang)) from None
        if not _MEETING_ID.fullmatch(meeting_id) or not _MEETING_ID.fullmatch(province):
            raise InvalidArgumentError(t("board.meeting.bad_id", lang=lang))
        if (
            not title
            or end <= start
            or not all(isinstance(r, str) and _pattern_ok(r) for r in rooms)
        ):
            raise InvalidArgumentError(t("board.meeting.invalid", lang=lang))
        body = {
            "schema": "hnth.meeting/1",
            "id": meeting_id,
            "title": title,
            "start": iso(start),
            "end": iso(end),
            "rooms": list(rooms),
        }
        rc = self._publish(
            f"hnth/v1/{province}/schedule/{meeting_id}",
            json.dumps(body, ensure_ascii=False).encode(),
            retain=True,
        )
        result = {"ok": True, "meeting": body} if rc == 0 else self._link_error(rc, lang)
        target = f"{province}/{meeting_id}"
        audit_id = self._audit(
            user, "meeting.schedule", target, args=body, ok=rc == 0, result=result
        )
        return ActionResult(rc == 0, result, audit_id)

    def cancel(self, user: str, province: str, meeting_id: str, lang: str) -> ActionResult:
        """Publish the empty retained message that cancels a meeting, and audit it (blocking)."""
        if self.fleet.meeting(province, meeting_id) is None:
            raise InvalidArgumentError(t("board.meeting.unknown", lang=lang, id=meeting_id))
        rc = self._publish(f"hnth/v1/{province}/schedule/{meeting_id}", b"", retain=True)
        result = {"ok": True} if rc == 0 else self._link_error(rc, lang)
        target = f"{province}/{meeting_id}"
        audit_id = self._audit(user, "meeting.cancel", target, args={}, ok=rc == 0, result=result)
        return ActionResult(rc == 0, result, audit_id)

    # ------------------------------------------------------------ internals

    def _audit(
        self,
        user: str,
        action: str,
        target: str,
        *,
        args: dict[str, Any],
        ok: bool,
        result: dict[str, Any],
    ) -> int:
        """Append to the audit log and tell the open pages."""
        audit_id = self.store.add_audit(
            user, action, target, args=args, ok=ok, result=result, ts=self.fleet.now()
        )
        self.fleet.emit("audit", {"id": audit_id, "target": target})
        return audit_id

    def _publish(self, topic: str, payload: bytes, **kw: Any) -> int | None:
        if self.link is None or not self.link.connected:
            return -1
        return self.link.publish_wait(topic, payload, qos=1, timeout=5.0, **kw)

    @staticmethod
    def _link_error(rc: int | None, lang: str) -> dict[str, Any]:
        if rc == -1:
            return {
                "ok": False,
                "error": {
                    "code": "broker_unavailable",
                    "message": t("board.cmd.no_broker", lang=lang),
                },
            }
        if rc == 135:
            return {
                "ok": False,
                "error": {"code": "not_authorized", "message": t("board.cmd.denied", lang=lang)},
            }
        return {
            "ok": False,
            "error": {
                "code": "broker_error",
                "message": t("board.cmd.broker_error", lang=lang, rc=rc),
            },
        }

    def _only_province(self) -> str:
        provinces = {r["province"] for r in self.fleet.rooms()}
        return provinces.pop() if len(provinces) == 1 else ""

    def _flush_loop(self) -> None:
        while not self._stop.wait(0.25):
            try:
                self.fleet.flush()
                self._watch_link()
            except Exception:
                log.exception("history writer failed; retrying")

    def _watch_link(self) -> None:
        """Show a broker that is down even when it never answered (no disconnect callback then)."""
        link = self.link
        if link is None:
            return
        stats = self.fleet.stats
        if link.connected != stats.broker_connected:
            why = "" if link.connected else str(getattr(link, "failure_text", lambda: "")())
            if not link.connected:
                log.warning("board has no broker: %s", why)
            self.fleet.set_broker(connected=link.connected, error=why)


def _parse_local(text: str, tz: str) -> datetime:
    """Parse a time from the page: with an offset as given, without one in the province's zone."""
    from zoneinfo import ZoneInfo

    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=ZoneInfo(tz))


def _pattern_ok(pattern: str) -> bool:
    if pattern == "*":
        return True
    d, sep, r = pattern.partition("/")
    ok_d = d in ("*", "_") or re.fullmatch(SLUG, d) is not None
    ok_r = r == "*" or re.fullmatch(SLUG, r) is not None
    return bool(sep) and ok_d and ok_r
