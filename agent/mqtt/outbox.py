"""The on-disk event outbox (SQLite, WAL) and the pump that drains it through MQTT.

Every event is written here before it is published, deleted on PUBACK, and replayed in
order after a reconnect or a restart::

    box = Outbox(state_dir / "outbox.sqlite3", max_events=10_000, max_age_s=72 * 3600)
    dropped = box.add(topic, payload)        # committed; how many old rows the bounds dropped
    pump = Pump(box, publish)                 # publish(topic, payload, on_ack) -> mid
    pump.start(); …; pump.wait_drained(10)   # → rows still queued

Durability: WAL with synchronous=NORMAL survives a `kill -9` of the agent at any point (a
transaction is either in the WAL or not); only a power cut can lose the last commits.
The same file holds a small key/value table (`meta`) for state that must survive a restart,
such as which alerts are raised.
"""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.errors import AgentError, BusyError
from agent.i18n import t

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class Row:
    """One queued event."""

    id: int
    created: float
    topic: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class Added:
    """What `Outbox.append` did."""

    id: int
    previous_id: int  # the row added just before (the pump may send this one directly)
    dropped: int  # rows the count/age bounds removed to make room


class Outbox:
    """A bounded, crash-safe FIFO of (topic, payload) rows; thread-safe."""

    def __init__(
        self,
        path: Path | str,
        *,
        max_events: int = 10_000,
        max_age_s: float = 72 * 3600,
        clock: Callable[[], float] = time.time,
        busy_timeout_s: float = 5.0,
    ) -> None:
        """Open (or create) the outbox at `path`; raises AgentError if the file is unusable."""
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s
        self.max_events = max(2, max_events)
        self.max_age_s = max_age_s
        self._clock = clock
        self._lock = threading.Lock()
        self._age_checked = float("-inf")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so one add is one commit.
            self._db = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=busy_timeout_s
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._count = int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])
            newest = self._db.execute("SELECT max(id) FROM outbox").fetchone()[0]
            self.last_id = int(newest or 0)  # the newest row this process knows of
        except sqlite3.OperationalError as exc:
            raise self._locked(exc) from exc
        except sqlite3.DatabaseError as exc:
            msg = t("mqtt.outbox.unusable", path=str(self.path), error=str(exc))
            raise AgentError(msg, hint=t("mqtt.outbox.unusable_hint")) from exc

    def add(self, topic: str, payload: bytes, *, prune: bool = True) -> int:
        """Commit one row; return how many old rows the count/age bounds dropped to make room."""
        return self.append(topic, payload, prune=prune).dropped

    def append(self, topic: str, payload: bytes, *, prune: bool = True) -> Added:
        """Commit one row; return its id, the id of the row added before it, and drops."""
        now = self._clock()
        insert = "INSERT INTO outbox (created, topic, payload) VALUES (?, ?, ?)"
        with self._lock, self._writing():
            dropped = 0
            previous = self.last_id
            if not prune or not self._may_prune(now):
                # The common case: one autocommitted statement, one WAL append.
                cur = self._db.execute(insert, (now, topic, payload))
                self._count += 1
                self.last_id = int(cur.lastrowid or 0)
                return Added(self.last_id, previous, 0)
            self._db.execute("BEGIN IMMEDIATE")
            try:
                dropped = self._prune(now)
                cur = self._db.execute(insert, (now, topic, payload))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._count += 1 - dropped
            self.last_id = int(cur.lastrowid or 0)
        if dropped:
            log.warning("outbox full or stale: dropped %d oldest events", dropped)
        return Added(self.last_id, previous, dropped)

    def peek(self, after_id: int = 0, limit: int = 100) -> list[Row]:
        """Return up to `limit` rows with id > `after_id`, oldest first."""
        with self._lock:
            cur = self._db.execute(
                "SELECT id, created, topic, payload FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
                (after_id, limit),
            )
            return [Row(int(i), float(c), str(t), bytes(p)) for i, c, t, p in cur.fetchall()]

    def delete(self, ids: Iterable[int]) -> None:
        """Remove delivered rows (missing ids are ignored)."""
        batch = sorted(ids)
        if not batch:
            return
        with self._lock, self._writing():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                before = self._db.total_changes
                for i in range(0, len(batch), 500):  # SQLite allows 999 parameters per statement
                    chunk = batch[i : i + 500]
                    marks = ",".join("?" * len(chunk))
                    self._db.execute(f"DELETE FROM outbox WHERE id IN ({marks})", chunk)  # noqa: S608 - only "?" marks are interpolated
                removed = self._db.total_changes - before
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._count -= removed

    def count(self) -> int:
        """Rows still queued."""
        # No lock: an int read is atomic, and the pump asks this while holding its own
        # condition; waiting here for a writer would stall PUBACK handling behind SQLite.
        return self._count

    def recount(self) -> int:
        """Re-read the row count from the file (another process may share it)."""
        with self._lock:
            self._count = int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])
            return self._count

    def get_meta(self, key: str, default: Any = None) -> Any:
        """Return a JSON value stored with `set_meta`, or `default`."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_meta(self, key: str, value: Any) -> None:
        """Store a JSON value that survives restarts."""
        text = json.dumps(value, ensure_ascii=False)
        with self._lock, self._writing():
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, text))

    def integrity(self) -> str:
        """Run SQLite's integrity check; "ok" when the file is sound."""
        with self._lock:
            return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        """Close the database (a checkpoint folds the WAL back)."""
        with self._lock:
            try:
                self._db.close()
            except sqlite3.Error:
                log.debug("outbox close failed", exc_info=True)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Turn SQLite's "database is locked" into a BusyError that says who to look for."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            raise self._locked(exc) from exc

    def _locked(self, exc: sqlite3.OperationalError) -> AgentError:
        # Another process (`hnth-agent check` beside the service, say) holds the write lock for
        # longer than the busy timeout: it is stopped or hung. Anything else is a broken file.
        if "locked" in str(exc) or "busy" in str(exc):
            msg = t("mqtt.outbox.locked", path=str(self.path), seconds=f"{self.busy_timeout_s:g}")
            return BusyError(msg, hint=t("mqtt.outbox.locked_hint"))
        msg = t("mqtt.outbox.unusable", path=str(self.path), error=str(exc))
        return AgentError(msg, hint=t("mqtt.outbox.unusable_hint"))

    def _may_prune(self, now: float) -> bool:
        """True when the count bound is reached or the age bound is due for a look (1/s)."""
        if self._count >= self.max_events:
            return True
        if now - self._age_checked >= 1.0 or now < self._age_checked:
            self._age_checked = now
            return True
        return False

    def _prune(self, now: float) -> int:
        dropped = 0
        cutoff = now - self.max_age_s
        # Rows are appended in time order, so the oldest row (by id) says whether any is
        # stale; this keeps an add O(log n) instead of scanning the table every time.
        oldest = self._db.execute("SELECT created FROM outbox ORDER BY id LIMIT 1").fetchone()
        if oldest is not None and oldest[0] < cutoff:
            cur = self._db.execute("DELETE FROM outbox WHERE created < ?", (cutoff,))
            dropped += max(cur.rowcount, 0)
        count = self._count - dropped
        if count >= self.max_events:
            # Leave room for this row and for the `outbox.dropped` notice the caller adds.
            excess = count - (self.max_events - 2)
            cur = self._db.execute(
                "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?)",
                (excess,),
            )
            dropped += max(cur.rowcount, 0)
        return dropped


