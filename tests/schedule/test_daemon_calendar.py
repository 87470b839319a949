"""`hnth-agent run` with a calendar: a file that breaks and mends, a URL that is down at start."""

from __future__ import annotations

import os
import subprocess
import time
from datetime import UTC, datetime, timedelta

from tests.daemon.rig import HNTH, Daemon
from tests.schedule.calendars import calendar


def meeting_in(seconds: float, uid: str) -> bytes:
    start = datetime.now(UTC) + timedelta(seconds=seconds)
    stamp = start.strftime("%Y%m%dT%H%M%SZ")
    end = (start + timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")
    return calendar(f"UID:{uid}\nSUMMARY:Họp thử\nDTSTART:{stamp}\nDTEND:{end}")


def config(tmp_path, ics_file: str, open_port: int) -> str:
    return (
        f'[agent]\nstate_dir = "{tmp_path / "state"}"\nlanguage = "en"\n'
        f'[network]\ntargets = ["127.0.0.1:{open_port}"]\nsamples = 1\n'
        "[host]\ncpu_sample_s = 0\n"
        '[checks]\nenabled = ["host"]\ncritical = []\n'
        f'[schedule]\noffsets_min = [0.05]\nperiodic_min = 60\nics_file = "{ics_file}"\n'
    )


def count(d: Daemon, text: str) -> int:
    return sum(text in line for line in d.lines)


def test_a_calendar_file_that_breaks_is_reported_once_and_mends(tmp_path, open_port):
    ics = tmp_path / "meetings.ics"
    ics.write_bytes(meeting_in(3600, "hop-sau"))
    cfg = tmp_path / "config.toml"
    cfg.write_text(config(tmp_path, str(ics), open_port), encoding="utf-8")
    d = Daemon(tmp_path, cfg)
    try:
        d.wait_for(lambda: d.logged("checks (startup)"), 20, "the startup check")
        ics.write_bytes(b"<html>the office moved the calendar</html>")
        d.wait_for(lambda: d.logged("schedule.ics_invalid:"), 10, "the invalid calendar event")
        time.sleep(2.5)  # several ticks: still one event
        assert count(d, "schedule.ics_invalid:") == 1
        # The mended calendar has a meeting in 6 s: its check runs, so the schedule followed.
        ics.write_bytes(meeting_in(6, "hop-thu-lai"))
        d.wait_for(lambda: d.logged("schedule.ics_recovered:"), 10, "the recovery event")
        d.wait_for(lambda: d.logged("for meeting hop-thu-lai"), 20, "the pre-meeting check")
        assert count(d, "schedule.ics_recovered:") == 1
        assert d.proc.poll() is None
    finally:
        d.close()


def test_a_url_down_at_start_leaves_the_kept_copy_in_charge(calendar_server, tmp_path, open_port):
    server = calendar_server
    server.publish(meeting_in(12, "hop-tu-ban-sao"), '"v1"')
    cfg = tmp_path / "config.toml"
    cfg.write_text(config(tmp_path, server.url, open_port), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "HNTH_AGENT_CONFIG"}
    # `hnth-agent schedule` reads the calendar the daemon's way, keeping the copy in state_dir.
    listed = subprocess.run(
        [HNTH, "schedule", "--config", str(cfg), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert "hop-tu-ban-sao" in listed.stdout, listed.stderr
    server.state.mode = "404"
    d = Daemon(tmp_path, cfg)
    try:
        d.wait_for(lambda: d.logged("schedule.ics_fetch_failed:"), 20, "the failed fetch event")
        d.wait_for(lambda: d.logged("for meeting hop-tu-ban-sao"), 25, "the pre-meeting check")
        assert count(d, "schedule.ics_fetch_failed:") == 1
        assert "HTTP 404" in next(line for line in d.lines if "ics_fetch_failed:" in line)
        # The daemon asked conditionally, with the kept copy's ETag.
        assert server.seen("If-None-Match")[-1] == '"v1"'
    finally:
        d.close()
