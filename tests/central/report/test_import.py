"""A month built through the real ingest path (`hnth-agent board import`), then reported.

One room, October 2026 (744 h): online from 30/09; offline 05/10 22:00 → 06/10 02:30 (4.5 h,
across midnight); a 19-second drop on 10/10 09:00 (not counted); no board ingesting on 20/10
10:00–10:40 (40 min, no data). Service 744 h − 40 min = 743.3333 h; downtime 4.5 h →
(743.3333 − 4.5) ÷ 743.3333 = 99.3946 %, no penalty.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.central.report.conftest import vn
from tests.central.report.test_outputs import HNTH, run


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _status(state: str, boot: str, ts: datetime) -> dict[str, object]:
    payload = {
        "schema": "hnth.status/1",
        "state": state,
        "boot_id": boot,
        "agent_version": "1.0",
        "ts": _iso(ts),
    }
    return {
        "topic": "hnth/v2/son-la/xa-d/status",
        "payload": json.dumps(payload),
        "received": _iso(ts),
        "qos": 1,
        "retain": False,
    }


def _coverage(session: str, start: datetime, stop: datetime) -> dict[str, object]:
    row = {"session": session, "board": "b", "started": _iso(start), "beat": _iso(stop)}
    return {"coverage": {**row, "stopped": _iso(stop), "every_s": 30.0}}


def test_a_month_imported_through_ingest(tmp_path):
    import subprocess

    lines = [
        _coverage("s1", vn(2026, 9, 29), vn(2026, 10, 20, 10)),
        _coverage("s2", vn(2026, 10, 20, 10, 40), vn(2026, 11, 5)),
        _status("online", "b1", vn(2026, 9, 30)),
        _status("offline", "b1", vn(2026, 10, 5, 22)),
        _status("online", "b2", vn(2026, 10, 6, 2, 30)),
        _status("offline", "b2", vn(2026, 10, 10, 9)),
        _status("online", "b3", vn(2026, 10, 10, 9, 0, 19)),
    ]
    src = tmp_path / "oct.jsonl"
    src.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[agent]\nstate_dir = "{tmp_path / "state"}"\n'
        f'[board]\ndatabase = "sqlite:///{tmp_path / "board.sqlite"}"\n',
        encoding="utf-8",
    )
    imported = subprocess.run(
        [HNTH, "board", "import", str(src), "--config", str(cfg)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    r = run("availability", "--month", "2026-10", "--json", config=cfg)
    assert r.returncode == 0, r.stderr
    [room] = json.loads(r.stdout)["rooms"]
    assert room["room"] == "son-la/xa-d"
    assert room["no_data_s"] == 40 * 60
    assert room["service_s"] == 744 * 3600 - 40 * 60
    assert room["downtime_s"] == 4.5 * 3600
    assert (room["outages_counted"], room["short_drops"]) == (1, 1)
    assert room["availability_pct"] == pytest.approx(
        100 * (743 * 3600 + 20 * 60 - 4.5 * 3600) / (743 * 3600 + 20 * 60), abs=1e-3
    )
    assert room["penalty_pct"] == 0
