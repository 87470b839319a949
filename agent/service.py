"""The daemon: wires config, checks, the meeting schedule, MQTT and systemd together."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from agent import config as config_mod
from agent import devices, systemd
from agent.checks import CheckContext, CheckFn, Trigger, load
from agent.checks.runner import Report, run_checks
from agent.checks.worker import Batch, Request, split
from agent.config import Config
from agent.errors import ConfigError
from agent.i18n import set_language, t
from agent.reporters import MqttReporter, NullReporter, Reporter
from agent.schedule import Meeting, MeetingBook, current, due, next_wakeup, overlaps
from agent.schedule.done import DoneSlots

log = logging.getLogger(__name__)

LIGHT_CHECKS = ("host", "time", "network", "ptz")
READY_WAIT_S = 10.0  # READY=1 after the first connect, or after this long without one
TICK_S = 1.0  # the main loop wakes at least this often (watchdog, ICS changes)


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


class Agent:
    """The long-running agent; `run()` blocks until `stop()` (SIGTERM) and returns an exit code."""

    def __init__(
        self,
        config: Config,
        *,
        reporter_factory: Callable[[Agent], Reporter] | None = None,
        clock: Callable[[], datetime] = utcnow,
        loader: Callable[[str], CheckFn] = load,
    ) -> None:
        self.config = config
        self.clock = clock
        self._loader = loader
        self._reporter_factory = reporter_factory or (lambda _agent: NullReporter())
        self.reporter: Reporter = NullReporter()
        self.book = MeetingBook(config, self._problem)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._reload = threading.Event()
        self._run_lock = threading.Lock()
        self.done = DoneSlots(lambda: self.config.agent.state_dir, clock)
        self._last_report: Report | None = None
        self._last_periodic = 0.0
        self._last_overlap: set[tuple[str, str]] = set()
        self.activity = "starting"

    # ---------------------------------------------------------------- public

    def stop(self) -> None:
        """Ask the main loop to finish (safe from a signal handler)."""
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        """Make the main loop look at the schedule now (a meeting message arrived)."""
        self._wake.set()

    def reload(self) -> None:
        """Ask the main loop to reload the config (safe from a signal handler)."""
        self._reload.set()
        self._wake.set()

    def in_meeting(self) -> Meeting | None:
        """Return the meeting in progress, if any."""
        now = self.clock()
        return current(self.book.meetings(now), now)

    def camera(self) -> Any:
        """Return the process-wide PTZ camera (VISCA or Pelco); None when [ptz] port is not set."""
        return devices.camera(self.config.ptz)

    def run_checks(
        self,
        names: Sequence[str],
        trigger: Trigger,
        meeting: Meeting | None = None,
        *,
        allow_motion: bool = True,
        publish: bool = True,
    ) -> Report:
        """Run checks (one run at a time), publish the report unless told not to, return it."""
        with self._run_lock:
            # In a meeting the checks themselves neither move the camera nor play the tone.
            in_meeting = self.in_meeting() is not None
            self.activity = t("daemon.activity.checking", trigger=trigger.value)
            self._status()
            _, heavy = split(names)
            batch: Batch | None = None
            lang = self.config.agent.language
            if heavy:
                request = Request(self.config, tuple(heavy), lang, in_meeting)
                batch = Batch(request, max(self.config.timeout_for(n) for n in heavy))
            ctx = CheckContext(
                self.config, lang=lang, in_meeting=in_meeting, allow_motion=allow_motion
            )

            def loader(name: str) -> CheckFn:
                return (
                    batch.loader(name)
                    if batch is not None and name in heavy
                    else self._loader(name)
                )

            try:
                report = run_checks(
                    list(names),
                    ctx,
                    trigger=trigger,
                    meeting=meeting.info() if meeting else None,
                    loader=loader,
                )
            finally:
                if batch is not None:
                    batch.kill()
            self._last_report = report
            self.activity = "idle"
        _trim_heap()
        if publish:
            try:
                self.reporter.publish_report(report)
            except Exception:
                log.exception("could not publish the report")
        log.info(
            "checks (%s) verdict %s in %d ms%s",
            trigger.value,
            report.verdict.value,
            report.duration_ms,
            f" for meeting {meeting.id}" if meeting else "",
        )
        self._status()
        return report

    def run(self) -> int:
        """Run until stopped; return the process exit code."""
        self.done.load()
        self.reporter = self._reporter_factory(self)
        self.reporter.start()
        self.reporter.event("agent.started", agent_version=_version(), config=self.config.source)
        ready_deadline = time.monotonic() + READY_WAIT_S
        ready_sent = False
        watchdog_every = systemd.watchdog_interval_s()
        last_pet = 0.0
        self.run_checks(self.config.checks.enabled, Trigger.STARTUP, allow_motion=False)
        self._last_periodic = time.monotonic()
        while not self._stop.is_set():
            now_mono = time.monotonic()
            if not ready_sent and (self.reporter.connected() or now_mono >= ready_deadline):
                systemd.ready(self._status_text())
                ready_sent = True
            if self._reload.is_set():
                self._reload.clear()
                self._do_reload()
            try:
                self._tick()
            except Exception:
                # The loop must survive anything a tick meets; the watchdog notices a real hang.
                log.exception("main loop tick failed")
            if (
                watchdog_every
                and time.monotonic() - last_pet >= watchdog_every
                and self.reporter.healthy()
            ):
                systemd.watchdog()
                last_pet = time.monotonic()
            self._wake.wait(self._sleep_s())
            self._wake.clear()
        systemd.stopping(t("daemon.stopping"))
        log.info("stopping")
        # STOP first: a camera moving for an MQTT verb (a timed move, a hold) must not keep
        # moving after the process is gone, and the broker goodbye below may take seconds.
        devices.stop_camera(self.config.ptz)
        self.reporter.stop(timeout=3.0)
        devices.close_camera(self.config.ptz)
        return 0

    # ---------------------------------------------------------------- the loop

    def _tick(self) -> None:
        now = self.clock()
        self.book.refresh_ics(now)
        meetings = self.book.meetings(now)
        self._report_overlaps(meetings)
        for item in due(meetings, self.config.schedule.offsets_min, now, self.done.slots):
            self.done.add(item.keys())
            if self.config.schedule.prep:
                self._prep(item.meeting)
            self.run_checks(self.config.checks.enabled, Trigger.SCHEDULE, item.meeting)
            if self._stop.is_set():
                return
        periodic_s = self.config.schedule.periodic_min * 60
        if time.monotonic() - self._last_periodic >= periodic_s:
            self._last_periodic = time.monotonic()
            names = [n for n in LIGHT_CHECKS if n in self.config.checks.enabled]
            if names:
                self.run_checks(names, Trigger.PERIODIC, allow_motion=False)

    def _prep(self, meeting: Meeting) -> None:
        """Prepare the room before a meeting: camera power on; the ptz check then goes home."""
        if self.in_meeting() is not None:
            return
        done, problems = devices.prepare(self.config.ptz)
        for problem in problems:
            self._problem("prep.failed", problem)
        if done:
            self.reporter.event("prep.done", meeting_id=meeting.id, actions=done)

    def _sleep_s(self) -> float:
        now = self.clock()
        wake = next_wakeup(
            self.book.meetings(now), self.config.schedule.offsets_min, now, self.done.slots
        )
        until_due = (wake - now).total_seconds() if wake else TICK_S
        return max(0.05, min(TICK_S, until_due))

    def _report_overlaps(self, meetings: list[Meeting]) -> None:
        pairs = {(a.id, b.id) for a, b in overlaps(meetings)}
        for a, b in pairs - self._last_overlap:
            self._problem("schedule.overlap", f"meetings {a} and {b} overlap")
        self._last_overlap = pairs

    # ---------------------------------------------------------------- config reload

    def _do_reload(self) -> None:
        path = self.config.source
        try:
            new = config_mod.load(path)
        except ConfigError as exc:
            log.error("config reload refused, still running on the old one: %s", exc.message)  # noqa: TRY400 - one line, no traceback
            self.reporter.event("config.invalid", error=exc.message, path=path)
            return
        old = self.config
        self.config = new
        set_language(new.agent.language)
        self.book.reconfigure(new)
        log.info("config reloaded from %s", path)
        self.reporter.event("config.reloaded", path=path)
        if dataclasses.astuple(new.mqtt) != dataclasses.astuple(old.mqtt) or new.room != old.room:
            self.reporter.stop(timeout=2.0)
            self.reporter = self._reporter_factory(self)
            self.reporter.start()

    # ---------------------------------------------------------------- helpers

    def _problem(self, kind: str, message: str) -> None:
        log.warning("%s: %s", kind, message)
        with contextlib.suppress(Exception):
            self.reporter.event(kind, message=message)

    def _status_text(self) -> str:
        last = self._last_report
        verdict = t(f"verdict.{last.verdict.value}") if last else "-"
        return t("daemon.status", activity=self.activity, verdict=verdict)

    def _status(self) -> None:
        systemd.status(self._status_text())


def install_signals(agent: Agent) -> None:
    """SIGTERM/SIGINT stop the agent; SIGHUP reloads its config."""

    def on_stop(_sig: int, _frame: FrameType | None) -> None:
        agent.stop()

    def on_hup(_sig: int, _frame: FrameType | None) -> None:
        agent.reload()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGHUP, on_hup)


def _trim_heap() -> None:
    """Give freed heap back to the OS after a check run: the daemon idles for hours after it."""
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _version() -> str:
    from agent import __version__

    return __version__


# The reporters live in agent.reporters; `hnth-agent run` imports them from here.
__all__ = ["Agent", "MeetingBook", "MqttReporter", "NullReporter", "Reporter", "install_signals"]
