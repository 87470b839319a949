"""The host check on this machine: metrics present, thresholds applied, no sensors is no failure."""

from __future__ import annotations

from agent.checks import CheckContext, Status
from agent.checks.host import run
from agent.config import loads


def test_host_reports_metrics(tmp_path):
    out = run(CheckContext(loads(f'[agent]\nstate_dir = "{tmp_path / "state"}"\n'), lang="en"))
    m = out.metrics
    for key in ("cpu_pct", "mem_pct", "disk_free_mb", "uptime_s", "load", "temp_c"):
        assert key in m
    assert m["disk_free_mb"] > 0
    assert m["disk_path"] == str(tmp_path)  # the nearest existing parent of the state dir
    if m["temp_c"] is None:
        assert "no sensors" in out.summary
    assert out.status in (Status.PASS, Status.WARN)


def test_disk_threshold_fails_with_hint(tmp_path):
    cfg = loads(f'[agent]\nstate_dir = "{tmp_path}"\n[host]\nmin_free_disk_mb = 1e12\n')
    out = run(CheckContext(cfg, lang="en"))
    assert out.status == Status.FAIL
    assert out.hint is not None
    assert str(tmp_path) in out.hint


def test_memory_threshold_warns(tmp_path):
    cfg = loads(f'[agent]\nstate_dir = "{tmp_path}"\n[host]\nwarn_mem_pct = 1\n')
    out = run(CheckContext(cfg, lang="vi"))
    assert out.status == Status.WARN
    assert "RAM" in out.summary
