"""Ingest sessions as the board records them: open, heartbeat, closed by a link loss or a stop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from central.coverage import Coverage
from central.store import CoverageRow, SqliteStore

T0 = datetime(2026, 10, 7, 1, 0, tzinfo=UTC)


def _apply(store: SqliteStore, writes) -> None:
    with store.transaction() as w:
        for write in writes:
            write(w)


def test_sessions_follow_the_broker_link_and_end_at_a_clean_stop(tmp_path):
    store = SqliteStore(str(tmp_path / "h.sqlite"))
    c = Coverage("hnth-board", every_s=30)
    at = lambda s: T0 + timedelta(seconds=s)  # noqa: E731
    assert c.tick(at(0), ingesting=False) == []  # no broker yet: nothing is covered
    for s, up in ((1, True), (10, True), (31, True), (40, False), (100, False), (130, True)):
        _apply(store, c.tick(at(s), ingesting=up))
    _apply(store, c.stop(at(200)))
    assert c.tick(at(230), ingesting=True) == []  # stopped for good
    rows = store.coverage(T0, at(1000))
    assert [(r.started, r.beat, r.stopped) for r in rows] == [
        (at(1), at(40), at(40)),  # 10 s was not a heartbeat yet; the link dropped at 40 s
        (at(130), at(200), at(200)),
    ]
    assert rows[0] == CoverageRow(rows[0].session, "hnth-board", at(1), at(40), at(40), 30)
    store.close()
