"""The board's history: one interface (`Store`), on SQLite (default) or PostgreSQL.

- `open_store(url, state_dir)`: the store a `[board] database` URL names, migrated;
- `Store`, `Writer` (the writes of one transaction), `StoreUnavailable` (retry later);
- `SqliteStore`; `PostgresStore` lives in `central.store.postgres` (imports psycopg);
- the rows: `StatusRow`, `ReadinessRow`, `MeetingRow`, `StoredRoom`, `AuditRow`, `CoverageRow`.
"""

from __future__ import annotations

from pathlib import Path

from agent.errors import ConfigError
from agent.i18n import t
from central.store.base import Store, StoreUnavailable
from central.store.rows import (
    AuditRow,
    CoverageRow,
    MeetingRow,
    ReadinessRow,
    StatusRow,
    StoredRoom,
)
from central.store.sqlite import SqliteStore
from central.store.writer import Writer

__all__ = [
    "AuditRow",
    "CoverageRow",
    "MeetingRow",
    "ReadinessRow",
    "SqliteStore",
    "StatusRow",
    "Store",
    "StoreUnavailable",
    "StoredRoom",
    "Writer",
    "open_store",
]


def open_store(url: str, state_dir: str) -> Store:
    """Open and migrate the history a `[board] database` URL names ("": SQLite in state_dir)."""
    if url.startswith(("postgresql:", "postgres:")):
        try:
            from central.store.postgres import PostgresStore, redact
        except ModuleNotFoundError as exc:
            raise ConfigError(t("board.missing_extra", module=exc.name)) from None
        try:
            return PostgresStore(url)
        except StoreUnavailable as exc:
            raise ConfigError(t("board.db.unavailable", where=redact(url), error=exc)) from None
    if not url:
        path = Path(state_dir) / "board.sqlite"
    else:
        rest = url.removeprefix("sqlite:")
        if url == "sqlite::memory:" or rest in ("///:memory:", ":memory:"):
            return SqliteStore(":memory:")
        path = Path(rest.removeprefix("//"))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return SqliteStore(str(path))
    except StoreUnavailable as exc:
        raise ConfigError(t("board.db.unavailable", where=str(path), error=exc)) from None
