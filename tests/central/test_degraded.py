"""The reasons of the page's "ingest degraded" pill (central.web.degraded), on a real Fleet."""

from __future__ import annotations

from central.config import BoardConfig
from central.model import Message
from central.state import Fleet
from central.store import SqliteStore
from central.web.degraded import IngestHealth


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _fleet() -> Fleet:
    return Fleet(BoardConfig(cookie_secure=False), SqliteStore(":memory:"))


def test_a_database_that_refuses_writes_is_a_reason_while_it_lasts():
    fleet = _fleet()
    health = IngestHealth(fleet, pending_warn=3)
    assert health.payload()["ingest"] == []
    fleet.db_ok, fleet.db_error = False, "database is locked"
    fleet.stats.db_pending = 2
    assert health.payload()["ingest"] == [
        {"code": "db", "error": "database is locked"},
        {"code": "pending", "n": 2},
    ]
    fleet.db_ok, fleet.db_error = True, ""
    assert health.payload()["ingest"] == []  # two writes behind a database that answers: normal
    fleet.stats.db_pending = 3
    assert health.payload()["ingest"] == [{"code": "pending", "n": 3}]


def test_drops_and_rejections_count_for_a_while_then_clear_by_themselves():
    clock = Clock()
    fleet = _fleet()
    fleet.intake.dropped = 7  # before the page's first look: not news
    health = IngestHealth(fleet, window_s=300, clock=clock)
    assert health.changed() is not None  # the first payload is always sent
    assert health.changed() is None
    fleet.ingest(Message("hnth/v2/son-la/xa-a/readiness", b"{not json", False))
    fleet.intake.dropped += 5
    clock.now += 10
    sent = health.changed()
    assert sent is not None
    [dropped, rejected] = sent["ingest"]
    assert dropped == {"code": "dropped", "n": 5}
    assert (rejected["code"], rejected["n"]) == ("rejected", 1)
    assert "son-la/xa-a" in rejected["last"]
    clock.now += 200
    fleet.intake.dropped += 1  # still dropping: the same run, counted on
    assert health.changed()["ingest"][0] == {"code": "dropped", "n": 6}
    clock.now += 250  # the rejection is over 300 s old, the last drop is not
    assert health.changed()["ingest"] == [{"code": "dropped", "n": 6}]
    clock.now += 100
    assert health.changed()["ingest"] == []
    assert health.changed() is None
    fleet.intake.dropped += 1  # a new run starts from zero
    assert health.changed()["ingest"] == [{"code": "dropped", "n": 1}]
