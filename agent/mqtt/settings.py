"""What an MQTT client is told and what it reports back: no paho, no I/O.

The settings (`ClientSettings`, `TlsSettings`, `Will`), the received `Message`, the network
thread's `LinkState`, why a connection failed (`ConnectFailure`, `connect_failure`, which
knows the CONNACK codes that mean "fix the credentials") and the reconnect `backoff`.
`agent.mqtt.client`, the only paho import, runs on them and re-exports them.
"""

from __future__ import annotations

import random
import ssl
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, Literal

ProtocolVersion = Literal["5", "3.1.1"]
NOT_AUTHORIZED: Final = 135
BAD_CREDENTIALS: Final = 134
# CONNACK codes that mean the login itself was refused: MQTT 5's 134/135, MQTT 3.1.1's 4/5.
AUTH_CODES: Final = frozenset({NOT_AUTHORIZED, BAD_CREDENTIALS, 4, 5})


class LinkState(StrEnum):
    """Where the network thread is."""

    IDLE = "idle"  # not started
    CONNECTING = "connecting"  # TCP/TLS/CONNECT in progress
    CONNECTED = "connected"  # CONNACK success received
    WAITING = "waiting"  # backing off before the next attempt
    STOPPED = "stopped"  # stop() finished


@dataclass(frozen=True, slots=True)
class TlsSettings:
    """TLS to the broker: the CA to trust and, for mTLS, our certificate and key."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    check_hostname: bool = True


@dataclass(frozen=True, slots=True)
class Will:
    """The Last Will the broker publishes when we vanish without DISCONNECT."""

    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = True


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """Everything needed to reach one broker as one client id."""

    host: str
    port: int
    client_id: str
    protocol: ProtocolVersion = "5"
    keepalive_s: int = 30
    session_expiry_s: int = 3600
    clean_start: bool = False  # for reconnects; see clean_first
    clean_first: bool = True  # the first connect of a process starts clean (see _attempt)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: TlsSettings | None = None
    will: Will | None = None
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 60.0
    connect_timeout_s: float = 10.0
    max_inflight: int = 100
    max_pending: int = 10_000
    max_messages: int = 1000


@dataclass(frozen=True, slots=True)
class Message:
    """One received message with the MQTT 5 properties the contract uses."""

    topic: str
    payload: bytes
    qos: int
    retain: bool
    content_type: str | None = None
    response_topic: str | None = None
    correlation_data: bytes | None = None
    message_expiry_s: int | None = None
    user_properties: tuple[tuple[str, str], ...] = ()
    received_at: float = 0.0  # time.monotonic() at arrival, for expiry checks


@dataclass(frozen=True, slots=True)
class Subscription:
    """A topic filter the client subscribes to on every connect, with its MQTT 5 options."""

    filter: str
    qos: int
    retain_as_published: bool = False
    retain_handling: int = 0


@dataclass(frozen=True, slots=True)
class ConnectFailure:
    """Why the last connection attempt failed: a CONNACK code or a socket/TLS error."""

    reason_code: int | None
    text: str
    tls: bool = False
    auth: bool = False


def connect_failure(reason_code: int | None, text: str, *, tls: bool = False) -> ConnectFailure:
    """Classify a failed attempt: `auth` when the broker refused the login itself."""
    return ConnectFailure(reason_code, text, tls=tls, auth=reason_code in AUTH_CODES)


def backoff(attempt: int, lo: float, hi: float, rng: random.Random) -> float:
    """Exponential backoff capped at `hi`, with "equal jitter": half fixed, half random."""
    ceiling = min(hi, lo * (2 ** min(attempt, 30)))
    return float(ceiling / 2 + rng.uniform(0, ceiling / 2))


def reason_value(reason: object) -> int:
    """A paho reason code (or a bare int) as an int; 0 when it carries none."""
    value = getattr(reason, "value", reason)
    return int(value) if isinstance(value, int) else 0


def ssl_text(exc: ssl.SSLError) -> str:
    """A TLS failure in one line: the reason and, for a certificate, why it was not trusted."""
    verify = getattr(exc, "verify_message", None)
    return f"{exc.reason}: {verify}" if verify else str(exc.reason or exc)


__all__ = [
    "AUTH_CODES",
    "BAD_CREDENTIALS",
    "NOT_AUTHORIZED",
    "ClientSettings",
    "ConnectFailure",
    "LinkState",
    "Message",
    "ProtocolVersion",
    "Subscription",
    "TlsSettings",
    "Will",
    "backoff",
    "connect_failure",
    "reason_value",
    "ssl_text",
]
