"""The history writes of one transaction: what ingest queues and `Store.transaction` runs."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from agent.contract.groups import Group
from central.model import RoomPath, iso
from central.store.rows import CoverageRow, MeetingRow

Params = Sequence[Any]


class Writer:
    """The history writes of one transaction (queued by ingest, run by `Store.transaction`)."""

    def __init__(self, run: Callable[[str, Params], int]) -> None:
        self._run = run

    def _once(self, sql: str, params: Params) -> bool:
        """Run an insert that may find its row there already; True when it added the row."""
        return self._run(sql, params) == 1

    def add_room(self, path: RoomPath, name: str, ts: datetime) -> None:
        """Record a room (first sight wins for first_seen; the name follows the latest report)."""
        self._run(
            "INSERT INTO rooms(room, province, district, name, first_seen, version) "
            "VALUES(?,?,?,?,?,?) ON CONFLICT(room) DO UPDATE SET"
            " name=CASE WHEN excluded.name!='' THEN excluded.name ELSE rooms.name END,"
            " province=excluded.province, district=excluded.district, version=excluded.version,"
            " first_seen=CASE WHEN excluded.first_seen < rooms.first_seen"
            "  THEN excluded.first_seen ELSE rooms.first_seen END",
            (path.key, path.province, path.district, name, iso(ts), path.version),
        )

    def set_meta(self, key: str, name: str, unit: str, groups: tuple[Group, ...]) -> None:
        """Record what a room's meta (or a v1 room's district) says about it."""
        self._run(
            "UPDATE rooms SET name=?, unit=?, groups=? WHERE room=?",
            (name, unit, json.dumps([[g.id, g.name] for g in groups], ensure_ascii=False), key),
        )

    def set_district(self, key: str, district: str) -> None:
        """Record a v1 room's district as its group, unless the room has groups already."""
        self._run(
            "UPDATE rooms SET groups=? WHERE room=? AND groups='[]'",
            (json.dumps([[district, ""]], ensure_ascii=False), key),
        )

    def add_status(self, room: str, boot_id: str, state: str, ts: datetime) -> bool:
        """Store a status change once (a replayed or re-imported one is ignored); True if new."""
        return self._once(
            "INSERT INTO status(room, boot_id, state, ts) VALUES(?,?,?,?) ON CONFLICT DO NOTHING",
            (room, boot_id, state, iso(ts)),
        )

    def add_readiness(self, room: str, body: dict[str, Any], ts: datetime) -> bool:
        """Store a readiness report once per (room, boot_id, seq); True when it was new."""
        meeting = body.get("meeting")
        meeting_id = meeting.get("id") if isinstance(meeting, dict) else None
        return self._once(
            "INSERT INTO readiness"
            "(room, boot_id, seq, ts, verdict, trigger, meeting_id, body)"
            " VALUES(?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            (
                room,
                body["boot_id"],
                body["seq"],
                iso(ts),
                body["verdict"],
                str(body.get("trigger", "")),
                meeting_id if isinstance(meeting_id, str) else None,
                json.dumps(body, ensure_ascii=False),
            ),
        )

    def add_event(self, room: str, body: dict[str, Any], ts: datetime) -> bool:
        """Store an event once per (room, boot_id, seq); True when it was new."""
        return self._once(
            "INSERT INTO events(room, boot_id, seq, ts, kind, body) VALUES(?,?,?,?,?,?)"
            " ON CONFLICT DO NOTHING",
            (
                room,
                body["boot_id"],
                body["seq"],
                iso(ts),
                body["kind"],
                json.dumps(body, ensure_ascii=False),
            ),
        )

    def add_snapshot(self, room: str, ts: str, jpeg: bytes) -> None:
        """Keep a room's snapshot once (central.retention bounds how many older ones stay)."""
        self._run(
            "INSERT INTO snapshots(room, ts, jpeg) SELECT ?,?,?"
            " WHERE NOT EXISTS(SELECT 1 FROM snapshots WHERE room=? AND jpeg=?)"
            " ON CONFLICT DO NOTHING",
            (room, ts, jpeg, room, jpeg),
        )

    def add_status_change(self, room: str, boot_id: str, state: str, ts: datetime) -> bool:
        """Store a status only if it changes the room's stored one, whoever stores it; True if new.

        Boards sharing the ingest each store a part of the stream, so "is this a change" is asked
        of the database, not of one board's memory: a repeat of the latest (state, boot_id) and a
        late Will (offline of another session while the latest is online) are not stored.
        """
        return self._once(
            "INSERT INTO status(room, boot_id, state, ts) SELECT ?,?,?,?"
            " WHERE NOT EXISTS(SELECT 1 FROM (SELECT boot_id, state FROM status"
            "  WHERE room=? ORDER BY ts DESC, rowid DESC LIMIT 1) AS last"
            "  WHERE (last.state=? AND last.boot_id=?)"
            "   OR (?='offline' AND last.state='online' AND last.boot_id!=?))"
            " ON CONFLICT DO NOTHING",
            (room, boot_id, state, iso(ts), room, state, boot_id, state, boot_id),
        )

    def put_meeting(self, m: MeetingRow) -> None:
        """Store or replace a meeting."""
        self._run(
            'INSERT INTO meetings(province, id, title, start, "end", rooms, cancelled, groups)'
            " VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(province, id) DO UPDATE SET"
            ' title=excluded.title, start=excluded.start, "end"=excluded."end",'
            " rooms=excluded.rooms, cancelled=excluded.cancelled, groups=excluded.groups",
            (
                m.province,
                m.id,
                m.title,
                iso(m.start),
                iso(m.end),
                json.dumps(list(m.rooms)),
                int(m.cancelled),
                json.dumps(list(m.groups)),
            ),
        )

    def cancel_meeting(self, province: str, meeting_id: str) -> None:
        """Mark a meeting cancelled (its history stays for the report of what was planned)."""
        self._run(
            "UPDATE meetings SET cancelled=1 WHERE province=? AND id=?", (province, meeting_id)
        )

    def put_coverage(self, c: CoverageRow) -> None:
        """Record an ingest session, or move its heartbeat or stop (a session only grows)."""
        self._run(
            "INSERT INTO coverage(session, board, started, beat, stopped, every_s)"
            " VALUES(?,?,?,?,?,?) ON CONFLICT(session) DO UPDATE SET"
            " beat=CASE WHEN excluded.beat > coverage.beat"
            "  THEN excluded.beat ELSE coverage.beat END,"
            " stopped=COALESCE(excluded.stopped, coverage.stopped)",
            (
                c.session,
                c.board,
                iso(c.started),
                iso(c.beat),
                iso(c.stopped) if c.stopped else None,
                c.every_s,
            ),
        )
