"""The board's MQTT side: one central client subscribed to `hnth/v2/#` and `hnth/v1/#`."""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

from agent.contract import topics
from agent.mqtt.client import ClientSettings, MqttClient
from agent.mqtt.client import Message as MqttMessage
from agent.mqtt.link import client_settings
from central.model import Scope
from central.reconcile import Reconciler, received

if TYPE_CHECKING:
    from agent.config import Config
    from central.service import Board

log = logging.getLogger(__name__)
SUBSCRIPTIONS = topics.ALL  # v2, and v1 while rooms migrate


def settings_for(config: Config, client_id: str) -> ClientSettings:
    """The central client's settings from `[mqtt]`, built by the agent's own `client_settings`.

    So the board refuses what a room refuses (plaintext to a non-loopback broker without
    `allow_insecure`, missing TLS files, an unreadable or empty password file) and warns the
    same way about a key or password file others can read; ConfigError means exit 3.
    """
    base = client_settings(config, client_id=client_id)
    return dataclasses.replace(
        base,
        # A room's default username is its own id; the board's is its client id.
        username=config.mqtt.username or (client_id if base.password is not None else None),
        # The board rebuilds its view from retained messages; a persistent session would only
        # replay a backlog of stale events after a long outage.
        session_expiry_s=0,
        clean_start=True,
        max_pending=1000,
    )


def shared(group: str, topic_filter: str) -> str:
    """The shared subscription of a board group to a filter (MQTT 5 `$share/<group>/<filter>`)."""
    return f"$share/{group}/{topic_filter}"


def connect(board: Board, settings: ClientSettings) -> MqttClient:
    """Start the central client(s) feeding `board`; they reconnect by themselves until stopped.

    One board: one client, everything it receives is viewed and stored. Boards sharing the
    ingest (`[board] share_ingest`): the same client keeps the view of every room, and a second
    one (`<client_id>-ingest`) receives this board's share of the stream and stores it.
    """
    group = board.cfg.share_ingest
    view_scope = Scope.VIEW if group else Scope.ALL

    def on_message(m: MqttMessage) -> None:
        board.fleet.submit(received(m, view_scope))  # never blocks

    def on_share(m: MqttMessage) -> None:
        board.fleet.submit(received(m, Scope.STORE))

    def on_connect(_session_present: bool) -> None:
        board.fleet.set_broker(connected=True)
        reconciler.request()  # a start or a gap: read the retained state again once it settles

    def on_disconnect(reason: str) -> None:
        if not board.stopping:
            log.warning("board lost the broker: %s", reason)
        board.fleet.set_broker(connected=False, error=reason)

    client = MqttClient(
        settings, on_connect=on_connect, on_disconnect=on_disconnect, on_message=on_message
    )
    for topic_filter in SUBSCRIPTIONS:
        # QoS 0 on purpose. mosquitto queues at most max_queued_messages (1000 by default) QoS 1
        # messages per client beyond its 20 in flight and silently drops the rest: 4,000
        # retained statuses reached a QoS 1 board as 1,020. At QoS 0 it drops only when 1,000
        # packets wait unwritten on the socket, so the MQTT thread only queues (Fleet.submit).
        # With no persistent session QoS 1 gave the board nothing more.
        client.subscribe(topic_filter, qos=0)
    board.link = client
    reconciler = Reconciler(
        settings,
        board.fleet,
        stopping=lambda: board.stopping,
        scope=Scope.BOTH if group else Scope.ALL,
    )
    board.reconciler = reconciler
    if group:
        share = MqttClient(
            dataclasses.replace(settings, client_id=f"{settings.client_id}-ingest"),
            on_connect=lambda _present: reconciler.request(),  # its gap: the retained state
            on_message=on_share,
        )
        for topic_filter in SUBSCRIPTIONS:
            share.subscribe(shared(group, topic_filter), qos=0)
        board.share_link = share
        share.start()
    reconciler.start()
    client.start()
    return client
