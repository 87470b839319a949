"""`hnth-agent schedule` as a real subprocess: every source, exact meetings, check times."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from agent.contract.topics import schedule as schedule_topic
from tests.schedule.calendars import EXPECTED, GOOGLE, NOW, OFFSETS, version

HNTH = str(Path(sys.executable).parent / "hnth-agent")
ROOM = '[room]\nprovince = "son-la"\ngroups = ["moc-chau"]\nid = "xa-chieng-son"\n'


def write_config(tmp_path: Path, schedule: str, extra: str = "") -> Path:
    cfg = tmp_path / "config.toml"
    offsets = ", ".join(str(o) for o in OFFSETS)
    cfg.write_text(
        f'[agent]\nstate_dir = "{tmp_path / "state"}"\n{ROOM}'
        f"[schedule]\noffsets_min = [{offsets}]\n{schedule}{extra}",
        encoding="utf-8",
    )
    return cfg


def schedule(cfg: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HNTH_AGENT_CONFIG", "HNTH_AGENT_LANG")}
    return subprocess.run(
        [HNTH, "schedule", "--config", str(cfg), "--now", NOW, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def listed(proc: subprocess.CompletedProcess[str]) -> dict:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def checks(start: str) -> list[str]:
    at = datetime.fromisoformat(start)
    return [(at - timedelta(minutes=o)).isoformat() for o in OFFSETS]


def test_json_lists_exactly_the_expected_meetings_with_their_check_times(tmp_path):
    ics = tmp_path / "ubnd.ics"
    ics.write_bytes(GOOGLE)
    cfg = write_config(tmp_path, f'ics_file = "{ics}"\n')
    out = listed(schedule(cfg, "--json", "--days", "120"))
    got = [(m["id"], m["title"], m["start"], m["end"]) for m in out["meetings"]]
    assert got == EXPECTED
    assert all(m["source"] == "ics" for m in out["meetings"])
    assert [m["checks_at"] for m in out["meetings"]] == [checks(e[2]) for e in EXPECTED]
    # One spelled out: the Monday briefing at 08:00 is checked at 07:15 and 07:50.
    assert out["meetings"][0]["checks_at"] == [
        "2026-03-02T07:15:00+07:00",
        "2026-03-02T07:50:00+07:00",
    ]
    assert out["problems"] == []


def test_days_bound_the_list_and_weekly_slots_join_it(tmp_path):
    ics = tmp_path / "ubnd.ics"
    ics.write_bytes(GOOGLE)
    cfg = write_config(tmp_path, f'ics_file = "{ics}"\nweekly = ["fri 14:00 60 Họp chi bộ"]\n')
    out = listed(schedule(cfg, "--json", "--days", "7"))
    got = [(m["start"], m["source"]) for m in out["meetings"]]
    assert got == [
        ("2026-03-02T08:00:00+07:00", "ics"),
        ("2026-03-03T09:00:00+07:00", "ics"),
        ("2026-03-04T08:00:00+07:00", "ics"),
        ("2026-03-05T14:00:00+07:00", "ics"),
        ("2026-03-06T14:00:00+07:00", "weekly"),
    ]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "vi",
            ["Điểm cầu son-la/xa-chieng-son", "Kiểm tra lúc", "07:15, 07:50", "Tổng cộng: 14"],
        ),
        ("en", ["Room son-la/xa-chieng-son", "Checks at", "07:15, 07:50", "Total: 14"]),
    ],
)
def test_table_in_vietnamese_and_english(tmp_path, lang, words):
    ics = tmp_path / "ubnd.ics"
    ics.write_bytes(GOOGLE)
    cfg = write_config(tmp_path, f'ics_file = "{ics}"\n')
    proc = schedule(cfg, "--days", "120", "--lang", lang)
    assert proc.returncode == 0, proc.stderr
    for word in words:
        assert word in proc.stdout, proc.stdout
    assert "Họp thường kỳ tháng" in proc.stdout
    assert "Nghỉ lễ 30/4" not in proc.stdout  # all-day: not a meeting


def test_a_calendar_url_and_its_kept_copy_when_the_link_is_down(calendar_server, tmp_path):
    server = calendar_server
    server.publish(version(2), '"v2"')
    cfg = write_config(tmp_path, f'ics_file = "{server.url}"\nics_timeout_s = 2\n')
    out = listed(schedule(cfg, "--json"))
    assert [m["title"] for m in out["meetings"]] == ["v2"]
    server.state.mode = "404"
    out = listed(schedule(cfg, "--json"))
    assert [m["title"] for m in out["meetings"]] == ["v2"]
    assert [p["kind"] for p in out["problems"]] == ["schedule.ics_fetch_failed"]
    assert "HTTP 404" in out["problems"][0]["message"]
    server.state.mode = "ok"
    out = listed(schedule(cfg, "--json"))
    assert server.seen("If-None-Match")[-1] == '"v2"'
    assert server.state.answers[-1] == 304


def test_unreachable_broker_is_said_and_the_other_sources_still_listed(tmp_path, closed_port):
    cfg = write_config(
        tmp_path,
        'weekly = ["mon 08:00 120 Giao ban"]\n',
        f'[mqtt]\nhost = "127.0.0.1"\nport = {closed_port}\n',
    )
    t0 = time.monotonic()
    proc = schedule(cfg, "--timeout", "1", "--lang", "en")
    assert time.monotonic() - t0 < 15
    assert proc.returncode == 0, proc.stderr
    assert "Could not read the schedule from the MQTT broker" in proc.stderr
    assert "Giao ban" in proc.stdout
    out = listed(schedule(cfg, "--timeout", "1", "--json"))
    assert [p["kind"] for p in out["problems"]] == ["schedule.mqtt_unreachable"]
    assert [m["source"] for m in out["meetings"]] == ["weekly"]


@pytest.mark.broker
def test_retained_mqtt_schedule_read_from_the_broker(tmp_path, broker, mqtt_client):
    central = mqtt_client(broker, "central")
    for mid, rooms, start in (
        ("hop-ubnd-0304", ["moc-chau/*"], "2026-03-04T08:00:00+07:00"),
        ("hop-huyen-khac", ["yen-chau/*"], "2026-03-05T08:00:00+07:00"),
    ):
        body = {
            "schema": "hnth.meeting/1",
            "id": mid,
            "title": "Họp UBND tỉnh",
            "start": start,
            "end": start.replace("08:00", "10:00"),
            "rooms": rooms,
        }
        topic = schedule_topic("son-la", mid)  # the contract's topic, as central publishes it
        assert central.publish_wait(topic, json.dumps(body).encode(), retain=True) == 0
    cfg = write_config(tmp_path, "", f'[mqtt]\nhost = "{broker.host}"\nport = {broker.port}\n')
    out = listed(schedule(cfg, "--json"))
    assert [(m["id"], m["source"], m["start"]) for m in out["meetings"]] == [
        ("hop-ubnd-0304", "mqtt", "2026-03-04T08:00:00+07:00")
    ]
    assert out["problems"] == []


@pytest.mark.parametrize(
    "args", [("--now", "tomorrow"), ("--now", "2026-03-01T00:00:00"), ("--days", "0")]
)
def test_bad_arguments_exit_3(tmp_path, args):
    cfg = write_config(tmp_path, "")
    proc = subprocess.run(
        [HNTH, "schedule", "--config", str(cfg), *args], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 3, proc.stderr
    assert args[0] in proc.stderr
