"""What the pages read: invalid reports on their room, check texts in both languages, severity."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from agent.contract import payloads
from agent.i18n import t
from central.config import BoardConfig
from central.model import Message, iso
from central.state import Fleet
from central.store import SqliteStore

BASE = "hnth/v2/son-la/"
T0 = datetime(2026, 10, 7, 1, 0, tzinfo=UTC)


@pytest.fixture
def fleet(tmp_path):
    store = SqliteStore(str(tmp_path / "h.sqlite"))
    f = Fleet(BoardConfig(stale_after_s=600), store, clock=lambda: T0)
    yield f
    store.close()


def meta(room: str, name: str) -> Message:
    body = {
        "schema": "hnth.meta/2",
        "province": "son-la",
        "room": room,
        "name": name,
        "unit": "xa",
        "groups": [{"id": "moc-chau", "name": "Mộc Châu"}],
        "replaces": [],
        "agent_version": "1",
        "ts": iso(T0),
    }
    return Message(BASE + room + "/meta", json.dumps(body).encode(), True)


def online(room: str) -> Message:
    body = {"schema": "hnth.status/1", "state": "online", "boot_id": "b", "ts": iso(T0)}
    return Message(BASE + room + "/status", json.dumps(body).encode(), True)


def report(room: str, seq: int, verdict: str, checks: list[object]) -> Message:
    body = {
        "schema": "hnth.readiness/2",
        "boot_id": "b",
        "seq": seq,
        "ts": iso(T0),
        "room": {"province": "son-la", "room": room, "name": room},
        "trigger": "periodic",
        "meeting": None,
        "verdict": verdict,
        "duration_ms": 5,
        "checks": checks,
    }
    return Message(BASE + room + "/readiness", json.dumps(body).encode(), True)


def black_camera() -> dict[str, object]:
    # Worded in English by the room, with its catalogue key: the viewer's language wins.
    summary = t("camera.black", lang="en", luma=3)
    return payloads.check_entry("camera", "fail", summary, t("camera.black_hint", lang="en"), {}, 9)


def row(fleet: Fleet, room: str) -> dict[str, object]:
    return next(r for r in fleet.rooms() if r["room"] == "son-la/" + room)


def test_an_invalid_report_shows_on_its_room_and_the_last_good_one_stays(fleet):
    seen: list[tuple[str, dict[str, object]]] = []
    fleet.subscribe(lambda kind, data: seen.append((kind, data)))
    for m in (meta("xa-a", "Xã A"), online("xa-a"), report("xa-a", 1, "ready", [])):
        fleet.ingest(m)
    assert row(fleet, "xa-a")["invalid"] == ""
    fleet.ingest(report("xa-a", 2, "ready", [None]))
    r = row(fleet, "xa-a")
    assert "checks[0]" in str(r["invalid"])
    assert r["state"] == "ready"  # the last good report stays
    assert r["severity"] == 1  # but it is a problem, right after not ready
    assert fleet.stats.rejected == 1
    assert seen[-1][0] == "room"
    assert "checks[0]" in str(seen[-1][1]["invalid"])  # the open pages are told at once
    detail = fleet.detail("son-la/xa-a")
    assert detail is not None
    assert detail["checks"] == []
    # A good report clears it.
    fleet.ingest(report("xa-a", 3, "ready", []))
    assert row(fleet, "xa-a")["invalid"] == ""


def test_failing_checks_carry_their_text_in_both_languages(fleet):
    fleet.ingest(meta("xa-b", "Xã B"))
    fleet.ingest(online("xa-b"))
    own = {
        "name": "network",
        "status": "warn",
        "summary": "jitter high",
        "hint": None,
        "metrics": {},
        "duration_ms": 1,
    }
    fleet.ingest(report("xa-b", 1, "not_ready", [own, black_camera()]))
    failing = row(fleet, "xa-b")["failing"]
    assert isinstance(failing, list)
    camera, network = failing  # fail before warn
    assert camera["text"] == {
        "vi": t("camera.black", lang="vi", luma=3),
        "en": t("camera.black", lang="en", luma=3),
    }
    assert camera["text"]["vi"] != camera["text"]["en"]
    assert camera["hint_text"]["vi"] == t("camera.black_hint", lang="vi")
    assert network["text"] == {"vi": "jitter high", "en": "jitter high"}  # no key: its own words
    assert network["hint_text"] is None
    detail = fleet.detail("son-la/xa-b")
    assert detail is not None
    assert detail["checks"][1]["text"]["vi"] == t("camera.black", lang="vi", luma=3)


def test_an_unknown_key_or_odd_args_fall_back_to_the_rooms_words(fleet):
    fleet.ingest(meta("xa-c", "Xã C"))
    entry = black_camera() | {"key": "no.such.key", "summary": "own words"}
    entry2 = black_camera() | {"args": {"lang": "xx", "luma": 5}}
    fleet.ingest(report("xa-c", 1, "not_ready", [entry, entry2]))
    first, second = row(fleet, "xa-c")["failing"]
    assert first["text"] == {"vi": "own words", "en": "own words"}
    assert second["text"]["en"] == t("camera.black", lang="en", luma=5)


def test_meeting_problems_and_severity_put_not_ready_first(fleet):
    for room, verdict in (("xa-1", "degraded"), ("xa-2", "not_ready"), ("xa-3", "ready")):
        fleet.ingest(meta(room, room.upper()))
        fleet.ingest(online(room))
        fleet.ingest(report(room, 1, verdict, [black_camera()] if verdict != "ready" else []))
    ranks = {r["id"]: r["severity"] for r in fleet.rooms()}
    assert ranks["xa-2"] < ranks["xa-1"] < ranks["xa-3"]


def test_a_hint_may_use_its_summarys_arguments(fleet):
    fleet.ingest(meta("xa-d", "Xã D"))
    summary = t("network.loss", lang="en", loss=12, target="10.0.0.1:5060")
    entry = payloads.check_entry("network", "warn", summary, t("network.loss_hint"), {}, 3)
    assert entry["hint_args"] == {}  # the room rendered its hint without the target
    fleet.ingest(report("xa-d", 1, "degraded", [entry]))
    (network,) = row(fleet, "xa-d")["failing"]
    assert "10.0.0.1:5060" in network["hint_text"]["vi"]
    assert "{target}" not in network["hint_text"]["en"]
