"""The board's MQTT side: one central client subscribed to `hnth/v1/#` (agent.mqtt.client)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from agent.errors import ConfigError
from agent.i18n import t
from agent.mqtt.client import ClientSettings, MqttClient, TlsSettings
from agent.mqtt.client import Message as MqttMessage
from central.model import Message

if TYPE_CHECKING:
    from agent.config import MqttConfig
    from central.service import Board

log = logging.getLogger(__name__)
SUBSCRIPTION = "hnth/v1/#"


def settings_for(mqtt: MqttConfig, client_id: str) -> ClientSettings:
    """Build the central client's settings from `[mqtt]` (TLS and credentials as the rooms use)."""
    password = None
    if mqtt.password_file:
        try:
            password = Path(mqtt.password_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(t("config.unreadable", file=mqtt.password_file, error=exc)) from None
    tls = None
    if mqtt.tls:
        tls = TlsSettings(
            ca_file=mqtt.ca_file or None,
            cert_file=mqtt.cert_file or None,
            key_file=mqtt.key_file or None,
        )
    return ClientSettings(
        host=mqtt.host,
        port=mqtt.port or (8883 if mqtt.tls else 1883),
        client_id=client_id,
        protocol=mqtt.protocol,
        keepalive_s=mqtt.keepalive_s,
        # The board rebuilds its view from retained messages; a persistent session would only
        # replay a backlog of stale events after a long outage.
        session_expiry_s=0,
        clean_start=True,
        username=mqtt.username or None,
        password=password,
        tls=tls,
        reconnect_max_s=mqtt.reconnect_max_s,
        max_pending=1000,
    )


def connect(board: Board, settings: ClientSettings) -> MqttClient:
    """Start the central client feeding `board`; it reconnects by itself until stopped."""

    def on_message(m: MqttMessage) -> None:
        props: dict[str, object] = {"user_properties": dict(m.user_properties)}
        if m.content_type:
            props["content_type"] = m.content_type
        if m.correlation_data is not None:
            props["correlation_data"] = m.correlation_data
        board.on_message(Message(m.topic, m.payload, m.retain, props))

    def on_connect(_session_present: bool) -> None:
        board.fleet.set_broker(connected=True)

    def on_disconnect(reason: str) -> None:
        if not board.stopping:
            log.warning("board lost the broker: %s", reason)
        board.fleet.set_broker(connected=False, error=reason)

    client = MqttClient(
        settings, on_connect=on_connect, on_disconnect=on_disconnect, on_message=on_message
    )
    client.subscribe(SUBSCRIPTION, qos=1)
    board.link = client
    client.start()
    return client
