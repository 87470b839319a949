"""The history interface: one SQL text for SQLite and PostgreSQL, run through a small driver seam.

The statements below are written in the dialect both databases accept (`INSERT … ON CONFLICT`,
`RETURNING`, quoted `"user"`/`"end"`, a `rowid` column that PostgreSQL's schema declares); `?`
placeholders are rewritten by the PostgreSQL driver. A subclass supplies `_exec` and `_query`
and turns its driver's "the database did not answer" errors into `StoreUnavailable`.
"""

from __future__ import annotations

import contextlib
import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
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

Params = Sequence[Any]


class StoreUnavailable(Exception):  # noqa: N818 - the name says what a caller sees; retryable
    """The database did not answer (down, locked, full): nothing was written; retry later."""

    retryable = True


class Writer:
    """The history writes of one transaction (queued by ingest, run by `Store.transaction`)."""

    def __init__(self, run: Callable[[str, Params], int]) -> None:
        self._run = run

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
        return (
            self._run(
                "INSERT INTO status(room, boot_id, state, ts) VALUES(?,?,?,?)"
                " ON CONFLICT DO NOTHING",
                (room, boot_id, state, iso(ts)),
            )
            == 1
        )

    def add_readiness(self, room: str, body: dict[str, Any], ts: datetime) -> bool:
        """Store a readiness report once per (room, boot_id, seq); True when it was new."""
        meeting = body.get("meeting")
        meeting_id = meeting.get("id") if isinstance(meeting, dict) else None
        return (
            self._run(
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
            == 1
        )

    def add_event(self, room: str, body: dict[str, Any], ts: datetime) -> bool:
        """Store an event once per (room, boot_id, seq); True when it was new."""
        return (
            self._run(
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
            == 1
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
        return (
            self._run(
                "INSERT INTO status(room, boot_id, state, ts) SELECT ?,?,?,?"
                " WHERE NOT EXISTS(SELECT 1 FROM (SELECT boot_id, state FROM status"
                "  WHERE room=? ORDER BY ts DESC, rowid DESC LIMIT 1) AS last"
                "  WHERE (last.state=? AND last.boot_id=?)"
                "   OR (?='offline' AND last.state='online' AND last.boot_id!=?))"
                " ON CONFLICT DO NOTHING",
                (room, boot_id, state, iso(ts), room, state, boot_id, state, boot_id),
            )
            == 1
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

    # ------------------------------------------------------------ retention, for central.retention

    def readiness_days_before(self, cut: datetime, limit: int) -> list[tuple[str, str]]:
        """Return up to `limit` (room, UTC day) of the oldest day with raw reports before `cut`."""
        # Day by day, each a range of the ts index: one scan of all that is left per batch
        # would make a first run over a year of a large province quadratic.
        with self._lock:
            first = self._query("SELECT MIN(ts) FROM readiness WHERE ts<?", (iso(cut),))
            if not first or first[0][0] is None:
                return []
            day = str(first[0][0])[:10]
            lo, hi = self._day_range(day)
            rows = self._query(
                "SELECT DISTINCT room FROM readiness WHERE ts>=? AND ts<? ORDER BY room LIMIT ?",
                (lo, min(hi, iso(cut)), limit),
            )
        return [(r[0], day) for r in rows]

    def count_readiness_before(self, cut: datetime) -> tuple[int, int]:
        """Return (raw readiness reports, distinct room-days) before `cut`."""
        with self._lock:
            rows = self._query(
                "SELECT COUNT(*), COUNT(DISTINCT room || ' ' || substr(ts, 1, 10))"
                " FROM readiness WHERE ts<?",
                (iso(cut),),
            )
        return int(rows[0][0]), int(rows[0][1])

    def fold_readiness(
        self,
        days: Sequence[tuple[str, str]],
        keep: Callable[[list[ReadinessRow]], list[ReadinessRow]],
    ) -> int:
        """Fold these (room, UTC day)s' raw reports into their day rows, in one transaction.

        A day row already there (an earlier run, then late reports) is merged: its counts grow
        and `keep` chooses the points among its old points and the new reports. The folded raw
        reports are deleted; returns how many.
        """
        n = 0
        with self._lock, self.transaction():
            for room, day in days:
                n += self._fold_day(room, day, keep)
        return n

    def prune_snapshots(self, keep_older: int, limit: int, *, dry_run: bool = False) -> int:
        """Delete up to `limit` snapshots beyond each room's latest and `keep_older` before it."""
        ranked = (
            "SELECT room, ts FROM (SELECT room, ts, ROW_NUMBER() OVER"
            " (PARTITION BY room ORDER BY ts DESC) AS n FROM snapshots) AS ranked WHERE n>?"
        )
        with self._lock:
            if dry_run:
                rows = self._query(f"SELECT COUNT(*) FROM ({ranked}) AS doomed", (keep_older + 1,))  # noqa: S608 - fixed text
                return int(rows[0][0])
            return self._exec(
                f"DELETE FROM snapshots WHERE (room, ts) IN ({ranked} LIMIT ?)",  # noqa: S608 - fixed text
                (keep_older + 1, limit),
            )

    def prune_history(self, table: str, cut: datetime, limit: int, *, dry_run: bool = False) -> int:
        """Delete up to `limit` rows of `table` older than `cut`, keeping what resumes the history.

        Each room's latest status (the board resumes from it) and latest status before `cut` (the
        state at the cut), and the last ingest session ending before `cut` (where coverage begins),
        stay, so a report of any month after `cut` reads the same.
        """
        key, cols, old = {
            "status": (
                "rowid",
                "rowid",
                (
                    "t.ts<? AND t.rowid<>(SELECT MAX(rowid) FROM status WHERE room=t.room)"
                    " AND t.rowid<>(SELECT rowid FROM status WHERE room=t.room AND ts<?"
                    " ORDER BY ts DESC, rowid DESC LIMIT 1)"
                ),
            ),
            "events": ("rowid", "rowid", "t.ts<?"),
            "audit": ("id", "id", "t.ts<?"),
            "meetings": ("(province, id)", "province, id", 't."end"<?'),
            "coverage": (
                "session",
                "session",
                (
                    "COALESCE(t.stopped, t.beat)<? AND t.session<>(SELECT session FROM coverage"
                    " WHERE COALESCE(stopped, beat)<? ORDER BY started DESC, session DESC LIMIT 1)"
                ),
            ),
        }[table]
        cuts = (iso(cut),) * old.count("?")
        with self._lock:
            if dry_run:
                rows = self._query(f"SELECT COUNT(*) FROM {table} t WHERE {old}", cuts)  # noqa: S608 - fixed names
                return int(rows[0][0])
            return self._exec(
                f"DELETE FROM {table} WHERE {key} IN"  # noqa: S608 - fixed names
                f" (SELECT {cols} FROM {table} t WHERE {old} LIMIT ?)",
                (*cuts, limit),
            )

    def _fold_day(
        self, room: str, day: str, keep: Callable[[list[ReadinessRow]], list[ReadinessRow]]
    ) -> int:
        """Fold one room-day inside the caller's transaction; return the raw reports folded."""
        lo, hi = self._day_range(day)
        # The day row is read before the raw reports: a board folding the same day at once
        # then either sees both before or both after the other's commit, never a mix.
        old = self._query(
            "SELECT reports, ready, degraded, not_ready, points FROM readiness_daily"
            " WHERE room=? AND day=?",
            (room, day),
        )
        raw = self._query(
            "SELECT rowid, ts, verdict, trigger, meeting_id FROM readiness"
            " WHERE room=? AND ts>=? AND ts<? ORDER BY ts, rowid",
            (room, lo, hi),
        )
        if not raw:
            return 0
        counts = [int(x) for x in old[0][:4]] if old else [0, 0, 0, 0]
        counts[0] += len(raw)
        slot = {"ready": 1, "degraded": 2, "not_ready": 3}
        for r in raw:
            if r[2] in slot:
                counts[slot[r[2]]] += 1
        points = (
            [ReadinessRow(room, parse_ts(p[0]), p[1], p[2], p[3]) for p in json.loads(old[0][4])]
            if old
            else []
        )
        merged = sorted(
            [*points, *(ReadinessRow(room, parse_ts(r[1]), r[2], r[3], r[4]) for r in raw)],
            key=lambda x: x.ts,
        )
        kept = [[iso(x.ts), x.verdict, x.trigger, x.meeting_id] for x in keep(merged)]
        self._exec(
            "INSERT INTO readiness_daily(room, day, reports, ready, degraded, not_ready, points)"
            " VALUES(?,?,?,?,?,?,?) ON CONFLICT(room, day) DO UPDATE SET"
            " reports=excluded.reports, ready=excluded.ready, degraded=excluded.degraded,"
            " not_ready=excluded.not_ready, points=excluded.points",
            (room, day, *counts, json.dumps(kept, ensure_ascii=False)),
        )
        ids = [r[0] for r in raw]
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            self._exec(
                f"DELETE FROM readiness WHERE rowid IN ({','.join('?' * len(chunk))})",  # noqa: S608 - placeholders only
                chunk,
            )
        return len(raw)

    @staticmethod
    def _day_range(day: str) -> tuple[str, str]:
        """The stored-time bounds [lo, hi) of a UTC day `YYYY-MM-DD`."""
        from datetime import timedelta

        lo = f"{day}T00:00:00.000Z"
        return lo, iso(parse_ts(lo) + timedelta(days=1))
