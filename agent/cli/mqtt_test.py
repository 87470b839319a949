"""`hnth-agent mqtt-test`: diagnose the broker link step by step, for a technician.

Steps: config → DNS → TCP → TLS (handshake, certificate validity and expiry) → login →
publish to the room's own subtree → subscribe to its own `cmd/`. Each prints PASS/FAIL with a
hint; after the first failure the rest are skipped. Exit 0 when nothing failed, 1 otherwise,
3 for a config error (e.g. plaintext to a non-loopback broker without allow_insecure).
It connects as `{room}-mqtt-test`, so a running daemon keeps its own session.
"""

from __future__ import annotations

import argparse
import json
import socket
import ssl
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from agent.cli.common import add_json, load_config, print_json
from agent.i18n import t, tn
from agent.output import paint, use_colour

if TYPE_CHECKING:
    from agent.config import Config
    from agent.contract.topics import RoomTopics
    from agent.mqtt.client import ClientSettings, MqttClient

TIMEOUT_S: Final = 5.0
EXPIRY_WARN_DAYS: Final = 30


@dataclass(frozen=True, slots=True)
class Step:
    """One diagnostic step's outcome."""

    step: str
    status: str  # pass | warn | fail | skip
    detail: str
    hint: str | None = None


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the options of `mqtt-test`."""
    p.add_argument(
        "--timeout",
        type=float,
        default=TIMEOUT_S,
        metavar="S",
        help=t("mqtt.test.opt_timeout", default=f"{TIMEOUT_S:g}"),
    )
    add_json(p)


def main(args: argparse.Namespace) -> int:
    """Run the steps and print them; exit 1 if any failed."""
    cfg = load_config(args)
    steps = run(cfg, args.timeout)
    if args.json:
        print_json({"ok": not _failed(steps), "steps": [asdict(s) for s in steps]})
    else:
        colour = use_colour()
        for s in steps:
            label = paint(f"[{t('mqtt.test.' + s.status)}]", s.status, colour)
            print(f"{label} {t('mqtt.test.step.' + s.step)}: {s.detail}")
            if s.hint and s.status in ("fail", "warn"):
                print(f"       → {s.hint}")
        print()
        print(t("mqtt.test.summary_fail") if _failed(steps) else t("mqtt.test.summary_ok"))
    return 1 if _failed(steps) else 0


def run(cfg: Config, timeout: float) -> list[Step]:
    """Run every step in order; raise ConfigError when [mqtt] itself is unusable."""
    from agent.contract.topics import RoomTopics, username
    from agent.mqtt.link import client_settings

    settings = client_settings(
        cfg, client_id=f"{username(cfg.room.province, cfg.room.id)}-mqtt-test"
    )
    topics = RoomTopics.v2(cfg.room.province, cfg.room.id)
    broker = f"{settings.host}:{settings.port}"
    if settings.tls is None:
        security = t("mqtt.test.security.plain")
    elif settings.tls.cert_file:
        security = t("mqtt.test.security.mtls")
    else:
        security = t("mqtt.test.security.tls")
    steps = [
        Step(
            "config",
            "pass",
            t(
                "mqtt.test.config_ok",
                broker=broker,
                client=settings.username or settings.client_id,
                security=security,
            ),
        )
    ]
    for fn in (_dns, _tcp, _tls, _mqtt):
        new = fn(settings, topics, timeout)
        steps.extend(new)
        if _failed(new):
            break
    done = {s.step for s in steps}
    names = ("dns", "tcp", "tls", "auth", "publish", "commands")
    steps.extend(Step(n, "skip", t("mqtt.test.skipped")) for n in names if n not in done)
    return steps


def _failed(steps: list[Step]) -> bool:
    return any(s.status == "fail" for s in steps)


def _dns(settings: ClientSettings, _topics: RoomTopics, _timeout: float) -> list[Step]:
    from agent.mqtt.client import resolve

    try:
        addresses = resolve(settings.host)
    except OSError as exc:
        return [
            Step(
                "dns",
                "fail",
                t("mqtt.test.dns_fail", host=settings.host, error=exc),
                t("mqtt.test.dns_hint"),
            )
        ]
    return [
        Step(
            "dns", "pass", t("mqtt.test.dns_ok", host=settings.host, addresses=", ".join(addresses))
        )
    ]


def _tcp(settings: ClientSettings, _topics: RoomTopics, timeout: float) -> list[Step]:
    t0 = time.monotonic()
    try:
        with socket.create_connection((settings.host, settings.port), timeout=timeout):
            ms = round((time.monotonic() - t0) * 1000)
    except OSError as exc:
        return [
            Step(
                "tcp",
                "fail",
                t("mqtt.test.tcp_fail", address=settings.host, port=settings.port, error=exc),
                t("mqtt.test.tcp_hint", port=settings.port),
            )
        ]
    return [
        Step("tcp", "pass", t("mqtt.test.tcp_ok", address=settings.host, port=settings.port, ms=ms))
    ]


def _tls(settings: ClientSettings, _topics: RoomTopics, timeout: float) -> list[Step]:
    from agent.mqtt.client import tls_context

    if settings.tls is None:
        return [Step("tls", "skip", t("mqtt.test.plain"))]
    try:
        ctx = tls_context(settings.tls)
        with (
            socket.create_connection((settings.host, settings.port), timeout=timeout) as raw,
            ctx.wrap_socket(raw, server_hostname=settings.host) as tls,
        ):
            cert = tls.getpeercert() or {}
            version = tls.version() or "TLS"
    except (ssl.SSLError, OSError) as exc:
        verify, why = getattr(exc, "verify_message", None), getattr(exc, "reason", None)
        reason = f"{why}: {verify}" if verify else (why or exc)
        return [Step("tls", "fail", t("mqtt.test.tls_fail", error=reason), t("mqtt.test.tls_hint"))]
    subject = _cn(cert) or settings.host
    not_after = cert.get("notAfter")
    days = -1
    if isinstance(not_after, str):
        expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(not_after), UTC)
        days = (expires - datetime.now(UTC)).days
    if 0 <= days < EXPIRY_WARN_DAYS:
        return [
            Step(
                "tls",
                "warn",
                tn("mqtt.test.tls_expiring", days, subject=subject),
                t("mqtt.test.tls_expiring_hint"),
            )
        ]
    return [Step("tls", "pass", tn("mqtt.test.tls_ok", days, version=version, subject=subject))]


def _mqtt(settings: ClientSettings, topics: RoomTopics, timeout: float) -> list[Step]:
    from agent.mqtt.client import MqttClient

    client = MqttClient(settings)
    client.start()
    try:
        if not client.wait_first_attempt(timeout):
            failure = client.last_failure
            hint = t("mqtt.test.tls_hint") if failure and failure.tls else t("mqtt.test.auth_hint")
            return [
                Step("auth", "fail", t("mqtt.test.auth_fail", error=client.failure_text()), hint)
            ]
        steps = [Step("auth", "pass", t("mqtt.test.auth_ok", user=settings.username or "-"))]
        steps.append(_publish(client, topics, timeout))
        if steps[-1].status != "fail":
            steps.append(_commands(client, topics, timeout))
        return steps
    finally:
        client.stop()


def _publish(client: MqttClient, topics: RoomTopics, timeout: float) -> Step:
    request_id = f"mqtt-test-{uuid.uuid4().hex[:12]}"
    topic = topics.resp(request_id)
    body = {
        "schema": "hnth.response/1",
        "request_id": request_id,
        "ok": True,
        "result": {"mqtt_test": True},
    }
    rc = client.publish_wait(topic, json.dumps(body).encode(), timeout=timeout)
    hint = t("mqtt.test.publish_hint", room=topics.room)
    if rc is None:
        return Step("publish", "fail", t("mqtt.test.publish_timeout", seconds=f"{timeout:g}"), hint)
    if rc != 0:
        return Step("publish", "fail", t("mqtt.test.publish_denied", topic=topic, code=rc), hint)
    return Step("publish", "pass", t("mqtt.test.publish_ok", topic=topic))


def _commands(client: MqttClient, topics: RoomTopics, timeout: float) -> Step:
    hint = t("mqtt.test.commands_hint", room=topics.room)
    codes = client.subscribe(topics.cmd_filter, timeout=timeout)
    if not codes or codes[0] >= 128:
        code = codes[0] if codes else "-"
        return Step(
            "commands",
            "fail",
            t("mqtt.test.commands_denied", topic=topics.cmd_filter, code=code),
            hint,
        )
    # A room must not be able to command itself; if the broker lets this through, say so.
    probe = topics.cmd("mqtt-test")
    if client.publish_wait(probe, b"{}", timeout=timeout) == 0:
        msg = client.get_message(timeout)
        if msg is not None and msg.topic == probe:
            return Step(
                "commands", "warn", t("mqtt.test.commands_loop"), t("mqtt.test.commands_loop_hint")
            )
    return Step("commands", "pass", t("mqtt.test.commands_ok", topic=topics.cmd_filter))


def _cn(cert: Mapping[str, Any]) -> str | None:
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None
