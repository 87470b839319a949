"""The history interface: one SQL text for SQLite and PostgreSQL, run through a small driver seam.

The statements here and in `writer` are written in the dialect both databases accept
(`INSERT … ON CONFLICT`, `RETURNING`, quoted `"user"`/`"end"`, a `rowid` column that PostgreSQL's
schema declares); `?` placeholders are rewritten by the PostgreSQL driver. A subclass supplies
`_exec` and `_query` and turns its driver's "the database did not answer" errors into
`StoreUnavailable`.
"""

from __future__ import annotations

import contextlib
import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, ClassVar

from agent.contract.groups import Group
from central.model import RoomPath, iso, parse_ts
from central.store.rows import (
    AuditRow,
    CoverageRow,
    MeetingRow,
    ReadinessRow,
    StatusRow,
    StoredRoom,
)
from central.store.writer import Params, Writer


class StoreUnavailable(Exception):  # noqa: N818 - the name says what a caller sees; retryable
    """The database did not answer (down, locked, full): nothing was written; retry later."""

    retryable = True


class Store(ABC):
    """The board's history; every method is safe to call from any thread."""

    kind: ClassVar[str]  # "sqlite" or "postgresql"
    _BEGIN: ClassVar[str] = "BEGIN"

    def __init__(self, where: str) -> None:
        self.path = where  # what the board prints at start (never a password)
        self.migrated_from = 0  # the schema version found at open (0: a new database)
        self.version = 0  # the schema version now
        self._lock = threading.RLock()
        self._in_tx = False

    # ------------------------------------------------------------ the driver seam

    @abstractmethod
    def _exec(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return its row count. StoreUnavailable if the database is away."""

    @abstractmethod
    def _query(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """Run one query; return its rows. StoreUnavailable if the database is away."""

    @abstractmethod
    def close(self) -> None:
        """Close the database."""

    def ping(self) -> None:
        """Ask the database a trivial question; StoreUnavailable if it does not answer."""
        with self._lock:
            self._query("SELECT 1")

    @contextmanager
    def transaction(self) -> Iterator[Writer]:
        """Run several writes in one transaction (much faster than one commit per message)."""
        with self._lock:
            self._exec(self._BEGIN)
            self._in_tx = True
            try:
                yield Writer(self._exec)
            except BaseException:
                with contextlib.suppress(StoreUnavailable):
                    self._exec("ROLLBACK")
                raise
            finally:
                self._in_tx = False
            self._exec("COMMIT")

    def batch(self) -> contextlib.AbstractContextManager[Writer]:
        """The ingest's flush: a transaction whose writes need not report row counts."""
        return self.transaction()

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
            rows = self._query(
                'INSERT INTO audit(ts, "user", action, target, args, ok, result)'
                " VALUES(?,?,?,?,?,?,?) RETURNING id",
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
        return int(rows[0][0])

    def audit(self, limit: int = 200, target: str | None = None) -> list[AuditRow]:
        """Return the newest audit entries first, optionally for one target (room or meeting)."""
        sql = 'SELECT id, ts, "user", action, target, args, ok, result FROM audit'
        params: tuple[Any, ...] = ()
        if target:
            sql += " WHERE target=?"
            params = (target,)
        sql += " ORDER BY id DESC LIMIT ?"
        with self._lock:
            rows = self._query(sql, (*params, limit))
        return [
            AuditRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), bool(r[6]), json.loads(r[7]))
            for r in rows
        ]

    def put_user(self, name: str, role: str, hashed: str, ts: datetime) -> None:
        """Create or replace a user."""
        with self._lock:
            self._exec(
                "INSERT INTO users(name, role, hash, created) VALUES(?,?,?,?)"
                " ON CONFLICT(name) DO UPDATE SET role=excluded.role, hash=excluded.hash,"
                " created=excluded.created",
                (name, role, hashed, iso(ts)),
            )

    def user(self, name: str) -> tuple[str, str] | None:
        """Return (role, hash) of a user, or None."""
        with self._lock:
            rows = self._query("SELECT role, hash FROM users WHERE name=?", (name,))
        return (rows[0][0], rows[0][1]) if rows else None

    def users(self) -> list[tuple[str, str, str, str]]:
        """Return every user as (name, role, hash, created), by name."""
        with self._lock:
            rows = self._query("SELECT name, role, hash, created FROM users ORDER BY name")
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def delete_user(self, name: str) -> bool:
        """Remove a user; True when there was one."""
        with self._lock:
            rows = self._query("DELETE FROM users WHERE name=? RETURNING name", (name,))
        return bool(rows)

    # ------------------------------------------------------------ merges

    def add_merge(self, old: str, new: str, *, user: str, ts: datetime, reason: str) -> None:
        """Record that room `old`'s history counts as `new`'s (a rename or a merge)."""
        with self._lock:
            self._exec(
                'INSERT INTO merges(old, new, "user", ts, reason) VALUES(?,?,?,?,?)'
                ' ON CONFLICT(old) DO UPDATE SET new=excluded.new, "user"=excluded."user",'
                " ts=excluded.ts, reason=excluded.reason",
                (old, new, user, iso(ts), reason),
            )

    def merges(self) -> dict[str, str]:
        """Return old key → the key it now counts as (chains resolved)."""
        with self._lock:
            pairs = {r[0]: r[1] for r in self._query("SELECT old, new FROM merges")}
        out: dict[str, str] = {}
        for old, first in pairs.items():
            new, seen = first, {old}
            while new in pairs and new not in seen:
                seen.add(new)
                new = pairs[new]
            out[old] = new
        return out

    # ------------------------------------------------------------ reads

    def rooms(self) -> list[StoredRoom]:
        """Return every known room, ordered by key."""
        with self._lock:
            rows = self._query(
                "SELECT room, province, district, name, first_seen, version, unit, groups"
                " FROM rooms ORDER BY room"
            )
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

    def last_statuses(self) -> dict[str, StatusRow]:
        """Return each room's latest stored status, to resume transitions after a restart."""
        with self._lock:
            rows = self._query(
                "SELECT room, boot_id, state, ts FROM status s"
                " WHERE rowid=(SELECT MAX(rowid) FROM status WHERE room=s.room)"
            )
        return {r[0]: StatusRow(r[0], r[1], r[2], parse_ts(r[3])) for r in rows}

    def statuses(
        self, room: str, until: datetime, since: datetime | None = None
    ) -> list[StatusRow]:
        """Return a room's status changes in [since, until), oldest first."""
        with self._lock:
            rows = self._query(
                "SELECT room, boot_id, state, ts FROM status"
                " WHERE room=? AND ts<? AND ts>=? ORDER BY ts, rowid",
                (room, iso(until), iso(since) if since else ""),
            )
        return [StatusRow(r[0], r[1], r[2], parse_ts(r[3])) for r in rows]

    def readiness_rows(self, room: str, until: datetime) -> list[ReadinessRow]:
        """Return a room's readiness before `until`, oldest first: folded days' points, then raw."""
        end = iso(until)
        with self._lock:
            days = self._query(
                "SELECT points FROM readiness_daily WHERE room=? AND day<=? ORDER BY day",
                (room, end[:10]),
            )
            rows = self._query(
                "SELECT room, ts, verdict, trigger, meeting_id FROM readiness"
                " WHERE room=? AND ts<? ORDER BY ts, rowid",
                (room, end),
            )
        folded = [
            ReadinessRow(room, parse_ts(p[0]), p[1], p[2], p[3])
            for d in days
            for p in json.loads(d[0])
            if p[0] < end
        ]
        raw = [ReadinessRow(r[0], parse_ts(r[1]), r[2], r[3], r[4]) for r in rows]
        if not folded:
            return raw
        # Stable: on equal times the folded points (older rowids) stay first; late raw reports
        # of a folded day, not folded yet, fall into their place.
        return sorted(folded + raw, key=lambda x: x.ts)

    def bodies(self, table: str, since: datetime, until: datetime) -> list[tuple[str, str, str]]:
        """Return (room, ts, JSON body) of stored readiness reports or events in [since, until)."""
        if table not in ("readiness", "events"):
            raise ValueError(table)
        with self._lock:
            rows = self._query(
                f"SELECT room, ts, body FROM {table} WHERE ts>=? AND ts<? ORDER BY ts, rowid",  # noqa: S608 - one of two fixed names
                (iso(since), iso(until)),
            )
        return [(r[0], r[1], r[2]) for r in rows]

    def coverage(self, since: datetime, until: datetime) -> list[CoverageRow]:
        """Return the ingest sessions that started before `until` and beat after `since`."""
        with self._lock:
            rows = self._query(
                "SELECT session, board, started, beat, stopped, every_s FROM coverage"
                " WHERE started<? AND (beat>=? OR stopped>=? OR stopped IS NULL)"
                " ORDER BY started, session",
                (iso(until), iso(since), iso(since)),
            )
        return [
            CoverageRow(
                r[0], r[1], parse_ts(r[2]), parse_ts(r[3]), parse_ts(r[4]) if r[4] else None, r[5]
            )
            for r in rows
        ]

    def first_coverage(self) -> datetime | None:
        """When the first recorded ingest session started (history before it has no coverage)."""
        with self._lock:
            rows = self._query("SELECT MIN(started) FROM coverage")
        return parse_ts(rows[0][0]) if rows and rows[0][0] else None

    def last_bodies(self, table: str, room: str, before: datetime) -> tuple[str, str] | None:
        """Return (ts, JSON body) of a room's last readiness report or event before `before`."""
        if table not in ("readiness", "events"):
            raise ValueError(table)
        with self._lock:
            rows = self._query(
                f"SELECT ts, body FROM {table} WHERE room=? AND ts<?"  # noqa: S608 - fixed names
                " ORDER BY ts DESC, rowid DESC LIMIT 1",
                (room, iso(before)),
            )
        return (rows[0][0], rows[0][1]) if rows else None

    def events(self, room: str, limit: int = 100) -> list[dict[str, Any]]:
        """Return a room's newest events first."""
        with self._lock:
            rows = self._query(
                "SELECT body FROM events WHERE room=? ORDER BY ts DESC, rowid DESC LIMIT ?",
                (room, limit),
            )
        return [json.loads(r[0]) for r in rows]

    def meetings(self, include_cancelled: bool = False) -> list[MeetingRow]:
        """Return meetings ordered by start."""
        sql = 'SELECT province, id, title, start, "end", rooms, cancelled, groups FROM meetings'
        if not include_cancelled:
            sql += " WHERE cancelled=0"
        with self._lock:
            rows = self._query(sql + " ORDER BY start, province, id")
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
