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

`client_settings(cfg)` is where security is enforced: TLS files, the password read from
`password_file`, plaintext refused to a non-loopback broker unless `allow_insecure`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import logging
import queue
import socket
import stat
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from agent import __version__
from agent.contract import clock, payloads
from agent.contract.groups import UnitKind
from agent.contract.requests import Lane
from agent.contract.topics import RoomTopics, username
from agent.errors import AgentError, BusyError, ConfigError, DeviceError
from agent.i18n import t
from agent.mqtt import reports
from agent.mqtt.client import ClientSettings, Message, MqttClient, TlsSettings, Will
from agent.mqtt.commands import CommandHandler, Envelope, Request, error_code, parse
from agent.mqtt.outbox import Outbox, Pump

if TYPE_CHECKING:
    from agent.checks.runner import Report
    from agent.config import Config
    from agent.mqtt.commands import Camera

log = logging.getLogger(__name__)

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
                self.settings = _with_will(self.settings, will)
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
        self._retained_lock = threading.Lock()
        self._alerts_lock = threading.Lock()
        self._readiness: dict[str, Any] | None = None
        self._snapshot: tuple[bytes, str] | None = None
        self._snapshot_source: tuple[str, float] | None = None
        self._lanes: dict[Lane, queue.Queue[Request | None]] = {
            lane: queue.Queue(LANE_QUEUE) for lane in Lane
        }
        self._workers: list[threading.Thread] = []
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
        room = self.config.room
        return payloads.meta(
            room.room_id,
            name=room.name or room.id,
            unit=UnitKind(room.unit),
            groups=room.all_groups,
            replaces=room.replaced,
            agent_version=self.agent_version,
        )

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
        with self._retained_lock:
            self._readiness = body
            if self.client.connected:
                self._publish_retained(self.topics.readiness, payloads.encode(body))
        camera = report.result("camera")
        path = camera.metrics.get("snapshot_path") if camera else None
        if isinstance(path, str):
            self._maybe_snapshot(path, clock.iso(report.started_at))
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
        ts = ts or clock.now_iso()
        if len(jpeg) > payloads.SNAPSHOT_MAX_BYTES or not jpeg.startswith(b"\xff\xd8"):
            raise DeviceError(
                t("mqtt.snapshot.bad", size=len(jpeg), limit=payloads.SNAPSHOT_MAX_BYTES)
            )
        with self._retained_lock:
            self._snapshot = (jpeg, ts)
            if self.client.connected:
                self._publish_snapshot_now()
        return {"size": len(jpeg), "ts": ts}

    def state(self) -> dict[str, Any]:
        """The latest readiness and status (the `state` verb's default)."""
        status = payloads.status(
            payloads.ONLINE if self.connected else payloads.OFFLINE,
            boot_id=self.boot_id,
            agent_version=self.agent_version,
        )
        return {
            "status": status,
            "readiness": self._readiness,
            "queued_events": self.outbox.count(),
        }

    # ------------------------------------------------------------------ internals

    def _publish_row(self, topic: str, payload: bytes, on_ack: Callable[[int, int], None]) -> int:
        return self.client.publish(topic, payload, qos=1, on_ack=on_ack)

    def _publish_retained(self, topic: str, payload: bytes) -> None:
        try:
            self.client.publish(topic, payload, qos=1, retain=True)
        except BusyError:
            log.warning("MQTT queue full; %s will be republished on the next connect", topic)

    def _publish_snapshot_now(self) -> None:
        if self._snapshot is None:
            return
        jpeg, ts = self._snapshot
        try:
            self.client.publish(
                self.topics.snapshot,
                jpeg,
                qos=1,
                retain=True,
                content_type=payloads.SNAPSHOT_CONTENT_TYPE,
                user_properties=[("ts", ts)],
            )
        except BusyError:
            log.warning("MQTT queue full; the snapshot will be republished on the next connect")

    def _maybe_snapshot(self, path: str, ts: str) -> None:
        try:
            mtime = Path(path).stat().st_mtime
            if self._snapshot_source == (path, mtime):
                return  # the camera check did not make a new JPEG
            jpeg = Path(path).read_bytes()
        except OSError as exc:
            log.warning("cannot read snapshot %s: %s", path, exc)
            return
        try:
            self.publish_snapshot(jpeg, ts)
            self._snapshot_source = (path, mtime)
        except DeviceError as exc:
            log.warning("snapshot not published: %s", exc)

    def _on_connect(self, _session_present: bool) -> None:
        online = payloads.status(
            payloads.ONLINE, boot_id=self.boot_id, agent_version=self.agent_version
        )
        with self._retained_lock:
            self._publish_retained(self.topics.meta, payloads.encode(self.meta()))
            if not self.one_shot:
                self._publish_retained(self.topics.status, payloads.encode(online))
            if self._readiness is not None:
                self._publish_retained(self.topics.readiness, payloads.encode(self._readiness))
            self._publish_snapshot_now()
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
            if error is None:
                body = payloads.response_ok(envelope.request_id, result)
            else:
                code = error_code(error)
                message = (
                    error.message
                    if isinstance(error, AgentError)
                    else t("mqtt.cmd.internal", error=type(error).__name__)
                )
                body = payloads.response_error(envelope.request_id, code, message)
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
        report = self.actions.snapshot()
        camera = report.result("camera")
        path = camera.metrics.get("snapshot_path") if camera else None
        if not isinstance(path, str):
            summary = camera.summary if camera else "-"
            raise DeviceError(t("mqtt.snapshot.none", summary=summary))
        try:
            jpeg = Path(path).read_bytes()
        except OSError as exc:
            raise DeviceError(t("mqtt.snapshot.unreadable", path=path, error=exc)) from exc
        return self.publish_snapshot(jpeg, clock.iso(report.started_at))


