"""The agent's whole MQTT side: status and Will, readiness, snapshots, events, commands.

For the daemon (and `check --publish`)::

    link = Link(cfg, actions=Actions(
        check=lambda only: run_checks(only or enabled, ctx, trigger=Trigger.COMMAND),
        snapshot=lambda: run_checks(["camera"], ctx, trigger=Trigger.COMMAND),
        camera=lambda: open_camera(cfg.ptz),   # agent.ptz: VISCA or Pelco, by [ptz] port
        on_schedule=scheduler.on_message,        # (topic, payload) of {province}/schedule/+
    ))
    link.start()                       # connects in the background, reconnects forever
    link.publish_report(report)        # retained readiness (+ snapshot if new) + events + alerts
    link.emit("agent.started")         # any event: written to the outbox, then published
    link.wait_drained(10)              # → events still queued
    link.stop()                        # publishes `offline`, disconnects, joins threads

Rules it keeps (contract v1): `offline` with this boot_id is the retained Will; on every
connect it publishes `online`, then the latest readiness and snapshot again; events carry
`boot_id`/`seq` and go through the SQLite outbox in state_dir; each command gets exactly one
response on the room's own `resp/` subtree and one `command.executed` event.

What is retained (readiness, snapshot) lives in agent.mqtt.retained; `client_settings(cfg)`,
where security is enforced (TLS files, the password file, no plaintext to a remote broker),
in agent.mqtt.security, re-exported here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from agent import __version__
from agent.contract import clock, payloads
from agent.contract.requests import Lane
from agent.contract.topics import RoomTopics, username
from agent.errors import AgentError, BusyError
from agent.i18n import t
from agent.mqtt import reports
from agent.mqtt.client import ClientSettings, Message, MqttClient, Will
from agent.mqtt.commands import CommandHandler, Envelope, Request, parse, response
from agent.mqtt.outbox import Outbox, Pump
from agent.mqtt.retained import FramingSnapshots, Retained
from agent.mqtt.security import client_settings, is_loopback, read_password, warn_if_exposed

if TYPE_CHECKING:
    from agent.checks.runner import Report
    from agent.config import Config
    from agent.mqtt.commands import Camera

log = logging.getLogger(__name__)
# Verbs after which the camera has settled on a new framing.
FRAMING_VERBS: Final = frozenset(
    {"ptz.stop", "ptz.home", "ptz.preset.recall", "ptz.move", "ptz.zoom"}
)

LANE_QUEUE: Final = 16
OUTBOX_FILE: Final = "outbox.sqlite3"


@dataclass(frozen=True, slots=True)
class Actions:
    """What commands may do; the daemon supplies these (any may be None: `device_error`)."""

    check: Callable[[list[str] | None], Report] | None = None  # run checks (trigger=command)
    snapshot: Callable[[], Report] | None = None  # run the camera check (makes a JPEG)
    camera: Callable[[], Camera] | None = None  # open the PTZ camera
    state: Callable[[], Any] | None = None  # default: latest readiness and status
    on_schedule: Callable[[str, bytes], None] | None = None  # retained meeting messages


class Link:
    """One room's connection to the province broker."""

    def __init__(
        self,
        config: Config,
        *,
        actions: Actions | None = None,
        boot_id: str | None = None,
        agent_version: str = __version__,
        settings: ClientSettings | None = None,
        window: int = 100,
        one_shot: bool = False,
    ) -> None:
        """Validate the [mqtt] settings (ConfigError) and open the outbox; `start()` connects.

        `one_shot` (for `check --publish`) connects as `{room}-cli` without a Will and
        never publishes status: the room's status belongs to the daemon, and a one-shot run
        must neither take over the daemon's session nor mark the room offline when it exits.
        """
        self.one_shot = one_shot
        self.config = config
        self.actions = actions or Actions()
        self.boot_id = boot_id or uuid.uuid4().hex
        self.agent_version = agent_version
        room = config.room
        self.topics = RoomTopics.v2(room.province, room.id)
        offline = payloads.status(
            payloads.OFFLINE, boot_id=self.boot_id, agent_version=agent_version
        )
        will = Will(self.topics.status, payloads.encode(offline), qos=1, retain=True)
        if one_shot:
            self.settings = settings or client_settings(
                config, client_id=f"{username(room.province, room.id)}-cli"
            )
        else:
            self.settings = settings or client_settings(config, will=will)
            if self.settings.will is None:
                self.settings = dataclasses.replace(self.settings, will=will)
        state_dir = Path(config.agent.state_dir)
        self.outbox = Outbox(
            state_dir / OUTBOX_FILE,
            max_events=config.mqtt.outbox_max_events,
            max_age_s=config.mqtt.outbox_max_age_h * 3600,
        )
        self.client = MqttClient(
            self.settings,
            on_connect=self._on_connect,
            on_disconnect=self._on_disconnect,
            on_message=self._on_message,
        )
        self.pump = Pump(self.outbox, self._publish_row, window=window)
        self.handler = CommandHandler(
            ptz=config.ptz,
            check=self._cmd_check if self.actions.check else None,
            state=self.actions.state or self.state,
            snapshot=self._cmd_snapshot if self.actions.snapshot else None,
            # No [ptz] port: PTZ verbs answer device_unavailable with a hint to set it.
            camera=self.actions.camera if config.ptz.port else None,
        )
        self._seq = 0
        self._readiness_seq = 0
        self._seq_lock = threading.Lock()
        self._alerts_lock = threading.Lock()
        self.retained = Retained(self.client, self.topics)
        self._lanes: dict[Lane, queue.Queue[Request | None]] = {
            lane: queue.Queue(LANE_QUEUE) for lane in Lane
        }
        self._workers: list[threading.Thread] = []
        # After a move ends, a fresh snapshot (rate-limited) so the camera pad is not blind.
        self._framing = FramingSnapshots(self._cmd_snapshot) if self.actions.snapshot else None
        self._started = False

    # ------------------------------------------------------------------ lifecycle

    def start(self, *, emit_started: bool = True) -> None:
        """Start the pump, the command lanes and the network thread (which keeps reconnecting)."""
        if self._started:
            return
        self._started = True
        if emit_started:
            self.emit("agent.started", agent_version=self.agent_version)
        self.pump.start()
        for lane in Lane:
            w = threading.Thread(
                target=self._lane, args=(lane,), name=f"mqtt-cmd-{lane}", daemon=True
            )
            w.start()
            self._workers.append(w)
        if not self.one_shot:
            self.client.subscribe(
                self.topics.cmd_filter, retain_as_published=True, retain_handling=2
            )
        if self.actions.on_schedule is not None:
            self.client.subscribe(self.topics.schedule_filter)
        self.client.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Publish `offline` (if connected), disconnect cleanly and stop every thread."""
        if not self._started:
            self.outbox.close()
            return
        self._started = False
        if self.client.connected and not self.one_shot:
            offline = payloads.status(
                payloads.OFFLINE, boot_id=self.boot_id, agent_version=self.agent_version
            )
            rc = self.client.publish_wait(
                self.topics.status, payloads.encode(offline), retain=True, timeout=timeout
            )
            if rc != 0:
                log.warning("offline status not acknowledged (reason %s)", rc)
        for lane in Lane:
            with contextlib.suppress(queue.Full):
                self._lanes[lane].put_nowait(None)
        self.client.stop(timeout)
        self.pump.stop(timeout)
        for w in self._workers:
            w.join(timeout)
        self.handler.close()
        self.outbox.close()

    @property
    def connected(self) -> bool:
        """True while the broker link is up."""
        return self.client.connected

    def wait_connected(self, timeout: float) -> bool:
        """Wait up to `timeout` s for the link and its command subscription; False if not up."""
        return self.client.wait_ready(timeout)

    def failure_text(self) -> str:
        """Why the link is down, in one line."""
        return self.client.failure_text()

    def wait_drained(self, timeout: float) -> int:
        """Wait for the outbox to empty; return how many events are still queued."""
        return self.pump.wait_drained(timeout)

    def flush(self, timeout: float) -> tuple[bool, int]:
        """Wait for the link, the outbox and every retained publish; return (connected, queued)."""
        deadline = time.monotonic() + timeout
        if not self.client.wait_connected(timeout):
            return False, self.outbox.count()
        left = self.pump.wait_drained(max(deadline - time.monotonic(), 0))
        while self.client.pending() and time.monotonic() < deadline:
            time.sleep(0.02)
        return True, left

    # ------------------------------------------------------------------ publishing

    def meta(self) -> dict[str, Any]:
        """The room's retained `hnth.meta/2`: its name, unit kind, groups and replaced ids."""
        return reports.meta(self.config, self.agent_version)

    def emit(self, kind: str, **fields: Any) -> int:
        """Write one event to the outbox (then it is published); return its seq."""
        with self._seq_lock:
            self._seq += 1
            seq = self._seq
            data = payloads.encode(payloads.event(kind, boot_id=self.boot_id, seq=seq, **fields))
            added = self.outbox.append(self.topics.events, data)
            if added.dropped:
                self._seq += 1
                notice = payloads.event(
                    "outbox.dropped", boot_id=self.boot_id, seq=self._seq, dropped=added.dropped
                )
                self.outbox.add(self.topics.events, payloads.encode(notice), prune=False)
        self.pump.notify()
        return seq

    def publish_report(self, report: Report) -> dict[str, Any]:
        """Publish the retained readiness (and a new snapshot), then check/alert events."""
        with self._seq_lock:
            self._readiness_seq += 1
            seq = self._readiness_seq
        body = reports.readiness(report, self.config.room, boot_id=self.boot_id, seq=seq)
        self.retained.set_readiness(body)
        camera = report.result("camera")
        path = camera.metrics.get("snapshot_path") if camera else None
        if isinstance(path, str):
            self.retained.snapshot_from_file(path, clock.iso(report.started_at))
        # One report at a time through the alert state: the daemon's periodic run and a
        # `check` command may finish together, and each must see the other's alerts.
        with self._alerts_lock:
            self.emit("check.completed", verdict=report.verdict.value, trigger=report.trigger.value)
            previous = self.outbox.get_meta("alerts", {})
            changes, raised = reports.alert_changes(previous, report)
            for change in changes:
                kind = change.pop("kind")
                self.emit(kind, **change)
            if raised != previous:
                self.outbox.set_meta("alerts", raised)
        return body

    def publish_snapshot(self, jpeg: bytes, ts: str | None = None) -> dict[str, Any]:
        """Publish a retained JPEG on `{base}/snapshot` (content type, user property ts)."""
        return self.retained.set_snapshot(jpeg, ts)

    def state(self) -> dict[str, Any]:
        """The latest readiness and status (the `state` verb's default)."""
        status = payloads.status(
            payloads.ONLINE if self.connected else payloads.OFFLINE,
            boot_id=self.boot_id,
            agent_version=self.agent_version,
        )
        return {
            "status": status,
            "readiness": self.retained.readiness,
            "queued_events": self.outbox.count(),
        }

    # ------------------------------------------------------------------ internals

    def _publish_row(self, topic: str, payload: bytes, on_ack: Callable[[int, int], None]) -> int:
        return self.client.publish(topic, payload, qos=1, on_ack=on_ack)

    def _on_connect(self, _session_present: bool) -> None:
        first = [(self.topics.meta, payloads.encode(self.meta()))]
        if not self.one_shot:
            online = payloads.status(
                payloads.ONLINE, boot_id=self.boot_id, agent_version=self.agent_version
            )
            first.append((self.topics.status, payloads.encode(online)))
        self.retained.republish(first)
        self.pump.connected()

    def _on_disconnect(self, reason: str) -> None:
        self.pump.disconnected()
        # A hold-to-move's operator can no longer refresh it or send ptz.stop: stop it now.
        self.handler.link_lost()
        log.info("MQTT link down: %s", reason)

    def _on_message(self, msg: Message) -> None:
        """Runs on the network thread: parse, answer refusals at once, queue the rest."""
        if self.topics.verb_of(msg.topic) is None:
            if self.actions.on_schedule is not None and msg.topic.startswith(
                self.topics.schedule_filter[:-1]
            ):
                self.actions.on_schedule(msg.topic, msg.payload)
            return
        parsed = parse(
            msg, self.topics, ptz=self.config.ptz, max_bytes=self.config.mqtt.max_payload_kb * 1024
        )
        verb = self.topics.verb_of(msg.topic) or ""
        if parsed.note:
            log.warning("command %s: %s", verb[:64], parsed.note)
        if parsed.request is None:
            assert parsed.error is not None
            log.warning("command %s refused: %s", verb[:64], parsed.error.message)
            self._answer(parsed.envelope, verb, error=parsed.error)
            return
        request = parsed.request
        try:
            self.handler.admit(request)
            self._lanes[request.lane].put_nowait(request)
        except queue.Full:
            self._answer(
                request.envelope, verb, error=BusyError(t("mqtt.cmd.queue_full", verb=verb))
            )
        except AgentError as exc:
            self._answer(request.envelope, verb, error=exc)

    def _lane(self, lane: Lane) -> None:
        q = self._lanes[lane]
        while True:
            request = q.get()
            if request is None:
                return
            try:
                result = self.handler.execute(request)
            except Exception as exc:
                if not isinstance(exc, AgentError):
                    log.exception("command %s failed", request.verb)
                self._answer(request.envelope, request.verb, error=exc)
            else:
                self._answer(request.envelope, request.verb, result=result)
                if request.verb in FRAMING_VERBS and self._framing is not None:
                    self._framing.request()  # the operator sees the new framing

    def _answer(
        self,
        envelope: Envelope,
        verb: str,
        *,
        result: Any = None,
        error: BaseException | None = None,
    ) -> None:
        """Publish the one response and the `command.executed` event; never raises."""
        try:
            body = response(envelope.request_id, result=result, error=error)
            self.client.publish(
                envelope.topic,
                payloads.encode(body),
                qos=1,
                correlation_data=envelope.correlation_data,
                content_type="application/json",
            )
            fields: dict[str, Any] = {
                "verb": verb[:64],
                "ok": error is None,
                "request_id": envelope.request_id,
            }
            if error is not None:
                fields["error"] = body["error"]["code"]
            self.emit("command.executed", **fields)
        except Exception:
            log.exception("could not answer command %s (%s)", verb[:64], envelope.request_id)

    def _cmd_check(self, only: list[str] | None) -> dict[str, Any]:
        assert self.actions.check is not None
        return self.publish_report(self.actions.check(only))

    def _cmd_snapshot(self) -> dict[str, Any]:
        assert self.actions.snapshot is not None
        return self.retained.snapshot_of(self.actions.snapshot())


__all__ = [
    "Actions",
    "Link",
    "client_settings",
    "is_loopback",
    "read_password",
    "warn_if_exposed",
]
