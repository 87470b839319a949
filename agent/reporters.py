"""Where the daemon's reports and events go: the broker (`MqttReporter`) or the log.

`Reporter` is what `agent.service.Agent` needs of its MQTT side; `MqttReporter` builds it on
`agent.mqtt.link.Link`, with the MQTT verbs wired back to the daemon (`Daemon`): a `check`
runs the daemon's checks, a meeting message wakes its loop.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from agent.checks import Trigger
from agent.checks.runner import Report

if TYPE_CHECKING:
    from agent.config import Config
    from agent.schedule import MeetingBook

log = logging.getLogger(__name__)


class Reporter(Protocol):
    """The agent's MQTT side as the daemon uses it (agent/mqtt implements it)."""

    def start(self) -> None:
        """Connect in the background; never blocks on the broker."""

    def stop(self, timeout: float) -> None:
        """Publish offline, flush briefly and disconnect."""

    def publish_report(self, report: Report) -> None:
        """Publish readiness (and snapshot) and the events a report implies."""

    def event(self, kind: str, **fields: Any) -> None:
        """Queue one event through the outbox."""

    def healthy(self) -> bool:
        """True while the MQTT machinery is alive (connected or retrying)."""

    def connected(self) -> bool:
        """True while connected to the broker."""


class NullReporter:
    """Used when [mqtt] host is empty: reports go to the log only."""

    def start(self) -> None:
        """Do nothing."""

    def stop(self, timeout: float) -> None:
        """Do nothing."""

    def publish_report(self, report: Report) -> None:
        """Log the verdict."""
        log.info("verdict %s (%s)", report.verdict.value, report.trigger.value)

    def event(self, kind: str, **fields: Any) -> None:
        """Log the event."""
        log.info("event %s %s", kind, fields)

    def healthy(self) -> bool:
        """Always healthy."""
        return True

    def connected(self) -> bool:
        """Never connected."""
        return False


class Daemon(Protocol):
    """What `MqttReporter` uses of the daemon (agent.service.Agent)."""

    config: Config
    book: MeetingBook

    def run_checks(self, names: Sequence[str], trigger: Trigger, *, publish: bool = True) -> Report:
        """Run checks and return the run's report (the room's published unless told not to)."""

    def readiness(self) -> Report:
        """The whole room's latest readiness (partial runs merged)."""

    def camera(self) -> Any:
        """The shared PTZ camera, or None."""

    def wake(self) -> None:
        """Make the main loop look at the schedule now."""


class MqttReporter:
    """The daemon's Reporter on top of agent.mqtt.link.Link, with commands wired to the agent."""

    def __init__(self, agent: Daemon) -> None:
        from agent.mqtt.link import Actions, Link

        def check(only: list[str] | None) -> Report:
            # A run of some checks updates only those: the room's readiness is the whole room.
            names = only or list(agent.config.checks.enabled)
            agent.run_checks(names, Trigger.COMMAND, publish=False)
            return agent.readiness()

        def snapshot() -> Report:
            return agent.run_checks(["camera"], Trigger.COMMAND, publish=False)

        def on_schedule(topic: str, payload: bytes) -> None:
            agent.book.on_message(meeting_id_from_topic(topic), payload)
            agent.wake()

        self.link = Link(
            agent.config,
            actions=Actions(
                check=check, snapshot=snapshot, camera=agent.camera, on_schedule=on_schedule
            ),
        )

    def start(self) -> None:
        """Connect in the background."""
        self.link.start(emit_started=False)

    def stop(self, timeout: float) -> None:
        """Publish offline and disconnect."""
        self.link.stop(timeout)

    def publish_report(self, report: Report) -> None:
        """Publish readiness, snapshot, check and alert events."""
        self.link.publish_report(report)

    def event(self, kind: str, **fields: Any) -> None:
        """Queue one event through the outbox."""
        self.link.emit(kind, **fields)

    def healthy(self) -> bool:
        """True while the network thread is alive."""
        return self.link.client.alive()

    def connected(self) -> bool:
        """True while connected."""
        return self.link.connected


def meeting_id_from_topic(topic: str) -> str:
    """Return the meeting id of `hnth/v1/{province}/schedule/{id}`."""
    return topic.rsplit("/", 1)[-1]


__all__ = ["Daemon", "MqttReporter", "NullReporter", "Reporter", "meeting_id_from_topic"]
