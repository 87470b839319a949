"""The board service: wires the MQTT link, fleet state, history flushing and operator actions."""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from agent.contract import payloads, topics
from agent.contract.names import is_slug
from agent.contract.requests import VERBS
from agent.errors import InvalidArgumentError
from agent.i18n import t
from central.admission import Admission
from central.auth import Sessions
from central.config import BoardConfig, ReportConfig
from central.meetings import (
    error,
    form_selector,
    has_v1_rooms,
    link_error,
    parse_local,
    v1_meeting,
)
from central.model import Message, RoomRecord, iso
from central.peers import Peers, Requestable
from central.state import Fleet
from central.store import Store, StoreUnavailable
from central.users import Users

log = logging.getLogger(__name__)

PRUNE_FIRST_S: Final = 60.0  # let a starting board's retained flood pass first
PRUNE_EVERY_S: Final = 3600.0


class Stoppable(Protocol):
    """A background client the board owns (the shared-ingest link)."""

    @property
    def connected(self) -> bool:
        """True while connected to the broker."""
        ...

    def stop(self) -> None:
        """Disconnect and stop its thread."""
        ...


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
        report_cfg: ReportConfig | None = None,
    ) -> None:
        self.cfg = cfg
        self.report_cfg = report_cfg  # [report]: the lease contract's rules for the files
        self.store = store
        self.fleet = Fleet(cfg, store, clock=clock)
        self.sessions = Sessions(store, cfg.session_ttl_h * 3600)
        self.users = Users(store, self.sessions, self.fleet.now)
        self.link = link
        self.share_link: Stoppable | None = None  # with [board] share_ingest (central.link)
        self.reconciler: Requestable | None = None
        self.peers = Peers(cfg, store, self.fleet)  # the boards sharing the ingest, if any
        self._stop = threading.Event()
        self.stopping = False
        self._flusher: threading.Thread | None = None
        self._admission = Admission()

    def start(self) -> None:
        """Start writing history, and pruning it once an hour, in the background."""
        self._flusher = threading.Thread(target=self._flush_loop, name="board-history", daemon=True)
        self._flusher.start()
        threading.Thread(target=self._retention_loop, name="board-retention", daemon=True).start()

    def _retention_loop(self) -> None:
        """central.retention every PRUNE_EVERY_S, the first a minute after the start."""
        from central import retention

        wait = PRUNE_FIRST_S
        while not self._stop.wait(wait):
            wait = PRUNE_EVERY_S
            try:
                done = retention.prune(self.store, self.cfg, self.fleet.now())
                log.info("retention: %s", done)
            except StoreUnavailable as exc:
                log.warning("retention skipped, the database did not answer: %s", exc)
            except Exception:
                log.exception("retention failed; the next hour retries")

    def stop(self) -> None:
        """Stop the history writer after a last flush."""
        self.stopping = True
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join(10)
        self.fleet.stop_coverage()  # a clean stop: the time after it is "no data", not uptime
        self.fleet.flush()

    def on_message(self, msg: Message) -> None:
        """Feed one received message into the fleet (called on the MQTT thread; must not block)."""
        self.fleet.ingest(msg)

    # ------------------------------------------------------------ operator actions

    def command(
        self,
        user: str,
        room: str,
        verb: str,
        args: dict[str, Any],
        lang: str,
        *,
        repeat: bool = False,
    ) -> ActionResult:
        """Send a contract command to a room, wait for its response and audit both (blocking).

        `repeat`: a held camera move repeated by the page (every 500 ms); only a failure of it
        is audited, so a hold is one entry (its first move) plus its stop.
        """
        rec = self.fleet.room(room)
        if verb not in VERBS:  # the contract's verbs
            raise InvalidArgumentError(t("board.cmd.unknown_verb", lang=lang, verb=verb))
        if rec is None:
            raise InvalidArgumentError(t("board.cmd.unknown_room", lang=lang, room=room))
        refused = self._refusal(rec.status, room, verb, lang)
        if refused is not None:
            audit_id = self._audit(user, f"cmd:{verb}", room, args=args, ok=False, result=refused)
            return ActionResult(False, refused, audit_id)
        try:
            return self._command(user, rec, verb, args, lang, audit=not repeat)
        finally:
            self._admission.leave(room)

    def _refusal(
        self, status: str | None, room: str, verb: str, lang: str
    ) -> dict[str, Any] | None:
        """Refuse at once what would only wait: an offline room, a full room or a full board."""
        if status == "offline":
            return error("offline", t("board.cmd.offline", lang=lang))
        busy = self._admission.enter(room, verb)
        return None if busy is None else error("busy", t(busy, lang=lang))

    def _command(
        self,
        user: str,
        rec: RoomRecord,
        verb: str,
        args: dict[str, Any],
        lang: str,
        *,
        audit: bool,
    ) -> ActionResult:
        room = rec.path.key
        request_id = secrets.token_hex(8)
        timeout = self.cfg.command_timeout_s
        payload = {
            **args,
            "request_id": request_id,
            "expires_at": iso(self.fleet.now() + timedelta(seconds=timeout)),
        }
        room_topics = rec.path.topics
        fut = self.fleet.expect_response(request_id)
        body: dict[str, Any]
        rc = self._publish(
            room_topics.cmd(verb),
            json.dumps(payload).encode(),
            response_topic=room_topics.resp(request_id),
            correlation_data=request_id.encode(),
            message_expiry_s=int(timeout),
        )
        if rc != 0:
            self.fleet.forget_response(request_id)
            body = link_error(rc, lang)
        else:
            try:
                response = fut.result(timeout)
            except FutureTimeout:
                self.fleet.forget_response(request_id)
                body = error("timeout", t("board.cmd.timeout", lang=lang, s=int(timeout)))
            else:
                body = {k: response[k] for k in ("ok", "result", "error") if k in response}
        body["request_id"] = request_id
        ok = bool(body.get("ok"))
        audit_id = 0
        if audit or not ok:
            audit_id = self._audit(user, f"cmd:{verb}", room, args=args, ok=ok, result=body)
        return ActionResult(ok, body, audit_id)

    def schedule(self, user: str, data: dict[str, Any], lang: str) -> ActionResult:
        """Publish a retained `hnth.meeting/2` (and `/1` for v1 rooms), validated, audited."""
        province = str(data.get("province") or self.cfg.province or self._only_province())
        meeting_id = str(data.get("id") or "m-" + secrets.token_hex(4))
        title = str(data.get("title") or "").strip()
        try:
            start = parse_local(str(data.get("start", "")), self.cfg.timezone)
            end = parse_local(str(data.get("end", "")), self.cfg.timezone)
        except ValueError:
            raise InvalidArgumentError(t("board.meeting.bad_time", lang=lang)) from None
        if not is_slug(meeting_id) or not is_slug(province):
            raise InvalidArgumentError(t("board.meeting.bad_id", lang=lang))
        selector = form_selector(data, province, self.fleet.rooms())
        if not title or end <= start or selector.problems():
            raise InvalidArgumentError(t("board.meeting.invalid", lang=lang))
        body = payloads.meeting(meeting_id, title=title, start=start, end=end, selector=selector)
        rc = self._publish(
            topics.schedule(province, meeting_id), payloads.encode(body), retain=True
        )
        if rc == 0 and has_v1_rooms(self.fleet.rooms(), province):
            # Rooms still on contract v1 read only hnth.meeting/1 at the v1 topic.
            rc = self._publish(
                topics.schedule(province, meeting_id, version=1),
                payloads.encode(v1_meeting(body, province, self.fleet.rooms())),
                retain=True,
            )
        result = {"ok": True, "meeting": body} if rc == 0 else link_error(rc, lang)
        target = f"{province}/{meeting_id}"
        audit_id = self._audit(
            user, "meeting.schedule", target, args=body, ok=rc == 0, result=result
        )
        return ActionResult(rc == 0, result, audit_id)

    def cancel(self, user: str, province: str, meeting_id: str, lang: str) -> ActionResult:
        """Publish the empty retained message that cancels a meeting, and audit it (blocking)."""
        if self.fleet.meeting(province, meeting_id) is None:
            raise InvalidArgumentError(t("board.meeting.unknown", lang=lang, id=meeting_id))
        rc = self._publish(topics.schedule(province, meeting_id), b"", retain=True)
        if rc == 0 and has_v1_rooms(self.fleet.rooms(), province):
            rc = self._publish(topics.schedule(province, meeting_id, version=1), b"", retain=True)
        result = {"ok": True} if rc == 0 else link_error(rc, lang)
        target = f"{province}/{meeting_id}"
        audit_id = self._audit(user, "meeting.cancel", target, args={}, ok=rc == 0, result=result)
        return ActionResult(rc == 0, result, audit_id)

    def merge(self, user: str, new: str, old: list[str], reason: str = "") -> None:
        """Record that each old room's history now counts as `new`'s; refuse unknown rooms."""
        known = {r["room"] for r in self.fleet.rooms()} | set(self.store.merges())
        for key in [new, *old]:
            if key not in known:
                raise InvalidArgumentError(t("board.merge.unknown_room", room=key))
        if new in old:
            raise InvalidArgumentError(t("board.merge.into_itself", room=new))
        for key in old:
            self.store.add_merge(key, new, user=user, ts=self.fleet.now(), reason=reason)
        self.fleet.refresh_merges()
        self._audit(
            user, "room.merge", new, args={"old": old, "reason": reason}, ok=True, result={}
        )

    def audit(
        self,
        user: str,
        action: str,
        target: str,
        *,
        ok: bool,
        args: dict[str, Any] | None = None,
        result: dict[str, Any] | None = None,
    ) -> int:
        """Record a sign-in, sign-out or lockout (or any action) in the audit log."""
        return self._audit(user, action, target, args=args or {}, ok=ok, result=result or {})

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
        self.peers.wrote(audit_id)
        return audit_id

    def _publish(self, topic: str, payload: bytes, **kw: Any) -> int | None:
        if self.link is None or not self.link.connected:
            return -1
        return self.link.publish_wait(topic, payload, qos=1, timeout=5.0, **kw)

    def _only_province(self) -> str:
        provinces = {r["province"] for r in self.fleet.rooms()}
        return provinces.pop() if len(provinces) == 1 else ""

    def _flush_loop(self) -> None:
        while not self._stop.wait(0.25):
            try:
                self.fleet.flush()
                self._watch_link()
                self.peers.watch(self.reconciler)
            except Exception:
                log.exception("history writer failed; retrying")

    def _watch_link(self) -> None:
        """Show a broker that is down even when it never answered (no disconnect callback then)."""
        link = self.link
        if link is None:
            return
        stats = self.fleet.stats
        # With a shared ingest, the board ingests only while both of its links are up.
        down = [x for x in (link, self.share_link) if x is not None and not x.connected]
        if (not down) != stats.broker_connected:
            why = str(getattr(down[0], "failure_text", lambda: "")()) if down else ""
            if down:
                log.warning("board has no broker: %s", why)
            self.fleet.set_broker(connected=not down, error=why)
