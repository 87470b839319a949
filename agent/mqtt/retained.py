"""What a room keeps retained on the broker: the latest readiness and camera snapshot.

Each is published when it changes (if connected) and again after every connect, after the
room's meta and status, so that a board subscribing late, or a broker that lost its retained
store, always gets the room's latest state. One lock orders a change against a reconnect.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.contract import clock, payloads
from agent.errors import BusyError, DeviceError
from agent.i18n import t

if TYPE_CHECKING:
    from agent.checks.runner import Report
    from agent.contract.topics import RoomTopics
    from agent.mqtt.client import MqttClient

log = logging.getLogger(__name__)


class Retained:
    """The room's retained readiness and snapshot, and their republishing on connect."""

    def __init__(self, client: MqttClient, topics: RoomTopics) -> None:
        """Nothing is published until a readiness or a snapshot is set, or a connect."""
        self._client = client
        self._topics = topics
        self._lock = threading.Lock()
        self.readiness: dict[str, Any] | None = None
        self._snapshot: tuple[bytes, str] | None = None
        self._snapshot_source: tuple[str, float] | None = None

    def set_readiness(self, body: dict[str, Any]) -> None:
        """Keep the latest readiness body and publish it retained if connected."""
        with self._lock:
            self.readiness = body
            if self._client.connected:
                self._publish(self._topics.readiness, payloads.encode(body))

    def set_snapshot(self, jpeg: bytes, ts: str | None = None) -> dict[str, Any]:
        """Keep a JPEG as the snapshot and publish it retained; DeviceError if it is not one."""
        ts = ts or clock.now_iso()
        if len(jpeg) > payloads.SNAPSHOT_MAX_BYTES or not jpeg.startswith(b"\xff\xd8"):
            raise DeviceError(
                t("mqtt.snapshot.bad", size=len(jpeg), limit=payloads.SNAPSHOT_MAX_BYTES)
            )
        with self._lock:
            self._snapshot = (jpeg, ts)
            if self._client.connected:
                self._publish_snapshot()
        return {"size": len(jpeg), "ts": ts}

    def snapshot_from_file(self, path: str, ts: str) -> None:
        """Publish the camera check's JPEG at `path` unless it is the one already published."""
        try:
            mtime = Path(path).stat().st_mtime
            if self._snapshot_source == (path, mtime):
                return  # the camera check did not make a new JPEG
            jpeg = Path(path).read_bytes()
        except OSError as exc:
            log.warning("cannot read snapshot %s: %s", path, exc)
            return
        try:
            self.set_snapshot(jpeg, ts)
            self._snapshot_source = (path, mtime)
        except DeviceError as exc:
            log.warning("snapshot not published: %s", exc)

    def snapshot_of(self, report: Report) -> dict[str, Any]:
        """Publish the JPEG a camera check just made (the `snapshot` verb); DeviceError if none."""
        camera = report.result("camera")
        path = camera.metrics.get("snapshot_path") if camera else None
        if not isinstance(path, str):
            summary = camera.summary if camera else "-"
            raise DeviceError(t("mqtt.snapshot.none", summary=summary))
        try:
            jpeg = Path(path).read_bytes()
        except OSError as exc:
            raise DeviceError(t("mqtt.snapshot.unreadable", path=path, error=exc)) from exc
        return self.set_snapshot(jpeg, clock.iso(report.started_at))

    def republish(self, first: Sequence[tuple[str, bytes]] = ()) -> None:
        """After a connect: publish `first` (meta, status), then the readiness and snapshot."""
        with self._lock:
            for topic, payload in first:
                self._publish(topic, payload)
            if self.readiness is not None:
                self._publish(self._topics.readiness, payloads.encode(self.readiness))
            self._publish_snapshot()

    def _publish(self, topic: str, payload: bytes) -> None:
        try:
            self._client.publish(topic, payload, qos=1, retain=True)
        except BusyError:
            log.warning("MQTT queue full; %s will be republished on the next connect", topic)

    def _publish_snapshot(self) -> None:
        if self._snapshot is None:
            return
        jpeg, ts = self._snapshot
        try:
            self._client.publish(
                self._topics.snapshot,
                jpeg,
                qos=1,
                retain=True,
                content_type=payloads.SNAPSHOT_CONTENT_TYPE,
                user_properties=[("ts", ts)],
            )
        except BusyError:
            log.warning("MQTT queue full; the snapshot will be republished on the next connect")


__all__ = ["Retained"]


class FramingSnapshots:
    """After the camera moves, a fresh snapshot for the operator: at most one per interval.

    A request that arrives while a snapshot is being taken asks for one more at the end of the
    interval, so the last framing is always the one published; requests that arrive while one
    is waiting for its turn are already served by it.
    """

    def __init__(self, take: Callable[[], object], interval_s: float = 3.0) -> None:
        self._take = take
        self._interval = interval_s
        self._lock = threading.Lock()
        self._busy = False  # a thread is waiting for its turn or taking a snapshot
        self._taking = False
        self._again = False
        self._last = -float("inf")

    def request(self) -> None:
        """Ask for a snapshot of the new framing; never blocks the caller."""
        with self._lock:
            if self._busy:
                self._again = self._again or self._taking
                return
            self._busy = True
        threading.Thread(target=self._run, name="framing-snapshot", daemon=True).start()

    def _run(self) -> None:
        while True:
            wait = self._last + self._interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            with self._lock:
                self._taking, self._again = True, False
            self._last = time.monotonic()
            try:
                self._take()
            except Exception as exc:  # a camera that cannot be read: the snapshot just waits
                log.warning("no snapshot after the camera moved: %s", exc)
            with self._lock:
                self._taking = False
                if not self._again:
                    self._busy = False
                    return
