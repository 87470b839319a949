"""Retention: the history stays bounded, and what the province pays on reads the same.

- Readiness reports older than `[board] keep_readiness_days` (cut at a UTC midnight) are folded
  into one row per room and UTC day: the counts, and the points the monthly report reads
  (`essential`); the raw reports are then deleted.
- Snapshots: each room's latest plus `keep_snapshots` older ones.
- Statuses, meetings, the audit log, events and ingest sessions older than `keep_history_months`
  whole (UTC) months go, except each room's last status and what holds the state at the cut.

Every step runs in batches, each its own transaction, so a first run on a large history never
holds one long transaction; running it again changes nothing. The board calls `prune`
periodically; `hnth-agent board prune` runs it by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from central.model import iso
from central.store.pruning import Pruning

if TYPE_CHECKING:
    from central.config import BoardConfig
    from central.store import ReadinessRow, Store

log = logging.getLogger(__name__)

HISTORY: Final = ("status", "meetings", "audit", "events", "coverage")
_DAYS_PER_TX: Final = 25  # room-days folded per transaction (the store's lock is held)
_ROWS_PER_TX: Final = 5000  # rows deleted per statement (each its own transaction)

Progress = Callable[[str, int], None]  # (step, rows so far)


@dataclass(frozen=True, slots=True)
class Pruned:
    """What one run folded and deleted (with dry_run: what it would)."""

    readiness_before: str  # raw readiness reports before this time were folded
    history_before: str  # statuses, meetings, audit, events and coverage before this went
    readiness: int  # raw readiness reports folded into day rows and deleted
    readiness_days: int  # (room, day) rows written or merged
    snapshots: int
    status: int
    meetings: int
    audit: int
    events: int
    coverage: int
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the counts as plain JSON-able data."""
        return asdict(self)


def cuts(cfg: BoardConfig, now: datetime) -> tuple[datetime, datetime]:
    """Return (readiness cut: a UTC midnight, history cut: the first of a UTC month)."""
    utc = now.astimezone(UTC)
    day = datetime(utc.year, utc.month, utc.day, tzinfo=UTC)
    month = utc.year * 12 + utc.month - 1 - cfg.keep_history_months
    return day - timedelta(days=cfg.keep_readiness_days), datetime(
        month // 12, month % 12 + 1, 1, tzinfo=UTC
    )


def essential(rows: Iterable[ReadinessRow]) -> list[ReadinessRow]:
    """Keep, per room and UTC day and in order, the reports the monthly report reads.

    That is the day's first report, each one that changes the verdict, and each one that is a
    scheduled check or names a meeting: the report only follows verdict changes
    (central.availability.ready_intervals) and a meeting's checks (central.report.readiness).
    Applying it twice gives the same list, so a day folded once reads as it did raw.
    """
    out: list[ReadinessRow] = []
    last: dict[tuple[str, date], str] = {}
    for r in rows:
        key = (r.room, r.ts.astimezone(UTC).date())
        prev = last.get(key)
        if prev is None or r.verdict != prev or r.meeting_id or r.trigger == "schedule":
            out.append(r)
            last[key] = r.verdict
    return out


def prune(
    store: Store,
    cfg: BoardConfig,
    now: datetime,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> Pruned:
    """Fold old readiness, bound snapshots and delete old history (see the module); idempotent."""
    ready_cut, history_cut = cuts(cfg, now)
    log.info(
        "retention: folding readiness before %s, deleting history before %s%s",
        iso(ready_cut),
        iso(history_cut),
        " (dry run)" if dry_run else "",
    )
    tell = _teller(progress)
    db = Pruning(store)
    if dry_run:
        folded, days = db.count_readiness_before(ready_cut)
        tell("readiness", folded)
    else:
        folded, days = _fold(db, ready_cut, tell)
    snaps = _repeat(
        partial(db.prune_snapshots, cfg.keep_snapshots, _ROWS_PER_TX, dry_run=dry_run),
        "snapshots",
        tell,
        once=dry_run,
    )
    gone = {
        table: _repeat(
            partial(db.prune_history, table, history_cut, _ROWS_PER_TX, dry_run=dry_run),
            table,
            tell,
            once=dry_run,
        )
        for table in HISTORY
    }
    return Pruned(
        readiness_before=iso(ready_cut),
        history_before=iso(history_cut),
        readiness=folded,
        readiness_days=days,
        snapshots=snaps,
        dry_run=dry_run,
        **gone,
    )


def _fold(db: Pruning, cut: datetime, tell: Progress) -> tuple[int, int]:
    """Fold every raw readiness report before `cut`, a batch of room-days per transaction."""
    folded = days = 0
    day = ""
    while batch := db.readiness_days_before(cut, _DAYS_PER_TX):
        if day and batch[0][1] != day:
            tell("readiness", folded)  # once per day folded: a first run has many batches
        day = batch[0][1]
        n = db.fold_readiness(batch, essential)
        if n == 0:  # another board folded them meanwhile: leave the rest to the next run
            break
        folded += n
        days += len(batch)
    if folded:
        tell("readiness", folded)
    return folded, days


def _repeat(step: Callable[[], int], name: str, tell: Progress, *, once: bool) -> int:
    """Run a batched delete until it deletes nothing; return the total."""
    total = 0
    while n := step():
        total += n
        tell(name, total)
        if once:
            break
    return total


def _teller(progress: Progress | None) -> Progress:
    def tell(step: str, n: int) -> None:
        log.info("retention: %s: %d", step, n)
        if progress is not None:
            progress(step, n)

    return tell
