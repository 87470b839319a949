"""The statements of retention (central.retention): folding old readiness, pruning old rows.

Run through the store's driver seam, in the SQL both databases accept, as central.report.db does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from central.model import iso, parse_ts
from central.store.base import Store
from central.store.rows import ReadinessRow


class Pruning:
    """Retention's reads and deletes on one store (SQLite or PostgreSQL)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def readiness_days_before(self, cut: datetime, limit: int) -> list[tuple[str, str]]:
        """Return up to `limit` (room, UTC day) of the oldest day with raw reports before `cut`."""
        # Day by day, each a range of the ts index: one scan of all that is left per batch
        # would make a first run over a year of a large province quadratic.
        with self.store._lock:
            first = self.store._query("SELECT MIN(ts) FROM readiness WHERE ts<?", (iso(cut),))
            if not first or first[0][0] is None:
                return []
            day = str(first[0][0])[:10]
            lo, hi = self._day_range(day)
            rows = self.store._query(
                "SELECT DISTINCT room FROM readiness WHERE ts>=? AND ts<? ORDER BY room LIMIT ?",
                (lo, min(hi, iso(cut)), limit),
            )
        return [(r[0], day) for r in rows]

    def count_readiness_before(self, cut: datetime) -> tuple[int, int]:
        """Return (raw readiness reports, distinct room-days) before `cut`."""
        with self.store._lock:
            rows = self.store._query(
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
        with self.store._lock, self.store.transaction():
            for room, day in days:
                n += self._fold_day(room, day, keep)
        return n

    def prune_snapshots(self, keep_older: int, limit: int, *, dry_run: bool = False) -> int:
        """Delete up to `limit` snapshots beyond each room's latest and `keep_older` before it."""
        ranked = (
            "SELECT room, ts FROM (SELECT room, ts, ROW_NUMBER() OVER"
            " (PARTITION BY room ORDER BY ts DESC) AS n FROM snapshots) AS ranked WHERE n>?"
        )
        with self.store._lock:
            if dry_run:
                count = f"SELECT COUNT(*) FROM ({ranked}) AS doomed"  # noqa: S608 - fixed text
                rows = self.store._query(count, (keep_older + 1,))
                return int(rows[0][0])
            return self.store._exec(
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
        with self.store._lock:
            if dry_run:
                rows = self.store._query(f"SELECT COUNT(*) FROM {table} t WHERE {old}", cuts)  # noqa: S608 - fixed names
                return int(rows[0][0])
            return self.store._exec(
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
        old = self.store._query(
            "SELECT reports, ready, degraded, not_ready, points FROM readiness_daily"
            " WHERE room=? AND day=?",
            (room, day),
        )
        raw = self.store._query(
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
        self.store._exec(
            "INSERT INTO readiness_daily(room, day, reports, ready, degraded, not_ready, points)"
            " VALUES(?,?,?,?,?,?,?) ON CONFLICT(room, day) DO UPDATE SET"
            " reports=excluded.reports, ready=excluded.ready, degraded=excluded.degraded,"
            " not_ready=excluded.not_ready, points=excluded.points",
            (room, day, *counts, json.dumps(kept, ensure_ascii=False)),
        )
        ids = [r[0] for r in raw]
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            self.store._exec(
                f"DELETE FROM readiness WHERE rowid IN ({','.join('?' * len(chunk))})",  # noqa: S608 - placeholders only
                chunk,
            )
        return len(raw)

    @staticmethod
    def _day_range(day: str) -> tuple[str, str]:
        """The stored-time bounds [lo, hi) of a UTC day `YYYY-MM-DD`."""
        lo = f"{day}T00:00:00.000Z"
        return lo, iso(parse_ts(lo) + timedelta(days=1))