# ---------------------------------------------------------------------- settings


def client_settings(
    config: Config, *, will: Will | None = None, client_id: str | None = None
) -> ClientSettings:
    """Build the client settings from [mqtt]; ConfigError (exit 3) if unsafe or broken."""
    m = config.mqtt
    if not m.host:
        raise ConfigError(t("mqtt.cfg.no_host"), hint=t("mqtt.cfg.no_host_hint"))
    port = m.port or (8883 if m.tls else 1883)
    if not m.tls and not m.allow_insecure and not is_loopback(m.host):
        raise ConfigError(
            t("mqtt.cfg.insecure", host=m.host, port=port), hint=t("mqtt.cfg.insecure_hint")
        )
    tls = None
    if m.tls:
        for key in ("ca_file", "cert_file", "key_file"):
            value = getattr(m, key)
            if value and not Path(value).is_file():
                raise ConfigError(t("mqtt.cfg.missing_file", key=key, path=value))
        if bool(m.cert_file) != bool(m.key_file):
            raise ConfigError(t("mqtt.cfg.cert_pair"))
        if m.key_file:
            warn_if_exposed(m.key_file, "key_file")
        tls = TlsSettings(
            ca_file=m.ca_file or None, cert_file=m.cert_file or None, key_file=m.key_file or None
        )
    password = None
    if m.password_file:
        password = read_password(m.password_file)
    # Contract v2: a room's username (and client id) is {province}/{room}, which the broker's
    # ACL pattern hnth/v2/%u/… pins to the room's own subtree.
    own = username(config.room.province, config.room.id)
    return ClientSettings(
        host=m.host,
        port=port,
        client_id=client_id or own,
        protocol=m.protocol,
        keepalive_s=m.keepalive_s,
        session_expiry_s=m.session_expiry_s,
        clean_start=False,
        username=m.username or (own if password is not None else None),
        password=password,
        tls=tls,
        will=will,
        reconnect_max_s=m.reconnect_max_s,
    )


def read_password(path: str) -> str:
    """Read the broker password (first line of `path`); ConfigError naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            t("mqtt.cfg.password_unreadable", path=path, error=exc.strerror or exc)
        ) from None
    warn_if_exposed(path, "password_file")
    password = text.splitlines()[0] if text else ""
    if not password:
        raise ConfigError(t("mqtt.cfg.password_empty", path=path))
    return password


def warn_if_exposed(path: str, key: str) -> bool:
    """Log a warning when a file holding a secret is group- or world-readable; True if so."""
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return False
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        log.warning("%s", t("mqtt.cfg.exposed", key=key, path=path, mode=f"{stat.S_IMODE(mode):o}"))
        return True
    return False


def is_loopback(host: str) -> bool:
    """True if `host` is a loopback address or a name that resolves only to loopback."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    addrs = {str(i[4][0]) for i in infos}
    return bool(addrs) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addrs)


def _with_will(settings: ClientSettings, will: Will) -> ClientSettings:
    return dataclasses.replace(settings, will=will)
