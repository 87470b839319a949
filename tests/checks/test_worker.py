"""Heavy checks run in a real child process; its failures come back as error results."""

from __future__ import annotations

import sys

from agent.checks import CheckContext, Status
from agent.checks.worker import Batch, Request, split
from agent.config import loads


def test_split_keeps_order():
    assert split(["host", "camera", "ptz", "speaker", "microphone"]) == (
        ["host", "ptz"],
        ["camera", "speaker", "microphone"],
    )


def test_child_runs_checks_and_returns_results(tmp_path):
    cfg = loads(f'[agent]\nstate_dir = "{tmp_path}"\n[host]\ncpu_sample_s = 0\n')
    batch = Batch(Request(cfg, ("host", "network"), "en", in_meeting=False), timeout_s=60)
    ctx = CheckContext(cfg, lang="en")
    host = batch.loader("host")(ctx)
    net = batch.loader("network")(ctx)
    assert host.status in (Status.PASS, Status.WARN)
    assert "CPU" in host.summary
    assert host.metrics["disk_free_mb"] > 0
    assert net.status == Status.SKIP  # no targets configured


def test_child_that_cannot_start_gives_an_error(tmp_path, monkeypatch):
    cfg = loads(f'[agent]\nstate_dir = "{tmp_path}"\n')
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python"))
    batch = Batch(Request(cfg, ("camera",), "en", in_meeting=False), timeout_s=5)
    out = batch.loader("camera")(CheckContext(cfg, lang="en"))
    assert out.status == Status.ERROR
    assert "camera" in out.summary
