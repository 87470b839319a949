"""Run heavy checks in a short-lived child process, so the daemon never keeps cv2/numpy/PortAudio.

Measured on the reference machine: the agent with paho is ~24 MB RSS; numpy, OpenCV and
sounddevice add ~50 MB that CPython cannot unload. The child reads a pickled request on stdin
and writes one JSON list of results on stdout. A child that dies (PortAudio has segfaulted in
the field) is run once more; a second death is reported as a crash, not as the devices' state.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from agent.checks import CheckContext, CheckFn, Outcome, Status
from agent.config import Config
from agent.i18n import Text

if TYPE_CHECKING:
    from agent.room.call import Call

log = logging.getLogger(__name__)

# Checks that import OpenCV, numpy or PortAudio.
HEAVY: Final = frozenset({"camera", "microphone", "speaker"})
ATTEMPTS: Final = 2  # a child that dies is run once more, a fresh process with the same request
RETRY_MIN_S: Final = 5.0  # the retry gets what is left of the batch's timeout, at least this


@dataclass(frozen=True, slots=True)
class Request:
    """What the child needs: the config and the run's flags."""

    config: Config
    names: tuple[str, ...]
    lang: str
    in_meeting: bool
    call: Call | None = None  # what the parent saw: a call on, who holds which device


class Batch:
    """A child process running `names` (once more if it dies); each result is waited for alone."""

    def __init__(
        self, request: Request, timeout_s: float, *, python_args: Sequence[str] | None = None
    ) -> None:
        self._request = request
        self._timeout_s = timeout_s
        # Read at construction, not import: tests point sys.executable elsewhere.
        # What our interpreter runs: the worker module, or a test's wrapper around it.
        self._python_args = list(python_args or ("-m", "agent.checks.worker"))
        self._done = threading.Event()
        self._results: dict[str, Outcome] = {}
        self._failure: str | None = None
        self._signal: int | None = None  # set when the last attempt died of this signal
        self._lock = threading.Lock()  # kill() against starting the retry
        self._stopped = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._run, name="check-worker", daemon=True)
        self._thread.start()

    def loader(self, name: str) -> CheckFn:
        """Return a check function that waits for this batch's result for `name`."""

        def run(ctx: CheckContext) -> Outcome:
            self._done.wait(self._timeout_s + RETRY_MIN_S + 5)
            if name in self._results:
                return self._results[name]
            if self._signal is not None:
                sig = self._signal
                return Outcome(
                    Status.ERROR,
                    ctx.t("worker.crashed", name=name, signal=sig, signame=_signame(sig)),
                    ctx.t("worker.crashed_hint", name=name),
                    {"crashed": True, "signal": sig, "attempts": ATTEMPTS},
                )
            return Outcome(
                Status.ERROR,
                ctx.t("worker.failed", name=name, error=self._failure or "no result"),
                ctx.t("runner.crashed_hint"),
            )

        return run

    def kill(self) -> None:
        """Stop the child now, and start no retry (the daemon is shutting down, or gave up)."""
        with self._lock:
            self._stopped.set()
            proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()

    def _run(self) -> None:
        deadline = time.monotonic() + self._timeout_s
        try:
            for attempt in range(1, ATTEMPTS + 1):
                budget = (
                    self._timeout_s
                    if attempt == 1
                    else max(deadline - time.monotonic(), RETRY_MIN_S)
                )
                ran = self._once(budget)
                if ran is None:
                    return
                code, out, err = ran
                if code == 0:
                    self._store(json.loads(out))
                    return
                tail = (err.decode(errors="replace").strip().splitlines() or ["?"])[-1]
                how = f"died of {_signame(-code)}" if code < 0 else f"exited {code}"
                log.warning(
                    "check worker (%s) %s, attempt %d of %d: %s",
                    ", ".join(self._request.names),
                    how,
                    attempt,
                    ATTEMPTS,
                    tail,
                )
                answered = _answer(out)
                if answered is not None:
                    # It died after writing every result (a check thread left behind crashed
                    # before os._exit): those results judged the devices, keep them.
                    self._store(answered)
                    return
                self._failure = f"worker exited {code}: {tail}"
                self._signal = -code if code < 0 and attempt == ATTEMPTS else None
        except (OSError, ValueError, KeyError) as exc:
            self._failure = f"{type(exc).__name__}: {exc}"
        finally:
            self._done.set()

    def _once(self, timeout_s: float) -> tuple[int, bytes, bytes] | None:
        """Run one child; return (returncode, stdout, stderr), or None if stopped or late."""
        with self._lock:
            if self._stopped.is_set():
                self._failure = "worker was stopped"
                return None
            proc = self._proc = subprocess.Popen(
                [sys.executable, *self._python_args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        try:
            out, err = proc.communicate(pickle.dumps(self._request), timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            self._failure = f"worker did not finish within {timeout_s:g} s"
            return None
        if self._stopped.is_set():
            self._failure = "worker was stopped"
            return None
        return proc.returncode, out, err

    def _store(self, items: list[dict[str, Any]]) -> None:
        for item in items:
            hint = item["hint"]
            self._results[item["name"]] = Outcome(
                Status(item["status"]),
                Text(item["summary"], item.get("key", ""), item.get("args")),
                None
                if hint is None
                else Text(hint, item.get("hint_key", ""), item.get("hint_args")),
                item["metrics"],
            )


def run_request(request: Request) -> list[dict[str, Any]]:
    """Run the request's checks in this process; return JSON-ready results."""
    from agent.checks.runner import run_checks

    ctx = CheckContext(
        request.config, lang=request.lang, in_meeting=request.in_meeting, call=request.call
    )
    report = run_checks(list(request.names), ctx)
    return [
        {
            "name": c.name,
            "status": c.status.value,
            "summary": c.summary,
            "hint": c.hint,
            "metrics": dict(c.metrics),
            # The catalogue key and params travel too, so the report stays machine-readable.
            "key": getattr(c.summary, "key", ""),
            "args": getattr(c.summary, "params", {}),
            "hint_key": getattr(c.hint, "key", ""),
            "hint_args": getattr(c.hint, "params", {}),
        }
        for c in report.checks
    ]


def split(names: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split check names into (in-process, heavy) lists, keeping their order."""
    return [n for n in names if n not in HEAVY], [n for n in names if n in HEAVY]


def _signame(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:  # a real-time signal has no name of its own
        return f"SIG{signum}"


def _answer(out: bytes) -> list[dict[str, Any]] | None:
    """Return the child's result list if it wrote a whole one, else None."""
    try:
        items = json.loads(out)
    except ValueError:
        return None
    return items if isinstance(items, list) and items else None


def _main() -> int:
    # Run as __main__, this module's classes are not the ones the pickle names: use the import.
    from agent.checks import worker  # noqa: PLW0406 - see the comment above

    request = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - our own parent process wrote it
    if not isinstance(request, worker.Request):
        return 2
    t0 = time.monotonic()
    results = worker.run_request(request)
    log.debug("worker ran %s in %.0f ms", request.names, (time.monotonic() - t0) * 1000)
    sys.stdout.write(json.dumps(results, ensure_ascii=False))
    sys.stdout.flush()
    # Daemon threads of a hung check must not keep the child alive after it answered.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(_main())
