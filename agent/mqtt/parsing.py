"""Received command messages into validated requests, or the refusal to answer (sans-IO).

`parse()` never raises and never touches MQTT: it picks the envelope (request id, response
topic, correlation data) first, so that even a refusal is answered, then checks the JSON,
the verb, the retain flag and the expiry, and validates the arguments with the contract's
rules (agent.contract.requests) within this room's camera limits (`limits_for`). The
handler that runs a request is agent.mqtt.commands.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agent.contract.clock import parse_time
from agent.contract.names import REQUEST_ID_RE
from agent.contract.requests import VERBS, CommandError, Lane, Limits, lane_of, show, validate
from agent.contract.topics import RoomTopics
from agent.errors import AgentError, InvalidArgumentError
from agent.i18n import t
from agent.visca import DEFAULT_LIMITS

if TYPE_CHECKING:
    from agent.config import PtzConfig
    from agent.mqtt.client import Message


@dataclass(frozen=True, slots=True)
class Envelope:
    """Where the one response to a command goes."""

    request_id: str
    topic: str
    correlation_data: bytes | None = None


@dataclass(frozen=True, slots=True)
class Request:
    """A validated command."""

    verb: str
    args: Mapping[str, Any]
    envelope: Envelope
    expires_at: float | None = None  # time.monotonic() after which it is refused as expired

    @property
    def lane(self) -> Lane:
        """The worker that runs this verb."""
        return lane_of(self.verb)


@dataclass(frozen=True, slots=True)
class Parsed:
    """The outcome of `parse`: always an envelope, then a request or the error to answer."""

    envelope: Envelope
    request: Request | None = None
    error: AgentError | None = None
    note: str | None = None  # one log line about what was odd (e.g. a foreign response topic)


def parse(
    message: Message,
    topics: RoomTopics,
    *,
    ptz: PtzConfig,
    max_bytes: int = 64 * 1024,
    now: Callable[[], float] = time.time,
) -> Parsed:
    """Turn a received command message into a validated request or a refusal; never raises."""
    verb = topics.verb_of(message.topic) or ""
    args: Any = None
    json_error: str | None = None
    if len(message.payload) > max_bytes:
        json_error = "too_big"
    else:
        try:
            args = json.loads(message.payload.decode("utf-8")) if message.payload.strip() else {}
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            json_error = str(exc)
    envelope, note, id_error = _envelope(message, topics, args if isinstance(args, dict) else None)

    def refuse(error: AgentError) -> Parsed:
        return Parsed(envelope, error=error, note=note)

    if json_error == "too_big":
        return refuse(
            InvalidArgumentError(t("mqtt.cmd.too_big", size=len(message.payload), limit=max_bytes))
        )
    if json_error is not None:
        return refuse(CommandError("invalid_json", t("mqtt.cmd.invalid_json", error=json_error)))
    if not isinstance(args, dict):
        return refuse(
            CommandError("invalid_json", t("mqtt.cmd.not_object", type=type(args).__name__))
        )
    if id_error is not None:
        return refuse(id_error)
    if message.retain:
        return refuse(InvalidArgumentError(t("mqtt.cmd.retained")))
    if verb not in VERBS:
        return refuse(
            CommandError(
                "unknown_verb", t("mqtt.cmd.unknown_verb", verb=verb, known=", ".join(VERBS))
            )
        )
    try:
        expires_at = _expiry(message, args, now)
        clean = validate(verb, args, limits_for(ptz))
    except AgentError as exc:
        return refuse(exc)
    return Parsed(envelope, Request(verb, clean, envelope, expires_at), note=note)


def limits_for(ptz: PtzConfig) -> Limits:
    """The request ranges this room accepts, from its camera's configuration."""
    return Limits(
        max_speed=ptz.max_speed_pan,
        max_zoom=DEFAULT_LIMITS.max_zoom,
        max_preset=ptz.max_preset,
        max_duration_ms=ptz.move_timeout_ms,
    )


def _envelope(
    message: Message, topics: RoomTopics, args: Mapping[str, Any] | None
) -> tuple[Envelope, str | None, AgentError | None]:
    """Pick the request id and response topic; bad ids still get an answer somewhere."""
    error: AgentError | None = None
    request_id: str | None = None
    raw = args.get("request_id") if args is not None else None
    if raw is not None:
        if isinstance(raw, str) and REQUEST_ID_RE.fullmatch(raw):
            request_id = raw
        else:
            error = InvalidArgumentError(
                t(
                    "mqtt.cmd.bad_field",
                    field="request_id",
                    value=show(raw),
                    allowed=t("mqtt.allowed.request_id"),
                )
            )
    if request_id is None and message.correlation_data:
        try:
            text = message.correlation_data.decode("ascii")
        except UnicodeDecodeError:
            text = ""
        if REQUEST_ID_RE.fullmatch(text):
            request_id = text
    request_id = request_id or uuid.uuid4().hex
    note = None
    topic = topics.resp(request_id)
    if message.response_topic is not None:
        if topics.owns_response_topic(message.response_topic):
            topic = message.response_topic
        else:
            note = t(
                "mqtt.cmd.foreign_response_topic", topic=message.response_topic[:200], used=topic
            )
    return Envelope(request_id, topic, message.correlation_data), note, error


def _expiry(message: Message, args: Mapping[str, Any], now: Callable[[], float]) -> float | None:
    """Return the monotonic deadline from Message Expiry and `expires_at`; raise if already past."""
    deadline: float | None = None
    if message.message_expiry_s is not None:
        deadline = message.received_at + message.message_expiry_s
    raw = args.get("expires_at")
    if raw is not None:
        try:
            when = parse_time(raw).timestamp() if isinstance(raw, str) else None
        except ValueError:
            when = None
        if when is None:
            raise InvalidArgumentError(
                t(
                    "mqtt.cmd.bad_field",
                    field="expires_at",
                    value=show(raw),
                    allowed=t("mqtt.allowed.time"),
                )
            )
        left = when - now()
        if left <= 0:
            raise CommandError("expired", t("mqtt.cmd.expired"))
        mono = time.monotonic() + left
        deadline = mono if deadline is None else min(deadline, mono)
    return deadline


__all__ = ["Envelope", "Parsed", "Request", "limits_for", "parse"]
