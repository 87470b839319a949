"""Ingest: contract messages applied to the board's records of rooms and meetings.

Dedupe, late Wills, late reports and meetings live here. No I/O and no locking: history writes
are queued as functions for the Fleet (central.state) to flush, and the Fleet holds its lock
around every call.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from agent.contract import validate
from agent.contract.groups import Group
from agent.errors import RemoteProtocolError
from central import views
from central.config import BoardConfig
from central.model import (
    Kind,
    Message,
    Parsed,
    RoomPath,
    RoomRecord,
    iso,
    parse_ts,
    require,
    schema_of,
)
from central.store import MeetingRow, Store, Writer

log = logging.getLogger(__name__)

Change = tuple[str, dict[str, Any]]  # (kind, data) announced to the page after a message
Write = Callable[[Writer], object]  # one history write, run inside a transaction
_SEEN_PER_ROOM: Final = 2048
_KNOWN_VERSIONS: Final = {"hnth.readiness": 2, "hnth.meta": 2}


@dataclass(slots=True)
class Stats:
    """Counters shown on the page and used by the benchmark."""

    received: int = 0
    ingested: int = 0
    stored: int = 0  # messages of this board's share stored from the message alone (central.writes)
    duplicates: int = 0
    rejected: int = 0
    late_wills: int = 0
    db_errors: int = 0
    db_pending: int = 0
    broker_connected: bool = False
    broker_error: str = ""
    last_rejected: str = ""
    started: float = field(default_factory=time.monotonic)


class InvalidReportError(RemoteProtocolError):
    """A readiness the contract rejects: recorded on its room, whose last good report stays."""

    def __init__(self, message: str, changes: list[Change]) -> None:
        super().__init__(message)
        self.changes = changes  # the room's row, now carrying the reason, for the page


class Ingest:
    """The room and meeting records and how each contract message changes them."""

    def __init__(self, cfg: BoardConfig, stats: Stats, now: Callable[[], datetime]) -> None:
        self.cfg = cfg
        self.stats = stats
        self.now = now
        self.rooms: dict[str, RoomRecord] = {}
        self.meetings: dict[tuple[str, str], MeetingRow] = {}
        self.writes: list[Write] = []  # queued history, flushed by the Fleet
        self.waiters: dict[str, Future[dict[str, Any]]] = {}  # request_id → its response
        self._seen: dict[str, tuple[deque[tuple[str, int]], set[tuple[str, int]]]] = {}

    def restore(self, store: Store) -> None:
        """Resume from history: rooms, their last status and the meetings."""
        for r in store.rooms():
            self.rooms[r.path.key] = RoomRecord(r.path, name=r.name, unit=r.unit, groups=r.groups)
        for room, row in store.last_statuses().items():
            rec = self.rooms.get(room)
            if rec is not None:
                self.rooms[room] = dataclasses.replace(
                    rec, status=row.state, boot_id=row.boot_id, status_ts=row.ts, last_report=row.ts
                )
        for m in store.meetings():
            self.meetings[(m.province, m.id)] = m

    def apply(self, p: Parsed, msg: Message) -> list[Change]:
        """Apply one parsed message; RemoteProtocolError if its body breaks the contract."""
        if p.kind is Kind.SCHEDULE:
            return self._apply_meeting(p)
        if p.kind is Kind.COMMAND:
            return []
        assert p.path is not None
        rec = self.rooms.get(p.path.key)
        if rec is None or rec.path != p.path:
            rec = self._new_room(p.path, rec)
        if not msg.retain and p.kind is not Kind.RESPONSE:
            # Heard live, by the board's clock (the room's own `ts` stays beside it).
            rec = dataclasses.replace(rec, last_heard=self.now())
            self.rooms[p.path.key] = rec
        if p.kind is Kind.SNAPSHOT:
            ts = str(msg.properties.get("user_properties", {}).get("ts", "")) or iso(self.now())
            if msg.payload == rec.snapshot:
                self.stats.duplicates += 1  # a retained redelivery
                return []
            new = dataclasses.replace(rec, snapshot=msg.payload, snapshot_ts=ts)
            key, jpeg = p.path.key, msg.payload
            self.writes.append(lambda w: w.add_snapshot(key, ts, jpeg))
            return self._store_room(new, "snapshot")
        assert p.body is not None
        family, version = schema_of(p.body)
        # Only a version newer than the contract's (v2 readiness and meta are known) is noted.
        note = f"{family}/{version}" if version > _KNOWN_VERSIONS.get(family, 1) else ""
        if p.kind is Kind.META:
            return self._apply_meta(rec, p.body)
        if p.kind is Kind.STATUS:
            expect_schema(family, "hnth.status")
            return self._apply_status(rec, p.body, msg, note)
        if p.kind is Kind.READINESS:
            expect_schema(family, "hnth.readiness")
            return self._apply_readiness(rec, p.body, note)
        if p.kind is Kind.EVENT:
            expect_schema(family, "hnth.event")
            return self._apply_event(rec, p.body, note)
        expect_schema(family, "hnth.response")
        return self._apply_response(rec, p.body)

    # ------------------------------------------------------------ internals

    def _new_room(self, path: RoomPath, old: RoomRecord | None) -> RoomRecord:
        """A room seen for the first time (or under another contract version or district)."""
        groups = old.groups if old is not None else ()
        if path.version == 1 and path.district != "_":
            groups = (Group(path.district),)  # a v1 room shows its district as its group
        rec = RoomRecord(
            path, name=old.name if old else "", unit=old.unit if old else "", groups=groups
        )
        now, name, unit = self.now(), rec.name, rec.unit
        self.writes.append(lambda w: w.add_room(path, name, now))
        if path.version == 1:
            self.writes.append(lambda w: w.set_meta(path.key, name, unit, groups))
        return rec

    def _apply_meta(self, rec: RoomRecord, body: Mapping[str, Any]) -> list[Change]:
        try:
            meta = validate.meta(body, rec.path.topics.id)
        except RemoteProtocolError as exc:
            # One log line; the room keeps its last good meta, and the page says why.
            log.warning("meta of %s refused, keeping the last good one: %s", rec.path.key, exc)
            self.rooms[rec.path.key] = dataclasses.replace(rec, meta_error=exc.message)
            raise
        new = dataclasses.replace(
            rec,
            name=meta.name,
            unit=meta.unit.value,
            groups=meta.groups,
            replaces=tuple(str(r) for r in meta.replaces),
            meta_error="",
            ptz=meta.ptz,
        )
        if new == rec:
            self.stats.duplicates += 1
            return []
        key, name, unit, groups = rec.path.key, meta.name, meta.unit.value, meta.groups
        self.writes.append(lambda w: w.set_meta(key, name, unit, groups))
        return self._store_room(new, "room")

    def _ts(self, body: Mapping[str, Any]) -> datetime:
        return own_time(body, self.now())

    def _apply_status(
        self, rec: RoomRecord, body: Mapping[str, Any], msg: Message, note: str
    ) -> list[Change]:
        state, boot_id = status_of(body)
        if state == "offline" and rec.status == "online" and boot_id != rec.boot_id:
            # A late Will from an older session: the room is already back with a new boot_id.
            self.stats.late_wills += 1
            log.debug("ignored late Will of %s boot %s", rec.path.key, boot_id)
            return []
        if state == rec.status and boot_id == rec.boot_id:
            self.stats.duplicates += 1
            return []
        ts = status_time(
            state, body, retain=msg.retain, last_report=rec.last_report, now=self.now()
        )
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
        room = rec.path.key
        self.writes.append(lambda w: w.add_status(room, boot_id, state, ts))
        return self._store_room(new, "status")

    def _apply_readiness(self, rec: RoomRecord, body: Mapping[str, Any], note: str) -> list[Change]:
        try:
            report = validate.readiness(body)  # a malformed check entry rejects the whole report
        except RemoteProtocolError as exc:
            # The page says "invalid report" and why on this room; its last good report stays.
            bad = dataclasses.replace(rec, readiness_error=exc.message[:300])
            raise InvalidReportError(exc.message, self._store_room(bad, "room")) from None
        boot_id, seq = report.boot_id, report.seq
        ts = self._ts(body)
        if self._seen_before(rec.path.key, boot_id, seq, "r"):
            self.stats.duplicates += 1
            return []
        # A v2 room's name comes from its meta; a v1 room's from its reports.
        name = report.name if rec.path.version == 1 else ""
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
            readiness_error="",
        )
        path, stored = rec.path, dict(body)
        self.writes.append(lambda w: w.add_room(path, name, ts))
        self.writes.append(lambda w: w.add_readiness(path.key, stored, ts))
        changes = self._store_room(new, "room")
        if isinstance(meeting, dict):
            changes.append(("meetings", {}))
        return changes

    def _apply_event(self, rec: RoomRecord, body: Mapping[str, Any], note: str) -> list[Change]:
        boot_id, seq, kind = event_of(body)
        ts = self._ts(body)
        if self._seen_before(rec.path.key, boot_id, seq, "e"):
            self.stats.duplicates += 1
            return []
        new = dataclasses.replace(
            rec,
            last_report=max(ts, rec.last_report) if rec.last_report else ts,
            schema_note=note or rec.schema_note,
        )
        room, stored = rec.path.key, dict(body)
        self.writes.append(lambda w: w.add_event(room, stored, ts))
        changes = self._store_room(new, "room")
        changes.append(("event", {"room": room, "kind": kind, "event": stored}))
        return changes

    def _apply_response(self, rec: RoomRecord, body: Mapping[str, Any]) -> list[Change]:
        request_id = require(body, "request_id", str)
        fut = self.waiters.pop(request_id, None)
        if fut is not None and not fut.done():
            fut.set_result({**body, "room": rec.path.key})
        return []

    def _apply_meeting(self, p: Parsed) -> list[Change]:
        key = (p.province, p.extra)
        province, meeting_id = key
        if p.body is None:
            if key in self.meetings:
                self.meetings[key] = dataclasses.replace(self.meetings[key], cancelled=True)
            self.writes.append(lambda w: w.cancel_meeting(province, meeting_id))
            return [("meetings", {})]
        row = meeting_row(province, meeting_id, p.body)
        if self.meetings.get(key) == row:
            return []
        self.meetings[key] = row
        self.writes.append(lambda w: w.put_meeting(row))
        return [("meetings", {})]

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

    def _store_room(self, new: RoomRecord, kind: str) -> list[Change]:
        self.rooms[new.path.key] = new
        data = views.summary(new, views.state_of(new, self.now(), self.cfg.stale_after_s))
        return (
            [("room", data)]
            if kind != "snapshot"
            else [("room", data), ("snapshot", {"room": new.path.key, "ts": new.snapshot_ts})]
        )


def own_time(body: Mapping[str, Any], now: datetime) -> datetime:
    """The message's own time, never in the future of the board's clock."""
    return min(parse_ts(body.get("ts")), now)


def status_of(body: Mapping[str, Any]) -> tuple[str, str]:
    """A status message's (state, boot_id); RemoteProtocolError if the contract refuses it."""
    state = require(body, "state", str)
    boot_id = require(body, "boot_id", str)
    if state not in ("online", "offline"):
        raise RemoteProtocolError(f"status state {state!r} is neither online nor offline")
    return state, boot_id


