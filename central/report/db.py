"""The report's own tables (schema 5, central.schema.REPORT): exclusions and closed months.

The statements live here, not in central.store.base, so the report's SQL stays in its own
module; they are in the dialect both stores accept and run through the store's driver seam.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent.contract.clock import iso, parse_time
from central.report.exclusions import Category, Exclusion, Flag, Kind, from_row
from central.store import Store

_COLUMNS = (
    'id, kind, category, rooms, start, "end", reason, "user", created, flags,'
    " withdrawn, withdrawn_by, withdraw_reason"
)


@dataclass(frozen=True, slots=True)
class Closing:
    """One closing of a month (seq 0) or a dated amendment to it (seq 1, 2, …)."""

    month: str
    seq: int
    kind: str  # "close" or "amendment"
    ts: datetime
    user: str
    reason: str
    digest: str
    manifest: dict[str, Any]


class ReportDb:
    """Exclusions and closings in the board's store (SQLite or PostgreSQL)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add_exclusion(
        self,
        *,
        kind: Kind,
        category: Category,
        rooms: tuple[str, ...],
        start: datetime,
        end: datetime,
        reason: str,
        user: str,
        now: datetime,
        flags: tuple[Flag, ...],
    ) -> Exclusion:
        """Store a new exclusion; return it (its id is new, random and short)."""
        ex = Exclusion(
            id=f"x-{now:%Y%m%d}-{secrets.token_hex(3)}",
            kind=kind,
            category=category,
            rooms=rooms,
            start=start,
            end=end,
            reason=reason,
            user=user,
            created=now,
            flags=flags,
        )
        self._exec(
            f"INSERT INTO exclusions({_COLUMNS}) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                ex.id,
                str(kind),
                str(category),
                json.dumps(list(rooms), ensure_ascii=False),
                iso(start),
                iso(end),
                reason,
                user,
                iso(now),
                json.dumps([str(f) for f in flags]),
                None,
                None,
                None,
            ),
        )
        return ex

    def withdraw(self, ex_id: str, *, user: str, reason: str, now: datetime) -> bool:
        """Withdraw an exclusion (once); False if there is no such active exclusion."""
        n = self._exec(
            "UPDATE exclusions SET withdrawn=?, withdrawn_by=?, withdraw_reason=?"
            " WHERE id=? AND withdrawn IS NULL",
            (iso(now), user, reason, ex_id),
        )
        return n == 1

    def exclusions(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[Exclusion]:
        """Exclusions overlapping [since, until) (all when not given), oldest start first."""
        sql = f"SELECT {_COLUMNS} FROM exclusions"  # noqa: S608 - fixed column list
        params: tuple[Any, ...] = ()
        if since is not None and until is not None:
            sql += ' WHERE start<? AND "end">?'
            params = (iso(until), iso(since))
        rows = self._query(sql + " ORDER BY start, id", params)
        return [from_row(r) for r in rows]

    def closings(self, month: str) -> list[Closing]:
        """The closing of a month and its amendments, in order."""
        rows = self._query(
            'SELECT month, seq, kind, ts, "user", reason, digest, manifest FROM report_closes'
            " WHERE month=? ORDER BY seq",
            (month,),
        )
        return [
            Closing(r[0], int(r[1]), r[2], parse_time(r[3]), r[4], r[5], r[6], json.loads(r[7]))
            for r in rows
        ]

    def closed_months(self) -> list[str]:
        """Every month that has been closed."""
        return [r[0] for r in self._query("SELECT month FROM report_closes WHERE seq=0")]

    def add_closing(self, c: Closing) -> bool:
        """Record a closing or amendment; False if that (month, seq) exists already."""
        n = self._exec(
            'INSERT INTO report_closes(month, seq, kind, ts, "user", reason, digest, manifest)'
            " VALUES(?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            (
                c.month,
                c.seq,
                c.kind,
                iso(c.ts),
                c.user,
                c.reason,
                c.digest,
                json.dumps(c.manifest, ensure_ascii=False, sort_keys=True),
            ),
        )
        return n == 1

    # The store's driver seam (`_exec`/`_query` under its lock) is what central.store.base's own
    # statements use; going through it keeps one connection, one lock and one error type
    # (StoreUnavailable) for both databases.
    def _exec(self, sql: str, params: tuple[Any, ...]) -> int:
        with self.store._lock:
            return self.store._exec(sql, params)

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.store._lock:
            return self.store._query(sql, params)
