"""Boards sharing the ingest: each stores its share from the message alone, nothing twice.

Two Fleets on one history (SQLite and the real PostgreSQL) see every message on their view and
store only their share, as `$share/<group>/…` delivers it; the history they build must be the one
a single board builds from the same stream, whatever the order their writes reach the database.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime
from pathlib import Path

import pytest

from agent.contract import payloads
from agent.contract.groups import Group, Selector, UnitKind
from agent.contract.topics import schedule
from central.config import BoardConfig
from central.model import Message, Scope, iso
from central.state import Fleet
from central.store import Store, open_store
from tests.central.test_replay import CU, XA, D, _readiness, _status

JPEG = b"\xff\xd8\xff\xe0" + b"frame"
Feed = list[tuple[datetime, Message]]


class Clock:
    def __init__(self) -> None:
        self.now = D(9, 1)

    def __call__(self) -> datetime:
        return self.now


def _feed() -> Feed:
    """Two rooms over a month: reboots, a live and a late Will, a meeting, events, snapshots."""
    meta = payloads.meta(
        XA.id, name="UBND xã Chiềng Sơn", unit=UnitKind.XA, groups=[Group("moc-chau", "Mộc Châu")]
    )
    meeting = payloads.meeting(
        "m1", title="Giao ban", start=D(10, 10, 1), end=D(10, 10, 3), selector=Selector(("*",), ())
    )

    def msg(topic: str, body: dict | bytes, retain: bool = True, **props: str) -> Message:
        raw = body if isinstance(body, bytes) else payloads.encode(body)
        return Message(topic, raw, retain, {"user_properties": props} if props else {})

    schedule_check = _readiness(
        XA, "b2", 2, D(10, 10, 0, 30), "ready", trigger="schedule", meeting={"id": "m1"}
    )
    return [
        (D(9, 20), msg(XA.meta, meta)),
        (D(9, 20), msg(XA.status, _status("online", "b1", D(9, 20)))),
        (D(9, 20, 0, 1), msg(XA.readiness, _readiness(XA, "b1", 1, D(9, 20, 0, 1), "ready"))),
        (D(9, 20, 0, 2), msg(XA.snapshot, JPEG, ts=iso(D(9, 20, 0, 2)))),
        (D(9, 25), msg(CU.status, _status("online", "c1", D(9, 25)))),
        (D(9, 25, 0, 1), msg(CU.readiness, _readiness(CU, "c1", 1, D(9, 25, 0, 1), "not_ready"))),
        (D(10, 5, 10), msg(XA.status, _status("offline", "b1", D(9, 20)), retain=False)),
        (D(10, 5, 12), msg(XA.status, _status("online", "b2", D(10, 5, 12)))),
        (D(10, 5, 12, 1), msg(XA.readiness, _readiness(XA, "b2", 1, D(10, 5, 12, 1), "degraded"))),
        (D(10, 5, 12, 2), msg(XA.status, _status("offline", "b1", D(9, 20)), retain=False)),
        (D(10, 9), msg(schedule("son-la", "m1"), meeting)),
        (D(10, 10, 0, 30), msg(XA.readiness, schedule_check)),
        (D(10, 10, 0, 31), msg(XA.snapshot, JPEG + b"2", ts=iso(D(10, 10, 0, 31)))),
        (
            D(10, 12),
            msg(
                XA.events,
                payloads.event("alert.raised", boot_id="b2", seq=1, ts=iso(D(10, 12))),
                retain=False,
            ),
        ),
        (D(10, 20, 3), msg(CU.status, _status("offline", "c1", D(9, 25)), retain=False)),
    ]


def _history(store: Store) -> dict[str, object]:
    end = D(12, 1)
    rooms = sorted(r.path.key for r in store.rooms())
    snaps = store._query("SELECT room, ts, jpeg FROM snapshots ORDER BY room, ts")
    return {
        "rooms": [(r.path.key, r.name, r.unit, r.groups) for r in store.rooms()],
        "status": {k: [(s.state, s.boot_id, s.ts) for s in store.statuses(k, end)] for k in rooms},
        "readiness": {k: store.readiness_rows(k, end) for k in rooms},
        "events": {k: store.events(k) for k in rooms},
        "meetings": store.meetings(include_cancelled=True),
        "snapshots": [(r[0], r[1], bytes(r[2])) for r in snaps],
    }


def _alone(tmp_path: Path, feed: Feed) -> dict[str, object]:
    """The history one board builds from the stream."""
    store = open_store(f"sqlite:///{tmp_path}/alone.sqlite", str(tmp_path))
    clock = Clock()
    fleet = Fleet(BoardConfig(), store, clock=clock)
    for when, m in feed:
        clock.now = when
        fleet.ingest(m)
        assert fleet.flush()
    assert fleet.stats.rejected == 0, fleet.stats.last_rejected
    out = _history(store)
    store.close()
    return out


@pytest.mark.parametrize("order", ["as-received", "late-writer"])
def test_two_boards_sharing_the_ingest_store_what_one_board_would(store_url, tmp_path, order):
    feed = _feed()
    expected = _alone(tmp_path, feed)
    assert len(expected["status"]["son-la/xa-chieng-son"]) == 3  # the late Will is not one
    cfg = dataclasses.replace(BoardConfig(), share_ingest="pair")
    clocks = [Clock(), Clock()]
    stores = [open_store(store_url, str(tmp_path)) for _ in range(2)]
    fleets = [
        Fleet(dataclasses.replace(cfg, client_id=f"board-{i}"), stores[i], clock=clocks[i])
        for i in range(2)
    ]
    share = random.Random(7)
    for when, m in feed:
        for c in clocks:
            c.now = when
        mine = share.randrange(2)  # the broker hands each message to one member of the group
        for i, fleet in enumerate(fleets):
            fleet.ingest(dataclasses.replace(m, scope=Scope.VIEW))
            if i == mine:
                fleet.ingest(dataclasses.replace(m, scope=Scope.STORE))
        if order == "as-received":
            assert all(f.flush() for f in fleets)
    if order == "late-writer":  # board 1 writes everything first, board 0 after it
        assert fleets[1].flush()
        assert fleets[0].flush()
    assert sum(f.stats.stored for f in fleets) == len(feed)
    assert min(f.stats.stored for f in fleets) > 0  # both boards stored a share
    assert _history(stores[0]) == expected

    # Board 0 dies; board 1 reads the retained state again (status, meta, readiness, snapshot)
    # into its view and its writes: what is stored already is not stored twice.
    retained = {m.topic: m for _, m in feed if m.retain}
    retained[CU.status] = next(m for _, m in feed if m.topic == CU.status and not m.retain)
    for m in retained.values():  # the broker's retained state: the room's Will fired
        fleets[1].ingest(dataclasses.replace(m, retain=True, scope=Scope.BOTH))
    assert fleets[1].flush()
    assert _history(stores[1]) == expected
    for fleet in fleets:  # and each board's view shows both rooms as one board's would
        rows = {r["room"]: r["status"] for r in fleet.rooms()}
        assert rows == {"son-la/xa-chieng-son": "online", "son-la/xa-cu": "offline"}
    for s in stores:
        s.close()


def test_a_message_the_contract_refuses_is_counted_once_and_stored_by_nobody(store, tmp_path):
    cfg = dataclasses.replace(BoardConfig(), share_ingest="pair")
    fleet = Fleet(cfg, store)
    bad = Message(XA.status, payloads.encode(_status("sideways", "b1", D(9, 1))), True)
    fleet.ingest(dataclasses.replace(bad, scope=Scope.VIEW))
    fleet.ingest(dataclasses.replace(bad, scope=Scope.STORE))
    assert fleet.flush()
    assert fleet.stats.rejected == 1
    assert fleet.stats.stored == 0
    assert store.statuses("son-la/xa-chieng-son", D(12, 1)) == []
