"""The board's SQLite schema and its versioned migrations (`PRAGMA user_version`).

PostgreSQL keeps the same versions in its own table (central.store.postgres).

A new database gets the latest schema at once; an older one is migrated step by step, each
step in one transaction, so a board never runs on a half-migrated file.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from typing import Final

from agent.contract.groups import v1_selector

log = logging.getLogger(__name__)

VERSION: Final = 6

# Schema 4. One row per ingest session of a board: from its start (or its broker connecting) to its
# last heartbeat, or its clean stop. Time no session covers is "no data" in the report.
COVERAGE: Final = """
CREATE TABLE IF NOT EXISTS coverage(
  session TEXT PRIMARY KEY, board TEXT NOT NULL, started TEXT NOT NULL, beat TEXT NOT NULL,
  stopped TEXT, every_s REAL NOT NULL);
CREATE INDEX IF NOT EXISTS coverage_started ON coverage(started);
"""

# Schema 5. The monthly report's audited exclusions (maintenance windows declared in advance,
# outages tagged after the fact: withdrawn, never edited) and its closed months and amendments.
# Written in the SQL both databases accept; central.report.db holds the statements.
REPORT: Final = """
CREATE TABLE IF NOT EXISTS exclusions(
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, category TEXT NOT NULL, rooms TEXT NOT NULL,
  start TEXT NOT NULL, "end" TEXT NOT NULL, reason TEXT NOT NULL, "user" TEXT NOT NULL,
  created TEXT NOT NULL, flags TEXT NOT NULL DEFAULT '[]',
  withdrawn TEXT, withdrawn_by TEXT, withdraw_reason TEXT);
CREATE INDEX IF NOT EXISTS exclusions_start ON exclusions(start);
CREATE TABLE IF NOT EXISTS report_closes(
  month TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, ts TEXT NOT NULL,
  "user" TEXT NOT NULL, reason TEXT NOT NULL, digest TEXT NOT NULL, manifest TEXT NOT NULL,
  PRIMARY KEY(month, seq));
