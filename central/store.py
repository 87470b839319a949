"""The board's history: SQLite by default, behind an interface a PostgreSQL store can follow."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from agent.contract.groups import Group, Selector
from agent.errors import ConfigError
from agent.i18n import t
from central import schema
from central.model import RoomPath, iso, parse_ts

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StatusRow:
    """One stored status change."""

    room: str
    boot_id: str
    state: str
    ts: datetime


@dataclass(frozen=True, slots=True)
class ReadinessRow:
    """One stored readiness report, reduced to what the report needs."""

    room: str
    ts: datetime
    verdict: str
    trigger: str
    meeting_id: str | None


@dataclass(frozen=True, slots=True)
class MeetingRow:
    """One meeting as scheduled (or cancelled)."""

    province: str
    id: str
    title: str
    start: datetime
    end: datetime
    rooms: tuple[str, ...]  # room ids, or "*"
    cancelled: bool
    groups: tuple[str, ...] = ()

    @property
    def selector(self) -> Selector:
        """The rooms this meeting selects in its province."""
        return Selector(self.rooms, self.groups)


@dataclass(frozen=True, slots=True)
class StoredRoom:
    """A room as history knows it."""

    path: RoomPath
    name: str
    first_seen: datetime
    unit: str
    groups: tuple[Group, ...]


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One operator action: who, what, when and the result."""

    id: int
    ts: str
    user: str
    action: str
    target: str
    args: dict[str, Any]
    ok: bool
    result: dict[str, Any]


def open_store(url: str, state_dir: str) -> Store:
    """Open the history named by a `[board] database` URL (empty: SQLite in the state dir)."""
    if not url:
        path = Path(state_dir) / "board.sqlite"
    elif url.startswith("sqlite:"):
        rest = url.removeprefix("sqlite:")
        path = Path(rest.removeprefix("//"))
        if url == "sqlite::memory:" or rest in ("///:memory:", ":memory:"):
            return Store(":memory:")
    else:
        # The interface is the SQL below with `?` placeholders; a psycopg store would subclass it.
        raise ConfigError(t("board.config.postgres_later", url=url.rsplit("@", maxsplit=1)[-1]))
    path.parent.mkdir(parents=True, exist_ok=True)
    return Store(str(path))


