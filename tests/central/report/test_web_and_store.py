"""The report's files from the board's page, its tables on both databases, its config checks."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from central.auth import Role
from central.config import BoardConfig
from central.report.db import Closing, ReportDb
from central.report.exclusions import Category, Kind
from central.service import Board
from central.store import open_store
from tests.central.conftest import PASSWORDS
from tests.central.report.conftest import EXPECTED, build_october
from tests.central.report.test_outputs import run


def test_the_report_page_downloads_csv_xlsx_and_pdf(tmp_path, web):
    from openpyxl import load_workbook

    build_october(tmp_path / "oct.sqlite")
    store = open_store(f"sqlite:///{tmp_path}/oct.sqlite", str(tmp_path))
    board = Board(BoardConfig(cookie_secure=False), store)
    board.users.add("view", Role.VIEWER, PASSWORDS["view"])
    try:
        _, _, http = web(board)
        client = http()
        status, _ = client.call("GET", "/api/report?month=2026-10&format=xlsx")
        assert status == 401  # signed-in staff only
        client.login("view")
        status, body = client.call("GET", "/api/report?month=2026-10&format=xlsx", lang="vi")
        assert status == 200
        wb = load_workbook(io.BytesIO(body))
        rooms = wb["Điểm cầu"]
        got = {row[0]: row[10] for row in rooms.iter_rows(min_row=2, values_only=True)}
        for key, want in EXPECTED.items():
            assert got[key] == pytest.approx(want["availability"] / 100)
        status, body = client.call("GET", "/api/report?month=2026-10&format=pdf&lang=en")
        assert status == 200
        assert body.startswith(b"%PDF")
        status, body = client.call("GET", "/api/report?month=2026-10&format=csv", lang="en")
        assert status == 200
        assert body.startswith(b"\xef\xbb\xbfRoom,Name")
        status, body = client.call("GET", "/api/report?month=2026-13&format=pdf", lang="en")
        assert status == 400
        status, body = client.call("GET", "/api/report?month=2026-10")
        assert status == 200
        assert {r["room"] for r in body["rooms"]} == set(EXPECTED)  # the page's JSON as before
    finally:
        board.stop()
        store.close()


def test_exclusions_and_closings_on_both_databases(store):
    db = ReportDb(store)
    now = datetime(2026, 10, 1, tzinfo=UTC)
    ex = db.add_exclusion(
        kind=Kind.MAINTENANCE,
        category=Category.MAINTENANCE,
        rooms=("son-la/xa-a",),
        start=now + timedelta(days=3),
        end=now + timedelta(days=3, hours=2),
        reason="Nâng cấp",
        user="chi.lan",
        now=now,
        flags=(),
    )
    assert [e.id for e in db.exclusions(now, now + timedelta(days=30))] == [ex.id]
    assert db.exclusions(now + timedelta(days=10), now + timedelta(days=30)) == []
    assert db.withdraw(ex.id, user="truong.phong", reason="hoãn", now=now + timedelta(days=1))
    assert not db.withdraw(ex.id, user="x", reason="again", now=now + timedelta(days=2))
    [back] = db.exclusions()
    assert (back.withdrawn_by, back.reason, back.counted) == ("truong.phong", "Nâng cấp", False)
    c = Closing("2026-10", 0, "close", now, "ke.toan", "", "ab" * 32, {"files": {}})
    assert db.add_closing(c)
    assert not db.add_closing(c)  # a month closes once
    assert db.closings("2026-10")[0].user == "ke.toan"
    assert db.closed_months() == ["2026-10"]


def test_bad_report_rules_are_a_config_error(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[agent]\nstate_dir = "{tmp_path}"\n'
        f'[board]\ndatabase = "sqlite:///{tmp_path / "b.sqlite"}"\n'
        "[report]\npenalty_tiers = [[98.0, 10.0], [99.0, 0.0]]\n",
        encoding="utf-8",
    )
    r = run("availability", "--month", "2026-10", "--lang", "en", config=cfg)
    assert r.returncode == 3
    assert "penalty_tiers" in r.stderr
    assert "falling" in r.stderr
    cfg.write_text(
        f'[agent]\nstate_dir = "{tmp_path}"\n[report]\noffice_hours = ["17:00-08:00"]\n',
        encoding="utf-8",
    )
    r = run("availability", "--month", "2026-10", "--lang", "en", config=cfg)
    assert r.returncode == 3
    assert "HH:MM-HH:MM" in r.stderr
