"""`board import` and `board export`: recorded messages through live ingest, and back out.

The round trip runs from either database (see `store_url`) into an empty SQLite board, through the
real command line, and compares the two `report availability --json`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from agent.contract import payloads
from agent.contract.groups import Group, Selector, UnitKind
from agent.contract.topics import RoomTopics, schedule
from central.config import BoardConfig
from central.model import Message, iso
from central.state import Fleet
from central.store import CoverageRow, SqliteStore, open_store
from tests.central.test_cli import run

XA = RoomTopics.v2("son-la", "xa-chieng-son")
CU = RoomTopics.v1("son-la", "yen-chau", "xa-cu")
D = lambda month, day, h=0, m=0: datetime(2026, month, day, h, m, tzinfo=UTC)  # noqa: E731


class Clock:
    def __init__(self) -> None:
        self.now = D(9, 1)

    def __call__(self) -> datetime:
        return self.now


def _config(tmp_path: Path, name: str, url: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f'[agent]\nstate_dir = "{tmp_path / name}"\n[board]\ndatabase = "{url}"\n',
        encoding="utf-8",
    )
    return path


def _readiness(topics: RoomTopics, boot: str, seq: int, ts: datetime, verdict: str, **kw) -> dict:
    body = payloads.readiness(
        room=topics.id,
        name="Xã cũ",
        boot_id=boot,
        seq=seq,
        started_at=ts,
        trigger=kw.get("trigger", "periodic"),
        meeting=kw.get("meeting"),
        verdict=verdict,
        duration_ms=5,
        checks=[payloads.check_entry("camera", "pass", "ok", None, {}, 1)],
    )
    if topics.version == 1:
        body["schema"] = payloads.READINESS_V1
        body["room"]["district"] = topics.district
    return body


def _status(state: str, boot: str, ts: datetime) -> dict:
    return payloads.status(state, boot_id=boot, agent_version="2.0", ts=iso(ts))


def _build_history(url: str, tmp_path: Path) -> None:
    """Two rooms (v2 and v1) from September on, an outage, a meeting with its T-30, sessions."""
    store = open_store(url, str(tmp_path))
    clock = Clock()
    fleet = Fleet(BoardConfig(), store, clock=clock)
    meta = payloads.meta(
        XA.id, name="UBND xã Chiềng Sơn", unit=UnitKind.XA, groups=[Group("moc-chau", "Mộc Châu")]
    )
    meeting = payloads.meeting(
        "m1",
        title="Giao ban",
        start=D(10, 10, 1),
        end=D(10, 10, 3),
        selector=Selector(("*",), ()),
    )
    feed = [
        (D(9, 20), XA.meta, meta, True),
        (D(9, 20), XA.status, _status("online", "b1", D(9, 20)), True),
        (D(9, 20, 0, 1), XA.readiness, _readiness(XA, "b1", 1, D(9, 20, 0, 1), "ready"), True),
        (D(9, 25), CU.status, _status("online", "c1", D(9, 25)), True),
        (D(9, 25, 0, 1), CU.readiness, _readiness(CU, "c1", 1, D(9, 25, 0, 1), "not_ready"), True),
        (D(10, 5, 10), XA.status, _status("offline", "b1", D(9, 20)), False),  # a live Will
        (D(10, 5, 12), XA.status, _status("online", "b2", D(10, 5, 12)), True),
        (D(10, 5, 12, 1), XA.readiness, _readiness(XA, "b2", 1, D(10, 5, 12, 1), "degraded"), True),
        (D(10, 9), schedule("son-la", "m1"), meeting, True),
        (
            D(10, 10, 0, 30),
            XA.readiness,
            _readiness(
                XA, "b2", 2, D(10, 10, 0, 30), "ready", trigger="schedule", meeting={"id": "m1"}
            ),
            True,
        ),
        (
            D(10, 12),
            XA.events,
            payloads.event("alert.raised", boot_id="b2", seq=1, ts=iso(D(10, 12))),
            False,
        ),
        (D(10, 20, 3), CU.status, _status("offline", "c1", D(9, 25)), False),
        (D(11, 2), XA.status, _status("offline", "b2", D(10, 5, 12)), False),  # after the month
    ]
    for when, topic, body, retain in feed:
        clock.now = when
        fleet.ingest(Message(topic, payloads.encode(body), retain))
    fleet.record(
        lambda w: w.put_coverage(CoverageRow("s1", "hnth-board", D(9, 1), D(10, 15), D(10, 15), 30))
    )
    fleet.record(
        lambda w: w.put_coverage(
            CoverageRow("s2", "hnth-board", D(10, 15, 0, 10), D(11, 5), None, 30)
        )
    )
    assert fleet.flush()
    assert fleet.stats.rejected == 0, fleet.stats.last_rejected
    store.close()


def _report(config: Path) -> list[dict]:
    r = run("report", "availability", "--month", "2026-10", "--json", env_config=config)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["rooms"]


def _counts(path: Path) -> tuple[int, ...]:
    s = SqliteStore(str(path))
    end = D(12, 1)
    rooms = [r.path.key for r in s.rooms()]
    out = (
        len(rooms),
        sum(len(s.statuses(k, end)) for k in rooms),
        sum(len(s.readiness_rows(k, end)) for k in rooms),
        sum(len(s.events(k)) for k in rooms),
        len(s.meetings(include_cancelled=True)),
        len(s.coverage(D(1, 1), end)),
    )
    s.close()
    return out


def test_an_exported_month_imported_into_an_empty_board_gives_the_same_report(store_url, tmp_path):
    _build_history(store_url, tmp_path)
    source = _config(tmp_path, "source", store_url)
    expected = _report(source)
    assert {r["room"] for r in expected} == {"son-la/xa-chieng-son", "son-la/xa-cu"}
    xa = next(r for r in expected if r["room"] == "son-la/xa-chieng-son")
    assert xa["outages"] == 1
    assert xa["longest_outage_s"] == 7200
    assert xa["no_data_s"] == 600  # the 10 minutes between the two sessions
    assert (xa["meetings"], xa["checks_expected"], xa["checks_missed"]) == (1, 2, 1)

    dump = tmp_path / "oct.jsonl"
    r = run(
        "board",
        "export",
        "--from",
        "2026-10-01",
        "--to",
        "2026-11-01",
        "--output",
        str(dump),
        env_config=source,
    )
    assert r.returncode == 0, r.stderr
    lines = dump.read_text(encoding="utf-8").splitlines()
    assert all(
        {"topic", "received", "qos", "retain"} <= json.loads(x).keys()
        or "coverage" in json.loads(x)
        for x in lines
    )
    assert not any('"offline"' in x and "2026-11-02" in x for x in lines)  # outside the range

    target = tmp_path / "target.sqlite"
    dest = _config(tmp_path, "target", f"sqlite:///{target}")
    r = run("board", "import", str(dump), "--json", env_config=dest)
    assert r.returncode == 0, r.stderr
    first = json.loads(r.stdout)
    assert first["errors"] == []
    assert first["rejected"] == 0
    assert _report(dest) == expected
    counts = _counts(target)

    r = run("board", "import", str(dump), "--json", env_config=dest)  # the same file again
    assert r.returncode == 0, r.stderr
    assert _counts(target) == counts  # nothing stored twice
    assert _report(dest) == expected


def test_a_malformed_line_is_reported_by_number_and_the_good_lines_are_kept(tmp_path):
    good_status = {
        "topic": XA.status,
        "payload": json.dumps(_status("online", "b1", D(10, 1))),
        "received": iso(D(10, 1)),
        "qos": 1,
        "retain": True,
    }
    good_ready = {
        "topic": XA.readiness,
        "payload_b64": __import__("base64")
        .b64encode(payloads.encode(_readiness(XA, "b1", 1, D(10, 1, 1), "ready")))
        .decode(),
        "received": iso(D(10, 1, 1)),
        "qos": 1,
        "retain": True,
    }
    lines = [
        json.dumps(good_status),
        "{not json",
        json.dumps({"payload": "x", "received": iso(D(10, 1))}),
        json.dumps({"topic": XA.status, "payload_b64": "!!!", "received": iso(D(10, 1))}),
        json.dumps({"topic": XA.status, "payload": "{}", "received": "yesterday"}),
        json.dumps({**good_status, "payload": json.dumps(_status("sideways", "b1", D(10, 1)))}),
        "[1, 2]",
        "",
        json.dumps(good_ready),
    ]
    dump = tmp_path / "bad.jsonl"
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / "t.sqlite"
    dest = _config(tmp_path, "t", f"sqlite:///{target}")
    r = run("board", "import", str(dump), "--lang", "en", env_config=dest)
    assert r.returncode == 1
    bad = [x for x in r.stderr.splitlines() if x.startswith("line ")]
    assert [x.split(":")[0] for x in bad] == [
        "line 2",
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 7",
    ]
    assert "not JSON" in bad[0]
    assert "missing 'topic'" in bad[1]
    assert "base64" in bad[2]
    assert "yesterday" in bad[3]
    assert "sideways" in bad[4]
    assert "not a JSON object" in bad[5]
    assert "8 lines: 3 messages (2 ingested, 0 duplicates, 1 refused)" in r.stdout
    assert "6 bad lines" in r.stdout
    s = SqliteStore(str(target))
    assert [x.state for x in s.statuses(XA.id.province + "/" + XA.id.room, D(12, 1))] == ["online"]
    assert len(s.readiness_rows("son-la/xa-chieng-son", D(12, 1))) == 1
    s.close()
