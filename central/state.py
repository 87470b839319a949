"""The fleet as the board sees it: one lock around ingest (central.ingest) and views.

Records change only through `ingest`; the page and the API read them through central.views.

No I/O here besides the Store it is given: the MQTT link and the web app feed and read it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any, Final

from agent.errors import RemoteProtocolError
from central import views
from central.config import BoardConfig
from central.coverage import Coverage
from central.ingest import Change, Ingest, Stats, Write
from central.intake import Intake
from central.model import Message, Parsed, RoomRecord, RoomState, Scope, parse
from central.store import MeetingRow, Store, StoreUnavailable
from central.writes import ordered, writes_for

log = logging.getLogger(__name__)

Listener = Callable[[str, dict[str, Any]], None]
_LOG_EVERY_S: Final = 60.0
_PENDING_MAX: Final = 200_000


class Latency:
    """A running histogram of durations, in Prometheus' cumulative buckets (seconds)."""

    BUCKETS: Final = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0)

    def __init__(self) -> None:
        self.counts = [0] * (len(self.BUCKETS) + 1)  # the last one is +Inf
        self.total_s = 0.0
        self.n = 0

    def add(self, seconds: float) -> None:
        """Count one duration."""
        self.n += 1
        self.total_s += seconds
        for i, edge in enumerate(self.BUCKETS):
            if seconds <= edge:
                self.counts[i] += 1
                return
        self.counts[-1] += 1


