"""The room's book of results: partial runs merge, passive looks never hide a measurement."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from agent.checks import CheckResult, Status, Trigger, Verdict
from agent.checks.book import Book
from agent.checks.runner import Report, verdict
from agent.config import loads
from agent.i18n import t
from agent.mqtt.reports import readiness

T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def result(name, status, *, key="x", metrics=None):
    return CheckResult(name, Status(status), t(key), None, metrics or {}, 5)


def run(*results, at=T0, trigger=Trigger.SCHEDULE):
    checks = tuple(results)
    return Report(checks, verdict(checks, ["camera", "network"]), at, 10, trigger)


def cfg(tmp_path, extra=""):
    return loads(
        f'[agent]\nstate_dir = "{tmp_path}"\n'
        '[checks]\nenabled = ["network", "camera", "microphone"]\n'
        'critical = ["camera", "network"]\n' + extra
    )


def test_a_network_only_run_keeps_the_camera_failure(tmp_path):
    config = cfg(tmp_path)
    book = Book(tmp_path / "results.json")
    book.record(run(result("network", "pass"), result("camera", "fail", key="camera.black"), at=T0))
    later = T0 + timedelta(minutes=5)
    book.record(run(result("network", "pass"), at=later, trigger=Trigger.PERIODIC))
    room = book.report(config, trigger=Trigger.PERIODIC, started_at=later, now=later)
    assert room.verdict is Verdict.NOT_READY
    camera = room.result("camera")
    assert camera is not None
    assert camera.status is Status.FAIL
    assert camera.ran_at == T0
    assert camera.trigger is Trigger.SCHEDULE
    assert room.result("network").ran_at == later
    body = readiness(room, config.room, boot_id="b", seq=1)
    entry = next(c for c in body["checks"] if c["name"] == "camera")
    assert entry["ran_at"] == "2026-12-07T08:00:00.000Z"
    assert entry["trigger"] == "schedule"
    assert entry["age_s"] > 0


def test_a_passive_look_never_replaces_a_measurement(tmp_path):
    config = cfg(tmp_path)
    book = Book(None)
    book.record(run(result("camera", "fail", key="camera.black")))
    book.record(run(result("camera", "pass", key="camera.in_call", metrics={"passive": True})))
    assert book.get("camera").status is Status.FAIL
    # A device that went and came back: the presence result is replaced by a passive look.
    book.record(run(result("microphone", "fail", key="mic.gone", metrics={"presence": "gone"})))
    book.record(run(result("microphone", "pass", key="mic.in_call", metrics={"passive": True})))
    assert book.get("microphone").status is Status.PASS
    # A real measurement always replaces.
    book.record(run(result("camera", "pass", key="camera.ok")))
    assert book.report(config, trigger=Trigger.MANUAL, started_at=T0).verdict is Verdict.READY


def test_stale_results_are_marked(tmp_path):
    config = cfg(tmp_path, "[schedule]\nperiodic_min = 5\n")
    book = Book(None)
    book.record(run(result("network", "pass"), result("camera", "pass"), at=T0))
    soon = book.report(
        config, trigger=Trigger.MANUAL, started_at=T0, now=T0 + timedelta(minutes=10)
    )
    assert not soon.result("camera").stale
    assert not soon.result("network").stale
    late = book.report(
        config, trigger=Trigger.MANUAL, started_at=T0, now=T0 + timedelta(minutes=16)
    )
    assert late.result("network").stale  # three periods missed
    assert not late.result("camera").stale
    days = book.report(config, trigger=Trigger.MANUAL, started_at=T0, now=T0 + timedelta(hours=25))
    assert days.result("camera").stale
    body = readiness(days, config.room, boot_id="b", seq=1)
    assert all(c["stale"] for c in body["checks"])


def test_the_book_survives_a_restart_and_keeps_the_keys(tmp_path):
    path = tmp_path / "results.json"
    book = Book(path)
    book.record(
        run(
            CheckResult(
                "camera",
                Status.FAIL,
                t("camera.black", luma="3"),
                t("camera.black_hint"),
                {"luma": 3.0},
                9,
            )
        )
    )
    again = Book(path)
    again.load()
    camera = again.get("camera")
    assert camera is not None
    assert camera.summary.key == "camera.black"
    assert camera.summary.params == {"luma": "3"}
    assert camera.hint.key == "camera.black_hint"
    assert camera.ran_at == T0
    assert camera.metrics == {"luma": 3.0}


def test_a_damaged_book_is_ignored(tmp_path):
    path = tmp_path / "results.json"
    for junk in (b"{", b"[]", json.dumps({"checks": [{"name": "camera"}]}).encode(), b"\xff"):
        path.write_bytes(junk)
        book = Book(path)
        book.load()
        assert book.get("camera") is None


def test_disabled_checks_leave_the_room(tmp_path):
    book = Book(None)
    book.record(run(result("speaker", "fail"), result("camera", "pass")))
    room = book.report(cfg(tmp_path), trigger=Trigger.MANUAL, started_at=T0)
    assert [c.name for c in room.checks] == ["camera"]
