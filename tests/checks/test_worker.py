"""Heavy checks run in a real child process; its failures come back as error results."""

from __future__ import annotations

import logging
import sys
import time

from agent.checks import CheckContext, Status
from agent.checks.worker import Batch, Request, split
from agent.config import loads
from agent.i18n import Text


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


# Kills itself with a real SIGSEGV on its first `crashes` runs (counted in a file), then becomes
# the real worker: the child PortAudio crashed in the field, without the C library.
_CRASHER = """\
import os, resource, signal, sys
from pathlib import Path

count, crashes = Path(sys.argv[1]), int(sys.argv[2])
runs = int(count.read_text()) if count.exists() else 0
count.write_text(str(runs + 1))
if runs < crashes:
    print("about to crash", file=sys.stderr, flush=True)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file in the test's cwd
    os.kill(os.getpid(), signal.SIGSEGV)
os.execv(sys.executable, [sys.executable, "-m", "agent.checks.worker"])
"""


def _crashing_batch(tmp_path, crashes: int, names=("host", "network")) -> tuple[Batch, object]:
    cfg = loads(f'[agent]\nstate_dir = "{tmp_path}"\n[host]\ncpu_sample_s = 0\n')
    script = tmp_path / "crasher.py"
    script.write_text(_CRASHER, encoding="utf-8")
    count = tmp_path / "runs"
    args = [str(script), str(count), str(crashes)]
    return Batch(Request(cfg, names, "en", in_meeting=False), timeout_s=60, python_args=args), cfg


def test_a_child_killed_by_a_signal_is_run_again(tmp_path, caplog):
    batch, cfg = _crashing_batch(tmp_path, crashes=1)
    ctx = CheckContext(cfg, lang="en")
    host = batch.loader("host")(ctx)
    net = batch.loader("network")(ctx)
    assert host.status in (Status.PASS, Status.WARN), host
    assert host.metrics["disk_free_mb"] > 0
    assert net.status == Status.SKIP
    assert (tmp_path / "runs").read_text() == "2"
    crashes = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(crashes) == 1
    assert "SIGSEGV" in crashes[0].getMessage()
    assert "about to crash" in crashes[0].getMessage()


def test_a_child_that_dies_twice_is_reported_as_a_crash(tmp_path, caplog):
    t0 = time.monotonic()
    batch, cfg = _crashing_batch(tmp_path, crashes=2)
    ctx = CheckContext(cfg, lang="en")
    for name in ("host", "network"):
        out = batch.loader(name)(ctx)
        assert out.status == Status.ERROR
        assert isinstance(out.summary, Text)
        assert out.summary.key == "worker.crashed"
        assert out.summary.params == {"name": name, "signal": 11, "signame": "SIGSEGV"}
        assert isinstance(out.hint, Text)
        assert out.hint.key == "worker.crashed_hint"
        assert out.hint.params == {"name": name}
        assert out.metrics == {"crashed": True, "signal": 11, "attempts": 2}
    assert time.monotonic() - t0 < 20
    assert (tmp_path / "runs").read_text() == "2"
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 2
    assert all("SIGSEGV" in m and "about to crash" in m for m in warned)


def test_a_child_that_exits_non_zero_twice_keeps_the_failed_message(tmp_path):
    cfg = loads(f'[agent]\nstate_dir = "{tmp_path}"\n')
    args = ["-c", "import sys; sys.exit('no worker here')"]
    batch = Batch(Request(cfg, ("camera",), "en", in_meeting=False), timeout_s=10, python_args=args)
    out = batch.loader("camera")(CheckContext(cfg, lang="en"))
    assert out.status == Status.ERROR
    assert isinstance(out.summary, Text)
    assert out.summary.key == "worker.failed"
    assert out.summary.params["error"] == "worker exited 1: no worker here"
    assert "crashed" not in out.metrics


def test_a_killed_batch_is_not_run_again(tmp_path):
    cfg = loads(f'[agent]\nstate_dir = "{tmp_path}"\n')
    count = tmp_path / "runs"
    script = tmp_path / "slow.py"
    script.write_text(
        "import sys, time\nfrom pathlib import Path\n"
        f"Path({str(count)!r}).write_text('started')\ntime.sleep(30)\n",
        encoding="utf-8",
    )
    batch = Batch(
        Request(cfg, ("camera",), "en", in_meeting=False), timeout_s=60, python_args=[str(script)]
    )
    deadline = time.monotonic() + 10
    while not count.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    count.unlink()
    batch.kill()
    out = batch.loader("camera")(CheckContext(cfg, lang="en"))
    assert out.status == Status.ERROR
    assert out.summary.params["error"] == "worker was stopped"
    assert not count.exists()  # no second child was started