def status_time(
    state: str,
    body: Mapping[str, Any],
    *,
    retain: bool,
    last_report: datetime | None,
    now: datetime,
) -> datetime:
    """When a status change happened: a Will's ts is its connect time, so a live one starts the
    outage now, and a retained one at the room's last sign of life."""
    ts = own_time(body, now)
    if state != "offline":
        return ts
    return max(ts, last_report or ts) if retain else now


def event_of(body: Mapping[str, Any]) -> tuple[str, int, str]:
    """An event's (boot_id, seq, kind); RemoteProtocolError if the contract refuses it."""
    return require(body, "boot_id", str), require(body, "seq", int), require(body, "kind", str)


def meeting_row(province: str, meeting_id: str, body: Mapping[str, Any]) -> MeetingRow:
    """A meeting message's row; RemoteProtocolError if the contract refuses it."""
    m = validate.meeting(body, meeting_id)  # v2 rooms and groups, or v1 patterns
    return MeetingRow(
        province=province,
        id=meeting_id,
        title=m.title,
        start=m.start,
        end=m.end,
        rooms=m.selector.rooms,
        cancelled=False,
        groups=m.selector.groups,
    )


def expect_schema(family: str, wanted: str) -> None:
    """RemoteProtocolError unless a body of schema `family` is what this topic carries."""
    if family != wanted:
        raise RemoteProtocolError(f"schema {family!r} on a {wanted} topic")
