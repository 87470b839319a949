"""Retention on SQLite and a real PostgreSQL: the monthly report, and a closed month, read the same.

Two months of three rooms (one merged from an old key), with many readiness reports (repeats,
changes, two at one time, checks before meetings), statuses with outages, snapshots, and a
history older than 24 months; pruned with a short readiness window, then again.
"""

from __future__ import annotations

import dataclasses
import json
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from central.availability import report as availability
from central.config import BoardConfig, ReportConfig
from central.model import RoomPath, iso
from central.report.close import close, verify
from central.report.export import to_json
from central.report.month import generate
from central.retention import essential, prune
from central.store import CoverageRow, MeetingRow, ReadinessRow, Store, open_store

NOW = datetime(2026, 11, 6, 3, 0, tzinfo=UTC)
START = datetime(2026, 9, 1, tzinfo=UTC)
OLD = datetime(2024, 1, 10, tzinfo=UTC)
VERDICTS = ("ready", "degraded", "not_ready")
# room → (first status, last status or None): xa-c-cu was renamed xa-c on 20/09
ROOMS = {
    "xa-a": (START, None),
    "xa-b": (datetime(2026, 9, 15, 4, tzinfo=UTC), None),
    "xa-c-cu": (START, datetime(2026, 9, 20, 5, tzinfo=UTC)),
    "xa-c": (datetime(2026, 9, 20, 5, tzinfo=UTC), None),
}
MONTHS = ("2026-08", "2026-09", "2026-10", "2026-11")
HNTH = str(Path(sys.executable).parent / "hnth-agent")


def key(room: str) -> str:
    return f"son-la/{room}"


def _body(seq: int, verdict: str, trigger: str, meeting: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"boot_id": "b1", "seq": seq, "verdict": verdict, "trigger": trigger}
    if meeting:
        body["meeting"] = {"id": meeting}
    return body


