"""The daemon's watch over the room between runs: devices that come and go, calls that start.

An event (udev, inotify, the sound server) makes it look, after a short settling time, at
which devices are present (agent.room.presence) and whether a call is on (agent.room.call).
A device that went away becomes a failed result at once, without opening anything; one
that came back is tested again (passively if a call is on). The readiness and the alerts
follow within seconds, at any time of day. It also looks once a minute without an event,
so a missed event costs a minute, not a meeting.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final, Protocol

from agent.checks import CheckResult, Status, Trigger
from agent.checks.runner import Report, verdict
from agent.i18n import t
from agent.room import presence
from agent.room.call import Call, camera_paths, detect, ptz_path
from agent.room.watch import Watcher

if TYPE_CHECKING:
    from agent.checks.book import Book
    from agent.config import Config
    from agent.room.sound import Sound

log = logging.getLogger(__name__)

SETTLE_S: Final = 0.5  # udev and inotify come in bursts: act once they have settled
LOOK_S: Final = 60.0  # and look anyway this often


class Agent(Protocol):
    """What the watch uses of the daemon (agent.service.Agent)."""

    config: Config
    sound: Sound
    results: Book

    def wake(self) -> None:
        """Make the main loop run now."""

    def note_call(self, call: Call) -> bool:
        """Keep the call state; True when a call started or ended."""

    def run_checks(
        self, names: Sequence[str], trigger: Trigger, *, allow_motion: bool = True
    ) -> Report:
        """Run checks and publish the room's readiness."""

    def publish(self) -> None:
        """Publish the room's readiness."""


class RoomWatch:
    """Presence and call state for one daemon; driven from its main loop."""

    def __init__(self, agent: Agent) -> None:
        """Nothing runs until `start()`."""
        self.agent = agent
        self.watcher: Watcher | None = None
        self.present: dict[str, bool | None] = {}
        self._lock = threading.Lock()
        self._pending: float | None = None
        self._last_look = 0.0
        self.changes = 0  # device changes acted on

    def start(self) -> None:
        """Take the devices present now as the baseline and start the event sources."""
        self.present = self._presence()[0]
        self._last_look = time.monotonic()
        cfg = self.agent.config
        if cfg.agent.watch_devices:
            self.watcher = Watcher(
                self.on_change,
                presence.paths(cfg),
                pulse_server=self.agent.sound.server,
            ).start()

    def stop(self) -> None:
        """Stop the event sources."""
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None

    def restart(self) -> None:
        """After a config reload: new paths, a new sound server."""
        self.stop()
        self.start()

    def on_change(self, origin: str) -> None:
        """An event source saw something (any thread): look once things settle."""
        log.debug("device event from %s", origin)
        with self._lock:
            if self._pending is None:
                self._pending = time.monotonic()
        self.agent.wake()

    def sleep_s(self) -> float:
        """How long the main loop may sleep before this needs it."""
        with self._lock:
            pending = self._pending
        now = time.monotonic()
        due = (pending + SETTLE_S) if pending is not None else self._last_look + LOOK_S
        return max(0.05, due - now)

    def tick(self) -> None:
        """From the main loop: act on settled events, or look once a minute."""
        now = time.monotonic()
        with self._lock:
            pending = self._pending
            ready = pending is not None and now - pending >= SETTLE_S
            if ready:
                self._pending = None
        if ready or now - self._last_look >= LOOK_S:
            self.settle()

    def settle(self) -> None:
        """Look at presence and the call; record what went, test what came back, publish."""
        self._last_look = time.monotonic()
        agent = self.agent
        present, call = self._presence()
        call_changed = agent.note_call(call)
        gone: list[str] = []
        back: list[str] = []
        enabled = agent.config.checks.enabled
        for name, now_present in present.items():
            was = self.present.get(name)
            if now_present is not None:
                self.present[name] = now_present
            if name not in enabled or now_present is None or was is None or was == now_present:
                continue
            (back if now_present else gone).append(name)
        if gone:
            self.changes += len(gone)
            log.warning("gone: %s", ", ".join(gone))
            lang = agent.config.agent.language
            results = tuple(gone_result(n, agent.config, lang=lang) for n in gone)
            now = datetime.now(UTC)
            agent.results.record(
                Report(
                    checks=results,
                    verdict=verdict(results, agent.config.checks.critical),
                    started_at=now,
                    duration_ms=0,
                    trigger=Trigger.DEVICE,
                    call=call,
                )
            )
        if back:
            self.changes += len(back)
            log.info("back: %s", ", ".join(back))
            agent.run_checks(back, Trigger.DEVICE, allow_motion=False)
        elif gone or call_changed:
            agent.publish()

    def _presence(self) -> tuple[dict[str, bool | None], Call]:
        agent = self.agent
        pulse = agent.sound.open()
        try:
            audio = agent.sound.audio()
            present = presence.look(agent.config, audio=audio, pulse=pulse)
            call = detect(agent.config, audio=audio, pulse=pulse)
        finally:
            if pulse is not None:
                pulse.close()
        return present, call


def gone_result(name: str, config: Config, *, lang: str) -> CheckResult:
    """The result of a device that went away: a failure that says so, not a test result."""
    metrics = {"presence": "gone"}
    if name == "camera":
        shown = ", ".join(camera_paths(config)[:1]) or config.camera.source
        summary = t("camera.gone", lang=lang, source=shown)
        hint = t("camera.gone_hint", lang=lang)
    elif name == "ptz":
        port = ptz_path(config)
        summary = t("ptz.check.gone", lang=lang, port=port)
        hint = t("ptz.check.gone_hint", lang=lang, port=port)
    elif name == "microphone":
        shown = config.microphone.pulse_source or config.microphone.device or "default"
        summary = t("mic.gone", lang=lang, device=shown)
        hint = t("mic.gone_hint", lang=lang)
    else:
        shown = config.speaker.pulse_sink or config.speaker.device or "default"
        summary = t("speaker.gone", lang=lang, device=shown)
        hint = t("speaker.gone_hint", lang=lang)
    return CheckResult(name, Status.FAIL, summary, hint, metrics, 0)


__all__ = ["LOOK_S", "SETTLE_S", "RoomWatch", "gone_result"]
