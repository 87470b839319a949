"""The fleet as the board sees it: ingest of contract messages, dedupe, staleness and roll-ups.

No I/O here besides the Store it is given: the MQTT link and the web app feed and read it.
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from agent.errors import RemoteProtocolError
from central.config import BoardConfig
from central.model import (
    VERDICTS,
    Kind,
    Message,
    Parsed,
    RoomPath,
    RoomState,
    iso,
    parse,
    parse_ts,
    require,
    room_matches,
    schema_of,
)
from central.store import MeetingRow, Store

log = logging.getLogger(__name__)

Listener = Callable[[str, dict[str, Any]], None]
_SEEN_PER_ROOM: Final = 2048
_LOG_EVERY_S: Final = 60.0
_PENDING_MAX: Final = 200_000


@dataclass(frozen=True, slots=True)
class RoomRecord:
    """Everything the board knows about one room right now."""

    path: RoomPath
    name: str = ""
    status: str | None = None
    boot_id: str | None = None
    agent_version: str = ""
    status_ts: datetime | None = None
    last_report: datetime | None = None
    readiness: Mapping[str, Any] | None = None
    snapshot: bytes | None = None
    snapshot_ts: str = ""
    schema_note: str = ""
    meeting_checks: Mapping[str, datetime] = field(default_factory=dict)


@dataclass(slots=True)
class Stats:
    """Counters shown on the page and used by the benchmark."""

    received: int = 0
    ingested: int = 0
    duplicates: int = 0
    rejected: int = 0
    late_wills: int = 0
    db_errors: int = 0
    db_pending: int = 0
    broker_connected: bool = False
    broker_error: str = ""
    last_rejected: str = ""
    started: float = field(default_factory=time.monotonic)


class Fleet:
    """Current state of every room and meeting; `ingest` is the only way messages get in."""

    def __init__(
        self, cfg: BoardConfig, store: Store, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.cfg = cfg
        self.store = store
        self.stats = Stats()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._rooms: dict[str, RoomRecord] = {}
        self._meetings: dict[tuple[str, str], MeetingRow] = {}
        self._seen: dict[str, tuple[deque[tuple[str, int]], set[tuple[str, int]]]] = {}
        self._pending_writes: list[Callable[[sqlite3.Connection], object]] = []
        self._waiters: dict[str, Future[dict[str, Any]]] = {}
        self._listeners: list[Listener] = []
        self._last_log: dict[str, float] = {}
        self._restore()

    # ------------------------------------------------------------ public API

    def now(self) -> datetime:
        """Return the board's clock (injectable for tests)."""
        return self._clock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(kind, data)` on every visible change; return the unsubscribe function."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def ingest(self, msg: Message) -> None:
        """Apply one message; anything malformed is counted and logged in one line, never raised."""
        self.stats.received += 1
        try:
            parsed = parse(msg, self.cfg.max_payload_kb * 1024)
            with self._lock:
                changed = self._apply(parsed, msg)
        except RemoteProtocolError as exc:
            self._reject(msg.topic, str(exc))
            return
        except Exception as exc:  # a bug must not stop ingest of the next message
            log.exception("ingest failed on %s", msg.topic)
            self._reject(msg.topic, f"{type(exc).__name__}: {exc}")
            return
        self.stats.ingested += 1
        for kind, data in changed:
            self.emit(kind, data)

    def flush(self) -> bool:
        """Write pending history in one transaction; on a locked database keep it, return False."""
        with self._lock:
            batch, self._pending_writes = self._pending_writes, []
        if not batch:
            return True
        try:
            with self.store.transaction() as db:
                for write in batch:
                    write(db)
        except sqlite3.OperationalError as exc:
            with self._lock:
                self._pending_writes[:0] = batch
                del self._pending_writes[:-_PENDING_MAX]
                self.stats.db_pending = len(self._pending_writes)
            self.stats.db_errors += 1
            self._log_once(
                "db", "history not written, will retry (%s); %d writes pending", exc, len(batch)
            )
            return False
        self.stats.db_pending = len(self._pending_writes)
        return True

    def expect_response(self, request_id: str) -> Future[dict[str, Any]]:
        """Return a future resolved with the `hnth.response/1` body for `request_id`."""
        fut: Future[dict[str, Any]] = Future()
        with self._lock:
            self._waiters[request_id] = fut
        return fut

    def forget_response(self, request_id: str) -> None:
        """Stop waiting for a response (after a timeout)."""
        with self._lock:
            self._waiters.pop(request_id, None)

    def set_broker(self, connected: bool, error: str = "") -> None:
        """Record the broker link state so the page can show it."""
        self.stats.broker_connected = connected
        self.stats.broker_error = error
        self.emit("broker", self.health())

    def health(self) -> dict[str, Any]:
        """Return the link and ingest counters for the page."""
        s = self.stats
        return {
            "broker_connected": s.broker_connected,
            "broker_error": s.broker_error,
            "received": s.received,
            "ingested": s.ingested,
            "duplicates": s.duplicates,
            "rejected": s.rejected,
            "late_wills": s.late_wills,
            "db_errors": s.db_errors,
            "db_pending": s.db_pending,
            "last_rejected": s.last_rejected,
            "rooms": len(self._rooms),
        }

    def room(self, room: str) -> RoomRecord | None:
        """Return one room's record."""
        with self._lock:
            return self._rooms.get(room)

    def state_of(self, rec: RoomRecord, now: datetime | None = None) -> RoomState:
        """Return the colour of a room: offline beats stale beats the last verdict."""
        now = now or self.now()
        if rec.status == "offline":
            return RoomState.OFFLINE
        if (
            rec.last_report is None
            or (now - rec.last_report).total_seconds() > self.cfg.stale_after_s
        ):
            return RoomState.STALE if rec.last_report is not None else RoomState.UNKNOWN
        if rec.readiness is None:
            return RoomState.UNKNOWN
        return RoomState(rec.readiness["verdict"])

    def summary(self, rec: RoomRecord, now: datetime | None = None) -> dict[str, Any]:
        """Return the grid row of a room."""
        readiness = rec.readiness or {}
        failing = [
            {k: c.get(k) for k in ("name", "status", "summary", "hint")}
            for c in readiness.get("checks", [])
            if isinstance(c, dict) and c.get("status") not in ("pass", "skip")
        ]
        meeting = readiness.get("meeting")
        return {
            "room": rec.path.room,
            "province": rec.path.province,
            "district": rec.path.district,
            "name": rec.name or rec.path.room,
            "state": self.state_of(rec, now).value,
            "status": rec.status,
            "verdict": readiness.get("verdict"),
            "last_seen": iso(rec.last_report) if rec.last_report else None,
            "readiness_ts": readiness.get("ts"),
            "trigger": readiness.get("trigger"),
            "meeting_id": meeting.get("id") if isinstance(meeting, dict) else None,
            "failing": failing,
            "agent_version": rec.agent_version,
            "snapshot_ts": rec.snapshot_ts,
            "schema_note": rec.schema_note,
        }

    def rooms(self) -> list[dict[str, Any]]:
        """Return every room's grid row, ordered province → district → room."""
        now = self.now()
        with self._lock:
            recs = list(self._rooms.values())
        recs.sort(key=lambda r: (r.path.province, r.path.district, r.path.room))
        return [self.summary(r, now) for r in recs]

    def detail(self, room: str) -> dict[str, Any] | None:
        """Return one room's full detail: summary, the latest checks and its event timeline."""
        rec = self.room(room)
        if rec is None:
            return None
        out = self.summary(rec)
        out["checks"] = list((rec.readiness or {}).get("checks", []))
        out["boot_id"] = rec.boot_id
        out["events"] = self.store.events(room, 50)
        return out

    def meetings(self, *, upcoming_only: bool = True) -> list[dict[str, Any]]:
        """Return each meeting with its roll-up: counts per state and the problem rooms."""
        now = self.now()
        with self._lock:
            meetings = sorted(self._meetings.values(), key=lambda m: m.start)
            recs = list(self._rooms.values())
        out = []
        for m in meetings:
            if m.cancelled or (upcoming_only and m.end < now):
                continue
            out.append(self._rollup(m, recs, now))
        return out

    def meeting(self, province: str, meeting_id: str) -> MeetingRow | None:
        """Return one meeting."""
        with self._lock:
            return self._meetings.get((province, meeting_id))

    # ------------------------------------------------------------ internals

    def _restore(self) -> None:
        """Resume from history: rooms, their last status and the meetings."""
        for room, province, district, name, _ in self.store.rooms():
            self._rooms[room] = RoomRecord(RoomPath(province, district, room), name=name)
        for room, row in self.store.last_statuses().items():
            rec = self._rooms.get(room)
            if rec is not None:
                self._rooms[room] = dataclasses.replace(
                    rec, status=row.state, boot_id=row.boot_id, status_ts=row.ts, last_report=row.ts
                )
        for m in self.store.meetings():
            self._meetings[(m.province, m.id)] = m

    def _apply(self, p: Parsed, msg: Message) -> list[tuple[str, dict[str, Any]]]:
        if p.kind is Kind.SCHEDULE:
            return self._apply_meeting(p)
        if p.kind is Kind.COMMAND:
            return []
        assert p.path is not None
        rec = self._rooms.get(p.path.room)
        if rec is None or rec.path != p.path:
            rec = RoomRecord(p.path, name=rec.name if rec else "")
            path, now = p.path, self.now()
            self._write(lambda db: Store.add_room(db, path, "", now))
        if p.kind is Kind.SNAPSHOT:
            ts = str(msg.properties.get("user_properties", {}).get("ts", "")) or iso(self.now())
            new = dataclasses.replace(rec, snapshot=msg.payload, snapshot_ts=ts)
            return self._store_room(new, "snapshot")
        assert p.body is not None
        family, version = schema_of(p.body)
        note = f"{family}/{version}" if version != 1 else ""
        if p.kind is Kind.STATUS:
            self._expect(family, "hnth.status")
            return self._apply_status(rec, p.body, msg, note)
        if p.kind is Kind.READINESS:
            self._expect(family, "hnth.readiness")
            return self._apply_readiness(rec, p.body, note)
        if p.kind is Kind.EVENT:
            self._expect(family, "hnth.event")
            return self._apply_event(rec, p.body, note)
        self._expect(family, "hnth.response")
        return self._apply_response(rec, p.body)

    @staticmethod
    def _expect(family: str, wanted: str) -> None:
        if family != wanted:
            raise RemoteProtocolError(f"schema {family!r} on a {wanted} topic")

    def _ts(self, body: Mapping[str, Any]) -> datetime:
        """The message's own time, never in the future of the board's clock."""
        return min(parse_ts(body.get("ts")), self.now())

    def _apply_status(
        self, rec: RoomRecord, body: Mapping[str, Any], msg: Message, note: str
    ) -> list[tuple[str, dict[str, Any]]]:
        state = require(body, "state", str)
        boot_id = require(body, "boot_id", str)
        if state not in ("online", "offline"):
            raise RemoteProtocolError(f"status state {state!r} is neither online nor offline")
        ts = self._ts(body)
        if state == "offline" and rec.status == "online" and boot_id != rec.boot_id:
            # A late Will from an older session: the room is already back with a new boot_id.
            self.stats.late_wills += 1
            log.debug("ignored late Will of %s boot %s", rec.path.room, boot_id)
            return []
        if state == rec.status and boot_id == rec.boot_id:
            self.stats.duplicates += 1
            return []
        if state == "offline":
            # A Will's ts is its connect time; when it arrives live the outage starts now.
            ts = max(ts, rec.last_report or ts) if msg.retain else self.now()
        new = dataclasses.replace(
            rec,
            status=state,
            boot_id=boot_id,
            agent_version=str(body.get("agent_version", rec.agent_version)),
            status_ts=ts,
            last_report=max(ts, rec.last_report)
            if rec.last_report and state == "online"
            else (ts if state == "online" else rec.last_report),
            schema_note=note or rec.schema_note,
        )
        room = rec.path.room
        self._write(lambda db: Store.add_status(db, room, boot_id, state, ts))
        return self._store_room(new, "status")

    def _apply_readiness(
        self, rec: RoomRecord, body: Mapping[str, Any], note: str
    ) -> list[tuple[str, dict[str, Any]]]:
        boot_id = require(body, "boot_id", str)
        seq = require(body, "seq", int)
        verdict = require(body, "verdict", str)
        if verdict not in VERDICTS:
            raise RemoteProtocolError(f"verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
        checks = body.get("checks", [])
        if not isinstance(checks, list):
            raise RemoteProtocolError("field 'checks' is not a list")
        ts = self._ts(body)
        if self._seen_before(rec.path.room, boot_id, seq, "r"):
            self.stats.duplicates += 1
            return []
        room_obj = body.get("room")
        name = str(room_obj.get("name") or "") if isinstance(room_obj, dict) else ""
        meeting = body.get("meeting")
        checks_for = dict(rec.meeting_checks)
        if isinstance(meeting, dict) and isinstance(meeting.get("id"), str):
            checks_for[meeting["id"]] = ts
            if len(checks_for) > 32:
                del checks_for[min(checks_for, key=lambda k: checks_for[k])]
        old = rec.readiness
        # An older report delivered late is stored, but the page keeps showing the newer one.
        late = old is not None and parse_ts(old.get("ts")) > ts
        newer = old if late and old is not None else dict(body)
        new = dataclasses.replace(
            rec,
            name=name or rec.name,
            readiness=newer,
            meeting_checks=checks_for,
            last_report=max(ts, rec.last_report) if rec.last_report else ts,
            schema_note=note or rec.schema_note,
        )
        path, stored = rec.path, dict(body)
        self._write(lambda db: Store.add_room(db, path, name, ts))
        self._write(lambda db: Store.add_readiness(db, path.room, stored, ts))
        changes = self._store_room(new, "room")
        if isinstance(meeting, dict):
            changes.append(("meetings", {}))
        return changes

    def _apply_event(
        self, rec: RoomRecord, body: Mapping[str, Any], note: str
    ) -> list[tuple[str, dict[str, Any]]]:
        boot_id = require(body, "boot_id", str)
        seq = require(body, "seq", int)
        kind = require(body, "kind", str)
        ts = self._ts(body)
        if self._seen_before(rec.path.room, boot_id, seq, "e"):
            self.stats.duplicates += 1
            return []
        new = dataclasses.replace(
            rec,
            last_report=max(ts, rec.last_report) if rec.last_report else ts,
            schema_note=note or rec.schema_note,
        )
        room, stored = rec.path.room, dict(body)
        self._write(lambda db: Store.add_event(db, room, stored, ts))
        changes = self._store_room(new, "room")
        changes.append(("event", {"room": room, "kind": kind, "event": stored}))
        return changes

    def _apply_response(
        self, rec: RoomRecord, body: Mapping[str, Any]
    ) -> list[tuple[str, dict[str, Any]]]:
        request_id = require(body, "request_id", str)
        with self._lock:
            fut = self._waiters.pop(request_id, None)
        if fut is not None and not fut.done():
            fut.set_result({**body, "room": rec.path.room})
        return []

    def _apply_meeting(self, p: Parsed) -> list[tuple[str, dict[str, Any]]]:
        key = (p.province, p.extra)
        province, meeting_id = key
        if p.body is None:
            if key in self._meetings:
                self._meetings[key] = dataclasses.replace(self._meetings[key], cancelled=True)
            self._write(lambda db: Store.cancel_meeting(db, province, meeting_id))
            return [("meetings", {})]
        family, _ = schema_of(p.body)
        self._expect(family, "hnth.meeting")
        rooms = require(p.body, "rooms", list)
        if not all(isinstance(r, str) for r in rooms):
            raise RemoteProtocolError("field 'rooms' must be a list of patterns")
        row = MeetingRow(
            province=province,
            id=meeting_id,
            title=str(p.body.get("title", "")),
            start=parse_ts(p.body.get("start")),
            end=parse_ts(p.body.get("end")),
            rooms=tuple(rooms),
            cancelled=False,
        )
        if row.end <= row.start:
            raise RemoteProtocolError("meeting end is not after its start")
        if self._meetings.get(key) == row:
            return []
        self._meetings[key] = row
        self._write(lambda db: Store.put_meeting(db, row))
        return [("meetings", {})]

    def _rollup(self, m: MeetingRow, recs: list[RoomRecord], now: datetime) -> dict[str, Any]:
        counts = dict.fromkeys((s.value for s in RoomState), 0)
        problems = []
        participants = checked = 0
        offsets = self.cfg.pre_meeting_offsets_min
        tol = timedelta(minutes=self.cfg.pre_meeting_tolerance_min)
        for rec in recs:
            if rec.path.province != m.province or not room_matches(
                m.rooms, rec.path.district, rec.path.room
            ):
                continue
            participants += 1
            state = self.state_of(rec, now)
            counts[state.value] += 1
            row = self.summary(rec, now)
            ts = rec.meeting_checks.get(m.id)
            row["checked_for_meeting"] = ts is not None
            if ts is not None:
                checked += 1
                row["checked_at"] = iso(ts)
                row["offset"] = next(
                    (o for o in offsets if abs(ts - (m.start - timedelta(minutes=o))) <= tol), None
                )
            if state is not RoomState.READY:
                problems.append(row)
        return {
            "province": m.province,
            "id": m.id,
            "title": m.title,
            "start": iso(m.start),
            "end": iso(m.end),
            "rooms": list(m.rooms),
            "participants": participants,
            "checked": checked,
            "counts": counts,
            "problems": problems,
        }

    def _seen_before(self, room: str, boot_id: str, seq: int, family: str) -> bool:
        order, seen = self._seen.setdefault(room, (deque(), set()))
        key = (f"{family}:{boot_id}", seq)
        if key in seen:
            return True
        seen.add(key)
        order.append(key)
        if len(order) > _SEEN_PER_ROOM:
            seen.discard(order.popleft())
        return False

    def _store_room(self, new: RoomRecord, kind: str) -> list[tuple[str, dict[str, Any]]]:
        self._rooms[new.path.room] = new
        data = self.summary(new)
        return (
            [("room", data)]
            if kind != "snapshot"
            else [("room", data), ("snapshot", {"room": new.path.room, "ts": new.snapshot_ts})]
        )

    def _write(self, op: Callable[[sqlite3.Connection], object]) -> None:
        self._pending_writes.append(op)

    def emit(self, kind: str, data: dict[str, Any]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(kind, data)
            except Exception:
                log.exception("board listener failed")

    def _reject(self, topic: str, reason: str) -> None:
        self.stats.rejected += 1
        self.stats.last_rejected = f"{topic}: {reason}"[:300]
        self._log_once(topic, "ignored message on %s: %s", topic[:200], reason)

    def _log_once(self, key: str, fmt: str, *args: object) -> None:
        """One line per cause per minute, so a flood of garbage cannot flood the journal."""
        now = time.monotonic()
        if now - self._last_log.get(key, -_LOG_EVERY_S) >= _LOG_EVERY_S:
            self._last_log[key] = now
            if len(self._last_log) > 10_000:
                self._last_log.clear()
            log.warning(fmt, *args)