"""

# Schema 6. Sessions outlive a board restart and are shared by every board on one database
# (the token is kept only as its SHA-256); readiness older than `[board] keep_readiness_days` is
# folded into one row per room and day (central.retention), whose `points` keep exactly what the
# monthly report reads; snapshots keep the latest per room plus a bounded number of older ones.
# The BLOB type is SQLite's; PostgreSQL's DDL (central.store.postgres) says BYTEA.
KEEP: Final = """
CREATE TABLE IF NOT EXISTS sessions(
  token_hash TEXT PRIMARY KEY, "user" TEXT NOT NULL, role TEXT NOT NULL, csrf TEXT NOT NULL,
  expires REAL NOT NULL, created TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions("user");
CREATE TABLE IF NOT EXISTS readiness_daily(
  room TEXT NOT NULL, day TEXT NOT NULL, reports INTEGER NOT NULL, ready INTEGER NOT NULL,
  degraded INTEGER NOT NULL, not_ready INTEGER NOT NULL, points TEXT NOT NULL,
  PRIMARY KEY(room, day));
CREATE TABLE IF NOT EXISTS snapshots(
  room TEXT NOT NULL, ts TEXT NOT NULL, jpeg BLOB NOT NULL, PRIMARY KEY(room, ts));
"""

_LATEST: Final = (
    """
CREATE TABLE IF NOT EXISTS rooms(
  room TEXT PRIMARY KEY, province TEXT NOT NULL, district TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  first_seen TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 2, unit TEXT NOT NULL DEFAULT '',
  groups TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS status(
  room TEXT NOT NULL, boot_id TEXT NOT NULL, state TEXT NOT NULL, ts TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS status_room_ts ON status(room, ts);
CREATE UNIQUE INDEX IF NOT EXISTS status_once ON status(room, boot_id, state, ts);
CREATE TABLE IF NOT EXISTS readiness(
  room TEXT NOT NULL, boot_id TEXT NOT NULL, seq INTEGER NOT NULL, ts TEXT NOT NULL,
  verdict TEXT NOT NULL, trigger TEXT NOT NULL, meeting_id TEXT, body TEXT NOT NULL,
  UNIQUE(room, boot_id, seq));
CREATE INDEX IF NOT EXISTS readiness_room_ts ON readiness(room, ts);
CREATE TABLE IF NOT EXISTS events(
  room TEXT NOT NULL, boot_id TEXT NOT NULL, seq INTEGER NOT NULL, ts TEXT NOT NULL,
  kind TEXT NOT NULL, body TEXT NOT NULL, UNIQUE(room, boot_id, seq));
CREATE INDEX IF NOT EXISTS events_room_ts ON events(room, ts);
CREATE TABLE IF NOT EXISTS meetings(
  province TEXT NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL, start TEXT NOT NULL,
  "end" TEXT NOT NULL, rooms TEXT NOT NULL, cancelled INTEGER NOT NULL DEFAULT 0,
  groups TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY(province, id));
CREATE TABLE IF NOT EXISTS merges(
  old TEXT PRIMARY KEY, new TEXT NOT NULL, user TEXT NOT NULL, ts TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS audit(
  id INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL,
  target TEXT NOT NULL, args TEXT NOT NULL, ok INTEGER NOT NULL, result TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users(
  name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL, created TEXT NOT NULL);
"""
    + COVERAGE
    + REPORT
    + KEEP
)


def migrate(db: sqlite3.Connection) -> int:
    """Bring the database to VERSION; return the version it had (0 for a new file)."""
    found = int(db.execute("PRAGMA user_version").fetchone()[0])
    fresh = db.execute("SELECT 1 FROM sqlite_master WHERE name='rooms'").fetchone() is None
    if fresh:
        db.executescript(_LATEST)
        db.execute(f"PRAGMA user_version={VERSION}")
        return 0
    version = max(found, 1)  # a file from before versioning is version 1
    for step in range(version, VERSION):
        log.info("migrating the board database from schema %d to %d", step, step + 1)
        db.execute("BEGIN IMMEDIATE")
        try:
            _STEPS[step](db)
            db.execute(f"PRAGMA user_version={step + 1}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return version


def _v1_to_v2(db: sqlite3.Connection) -> None:
    """Contract v2: rooms keyed `province/room`, their groups, meetings by group, merges."""
    for sql in (
        "ALTER TABLE rooms ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE rooms ADD COLUMN unit TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE rooms ADD COLUMN groups TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE meetings ADD COLUMN groups TEXT NOT NULL DEFAULT '[]'",
    ):
        db.execute(sql)
    # A v1 room id was unique across the broker; its key now names its province too.
    for table in ("status", "readiness", "events"):
        db.execute(
            f"UPDATE {table} SET room = (SELECT province FROM rooms r WHERE r.room = {table}.room)"  # noqa: S608 - fixed table names
            f" || '/' || room WHERE instr(room, '/') = 0"
            f" AND EXISTS(SELECT 1 FROM rooms r WHERE r.room = {table}.room)"
        )
    db.execute(
        "UPDATE rooms SET room = province || '/' || room,"
        " groups = CASE WHEN district != '_'"
        "  THEN json_array(json_array(district, '')) ELSE '[]' END"
        " WHERE instr(room, '/') = 0"
    )
    rows = db.execute("SELECT province, id, rooms FROM meetings").fetchall()
    for province, meeting_id, rooms in rows:
        sel = v1_selector(json.loads(rooms))
        db.execute(
            "UPDATE meetings SET rooms=?, groups=? WHERE province=? AND id=?",
            (json.dumps(list(sel.rooms)), json.dumps(list(sel.groups)), province, meeting_id),
        )
    db.execute(
        "CREATE TABLE IF NOT EXISTS merges(old TEXT PRIMARY KEY, new TEXT NOT NULL,"
        " user TEXT NOT NULL, ts TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '')"
    )


def _v2_to_v3(db: sqlite3.Connection) -> None:
    """A status change is stored once, so a replayed or re-imported one adds nothing."""
    db.execute(
        "DELETE FROM status WHERE rowid NOT IN"
        " (SELECT MIN(rowid) FROM status GROUP BY room, boot_id, state, ts)"
    )
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS status_once ON status(room, boot_id, state, ts)")


def _v3_to_v4(db: sqlite3.Connection) -> None:
    """Coverage: the ingest sessions of the boards, so their gaps are "no data"."""
    for statement in filter(str.strip, COVERAGE.split(";")):
        db.execute(statement)


def _v4_to_v5(db: sqlite3.Connection) -> None:
    """The report's exclusions and closed months."""
    for statement in filter(str.strip, REPORT.split(";")):
        db.execute(statement)


def _v5_to_v6(db: sqlite3.Connection) -> None:
    """Sessions in the database, the readiness summaries and the snapshot history."""
    for statement in filter(str.strip, KEEP.split(";")):
        db.execute(statement)


_STEPS: Final[dict[int, Callable[[sqlite3.Connection], None]]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
    4: _v4_to_v5,
    5: _v5_to_v6,
}
