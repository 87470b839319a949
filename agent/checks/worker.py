"""Run heavy checks in a short-lived child process, so the daemon never keeps cv2/numpy/PortAudio.

Measured on the reference machine: the agent with paho is ~24 MB RSS; numpy, OpenCV and
sounddevice add ~50 MB that CPython cannot unload. The child reads a pickled request on stdin
and writes one JSON list of results on stdout.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from agent.checks import CheckContext, CheckFn, Outcome, Status
from agent.config import Config
from agent.i18n import Text

log = logging.getLogger(__name__)

# Checks that import OpenCV, numpy or PortAudio.
HEAVY: Final = frozenset({"camera", "microphone", "speaker"})


@dataclass(frozen=True, slots=True)
class Request:
    """What the child needs: the config and the run's flags."""

    config: Config
    names: tuple[str, ...]
    lang: str
    in_meeting: bool


class Batch:
    """One child process running `names`; each name's result is waited for separately."""

    def __init__(self, request: Request, timeout_s: float) -> None:
        self._request = request
        self._timeout_s = timeout_s
        self._done = threading.Event()
        self._results: dict[str, Outcome] = {}
        self._failure: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._run, name="check-worker", daemon=True)
        self._thread.start()

    def loader(self, name: str) -> CheckFn:
        """Return a check function that waits for this batch's result for `name`."""

        def run(ctx: CheckContext) -> Outcome:
            self._done.wait(self._timeout_s + 5)
            if name in self._results:
                return self._results[name]
            return Outcome(
                Status.ERROR,
                ctx.t("worker.failed", name=name, error=self._failure or "no result"),
                ctx.t("runner.crashed_hint"),
            )

        return run

    def kill(self) -> None:
        """Stop the child now (the daemon is shutting down or the run was abandoned)."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()

    def _run(self) -> None:
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "agent.checks.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            try:
                out, err = self._proc.communicate(
                    pickle.dumps(self._request), timeout=self._timeout_s
                )
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.communicate()
                self._failure = f"worker did not finish within {self._timeout_s:g} s"
                return
            if self._proc.returncode != 0:
                tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
                self._failure = f"worker exited {self._proc.returncode}: {tail[0]}"
                return
            for item in json.loads(out):
                hint = item["hint"]
                self._results[item["name"]] = Outcome(
                    Status(item["status"]),
                    Text(item["summary"], item.get("key", ""), item.get("args")),
                    None
                    if hint is None
                    else Text(hint, item.get("hint_key", ""), item.get("hint_args")),
                    item["metrics"],
                )
        except (OSError, ValueError, KeyError) as exc:
            self._failure = f"{type(exc).__name__}: {exc}"
        finally:
            self._done.set()


def run_request(request: Request) -> list[dict[str, Any]]:
    """Run the request's checks in this process; return JSON-ready results."""
    from agent.checks.runner import run_checks

    ctx = CheckContext(request.config, lang=request.lang, in_meeting=request.in_meeting)
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