class Pump:
    """A thread that publishes outbox rows in order while connected and deletes them on PUBACK.

    `publish(topic, payload, on_ack) -> mid` is the MQTT client's QoS 1 publish, with
    `on_ack(mid, rc)` bound to that one message. The owner calls `connected()` and
    `disconnected()` on link changes and `notify()` after adding rows. At most `window`
    rows are in flight; paho resends them itself after a reconnect, and a restart
    replays everything still in the file, oldest first.
    """

    def __init__(
        self,
        outbox: Outbox,
        publish: Callable[[str, bytes, Callable[[int, int], None]], int],
        *,
        window: int = 100,
    ) -> None:
        """Prepare the pump; `start()` runs it."""
        self.outbox = outbox
        self._publish = publish
        self._window = window
        self._cond = threading.Condition()
        self._inflight: set[int] = set()  # row ids handed to the client, not yet acknowledged
        self._acked: list[int] = []
        self._last_id = 0
        self._online = False
        self._stopping = False
        self._sleeping = False
        self._low = max(1, window // 2)  # refill the window when this few rows are in flight
        self._thread: threading.Thread | None = None
        self.delivered = 0
        self.refused = 0

    def start(self) -> None:
        """Start the pump thread."""
        self._thread = threading.Thread(target=self._run, name="mqtt-outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread after deleting rows already acknowledged."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def connected(self) -> None:
        """The link is up: start (or keep) sending."""
        with self._cond:
            self._online = True
            self._cond.notify_all()

    def disconnected(self) -> None:
        """The link is down: paho keeps in-flight rows and resends them on reconnect."""
        with self._cond:
            self._online = False

    def notify(self) -> None:
        """New rows were added."""
        with self._cond:
            if self._sleeping:
                self._cond.notify_all()

    def wait_drained(self, timeout: float) -> int:
        """Wait until the outbox is empty or `timeout` passes; return rows still queued."""
        deadline = time.monotonic() + timeout
        recounted = time.monotonic()
        with self._cond:
            while True:
                left = self.outbox.count() - len(self._acked)
                if left <= 0 or time.monotonic() >= deadline:
                    return max(left, 0)
                self._cond.wait(min(0.05, max(deadline - time.monotonic(), 0.001)))
                if time.monotonic() - recounted > 1.0 and not self._inflight:
                    # `check --publish` and the daemon may share the file: rows the other
                    # process delivered are gone without this process counting them.
                    self.outbox.recount()
                    recounted = time.monotonic()

    def _on_ack(self, row: int, _mid: int, reason_code: int) -> None:
        with self._cond:
            if row not in self._inflight:
                return
            self._inflight.discard(row)
            if reason_code >= 128:
                # A refused row would be refused again: drop it rather than block the queue.
                self.refused += 1
                log.warning(
                    "broker refused event row %d (reason %d); dropping it", row, reason_code
                )
            self._acked.append(row)
            # Wake the pump only when there is a batch worth its while: refilling the window
            # one row per PUBACK costs a SELECT and a DELETE per event.
            if self._sleeping and (not self._inflight or len(self._inflight) <= self._low):
                self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and not self._has_work():
                    self._sleeping = True
                    self._cond.wait(0.5)
                    self._sleeping = False
                acked, self._acked = self._acked, []
                stopping = self._stopping
                budget = self._window - len(self._inflight) if self._online else 0
                after = self._last_id
            try:
                if acked:
                    self.outbox.delete(acked)
                    self.delivered += len(acked)
                    with self._cond:
                        self._cond.notify_all()
                if stopping:
                    return
                if budget > 0:
                    self._send(self.outbox.peek(after, budget))
            except Exception:
                log.exception("outbox pump failed; retrying")
                time.sleep(0.5)

    def _has_work(self) -> bool:
        # Called with the condition held: cheap checks only; peek happens outside the lock.
        if self._acked and (not self._inflight or len(self._acked) >= self._low):
            return True
        if not self._online or len(self._inflight) > self._low:
            return False
        return self.outbox.last_id > self._last_id  # rows added that were never handed over

    def _send(self, rows: list[Row]) -> None:
        with self._cond:
            if not self._online or not rows:
                return
            # Registered before publishing so that a fast PUBACK finds its row.
            self._inflight.update(r.id for r in rows)
            previous, self._last_id = self._last_id, rows[-1].id
        for i, row in enumerate(rows):
            try:
                self._publish(row.topic, row.payload, functools.partial(self._on_ack, row.id))
            except BusyError:
                with self._cond:
                    self._inflight.difference_update(r.id for r in rows[i:])
                    self._last_id = rows[i - 1].id if i else previous
                time.sleep(0.05)
                return
