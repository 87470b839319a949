"""Self-tests: the result model, the check context and the registry of checks by name."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from agent.config import CHECK_NAMES
from agent.i18n import t

if TYPE_CHECKING:
    from agent.config import Config
    from agent.room.call import Call, Holder

__all__ = [
    "MODULES",
    "CheckContext",
    "CheckFn",
    "CheckResult",
    "Outcome",
    "Status",
    "Trigger",
    "Verdict",
    "holders_text",
    "load",
    "skip",
]


class Status(StrEnum):
    """The outcome of one check, as the MQTT contract names it."""

    PASS = "pass"  # noqa: S105 - a status, not a password; works as expected
    WARN = "warn"  # works, but something needs attention soon
    FAIL = "fail"  # does not work; the hint says what to fix
    SKIP = "skip"  # not configured, not applicable, or blocked (e.g. during a meeting)
    ERROR = "error"  # the check itself could not finish (crash, deadline)


class Verdict(StrEnum):
    """The room's overall readiness."""

    READY = "ready"  # every critical check passed and nothing warns
    DEGRADED = "degraded"  # usable, but a warning or a non-critical failure
    NOT_READY = "not_ready"  # a critical check failed or errored


class Trigger(StrEnum):
    """Why a check run happened."""

    SCHEDULE = "schedule"  # a pre-meeting offset
    PERIODIC = "periodic"  # background health
    COMMAND = "command"  # an MQTT command
    STARTUP = "startup"  # the daemon just started
    MANUAL = "manual"  # a technician ran `hnth-agent check`
    DEVICE = "device"  # a device came or went (udev, inotify, PulseAudio)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a check function returns; the runner adds name and timing."""

    status: Status
    summary: str
    hint: str | None = None
    metrics: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's result as reported; `ran_at` and `trigger` say when and why it last ran."""

    name: str
    status: Status
    summary: str
    hint: str | None
    metrics: Mapping[str, Any]
    duration_ms: int
    ran_at: datetime | None = None
    trigger: Trigger | None = None
    stale: bool = False  # older than the room's trust horizon for this check

    @property
    def passive(self) -> bool:
        """True when the device was only looked at (a call was on, or it was in use)."""
        return bool(self.metrics.get("passive"))


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a check may use: config, language, the meeting flag, the call and a cancel event."""

    config: Config
    lang: str = "vi"
    in_meeting: bool = False
    # What the room is doing now (agent.room.call.detect): a call on, who holds which device.
    call: Call | None = None
    # False for background health runs: no check may move the camera on its own then.
    allow_motion: bool = True
    cancel: threading.Event = field(default_factory=threading.Event)
    progress: Callable[[str], None] | None = None
    # Devices the daemon already holds open (e.g. "camera": the VISCA client shared with
    # MQTT commands), so a check does not fight a command for the same serial port.
    shared: Mapping[str, Any] = field(default_factory=dict)

    @property
    def passive(self) -> bool:
        """True when nothing may be played, moved or opened exclusively: a call or a meeting."""
        return self.in_meeting or (self.call is not None and self.call.on)

    def held(self, device: str) -> tuple[Holder, ...]:
        """The other programs that hold `device` ("camera", "microphone", "speaker", "ptz")."""
        return self.call.held(device) if self.call is not None else ()

    def t(self, key: str, /, **params: object) -> str:
        """Return catalogue message `key` in this run's language."""
        return t(key, lang=self.lang, **params)

    def deadline_s(self, name: str) -> float:
        """Return the configured deadline for check `name`."""
        return self.config.timeout_for(name)


CheckFn = Callable[[CheckContext], Outcome]

# Each check lives in agent/checks/<module>.py and exposes `run(ctx) -> Outcome`.
# Modules are imported only when their check runs, so cv2 and sounddevice stay out of
# commands that do not need them.
MODULES: Final[Mapping[str, str]] = {
    "host": "agent.checks.host",
    "time": "agent.checks.timesync",
    "network": "agent.checks.network",
    "camera": "agent.checks.camera",
    "microphone": "agent.checks.microphone",
    "speaker": "agent.checks.speaker",
    "display": "agent.checks.display",
    "ptz": "agent.checks.ptz",
}
assert tuple(MODULES) == CHECK_NAMES


def load(name: str) -> CheckFn:
    """Import check `name` and return its run function."""
    module = importlib.import_module(MODULES[name])
    fn: CheckFn = module.run
    return fn


def skip(
    ctx: CheckContext, summary_key: str, hint_key: str | None = None, **params: object
) -> Outcome:
    """Build a skip outcome from catalogue keys."""
    hint = ctx.t(hint_key, **params) if hint_key else None
    return Outcome(Status.SKIP, ctx.t(summary_key, **params), hint)


def holders_text(holders: tuple[Holder, ...]) -> str:
    """Name the programs holding a device: "zoom (pid 4242), pipewire (pid 900)"."""
    return ", ".join(
        f"{h.name or '?'} (pid {h.pid})" if h.pid is not None else (h.name or "?")
        for h in holders[:3]
    )
