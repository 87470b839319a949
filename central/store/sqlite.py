"""The embedded history: one SQLite file (WAL), the default for a board on one machine."""

from __future__ import annotations

import sqlite3
from typing import Any, ClassVar

from central import schema
from central.store.base import Store, StoreUnavailable
from central.store.writer import Params


class SqliteStore(Store):
    """SQLite history; a locked or full file raises StoreUnavailable, and the board retries."""

    kind: ClassVar[str] = "sqlite"
    _BEGIN: ClassVar[str] = "BEGIN IMMEDIATE"

    def __init__(self, path: str, *, busy_timeout_s: float = 2.0) -> None:
        super().__init__(path)
        self._db = sqlite3.connect(
            path, timeout=busy_timeout_s, check_same_thread=False, isolation_level=None
        )
        with self._lock:
            if path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self.migrated_from = schema.migrate(self._db)
            self.version = schema.VERSION

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def _exec(self, sql: str, params: Params = ()) -> int:
        try:
            return self._db.execute(sql, params).rowcount
        except sqlite3.OperationalError as exc:  # locked, disk full, I/O error
            raise StoreUnavailable(str(exc)) from exc

    def _query(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(str(exc)) from exc
