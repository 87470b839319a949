"""The board's CLI commands as a user runs them, and its message catalogue."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from agent.i18n import catalog, placeholders
from central.model import RoomPath
from central.store import MeetingRow, SqliteStore
from tests.shapes import assert_meta

HNTH = str(Path(sys.executable).parent / "hnth-agent")
STATIC = Path(__file__).resolve().parents[2] / "central" / "web" / "static"
MESSAGES = {k: v for k, v in catalog().items() if k.startswith("board.")}
VN = timezone(timedelta(hours=7))


def run(
    *args: str, stdin: str = "", env_config: Path | None = None
) -> subprocess.CompletedProcess[str]:
    cmd = [HNTH, *args] + (["--config", str(env_config)] if env_config else [])
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[agent]\nstate_dir = "{tmp_path / "state"}"\n'
        f'[board]\ndatabase = "sqlite:///{tmp_path / "board.sqlite"}"\n',
        encoding="utf-8",
    )
    return path


def test_catalogue_placeholders_match_and_page_keys_exist():
    for key, (vi, en) in MESSAGES.items():
        assert placeholders(vi) == placeholders(en), key
        assert vi.strip(), key
        assert en.strip(), key
    js = (STATIC / "app.js").read_text(encoding="utf-8")
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    used = set(re.findall(r'tr\("(board\.web\.[a-z_.-]+[a-z_-])"', js)) | set(
        re.findall(r'data-t="([^"]+)"', html)
    )
    assert used
    missing = sorted(k for k in used if k not in MESSAGES)
    assert not missing
    for prefix, names in {
        "board.web.state.": ["ready", "degraded", "not_ready", "offline", "stale", "unknown"],
        "board.web.role.": ["viewer", "operator"],
        "board.web.report.": ["room", "online", "ready", "outages", "longest", "missed"],
        "board.web.audit.": ["time", "user", "action", "target", "result"],
        "board.web.dir.": [
            "up",
            "down",
            "left",
            "right",
            "up-left",
            "up-right",
            "down-left",
            "down-right",
        ],
    }.items():
        assert prefix in js
        for name in names:
            assert prefix + name in MESSAGES


def test_add_user_then_report_from_constructed_history(config, tmp_path):
    r = run(
        "board",
        "--add-user",
        "chi.lan",
        "--role",
        "operator",
        stdin="mat-khau-dai\n",
        env_config=config,
    )
    assert r.returncode == 0, r.stderr
    r = run("board", "--add-user", "x", stdin="short\n", env_config=config)
    assert r.returncode == 1
    assert "8" in r.stderr

    store = SqliteStore(str(tmp_path / "board.sqlite"))
    assert store.user("chi.lan")[0] == "operator"
    assert "mat-khau-dai" not in store.user("chi.lan")[1]
    with store.transaction() as db:
        db.add_room(
            RoomPath("son-la", "xa-a"),
            "UBND xã A",
            datetime(2026, 9, 1, tzinfo=UTC),
        )
        db.add_status("son-la/xa-a", "b1", "online", datetime(2026, 9, 20, 8, tzinfo=VN))
        db.add_status("son-la/xa-a", "b1", "offline", datetime(2026, 10, 5, 22, tzinfo=VN))
        db.add_status("son-la/xa-a", "b2", "online", datetime(2026, 10, 6, 2, 30, tzinfo=VN))
        db.put_meeting(
            MeetingRow(
                "son-la",
                "m1",
                "Giao ban",
                datetime(2026, 10, 7, 8, tzinfo=VN),
                datetime(2026, 10, 7, 10, tzinfo=VN),
                ("*",),
                False,
            ),
        )
    store.close()

    r = run("report", "availability", "--month", "2026-10", "--json", env_config=config)
    assert r.returncode == 0, r.stderr
    [row] = json.loads(r.stdout)["rooms"]
    assert row["room"] == "son-la/xa-a"
    assert row["outages"] == 1
    assert row["longest_outage_s"] == 4.5 * 3600
    assert row["online_pct"] == round(100 * (31 * 86400 - 4.5 * 3600) / (31 * 86400), 3)
    assert row["ready_in_meetings_pct"] == 0.0  # no readiness report was ever received
    assert row["checks_expected"] == 2
    assert row["checks_missed"] == 2

    r = run("report", "availability", "--month", "2026-10", "--csv", env_config=config)
    assert r.returncode == 0
    # The contract's CSV (central.report.export): a BOM for Excel, headers in the language.
    assert r.stdout.splitlines()[0].startswith("\ufeffMã điểm cầu,Tên điểm cầu,Tỉnh")

    r = run("report", "availability", "--month", "2026-10", "--lang", "vi", env_config=config)
    assert "UBND xã A" in r.stdout
    assert "99.40 %" in r.stdout
    r = run("report", "availability", "--month", "2026-10", "--lang", "en", env_config=config)
    assert r.stdout.splitlines()[0].endswith(" — 1 room")  # a plural form: not "1 rooms"

    r = run("report", "availability", "--month", "2026-13", "--lang", "en", env_config=config)
    assert r.returncode == 3
    assert "YYYY-MM" in r.stderr


@pytest.mark.broker
def test_sim_fleet_command_publishes_the_contract(broker, mqtt_client):
    r = run(
        "sim",
        "fleet",
        "--rooms",
        "3",
        "--broker",
        f"{broker.host}:{broker.port}",
        "--duration",
        "1",
    )
    assert r.returncode == 0, r.stderr
    assert "3" in r.stdout
    watcher = mqtt_client(broker, "watch")
    watcher.subscribe("hnth/v2/son-la/+/+")
    got = {m.topic: m for m in watcher.iter_messages(1.0)}
    statuses = [json.loads(m.payload) for t, m in got.items() if t.endswith("/status")]
    # a clean stop publishes nothing more, and the retained online status stays (as a clean
    # shutdown of a real agent would replace it with offline; the fleet leaves that to its Will)
    assert len(statuses) == 3
    assert sum(t.endswith("/readiness") for t in got) == 3
    metas = [json.loads(m.payload) for t, m in got.items() if t.endswith("/meta")]
    assert len(metas) == 3
    for meta in metas:  # the simulated rooms speak v2 as the agent does
        assert_meta(meta, "son-la", meta["room"])
    snaps = [m for t, m in got.items() if t.endswith("/snapshot")]
    assert len(snaps) == 3
    assert snaps[0].payload[:3] == b"\xff\xd8\xff"
    assert snaps[0].content_type == "image/jpeg"
