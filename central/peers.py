"""The boards of a `[board] share_ingest` group, as one board sees them through the database.

Each board's ingest session beats in the `coverage` table; a peer that stops beating leaves
its share to the others, which then read the broker's retained state again. Audit entries a
peer writes are told to this board's open pages as they appear.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Final, Protocol

from central.config import BoardConfig
from central.state import Fleet
from central.store import Store, StoreUnavailable

log = logging.getLogger(__name__)

AUDIT_EVERY_S: Final = 2.0
_MINE_MAX: Final = 1000


class Requestable(Protocol):
    """The reconciler: asked to read the broker's retained state again."""

    def request(self) -> None:
        """Ask for a pass."""
        ...


class Peers:
    """This board's view of its peers (does nothing without `share_ingest`)."""

    def __init__(self, cfg: BoardConfig, store: Store, fleet: Fleet) -> None:
        self.cfg = cfg
        self.store = store
        self.fleet = fleet
        self.alive: frozenset[str] = frozenset()  # boards of the group ingesting with this one
        self._peers_read = 0.0
        self._audit_read = 0.0
        self._audit_seen: int | None = None  # the newest audit id told to this board's pages
        self._audit_mine: set[int] = set()  # ids this board wrote (its pages know them)

    def watch(self, reconciler: Requestable | None) -> None:
        """Look at the peers and the audit log, each at its own pace (the history thread)."""
        if not self.cfg.share_ingest:
            return
        if reconciler is not None:
            self._watch_peers(reconciler)
        self._watch_audit()

    def wrote(self, audit_id: int) -> None:
        """This board wrote an audit entry and told its pages already."""
        if not self.cfg.share_ingest:
            return
        self._audit_mine.add(audit_id)
        if len(self._audit_mine) > _MINE_MAX:
            self._audit_mine = {i for i in self._audit_mine if i > (self._audit_seen or 0)}

    def _watch_peers(self, reconciler: Requestable) -> None:
        """When a board sharing the ingest stops beating, read the retained state again.

        Its share of the stream now comes here (the broker drops a gone client's shared
        subscription), but what it had received and not yet written is lost with it: the
        retained statuses, metas, readiness reports and snapshots bring those back.
        """
        every = self.cfg.coverage_heartbeat_s
        if time.monotonic() - self._peers_read < every:
            return
        self._peers_read = time.monotonic()
        now = self.fleet.now()
        try:
            rows = self.store.coverage(now - timedelta(seconds=3 * every), now)
        except StoreUnavailable:
            return  # the page already says the database is away
        alive = frozenset(
            c.board
            for c in rows
            if c.board != self.cfg.client_id
            and c.stopped is None
            and (now - c.beat).total_seconds() <= 2.5 * c.every_s
        )
        gone = self.alive - alive
        if gone:
            log.warning(
                "board(s) %s stopped ingesting; reading the broker's retained state again",
                ", ".join(sorted(gone)),
            )
            reconciler.request()
        self.alive = alive

    def _watch_audit(self) -> None:
        """Tell the open pages of audit entries another board wrote."""
        if time.monotonic() - self._audit_read < AUDIT_EVERY_S:
            return
        self._audit_read = time.monotonic()
        try:
            newest = self.store.audit(limit=20)
        except StoreUnavailable:
            return
        seen = self._audit_seen
        self._audit_seen = max([seen or 0, *(a.id for a in newest)])
        if seen is None:
            return  # the first look: only what comes after it is news
        for a in sorted(newest, key=lambda a: a.id):
            if a.id > seen and a.id not in self._audit_mine:
                self.fleet.emit("audit", {"id": a.id, "target": a.target})
