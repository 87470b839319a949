"""`hnth-agent run` as a real subprocess: READY, WATCHDOG, schedule, SIGHUP and SIGTERM."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta

from tests.daemon.rig import Daemon


def ics_meeting(start: datetime, uid: str = "hop-thu") -> str:
    stamp = start.strftime("%Y%m%dT%H%M%SZ")
    end = (start + timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")
    event = f"UID:{uid}\nSUMMARY:Họp thử\nDTSTART:{stamp}\nDTEND:{end}\n"
    return f"BEGIN:VCALENDAR\nBEGIN:VEVENT\n{event}END:VEVENT\nEND:VCALENDAR\n"


def test_daemon_lifecycle_without_broker(tmp_path, open_port):
    ics = tmp_path / "meetings.ics"
    ics.write_text(ics_meeting(datetime.now(UTC) + timedelta(seconds=8)), encoding="utf-8")
    cfg = tmp_path / "config.toml"
    good = (
        f'[agent]\nstate_dir = "{tmp_path / "state"}"\nlanguage = "en"\n'
        f'[network]\ntargets = ["127.0.0.1:{open_port}"]\nsamples = 1\n'
        "[host]\ncpu_sample_s = 0\n"
        '[checks]\nenabled = ["host", "network"]\n'
        f'[schedule]\noffsets_min = [0.05]\nics_file = "{ics}"\n'
    )
    cfg.write_text(good, encoding="utf-8")
    d = Daemon(tmp_path, cfg)
    try:
        d.wait_for(lambda: d.notice("READY=1"), 20, "READY=1")
        d.wait_for(lambda: d.notice("WATCHDOG=1"), 10, "WATCHDOG=1")
        assert any("STATUS=" in n for n in d.notices)
        d.wait_for(lambda: d.logged("checks (startup)"), 10, "the startup check")
        d.wait_for(lambda: d.logged("for meeting hop-thu"), 20, "the pre-meeting check")
        assert d.logged("checks (schedule) verdict ready")

        # A broken config on SIGHUP: the daemon says why and keeps running on the old one.
        cfg.write_text(good.replace("[host]\n", "[host]\nbogus = 1\n"), encoding="utf-8")
        d.signal(signal.SIGHUP)
        d.wait_for(lambda: d.logged("config reload refused"), 10, "the refused reload")
        time.sleep(0.5)
        assert d.proc.poll() is None
        # The refusal names the unknown key and its section, so the technician can fix it.
        refused = [line for line in d.lines if "config reload refused" in line]
        assert any("bogus" in line and "host" in line for line in refused), refused

        # The ICS file vanishes: an event, not a crash.
        ics.unlink()
        d.wait_for(lambda: d.logged("schedule.ics_missing"), 10, "the missing ICS report")
        assert d.proc.poll() is None

        t0 = time.monotonic()
        d.signal(signal.SIGTERM)
        d.proc.wait(10)
        assert time.monotonic() - t0 < 5
        assert d.proc.returncode == 0
        assert d.notice("STOPPING=1")
    finally:
        d.close()
