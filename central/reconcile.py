"""Reconcile with the broker's retained state after a gap in ingest.

mosquitto drops what a client does not read fast enough, and says so only in its own log. Every
room's state is retained, though (status, meta, readiness, snapshot), so after a burst, a
reconnect or the start, the board reads it again through a second, short-lived connection, one
leaf at a time (`hnth/v2/+/+/status`, then meta, …), at QoS 0, into the same intake as live
messages. Ingest dedupes what it already has; what a drop lost is filled in.

When: after the first connection and every reconnect of the main link (a gap), and after a
burst (more than `burst_per_s` messages a second) once the stream has been calmer for
`quiet_s`. A pass ends each leaf when no message came for `settle_s`.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from typing import Final

from agent.mqtt.client import ClientSettings, MqttClient
from agent.mqtt.client import Message as MqttMessage
from central.model import Message, Scope
from central.state import Fleet

log = logging.getLogger(__name__)

LEAVES: Final = ("status", "meta", "readiness", "snapshot")
FILTERS: Final = tuple(f"hnth/v2/+/+/{leaf}" for leaf in LEAVES) + tuple(
    f"hnth/v1/+/+/+/{leaf}" for leaf in LEAVES if leaf != "meta"
)


def received(m: MqttMessage, scope: Scope = Scope.ALL) -> Message:
    """A message from the central side's MQTT clients as the board ingests it."""
    props: dict[str, object] = {"user_properties": dict(m.user_properties)}
    if m.content_type:
        props["content_type"] = m.content_type
    if m.correlation_data is not None:
        props["correlation_data"] = m.correlation_data
    return Message(m.topic, m.payload, m.retain, props, scope)


class Reconciler:
    """Re-reads the retained state when the board may have missed some of it (a daemon thread)."""

    def __init__(
        self,
        settings: ClientSettings,
        fleet: Fleet,
        *,
        stopping: Callable[[], bool],
        burst_per_s: float = 1000.0,
        quiet_s: float = 3.0,
        settle_s: float = 1.0,
        scope: Scope = Scope.ALL,
    ) -> None:
        self._settings = dataclasses.replace(
            settings, client_id=f"{settings.client_id}-reconcile", session_expiry_s=0
        )
        self._fleet = fleet
        self._scope = scope  # BOTH when boards share the ingest: store what a peer may have lost
        self._stopping = stopping
        self._burst = burst_per_s
        self._quiet_s = quiet_s
        self._settle_s = settle_s
        self._wanted = threading.Event()
        self._thread = threading.Thread(target=self._run, name="board-reconcile", daemon=True)
        self.last_statuses = 0  # retained statuses the last pass read

    def start(self) -> None:
        """Start watching for gaps and bursts."""
        self._thread.start()

    def request(self) -> None:
        """Ask for a pass (after a (re)connect of the main link)."""
        self._wanted.set()

    def run_once(self, timeout_s: float = 120.0) -> int:
        """Read every retained state leaf once into the intake; return the messages read."""
        count, statuses, last = [0], [0], [time.monotonic()]
        lock = threading.Lock()

        def on_message(m: MqttMessage) -> None:
            if not m.retain:
                return  # a live message: the main link has it; only the retained state is read
            self._fleet.submit(received(m, self._scope))
            with lock:
                count[0] += 1
                statuses[0] += m.topic.endswith("/status")
                last[0] = time.monotonic()

        client = MqttClient(self._settings, on_message=on_message)
        client.start()
        deadline = time.monotonic() + timeout_s
        try:
            connect_by = time.monotonic() + min(10.0, timeout_s)
            while not client.wait_connected(0.2):
                if self._stopping():
                    return 0
                if time.monotonic() > connect_by:
                    log.warning("reconcile: no broker (%s)", client.failure_text())
                    return 0
            for topic_filter in FILTERS:
                if self._stopping():
                    return count[0]
                with lock:
                    last[0] = time.monotonic()
                client.subscribe(topic_filter, qos=0)
                while time.monotonic() < deadline and not self._stopping():
                    time.sleep(0.1)
                    with lock:
                        idle = time.monotonic() - last[0]
                    if idle >= self._settle_s:
                        break
                client.unsubscribe(topic_filter)
        finally:
            client.stop()
        if not self._stopping():
            self._fleet.intake.drain(120.0)  # so its own flood is not taken for the next burst
        self._fleet.reconciles += 1
        self._fleet.reconciled += count[0]
        self.last_statuses = statuses[0]
        log.info("reconciled with the broker's retained state: %d messages", count[0])
        return count[0]

    def _run(self) -> None:
        stats = self._fleet.stats
        last, burst, calm_since = stats.received, False, time.monotonic()
        while not self._stopping():
            time.sleep(0.5)
            now, received = time.monotonic(), stats.received
            rate = (received - last) / 0.5
            last = received
            if rate > self._burst:
                burst, calm_since = True, now
            if (burst and now - calm_since >= self._quiet_s) or self._wanted.is_set():
                if self._wanted.is_set():
                    time.sleep(self._quiet_s)  # let the link's own retained flood pass first
                if self._stopping():
                    return
                self._wanted.clear()
                burst = False
                try:
                    for _ in range(3):  # again while it read fewer statuses than rooms known
                        self.run_once()
                        known = self._fleet.with_status()
                        if self.last_statuses >= known or self._stopping():
                            break
                        log.warning(
                            "reconcile read %d statuses for %d rooms; reading again",
                            self.last_statuses,
                            known,
                        )
                except Exception:
                    log.exception("reconcile pass failed; the next gap or burst retries")
                last, calm_since = stats.received, time.monotonic()
