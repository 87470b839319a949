"""The daemon: wires config, checks, the room's state, the schedule, MQTT and systemd together.

What it promises: it never disturbs a call (agent.room.call decides, before every run), it
never calls a busy device broken, and its readiness always describes the whole room
(agent.checks.book). Device arrival and removal are events (agent.room.watch), acted on in
agent.roomwatch; the local socket (agent.local) makes it the one owner of the devices.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any, Final

from agent import config as config_mod
from agent import devices, systemd
from agent.checks import CheckContext, CheckFn, Trigger, load
from agent.checks.book import PERIODIC, Book, book_path
from agent.checks.runner import Report, run_checks
from agent.checks.worker import Batch, Request, split
from agent.config import Config
from agent.errors import AgentError, ConfigError
from agent.i18n import set_language, t
from agent.reporters import MqttReporter, NullReporter, Reporter
from agent.room.call import NO_CALL, Call, detect
from agent.room.sound import Sound
from agent.roomwatch import RoomWatch
from agent.schedule import Meeting, MeetingBook, current, due, next_wakeup, overlaps
from agent.schedule.done import DoneSlots

if TYPE_CHECKING:
    from agent.local.server import LocalServer

log = logging.getLogger(__name__)

LIGHT_CHECKS: Final = PERIODIC  # the old name of the periodic set
READY_WAIT_S = 10.0  # READY=1 after the first connect, or after this long without one
TICK_S = 1.0  # the main loop wakes at least this often (watchdog, ICS changes)
# The startup run neither plays nor moves: a restart may fall in the middle of a call that
# call detection cannot see (no access to the desktop's sound server, say).
STARTUP_SKIPS: Final = ("speaker",)


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
        self._wall = clock
        # True time minus the PC's clock, from the time check (SNTP or chrony); 0 until known.
        self.clock_offset_s = 0.0
        self._loader = loader
        self._reporter_factory = reporter_factory or (lambda _agent: NullReporter())
        self.reporter: Reporter = NullReporter()
        self.book = MeetingBook(config, self._problem)
        self.results = Book(book_path(config))
        self.sound = Sound(config)
        self.call: Call = NO_CALL
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._reload = threading.Event()
        self._run_lock = threading.Lock()
        self._call_lock = threading.Lock()
        self.done = DoneSlots(lambda: self.config.agent.state_dir, self.now)
        self._last_report: Report | None = None
        self._last_periodic = 0.0
        self._last_overlap: set[tuple[str, str]] = set()
        self.watch = RoomWatch(self)
        self.local: LocalServer | None = None
        self.activity = "starting"

    # ---------------------------------------------------------------- public

    def now(self) -> datetime:
        """True time: the PC's clock corrected by the offset the time check measured."""
        return self._wall() + timedelta(seconds=self.clock_offset_s)

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
        """Return the meeting in progress by the schedule (on true time), if any."""
        now = self.now()
        return current(self.book.meetings(now), now)

    def camera(self) -> Any:
        """Return the process-wide PTZ camera (VISCA or Pelco); None when [ptz] port is not set."""
        return devices.camera(self.config.ptz)

    def look(self) -> Call:
        """Look at the room now (a call on? who holds what?); opens no device, takes a few ms."""
        pulse = self.sound.open()
        try:
            call = detect(self.config, audio=self.sound.audio(), pulse=pulse)
        finally:
            if pulse is not None:
                pulse.close()
        self.note_call(call)
        return call

    def note_call(self, call: Call) -> bool:
        """Keep the room's call state; say (an event) when a call starts or ends. True if so."""
        with self._call_lock:
            was, self.call = self.call, call
        if call.on == was.on:
            return False
        kind = "call.started" if call.on else "call.ended"
        log.info("%s: %s", kind, ", ".join(call.signals) or "-")
        with contextlib.suppress(Exception):
            self.reporter.event(
                kind,
                signals=list(call.signals),
                holders=[h.as_dict() for h in call.holders],
            )
        return True

    def run_checks(
        self,
        names: Sequence[str],
        trigger: Trigger,
        meeting: Meeting | None = None,
        *,
        allow_motion: bool = True,
        publish: bool = True,
        in_meeting: bool = False,
    ) -> Report:
        """Run checks (one run at a time) and return this run's report.

        The run is merged into the room's book; unless told not to, the whole room's
        readiness is published. A call on (or a meeting by the schedule) makes the run
        passive: no tone, no motion, no device opened for itself.
        """
        with self._run_lock:
            call = self.look()
            in_meeting = in_meeting or self.in_meeting() is not None
            self.activity = t("daemon.activity.checking", trigger=trigger.value)
            self._status()
            _, heavy = split(names)
            batch: Batch | None = None
            lang = self.config.agent.language
            if heavy:
                request = Request(self.config, tuple(heavy), lang, in_meeting, call)
                batch = Batch(request, max(self.config.timeout_for(n) for n in heavy))
            ctx = CheckContext(
                self.config,
                lang=lang,
                in_meeting=in_meeting,
                call=call,
                allow_motion=allow_motion,
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
            self._learn_clock(report)
            self.results.record(report)
            self._last_report = report
            self.activity = "idle"
        _trim_heap()
        if publish:
            self.publish()
        log.info(
            "checks (%s) verdict %s in %d ms%s%s",
            trigger.value,
            report.verdict.value,
            report.duration_ms,
            f" for meeting {meeting.id}" if meeting else "",
            " (a call is on: looked only)" if call.on else "",
        )
        self._status()
        return report

    def readiness(self) -> Report:
        """The whole room: every check's latest result (stale ones marked) and the call."""
        last = self._last_report
        return self.results.report(
            self.config,
            trigger=last.trigger if last else Trigger.STARTUP,
            started_at=last.started_at if last else self._wall(),
            duration_ms=last.duration_ms if last else 0,
            meeting=last.meeting if last else None,
            call=self.call,
        )

    def publish(self) -> None:
        """Publish the whole room's readiness (and the alerts it raises or clears)."""
        try:
            self.reporter.publish_report(self.readiness())
        except Exception:
            log.exception("could not publish the readiness")

    def run(self) -> int:
        """Run until stopped; return the process exit code."""
        _one_arena()
        self.done.load()
        self.results.load()
        self.reporter = self._reporter_factory(self)
        self.reporter.start()
        self.reporter.event("agent.started", agent_version=_version(), config=self.config.source)
        ready_deadline = time.monotonic() + READY_WAIT_S
        ready_sent = False
        watchdog_every = systemd.watchdog_interval_s()
        last_pet = 0.0
        self.watch.start()
        self.local = self._open_local()
        names = [n for n in self.config.checks.enabled if n not in STARTUP_SKIPS]
        self.run_checks(names, Trigger.STARTUP, allow_motion=False)
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
                self.watch.tick()
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
            self._wake.wait(min(self._sleep_s(), self.watch.sleep_s()))
            self._wake.clear()
        systemd.stopping(t("daemon.stopping"))
        log.info("stopping")
        self.watch.stop()
        if self.local is not None:
            self.local.stop()
        # STOP first: a camera moving for an MQTT verb (a timed move, a hold) must not keep
        # moving after the process is gone, and the broker goodbye below may take seconds.
        devices.stop_camera(self.config.ptz)
        self.reporter.stop(timeout=3.0)
        devices.close_camera(self.config.ptz)
        return 0

    # ---------------------------------------------------------------- the loop

    def _tick(self) -> None:
        now = self.now()
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
            names = [n for n in PERIODIC if n in self.config.checks.enabled]
            if names:
                self.run_checks(names, Trigger.PERIODIC, allow_motion=False)

    def _prep(self, meeting: Meeting) -> None:
        """Prepare the room before a meeting: camera power on; the ptz check then goes home.

        Never during a call or a meeting: the room is already in use.
        """
        if self.in_meeting() is not None or self.look().on:
            return
        done, problems = devices.prepare(self.config.ptz)
        for problem in problems:
            self._problem("prep.failed", problem)
        if done:
            self.reporter.event("prep.done", meeting_id=meeting.id, actions=done)

    def _sleep_s(self) -> float:
        now = self.now()
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

    def _learn_clock(self, report: Report) -> None:
        """Take the time check's measured offset (SNTP or chrony) as the schedule's correction."""
        result = report.result("time")
        if result is None or result.metrics.get("source") not in ("sntp", "chrony"):
            return
        offset_ms = result.metrics.get("offset_ms")
        if not isinstance(offset_ms, int | float) or isinstance(offset_ms, bool):
            return
        offset = offset_ms / 1000
        if abs(offset - self.clock_offset_s) >= 1.0:
            log.warning("the PC clock is off by %+.1f s: meeting times are corrected", offset)
        self.clock_offset_s = offset

    def _open_local(self) -> LocalServer | None:
        """The local socket `check`, `ptz` and `devices` ask; None (logged) if it cannot open."""
        from agent.local.paths import server_socket_path
        from agent.local.server import LocalServer
        from agent.local.verbs import Verbs

        path = server_socket_path(self.config)
        try:
            server = LocalServer(path, Verbs(self), group=_group(self.config.agent.socket_group))
            server.start()
        except (OSError, AgentError) as exc:
            log.warning("no local socket at %s: %s", path, exc)
            return None
        return server

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
        self.sound = Sound(new)
        self.watch.restart()
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


def _group(name: str) -> int | None:
    """The gid of `[agent] socket_group` (a name or a number); None for the daemon's own."""
    if not name:
        return None
    if name.isdigit():
        return int(name)
    import grp

    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        log.warning("[agent] socket_group %r is not a group here: the daemon's own is used", name)
        return None


def _one_arena() -> None:
    """One malloc arena for the whole process: the daemon's threads mostly sleep, and glibc
    would give each that allocates its own (an idle daemon's RSS, measured: -0.6 MB)."""
    import ctypes

    m_arena_max = -8  # glibc's M_ARENA_MAX
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(m_arena_max, 1)


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
