"""Run checks concurrently, each under its own deadline, and build the verdict."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from agent.checks import CheckContext, CheckFn, CheckResult, Outcome, Status, Trigger, Verdict, load

if TYPE_CHECKING:
    from agent.room.call import Call

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Report:
    """One run of checks: the results in order, the verdict and when it ran."""

    checks: tuple[CheckResult, ...]
    verdict: Verdict
    started_at: datetime
    duration_ms: int
    trigger: Trigger
    meeting: Mapping[str, Any] | None = None
    call: Call | None = None  # what the room was doing when the run started

    def result(self, name: str) -> CheckResult | None:
        """Return the result of check `name`, if it ran."""
        return next((c for c in self.checks if c.name == name), None)


def verdict(results: Iterable[CheckResult], critical: Iterable[str]) -> Verdict:
    """Apply the contract: critical fail/error → not_ready; any warn or other fail → degraded."""
    crit = set(critical)
    bad = (Status.FAIL, Status.ERROR)
    items = list(results)
    if any(r.status in bad and r.name in crit for r in items):
        return Verdict.NOT_READY
    if any(r.status == Status.WARN or r.status in bad for r in items):
        return Verdict.DEGRADED
    return Verdict.READY


def run_checks(
    names: Sequence[str],
    ctx: CheckContext,
    *,
    trigger: Trigger = Trigger.MANUAL,
    meeting: Mapping[str, Any] | None = None,
    loader: Callable[[str], CheckFn] = load,
    on_result: Callable[[CheckResult], None] | None = None,
) -> Report:
    """Run `names` concurrently and return the report; never raises for a failing check."""
    started_at = datetime.now(UTC)
    t0 = time.monotonic()
    done: queue.Queue[CheckResult] = queue.Queue()
    deadlines: dict[str, float] = {}
    for name in names:
        deadlines[name] = t0 + ctx.deadline_s(name)
        # Daemon threads: a check stuck inside a driver call cannot be killed, but it must
        # not keep the process alive or hold up the other checks.
        threading.Thread(
            target=_run_one, args=(name, ctx, loader, done), name=f"check-{name}", daemon=True
        ).start()

    results: dict[str, CheckResult] = {}
    while len(results) < len(names):
        pending = [n for n in names if n not in results]
        wait = min(deadlines[n] for n in pending) - time.monotonic()
        try:
            res = done.get(timeout=max(wait, 0.0))
        except queue.Empty:
            now = time.monotonic()
            for n in pending:
                if deadlines[n] <= now:
                    limit = ctx.deadline_s(n)
                    results[n] = CheckResult(
                        n,
                        Status.ERROR,
                        ctx.t("runner.overrun", name=n, seconds=f"{limit:g}"),
                        ctx.t("runner.overrun_hint", name=n),
                        {},
                        round(limit * 1000),
                    )
                    log.warning("check %s overran its %.1f s deadline", n, limit)
                    if on_result:
                        on_result(results[n])
            continue
        if res.name in results:
            continue  # finished after its deadline was already reported
        results[res.name] = res
        if on_result:
            on_result(res)

    ordered = tuple(results[n] for n in names)
    return Report(
        checks=ordered,
        verdict=verdict(ordered, ctx.config.checks.critical),
        started_at=started_at,
        duration_ms=round((time.monotonic() - t0) * 1000),
        trigger=trigger,
        meeting=meeting,
        call=ctx.call,
    )


def _run_one(
    name: str, ctx: CheckContext, loader: Callable[[str], CheckFn], out: queue.Queue[CheckResult]
) -> None:
    t0 = time.monotonic()
    try:
        # Typed as object: a check written elsewhere may return anything; report it, not crash.
        outcome: object = loader(name)(ctx)
        if not isinstance(outcome, Outcome):
            msg = f"check {name} returned {type(outcome).__name__}, not Outcome"
            raise TypeError(msg)  # noqa: TRY301 - reported like any other crash below
    except Exception as exc:
        log.exception("check %s crashed", name)
        outcome = Outcome(
            Status.ERROR,
            ctx.t("runner.crashed", name=name, error=f"{type(exc).__name__}: {exc}"),
            ctx.t("runner.crashed_hint"),
        )
    out.put(
        CheckResult(
            name,
            outcome.status,
            outcome.summary,
            outcome.hint,
            dict(outcome.metrics),
            round((time.monotonic() - t0) * 1000),
        )
    )