class Fleet:
    """Current state of every room and meeting; `ingest` is the only way messages get in."""

    def __init__(
        self, cfg: BoardConfig, store: Store, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.cfg = cfg
        self.store = store
        self.stats = Stats()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._in = Ingest(cfg, self.stats, self.now)
        self._listeners: list[Listener] = []
        self._last_log: dict[str, float] = {}
        self.db_ok = True  # the last history write reached the database
        self.db_error = ""  # why it did not
        self.db_writes = Latency()  # how long each flushed transaction took
        self.coverage = Coverage(cfg.client_id, cfg.coverage_heartbeat_s)
        self.intake = Intake(self.ingest)  # what the MQTT thread hands over (see submit)
        self.reconciles = 0  # passes over the broker's retained state (central.reconcile)
        self.reconciled = 0  # messages those passes read
        self._in.restore(store)
        self.merged: dict[str, str] = {}  # old room → the room its history counts as now
        self._merges_read = -float("inf")
        self.refresh_merges()

    # ------------------------------------------------------------ public API

    def now(self) -> datetime:
        """Return the board's clock (injectable for tests)."""
        return self._clock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(kind, data)` on every visible change; return the unsubscribe function."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def submit(self, msg: Message) -> None:
        """Queue a received message for ingest (from the MQTT thread, which must keep reading)."""
        self.intake.put(msg)

    def ingest(self, msg: Message) -> None:
        """Apply one message; anything malformed is counted and logged in one line, never raised."""
        if msg.scope is Scope.STORE:
            self._store_share(msg)
            return
        self.stats.received += 1
        try:
            changed = self._apply(parse(msg, self.cfg.max_payload_kb * 1024), msg)
        except RemoteProtocolError as exc:
            self._reject(msg.topic, str(exc))
            for kind, data in getattr(exc, "changes", ()):  # an invalid report, shown on its room
                self.emit(kind, data)
            return
        except Exception as exc:  # a bug must not stop ingest of the next message
            log.exception("ingest failed on %s", msg.topic)
            self._reject(msg.topic, f"{type(exc).__name__}: {exc}")
            return
        self.stats.ingested += 1
        for kind, data in changed:
            self.emit(kind, data)

    def _apply(self, parsed: Parsed, msg: Message) -> list[Change]:
        """Update the view; what is stored comes from it (one board) or from the message alone."""
        with self._lock:
            if msg.scope is Scope.ALL:
                return self._in.apply(parsed, msg)
            mark = len(self._in.writes)
            try:
                changed = self._in.apply(parsed, msg)
            finally:
                del self._in.writes[mark:]  # the view's own writes: not with a shared ingest
        if msg.scope is Scope.BOTH:
            self._queue_writes(parsed, msg)
        return changed

    def _queue_writes(self, parsed: Parsed, msg: Message) -> None:
        """Queue what a message stores, from the message alone (central.writes)."""
        with self._lock:
            rec = self._in.rooms.get(parsed.path.key) if parsed.path else None
            self._in.writes += writes_for(parsed, msg, rec, self.now())

    def _store_share(self, msg: Message) -> None:
        """Store one message of this board's share of the stream (it reaches the view apart)."""
        try:
            self._queue_writes(parse(msg, self.cfg.max_payload_kb * 1024), msg)
        except RemoteProtocolError as exc:
            # The view link refuses the same message, counted and shown there: not twice.
            log.debug("not stored: %s: %s", msg.topic[:200], exc)
            return
        except Exception:
            log.exception("storing failed on %s", msg.topic)
            return
        self.stats.stored += 1

    def flush(self) -> bool:
        """Write pending history in one transaction; on a locked database keep it, return False."""
        with self._lock:
            self._in.writes.extend(self.coverage.tick(self.now(), self.stats.broker_connected))
            batch: list[Write] = self._in.writes
            self._in.writes = []
        if not batch:
            return True
        started = time.monotonic()
        try:
            with self.store.batch() as w:
                for write in ordered(batch) if self.cfg.share_ingest else batch:
                    write(w)
        except StoreUnavailable as exc:
            if self.db_ok:
                self.db_ok, self.db_error = False, str(exc)[:300]
                self.emit("broker", self.health())
            with self._lock:
                self._in.writes[:0] = batch
                del self._in.writes[:-_PENDING_MAX]
                self.stats.db_pending = len(self._in.writes)
            self.stats.db_errors += 1
            self._log_once(
                "db", "history not written, will retry (%s); %d writes pending", exc, len(batch)
            )
            return False
        took = time.monotonic() - started
        self.db_writes.add(took)
        if took > 2.0:
            log.warning("history: %d writes took %.1f s to store", len(batch), took)
        self.stats.db_pending = len(self._in.writes)
        if not self.db_ok:
            log.warning("history written again after %d failed attempts", self.stats.db_errors)
            self.db_ok, self.db_error = True, ""
            self.emit("broker", self.health())
        return True

    def record(self, write: Write) -> None:
        """Queue one history write that is not a message (an imported ingest session)."""
        with self._lock:
            self._in.writes.append(write)

    def stop_coverage(self) -> None:
        """The board stops: ingest what is queued, close its ingest session (the next flush)."""
        if not self.intake.drain(10.0):
            log.warning("board stopped with %d received messages not ingested", self.intake.depth())
        with self._lock:
            self._in.writes.extend(self.coverage.stop(self.now()))

    def expect_response(self, request_id: str) -> Future[dict[str, Any]]:
        """Return a future resolved with the `hnth.response/1` body for `request_id`."""
        fut: Future[dict[str, Any]] = Future()
        with self._lock:
            self._in.waiters[request_id] = fut
        return fut

    def forget_response(self, request_id: str) -> None:
        """Stop waiting for a response (after a timeout)."""
        with self._lock:
            self._in.waiters.pop(request_id, None)

    def set_broker(self, connected: bool, error: str = "") -> None:
        """Record the broker link state so the page can show it."""
        self.stats.broker_connected = connected
        self.stats.broker_error = error
        self.emit("broker", self.health())

    def health(self) -> dict[str, Any]:
        """Return the link and ingest counters for the page."""
        s = self.stats
        return {
            "broker_connected": s.broker_connected,
            "broker_error": s.broker_error,
            "received": s.received,
            "ingested": s.ingested,
            "stored": s.stored,
            "duplicates": s.duplicates,
            "rejected": s.rejected,
            "late_wills": s.late_wills,
            "db_errors": s.db_errors,
            "db_pending": s.db_pending,
            "intake_queue": self.intake.depth(),
            "intake_dropped": self.intake.dropped,
            "reconciles": self.reconciles,
            "db_ok": self.db_ok,
            "db_error": self.db_error,
            "last_rejected": s.last_rejected,
            "rooms": len(self._in.rooms),
        }

    def room(self, room: str) -> RoomRecord | None:
        """Return one room's record."""
        with self._lock:
            return self._in.rooms.get(room)

    def state_of(self, rec: RoomRecord, now: datetime | None = None) -> RoomState:
        """Return the colour of a room: offline beats stale beats the last verdict."""
        return views.state_of(rec, now or self.now(), self.cfg.stale_after_s)

    def summary(self, rec: RoomRecord, now: datetime | None = None) -> dict[str, Any]:
        """Return the grid row of a room."""
        return views.summary(rec, self.state_of(rec, now))

    def refresh_merges(self, every_s: float = 0.0) -> None:
        """Re-read the recorded renames and merges (`board merge` may run in another process)."""
        if time.monotonic() - self._merges_read < every_s:
            return
        self._merges_read = time.monotonic()
        try:
            self.merged = self.store.merges()
        except StoreUnavailable as exc:
            self._log_once("merges", "merges not read (%s)", exc)

    def rooms(self) -> list[dict[str, Any]]:
        """Return every room's grid row (rooms merged into another are shown as that one)."""
        now = self.now()
        return [self.summary(r, now) for r in views.ordered(self._shown())]

    def state_counts(self) -> dict[str, int]:
        """How many rooms are in each state (as `rooms` shows them, without building rows)."""
        now = self.now()
        counts = {state.value: 0 for state in RoomState}
        for rec in self._shown():
            counts[self.state_of(rec, now).value] += 1
        return counts

    def _shown(self) -> list[RoomRecord]:
        """The rooms the grid shows: not those merged into another."""
        self.refresh_merges(every_s=30.0)
        with self._lock:
            return [r for r in self._in.rooms.values() if r.path.key not in self.merged]

    def with_status(self) -> int:
        """How many rooms have a status (what a reconcile pass should have read)."""
        with self._lock:
            return sum(1 for r in self._in.rooms.values() if r.status)

    def detail(self, room: str) -> dict[str, Any] | None:
        """Return one room's full detail: summary, the latest checks and its event timeline."""
        rec = self.room(room)
        if rec is None:
            return None
        out = self.summary(rec)
        out["checks"] = [
            views.localized(c)
            for c in (rec.readiness or {}).get("checks", [])
            if isinstance(c, dict)
        ]
        out["boot_id"] = rec.boot_id
        try:
            out["events"] = self.store.events(room, 50)
        except StoreUnavailable:
            out["events"] = []  # the live view does not wait for the database
        return out

    def meetings(self, *, upcoming_only: bool = True) -> list[dict[str, Any]]:
        """Return each meeting with its roll-up: counts per state and the problem rooms."""
        now = self.now()
        with self._lock:
            meetings = sorted(self._in.meetings.values(), key=lambda m: m.start)
            recs = list(self._in.rooms.values())
        return [
            views.rollup(
                m,
                recs,
                now,
                stale_after_s=self.cfg.stale_after_s,
                offsets_min=self.cfg.pre_meeting_offsets_min,
                tolerance_min=self.cfg.pre_meeting_tolerance_min,
            )
            for m in meetings
            if not m.cancelled and not (upcoming_only and m.end < now)
        ]

    def meeting(self, province: str, meeting_id: str) -> MeetingRow | None:
        """Return one meeting."""
        with self._lock:
            return self._in.meetings.get((province, meeting_id))

    def emit(self, kind: str, data: dict[str, Any]) -> None:
        """Tell every listener about a change (the web app's event hub, the audit log)."""
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(kind, data)
            except Exception:
                log.exception("board listener failed")

    # ------------------------------------------------------------ internals

    def _reject(self, topic: str, reason: str) -> None:
        self.stats.rejected += 1
        self.stats.last_rejected = f"{topic}: {reason}"[:300]
        self._log_once(topic, "ignored message on %s: %s", topic[:200], reason)

    def _log_once(self, key: str, fmt: str, *args: object) -> None:
        """One line per cause per minute, so a flood of garbage cannot flood the journal."""
        now = time.monotonic()
        if now - self._last_log.get(key, -_LOG_EVERY_S) >= _LOG_EVERY_S:
            self._last_log[key] = now
            if len(self._last_log) > 10_000:
                self._last_log.clear()
            log.warning(fmt, *args)
