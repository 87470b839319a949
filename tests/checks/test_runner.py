"""The check runner: concurrency, deadlines, crashes and the contract's verdict."""

from __future__ import annotations

import threading
import time

import pytest

from agent.checks import CheckContext, CheckResult, Outcome, Status, Verdict
from agent.checks.runner import run_checks, verdict
from agent.config import loads


def _ctx(text: str = "") -> CheckContext:
    return CheckContext(loads(text), lang="en")


def _result(name: str, status: Status) -> CheckResult:
    return CheckResult(name, status, "x", None, {}, 1)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ({"camera": Status.PASS, "host": Status.PASS}, Verdict.READY),
        ({"camera": Status.PASS, "host": Status.SKIP}, Verdict.READY),
        ({"camera": Status.SKIP, "ptz": Status.SKIP}, Verdict.READY),
        ({"camera": Status.WARN, "host": Status.PASS}, Verdict.DEGRADED),
        ({"camera": Status.PASS, "host": Status.FAIL}, Verdict.DEGRADED),
        ({"camera": Status.PASS, "host": Status.ERROR}, Verdict.DEGRADED),
        ({"camera": Status.FAIL, "host": Status.PASS}, Verdict.NOT_READY),
        ({"camera": Status.ERROR, "host": Status.WARN}, Verdict.NOT_READY),
        ({"network": Status.FAIL}, Verdict.NOT_READY),
        ({"speaker": Status.FAIL}, Verdict.DEGRADED),
    ],
)
def test_verdict_follows_the_contract(statuses, expected):
    results = [_result(n, s) for n, s in statuses.items()]
    assert verdict(results, ["camera", "microphone", "display", "network", "ptz"]) == expected


def test_checks_run_concurrently_and_in_order():
    started: list[str] = []
    barrier = threading.Barrier(3, timeout=5)

    def loader(name):
        def run(ctx):
            started.append(name)
            barrier.wait()  # only passes if all three run at the same time
            return Outcome(Status.PASS, f"{name} ok")

        return run

    report = run_checks(["ptz", "host", "camera"], _ctx(), loader=loader)
    assert [c.name for c in report.checks] == ["ptz", "host", "camera"]
    assert all(c.status == Status.PASS for c in report.checks)
    assert sorted(started) == ["camera", "host", "ptz"]
    assert report.verdict == Verdict.READY


def test_overrun_becomes_error_and_others_finish():
    release = threading.Event()

    def loader(name):
        def run(ctx):
            if name == "camera":
                release.wait(10)
            return Outcome(Status.PASS, "ok")

        return run

    ctx = _ctx("[checks]\ntimeouts = { camera = 0.3 }\n")
    t0 = time.monotonic()
    report = run_checks(["camera", "host"], ctx, loader=loader)
    elapsed = time.monotonic() - t0
    release.set()
    cam = report.result("camera")
    assert cam is not None
    assert cam.status == Status.ERROR
    assert "0.3" in cam.summary
    assert cam.hint
    assert report.result("host").status == Status.PASS  # type: ignore[union-attr]
    assert report.verdict == Verdict.NOT_READY  # camera is critical
    assert elapsed < 5  # bounded by the deadline, not by the hung check


def test_crash_becomes_error_with_the_exception_named():
    def loader(name):
        def run(ctx):
            if name == "display":
                msg = "no such connector"
                raise RuntimeError(msg)
            return Outcome(Status.PASS, "ok")

        return run

    seen: list[str] = []
    report = run_checks(
        ["display", "host"], _ctx(), loader=loader, on_result=lambda r: seen.append(r.name)
    )
    disp = report.result("display")
    assert disp is not None
    assert disp.status == Status.ERROR
    assert "RuntimeError" in disp.summary
    assert "no such connector" in disp.summary
    assert sorted(seen) == ["display", "host"]


def test_a_check_returning_garbage_is_an_error():
    report = run_checks(["host"], _ctx(), loader=lambda n: lambda ctx: "fine")
    assert report.checks[0].status == Status.ERROR


def test_missing_check_module_is_an_error_not_a_crash():
    def loader(name):
        raise ModuleNotFoundError(name)

    report = run_checks(["camera"], _ctx(), loader=loader)
    assert report.checks[0].status == Status.ERROR