def build(store: Store, *, seed: int = 13) -> None:
    """Write the two months (and the old history) into the store."""
    rnd = random.Random(seed)
    seq = 0
    with store.transaction() as w:
        for room, (first, _) in ROOMS.items():
            w.add_room(RoomPath("son-la", room), f"UBND {room}", first)
        w.add_room(RoomPath("son-la", "xa-cu"), "UBND xã cũ", OLD)
        meetings = []
        for i, day in enumerate(range(1, 66, 3)):
            start = START + timedelta(days=day, hours=2)  # 09:00 in Hà Nội
            rooms = ("*",) if i % 2 else ("xa-a", "xa-b", "xa-c-cu", "xa-c")
            m = MeetingRow(
                "son-la", f"m{i}", f"Họp {i}", start, start + timedelta(hours=1), rooms, False
            )
            w.put_meeting(m)
            meetings.append(m)
        w.put_meeting(
            MeetingRow("son-la", "cu", "Họp cũ", OLD, OLD + timedelta(hours=1), ("*",), False)
        )
        for room, (first, last) in ROOMS.items():
            end = last or NOW
            w.add_status(key(room), "b0", "online", first)
            span = int((end - first).total_seconds() // 86400) - 2
            for d in sorted(rnd.sample(range(1, span), 4)):
                down = first + timedelta(days=d, minutes=rnd.randint(0, 1400))
                w.add_status(key(room), "b0", "offline", down)
                w.add_status(
                    key(room), "b1", "online", down + timedelta(minutes=rnd.randint(2, 500))
                )
            if last:
                w.add_status(key(room), "b1", "offline", last)
            t, verdict = first, "ready"
            while True:
                t += timedelta(minutes=rnd.choice((20, 45, 60, 90)), seconds=rnd.randint(0, 59))
                if t >= end:
                    break
                if rnd.random() < 0.08:
                    verdict = rnd.choice(VERDICTS)
                seq += 1
                w.add_readiness(key(room), _body(seq, verdict, "periodic", None), t)
                if rnd.random() < 0.03:  # a second report at the same time, another verdict
                    seq += 1
                    verdict = rnd.choice([v for v in VERDICTS if v != verdict])
                    w.add_readiness(key(room), _body(seq, verdict, "manual", None), t)
            for m in meetings:
                for before in (30, 5):
                    due = m.start - timedelta(minutes=before, seconds=rnd.randint(-90, 90))
                    if first <= due < end:
                        seq += 1
                        check = rnd.choice(VERDICTS)
                        w.add_readiness(key(room), _body(seq, check, "schedule", m.id), due)
        for i in range(30):
            w.add_snapshot(key("xa-a"), iso(START + timedelta(hours=i)), b"jpeg-a-%d" % i)
        for i in range(3):
            w.add_snapshot(key("xa-b"), iso(START + timedelta(hours=i)), b"jpeg-b-%d" % i)
        # Older than 24 months: xa-a's first years, and a room gone since 2023.
        w.add_status(key("xa-a"), "a0", "online", OLD)
        w.add_status(key("xa-a"), "a0", "offline", OLD + timedelta(days=20))
        w.add_status(key("xa-a"), "a1", "online", OLD + timedelta(days=40))
        w.add_status(key("xa-cu"), "c0", "online", OLD - timedelta(days=300))
        w.add_status(key("xa-cu"), "c0", "offline", OLD - timedelta(days=200))
        w.add_event(key("xa-a"), {"boot_id": "a0", "seq": 1, "kind": "boot"}, OLD)
        w.add_event(key("xa-a"), {"boot_id": "b1", "seq": 1, "kind": "boot"}, START)
        for sid, begun, stop in [
            ("s0", OLD, OLD + timedelta(days=30)),
            ("s1", OLD + timedelta(days=35), OLD + timedelta(days=60)),
            ("s2", START - timedelta(days=10), NOW),
        ]:
            w.put_coverage(CoverageRow(sid, "board-1", begun, stop, stop, 30.0))
    store.add_merge(key("xa-c-cu"), key("xa-c"), user="chi.lan", ts=ROOMS["xa-c"][0], reason="")
    store.add_audit("chi.lan", "restart", key("xa-a"), args={}, ok=True, result={}, ts=OLD)
    store.add_audit("chi.lan", "restart", key("xa-a"), args={}, ok=True, result={}, ts=START)


def reports(store: Store) -> dict[str, Any]:
    """Every month's report as JSON, and the older availability figures of October."""
    out: dict[str, Any] = {
        m: json.loads(to_json(generate(store, BoardConfig(), ReportConfig(), m, now=NOW)))
        for m in MONTHS
    }
    legacy = availability(
        store, "2026-10", tz="Asia/Ho_Chi_Minh", now=NOW, offsets_min=(30, 5), tolerance_min=3
    )
    out["legacy"] = [r.as_dict() for r in legacy]
    return out


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables retention touches."""
    with store._lock:
        return {
            table: sorted(tuple(map(str, r)) for r in store._query(f"SELECT * FROM {table}"))
            for table in (
                "readiness",
                "readiness_daily",
                "snapshots",
                "status",
                "meetings",
                "audit",
                "events",
                "coverage",
            )
        }


def count(store: Store, sql: str, *params: Any) -> int:
    with store._lock:
        return int(store._query(sql, params)[0][0])


def cfg(**kw: Any) -> BoardConfig:
    return dataclasses.replace(BoardConfig(keep_snapshots=3), **kw)


def test_the_monthly_reports_are_identical_after_pruning(store: Store):
    build(store)
    before = reports(store)
    assert before["2026-10"]["rooms"][0]["meetings"] > 5  # the reports have something to lose
    raw = count(store, "SELECT COUNT(*) FROM readiness")

    first = prune(store, cfg(keep_readiness_days=40), NOW)  # a part of September
    assert first.readiness_before == "2026-09-27T00:00:00.000Z"
    assert 0 < first.readiness < raw
    assert reports(store) == before

    second = prune(store, cfg(keep_readiness_days=10), NOW)  # most of October too
    assert second.readiness_before == "2026-10-27T00:00:00.000Z"
    assert second.readiness > 1000
    assert reports(store) == before
    left = count(store, "SELECT COUNT(*) FROM readiness")
    assert left == count(
        store, "SELECT COUNT(*) FROM readiness WHERE ts>=?", second.readiness_before
    )
    assert left + first.readiness + second.readiness == raw
    reports_n, ready_n, degraded_n, not_ready_n, points_n = 0, 0, 0, 0, 0
    with store._lock:
        rows = store._query(
            "SELECT reports, ready, degraded, not_ready, points FROM readiness_daily"
        )
    for r in rows:
        reports_n += r[0]
        ready_n, degraded_n, not_ready_n = ready_n + r[1], degraded_n + r[2], not_ready_n + r[3]
        points_n += len(json.loads(r[4]))
    assert reports_n == ready_n + degraded_n + not_ready_n == first.readiness + second.readiness
    assert points_n < reports_n / 2  # the repeats were folded away
    got = store.readiness_rows(key("xa-a"), NOW)
    assert [x.ts for x in got] == sorted(x.ts for x in got)


def test_a_month_closed_before_pruning_still_verifies_after(store: Store, tmp_path: Path):
    build(store)
    closed = close(
        store,
        BoardConfig(),
        ReportConfig(),
        "2026-10",
        tmp_path,
        user="ke.toan",
        now=NOW,
        lang="en",
    )
    manifest = closed.dir / "manifest.json"
    assert verify(manifest, store)[:2] == ([], [])
    pruned = prune(store, cfg(keep_readiness_days=5), NOW)
    assert pruned.readiness > 1000
    problems, notes, files = verify(manifest, store)
    assert (problems, notes, files) == ([], [], 5)
    # A change the report would see (a late verdict change in a folded day) is still noticed.
    with store.transaction() as w:
        w.add_readiness(
            key("xa-a"),
            _body(10**6, "not_ready", "schedule", "m-late"),
            datetime(2026, 10, 9, 6, 0, 1, tzinfo=UTC),
        )
    assert verify(manifest, store)[1] != []


def test_running_prune_again_changes_nothing(store: Store):
    build(store)
    first = prune(store, cfg(keep_readiness_days=10), NOW)
    assert first.readiness > 0
    after = dump(store)
    again = prune(store, cfg(keep_readiness_days=10), NOW)
    assert dump(store) == after
    counts = dataclasses.asdict(again)
    assert {k: v for k, v in counts.items() if isinstance(v, int) and not isinstance(v, bool)} == {
        "readiness": 0,
        "readiness_days": 0,
        "snapshots": 0,
        "status": 0,
        "meetings": 0,
        "audit": 0,
        "events": 0,
        "coverage": 0,
    }


def test_a_dry_run_counts_what_a_run_does_and_changes_nothing(store: Store):
    build(store)
    before = dump(store)
    dry = prune(store, cfg(keep_readiness_days=10), NOW, dry_run=True)
    assert dump(store) == before
    wet = prune(store, cfg(keep_readiness_days=10), NOW)
    assert dataclasses.replace(dry, dry_run=False) == wet
    assert wet.snapshots == 26  # xa-a: 30 − (latest + 3)


def test_late_reports_of_a_folded_day_are_merged_not_lost(store: Store):
    day = datetime(2026, 8, 3, tzinfo=UTC)
    rows = [
        (1, "ready", "periodic", None, 1),
        (2, "ready", "periodic", None, 2),  # a repeat: folded away
        (3, "not_ready", "periodic", None, 3),
        (4, "not_ready", "schedule", "m1", 4),  # a check: kept though no change
        (5, "ready", "periodic", None, 5),  # a change back
        (6, "ready", "manual", "m2", 6),  # names a meeting
    ]
    with store.transaction() as w:
        for seq, verdict, trigger, meeting, h in rows:
            w.add_readiness(
                key("xa-a"), _body(seq, verdict, trigger, meeting), day + timedelta(hours=h)
            )
        w.add_readiness(
            key("xa-a"), _body(9, "degraded", "periodic", None), day + timedelta(days=1)
        )
    res = prune(store, cfg(keep_readiness_days=30), NOW)
    assert (res.readiness, res.readiness_days) == (7, 2)
    with store._lock:
        [row] = store._query("SELECT * FROM readiness_daily WHERE day='2026-08-03'")
    assert row[2:6] == (6, 4, 0, 2)
    assert [p[0][11:13] for p in json.loads(row[6])] == ["01", "03", "04", "05", "06"]
    # A late report of that day, after the fold: read in its place, then folded into the row.
    with store.transaction() as w:
        w.add_readiness(
            key("xa-a"),
            _body(7, "degraded", "periodic", None),
            day + timedelta(hours=3, minutes=30),
        )
    got = [
        (x.ts.hour, x.verdict) for x in store.readiness_rows(key("xa-a"), day + timedelta(hours=7))
    ]
    assert got == [
        (1, "ready"),
        (3, "not_ready"),
        (3, "degraded"),
        (4, "not_ready"),
        (5, "ready"),
        (6, "ready"),
    ]
    res = prune(store, cfg(keep_readiness_days=30), NOW)
    assert (res.readiness, res.readiness_days) == (1, 1)
    with store._lock:
        [row] = store._query("SELECT * FROM readiness_daily WHERE day='2026-08-03'")
    assert row[2:6] == (7, 4, 1, 2)
    assert [p[0][11:16] for p in json.loads(row[6])] == [
        "01:00",
        "03:00",
        "03:30",
        "04:00",
        "05:00",
        "06:00",
    ]
    assert count(store, "SELECT COUNT(*) FROM readiness") == 0


def test_snapshots_keep_the_latest_and_n_older_per_room(store: Store):
    build(store)
    prune(store, cfg(keep_readiness_days=10, keep_snapshots=3), NOW)
    with store._lock:
        rows = store._query("SELECT room, ts FROM snapshots ORDER BY room, ts")
    a = [ts for room, ts in rows if room == key("xa-a")]
    assert a == [iso(START + timedelta(hours=i)) for i in range(26, 30)]
    assert len([1 for room, _ in rows if room == key("xa-b")]) == 3
    prune(store, cfg(keep_readiness_days=10, keep_snapshots=0), NOW)
    with store._lock:
        rows = store._query("SELECT room, ts FROM snapshots ORDER BY room, ts")
    assert rows == [
        (key("xa-a"), iso(START + timedelta(hours=29))),
        (key("xa-b"), iso(START + timedelta(hours=2))),
    ]


def test_history_older_than_24_months_goes_but_each_rooms_last_status_stays(store: Store):
    build(store)
    last = store.last_statuses()
    res = prune(store, cfg(), NOW)
    assert res.history_before == "2024-11-01T00:00:00.000Z"
    assert (res.status, res.meetings, res.audit, res.events, res.coverage) == (3, 1, 1, 1, 1)
    assert store.last_statuses() == last
    assert [(s.state, s.ts) for s in store.statuses(key("xa-cu"), NOW)] == [
        ("offline", OLD - timedelta(days=200))
    ]
    # xa-a keeps its state at the cut (online since OLD + 40 days), then all of its recent history.
    kept = store.statuses(key("xa-a"), NOW)
    assert (kept[0].state, kept[0].ts) == ("online", OLD + timedelta(days=40))
    assert kept[1].ts == START
    assert "cu" not in {m.id for m in store.meetings()}
    assert len(store.meetings()) == 22
    assert [a.ts for a in store.audit()] == [iso(START)]
    assert [e["boot_id"] for e in store.events(key("xa-a"))] == ["b1"]
    assert [c.session for c in store.coverage(OLD - timedelta(days=1), NOW)] == ["s1", "s2"]


def test_essential_keeps_the_first_of_a_day_the_changes_and_the_checks():
    def row(room: str, h: int, verdict: str, trigger: str = "periodic", m: str | None = None):
        return ReadinessRow(
            room, datetime(2026, 10, 1, tzinfo=UTC) + timedelta(hours=h), verdict, trigger, m
        )

    rows = [
        row("a", 1, "ready"),
        row("b", 1, "ready"),
        row("a", 2, "ready"),
        row("a", 3, "ready", "schedule", "m1"),
        row("a", 4, "degraded"),
        row("a", 5, "degraded", "manual", "m2"),
        row("a", 6, "degraded"),
        row("a", 25, "degraded"),  # the next UTC day's first
        row("a", 26, "degraded"),
    ]
    kept = essential(rows)
    assert [(x.room, x.ts.hour, x.ts.day) for x in kept] == [
        ("a", 1, 1),
        ("b", 1, 1),
        ("a", 3, 1),
        ("a", 4, 1),
        ("a", 5, 1),
        ("a", 1, 2),
    ]
    assert essential(kept) == kept


def test_board_prune_cli_dry_run_then_json(store_url: str, tmp_path: Path):
    now = datetime.now(UTC)
    store = open_store(store_url, str(tmp_path))
    with store.transaction() as w:
        w.add_room(RoomPath("son-la", "xa-a"), "UBND xã A", now - timedelta(days=400))
        w.add_status(key("xa-a"), "b0", "online", now - timedelta(days=400))
        for i in range(50):
            ts = now - timedelta(days=200, hours=i)
            w.add_readiness(key("xa-a"), _body(i, VERDICTS[i // 20], "periodic", None), ts)
        w.add_readiness(key("xa-a"), _body(99, "ready", "periodic", None), now - timedelta(days=1))
        for i in range(25):
            w.add_snapshot(key("xa-a"), iso(now - timedelta(hours=i)), b"jpeg-%d" % i)
    expected = len(essential(store.readiness_rows(key("xa-a"), now + timedelta(1))))
    store.close()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[agent]\nstate_dir = "{tmp_path / "state"}"\n[board]\ndatabase = "{store_url}"\n',
        encoding="utf-8",
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [HNTH, "board", "prune", *args, "--config", str(config), "--lang", "en"]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)

    dry = run("--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    would = json.loads(dry.stdout)
    assert (would["readiness"], would["snapshots"], would["dry_run"]) == (50, 4, True)
    r = run("--json")
    assert r.returncode == 0, r.stderr
    done = json.loads(r.stdout)
    assert (done["readiness"], done["snapshots"], done["dry_run"]) == (50, 4, False)
    assert done["readiness_days"] == would["readiness_days"] in (3, 4)  # 50 h: 3 or 4 UTC days
    assert "readiness: 50 rows" in r.stderr
    assert "snapshots: 4 rows" in r.stderr
    text = run()
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("folded 0 readiness reports into 0 room-days")
    store = open_store(store_url, str(tmp_path))
    try:
        assert len(store.readiness_rows(key("xa-a"), now + timedelta(1))) == expected < 10
    finally:
        store.close()
    helped = subprocess.run(
        [HNTH, "board", "prune", "--help"], capture_output=True, text=True, check=False
    )
    assert "--dry-run" in helped.stdout


def test_a_running_board_prunes_by_itself(store: Store, monkeypatch):
    import time

    from central import service

    build(store)
    before = count(store, "SELECT COUNT(*) FROM readiness")
    monkeypatch.setattr(service, "PRUNE_FIRST_S", 0.1)
    board = service.Board(cfg(keep_readiness_days=30), store, clock=lambda: NOW)
    board.start()
    try:
        deadline = time.monotonic() + 30
        while count(store, "SELECT COUNT(*) FROM readiness_daily") == 0:
            assert time.monotonic() < deadline, "the board did not prune"
            time.sleep(0.1)
    finally:
        board.stop()
    assert count(store, "SELECT COUNT(*) FROM readiness") < before
