"""The room's latest result of every check: partial runs merge in, the verdict covers them all.

A run of some checks (a periodic network run, a `check` command with `only`, a device that
came back) updates only its own entries. A passive result (the device was only looked at,
because a call was on or another program held it) stands in only for another passive or
presence result: it never hides what the last real test measured. The book is kept in the
state dir, so a restart (mid-meeting, say) starts from what was known.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import tempfile
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from agent.checks import CheckResult, Status, Trigger
from agent.checks.runner import Report, verdict
from agent.contract.clock import iso, parse_ts
from agent.errors import RemoteProtocolError
from agent.i18n import Text

if TYPE_CHECKING:
    from agent.config import Config
    from agent.room.call import Call

log = logging.getLogger(__name__)

BOOK_FILE: Final = "results.json"
PERIODS_UNTIL_STALE: Final = 3  # a periodic result is stale after this many missed periods


class Book:
    """The latest result per check; thread-safe; saved to `path` after every change."""

    def __init__(self, path: Path | None) -> None:
        """Start empty; `load()` reads what a previous run saved."""
        self.path = path
        self._lock = threading.Lock()
        self._results: dict[str, CheckResult] = {}

    def load(self) -> None:
        """Read the saved results; an unreadable or foreign file is ignored (and said so)."""
        if self.path is None:
            return
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            results = {r.name: r for r in (_from_json(item) for item in raw["checks"])}
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError, RemoteProtocolError) as exc:
            log.warning("ignoring saved check results in %s: %s", self.path, exc)
            return
        with self._lock:
            self._results = results

    def record(self, report: Report) -> None:
        """Merge a run's results (stamped with its start time and trigger) and save."""
        with self._lock:
            for result in report.checks:
                stamped = dataclasses.replace(
                    result,
                    ran_at=result.ran_at or report.started_at,
                    trigger=result.trigger or report.trigger,
                )
                if _replaces(stamped, self._results.get(result.name)):
                    self._results[result.name] = stamped
            snapshot = list(self._results.values())
        self._save(snapshot)

    def get(self, name: str) -> CheckResult | None:
        """The latest result of one check."""
        with self._lock:
            return self._results.get(name)

    def report(
        self,
        config: Config,
        *,
        trigger: Trigger,
        started_at: datetime,
        duration_ms: int = 0,
        meeting: Mapping[str, Any] | None = None,
        call: Call | None = None,
        now: datetime | None = None,
    ) -> Report:
        """The whole room: every enabled check's latest result, stale ones marked."""
        now = now or datetime.now(UTC)
        with self._lock:
            known = dict(self._results)
        checks = tuple(
            dataclasses.replace(r, stale=is_stale(r, config, now))
            for name in config.checks.enabled
            if (r := known.get(name)) is not None
        )
        return Report(
            checks=checks,
            verdict=verdict(checks, config.checks.critical),
            started_at=started_at,
            duration_ms=duration_ms,
            trigger=trigger,
            meeting=meeting,
            call=call,
        )

    def _save(self, results: Sequence[CheckResult]) -> None:
        if self.path is None:
            return
        body = {"schema": "hnth.results/1", "checks": [_to_json(r) for r in results]}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".results-", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(body, f, ensure_ascii=False, default=str)
            Path(tmp).replace(self.path)
        except OSError as exc:
            log.warning("cannot save check results to %s: %s", self.path, exc)
            with contextlib.suppress(NameError, OSError):
                Path(tmp).unlink(missing_ok=True)


def is_stale(result: CheckResult, config: Config, now: datetime) -> bool:
    """True when a result is older than the room should trust it."""
    if result.ran_at is None:
        return True
    horizon = timedelta(hours=config.checks.stale_after_h)
    if result.trigger is Trigger.PERIODIC or result.name in PERIODIC:
        horizon = min(
            horizon, timedelta(minutes=config.schedule.periodic_min * PERIODS_UNTIL_STALE)
        )
    return now - result.ran_at > horizon


def book_path(config: Config) -> Path:
    """Where the daemon keeps its book."""
    return Path(config.agent.state_dir) / BOOK_FILE


# The checks the daemon runs every [schedule] periodic_min (no device is opened by them).
PERIODIC: Final = ("host", "time", "network", "ptz")


# ---------------------------------------------------------------- helpers


def _replaces(new: CheckResult, old: CheckResult | None) -> bool:
    """A passive look replaces only another passive or presence result, never a measurement."""
    if old is None or not new.passive:
        return True
    return old.passive or bool(old.metrics.get("presence"))


def _to_json(r: CheckResult) -> dict[str, Any]:
    return {
        "name": r.name,
        "status": r.status.value,
        "summary": str(r.summary),
        "key": getattr(r.summary, "key", ""),
        "args": dict(getattr(r.summary, "params", {})),
        "hint": None if r.hint is None else str(r.hint),
        "hint_key": getattr(r.hint, "key", ""),
        "hint_args": dict(getattr(r.hint, "params", {})),
        "metrics": dict(r.metrics),
        "duration_ms": r.duration_ms,
        "ran_at": iso(r.ran_at) if r.ran_at else None,
        "trigger": r.trigger.value if r.trigger else None,
    }


def _from_json(item: Mapping[str, Any]) -> CheckResult:
    hint = item.get("hint")
    return CheckResult(
        name=str(item["name"]),
        status=Status(item["status"]),
        summary=Text(str(item["summary"]), str(item.get("key") or ""), item.get("args") or {}),
        hint=None
        if hint is None
        else Text(str(hint), str(item.get("hint_key") or ""), item.get("hint_args") or {}),
        metrics=dict(item.get("metrics") or {}),
        duration_ms=int(item.get("duration_ms") or 0),
        ran_at=parse_ts(item["ran_at"]) if item.get("ran_at") else None,
        trigger=Trigger(item["trigger"]) if item.get("trigger") else None,
    )


__all__ = ["BOOK_FILE", "PERIODIC", "Book", "book_path", "is_stale"]