class Store:
    """SQLite history; every method is safe to call from any thread."""

    def __init__(self, path: str, *, busy_timeout_s: float = 2.0) -> None:
        self.path = path
        self._db = sqlite3.connect(
            path, timeout=busy_timeout_s, check_same_thread=False, isolation_level=None
        )
        self._lock = threading.RLock()
        with self._lock:
            if path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            schema.migrate(self._db)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run several writes in one transaction (much faster than one commit per message)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # ------------------------------------------------------------ writes (inside transaction)

    @staticmethod
    def add_room(db: sqlite3.Connection, path: RoomPath, name: str, ts: datetime) -> None:
        """Record a room (first sight wins for first_seen; the name follows the latest report)."""
        db.execute(
            "INSERT INTO rooms(room, province, district, name, first_seen, version) "
            "VALUES(?,?,?,?,?,?) ON CONFLICT(room) DO UPDATE SET"
            " name=CASE WHEN excluded.name!='' THEN excluded.name ELSE name END,"
            " province=excluded.province, district=excluded.district,"
            " version=excluded.version, first_seen=MIN(first_seen, excluded.first_seen)",
            (path.key, path.province, path.district, name, iso(ts), path.version),
        )

    @staticmethod
    def set_meta(
        db: sqlite3.Connection, key: str, name: str, unit: str, groups: tuple[Group, ...]
    ) -> None:
        """Record what a room's meta (or a v1 room's district) says about it."""
        db.execute(
            "UPDATE rooms SET name=?, unit=?, groups=? WHERE room=?",
            (name, unit, json.dumps([[g.id, g.name] for g in groups], ensure_ascii=False), key),
        )

    @staticmethod
    def add_status(
        db: sqlite3.Connection, room: str, boot_id: str, state: str, ts: datetime
    ) -> None:
        """Store a status change (the caller stores transitions only, so repeats never get here)."""
        db.execute(
            "INSERT INTO status(room, boot_id, state, ts) VALUES(?,?,?,?)",
            (room, boot_id, state, iso(ts)),
        )

    @staticmethod
    def add_readiness(
        db: sqlite3.Connection, room: str, body: dict[str, Any], ts: datetime
    ) -> bool:
        """Store a readiness report once per (room, boot_id, seq); True when it was new."""
        meeting = body.get("meeting")
        meeting_id = meeting.get("id") if isinstance(meeting, dict) else None
        cur = db.execute(
            "INSERT OR IGNORE INTO readiness"
            "(room, boot_id, seq, ts, verdict, trigger, meeting_id, body)"
            " VALUES(?,?,?,?,?,?,?,?)",
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
        return cur.rowcount == 1

    @staticmethod
    def add_event(db: sqlite3.Connection, room: str, body: dict[str, Any], ts: datetime) -> bool:
        """Store an event once per (room, boot_id, seq); True when it was new."""
        cur = db.execute(
            "INSERT OR IGNORE INTO events(room, boot_id, seq, ts, kind, body) VALUES(?,?,?,?,?,?)",
            (
                room,
                body["boot_id"],
                body["seq"],
                iso(ts),
                body["kind"],
                json.dumps(body, ensure_ascii=False),
            ),
        )
        return cur.rowcount == 1

    @staticmethod
    def put_meeting(db: sqlite3.Connection, m: MeetingRow) -> None:
        """Store or replace a meeting."""
        db.execute(
            "INSERT OR REPLACE INTO meetings"
            '(province, id, title, start, "end", rooms, cancelled, groups) VALUES(?,?,?,?,?,?,?,?)',
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

    @staticmethod
    def cancel_meeting(db: sqlite3.Connection, province: str, meeting_id: str) -> None:
        """Mark a meeting cancelled (its history stays for the report of what was planned)."""
        db.execute(
            "UPDATE meetings SET cancelled=1 WHERE province=? AND id=?", (province, meeting_id)
        )

    # ------------------------------------------------------------ audit and users

    def add_audit(
        self,
        user: str,
        action: str,
        target: str,
        *,
        args: dict[str, Any],
        ok: bool,
        result: dict[str, Any],
        ts: datetime,
    ) -> int:
        """Append one operator action to the audit log; return its id."""
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO audit(ts, user, action, target, args, ok, result)"
                " VALUES(?,?,?,?,?,?,?)",
                (
                    iso(ts),
                    user,
                    action,
                    target,
                    json.dumps(args, ensure_ascii=False),
                    int(ok),
                    json.dumps(result, ensure_ascii=False),
                ),
            )
            return int(cur.lastrowid or 0)

    def audit(self, limit: int = 200, target: str | None = None) -> list[AuditRow]:
        """Return the newest audit entries first, optionally for one target (room or meeting)."""
        sql = "SELECT id, ts, user, action, target, args, ok, result FROM audit"
        params: tuple[Any, ...] = ()
        if target:
            sql += " WHERE target=?"
            params = (target,)
        sql += " ORDER BY id DESC LIMIT ?"
        with self._lock:
            rows = self._db.execute(sql, (*params, limit)).fetchall()
        return [
            AuditRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), bool(r[6]), json.loads(r[7]))
            for r in rows
        ]

    def put_user(self, name: str, role: str, hashed: str, ts: datetime) -> None:
        """Create or replace a user."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO users(name, role, hash, created) VALUES(?,?,?,?)",
                (name, role, hashed, iso(ts)),
            )

    def user(self, name: str) -> tuple[str, str] | None:
        """Return (role, hash) of a user, or None."""
        with self._lock:
            row = self._db.execute("SELECT role, hash FROM users WHERE name=?", (name,)).fetchone()
        return (row[0], row[1]) if row else None

    # ------------------------------------------------------------ reads

    def rooms(self) -> list[StoredRoom]:
        """Return every known room, ordered by key."""
        with self._lock:
            rows = self._db.execute(
                "SELECT room, province, district, name, first_seen, version, unit, groups"
                " FROM rooms ORDER BY room"
            ).fetchall()
        return [
            StoredRoom(
                RoomPath(r[1], r[0].partition("/")[2] or r[0], r[2], r[5]),
                r[3],
                parse_ts(r[4]),
                r[6],
                tuple(Group(g[0], g[1]) for g in json.loads(r[7])),
            )
            for r in rows
        ]

    # ------------------------------------------------------------ merges

    def add_merge(self, old: str, new: str, *, user: str, ts: datetime, reason: str) -> None:
        """Record that room `old`'s history counts as `new`'s (a rename or a merge)."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO merges(old, new, user, ts, reason) VALUES(?,?,?,?,?)",
                (old, new, user, iso(ts), reason),
            )

    def merges(self) -> dict[str, str]:
        """Return old key → the key it now counts as (chains resolved)."""
        with self._lock:
            pairs = dict(self._db.execute("SELECT old, new FROM merges").fetchall())
        out: dict[str, str] = {}
        for old, first in pairs.items():
            new, seen = first, {old}
            while new in pairs and new not in seen:
                seen.add(new)
                new = pairs[new]
            out[old] = new
        return out

    def last_statuses(self) -> dict[str, StatusRow]:
        """Return each room's latest stored status, to resume transitions after a restart."""
        with self._lock:
            rows = self._db.execute(
                "SELECT room, boot_id, state, ts FROM status s"
                " WHERE rowid=(SELECT MAX(rowid) FROM status WHERE room=s.room)"
            ).fetchall()
        return {r[0]: StatusRow(r[0], r[1], r[2], parse_ts(r[3])) for r in rows}

    def statuses(self, room: str, until: datetime) -> list[StatusRow]:
        """Return a room's status changes up to `until`, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT room, boot_id, state, ts FROM status"
                " WHERE room=? AND ts<? ORDER BY ts, rowid",
                (room, iso(until)),
            ).fetchall()
        return [StatusRow(r[0], r[1], r[2], parse_ts(r[3])) for r in rows]

    def readiness_rows(self, room: str, until: datetime) -> list[ReadinessRow]:
        """Return a room's readiness reports up to `until`, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT room, ts, verdict, trigger, meeting_id FROM readiness"
                " WHERE room=? AND ts<? ORDER BY ts, rowid",
                (room, iso(until)),
            ).fetchall()
        return [ReadinessRow(r[0], parse_ts(r[1]), r[2], r[3], r[4]) for r in rows]

    def events(self, room: str, limit: int = 100) -> list[dict[str, Any]]:
        """Return a room's newest events first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM events WHERE room=? ORDER BY ts DESC, rowid DESC LIMIT ?",
                (room, limit),
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def meetings(self, include_cancelled: bool = False) -> list[MeetingRow]:
        """Return meetings ordered by start."""
        sql = 'SELECT province, id, title, start, "end", rooms, cancelled, groups FROM meetings'
        if not include_cancelled:
            sql += " WHERE cancelled=0"
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY start").fetchall()
        return [
            MeetingRow(
                r[0],
                r[1],
                r[2],
                parse_ts(r[3]),
                parse_ts(r[4]),
                tuple(json.loads(r[5])),
                bool(r[6]),
                tuple(json.loads(r[7])),
            )
            for r in rows
        ]
