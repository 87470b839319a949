"""Coverage as data: the board's ingest sessions, so the time no board was ingesting is "no data".

A session opens when the board is ingesting (its broker link is up), moves its heartbeat every
`[board] coverage_heartbeat_s`, and closes when the link drops or the board stops cleanly. A
board that dies leaves its last heartbeat as the session's end. Pure: it returns the history
writes, and the Fleet queues them with the rest of the history (so a database that is down
loses no heartbeat either).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from central.store import CoverageRow, Writer

Write = Callable[[Writer], object]


class Coverage:
    """One board's ingest sessions; `tick` on every flush, `stop` at a clean exit."""

    def __init__(self, board: str, every_s: float) -> None:
        self.board = board
        self.every_s = every_s
        self.session: CoverageRow | None = None
        self.closed = False  # the board stopped: no session opens again

    def tick(self, now: datetime, ingesting: bool) -> list[Write]:
        """The writes due now: a new session, a heartbeat, or the end of one."""
        s = self.session
        if not ingesting or self.closed:
            return self._end(now)
        if s is None:
            s = CoverageRow(secrets.token_hex(8), self.board, now, now, None, self.every_s)
        elif (now - s.beat).total_seconds() >= self.every_s:
            s = CoverageRow(s.session, s.board, s.started, now, None, s.every_s)
        else:
            return []
        self.session = row = s
        return [lambda w: w.put_coverage(row)]

    def stop(self, now: datetime) -> list[Write]:
        """The board stops cleanly: close the open session for good."""
        self.closed = True
        return self._end(now)

    def _end(self, now: datetime) -> list[Write]:
        """Close the open session (a clean stop, or the broker link gone)."""
        s = self.session
        if s is None:
            return []
        self.session = None
        row = CoverageRow(
            s.session, s.board, s.started, max(now, s.beat), max(now, s.beat), s.every_s
        )
        return [lambda w: w.put_coverage(row)]
