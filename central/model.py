"""What the board consumes: plain MQTT messages, parsed into contract objects (no I/O here)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from agent.errors import RemoteProtocolError

PREFIX: Final = "hnth/v1/"
SLUG: Final = r"[a-z0-9][a-z0-9_-]{0,63}"
_ROOM_TOPIC: Final = re.compile(
    rf"hnth/v1/(?P<province>{SLUG})/(?P<district>_|{SLUG})/(?P<room>{SLUG})/(?P<kind>status|readiness|snapshot|events|resp/[^/]+|cmd/[^/]+)"
)
_SCHEDULE_TOPIC: Final = re.compile(rf"hnth/v1/(?P<province>{SLUG})/schedule/(?P<id>[^/]+)")
KNOWN_SCHEMAS: Final = {
    "hnth.status/1",
    "hnth.readiness/1",
    "hnth.event/1",
    "hnth.response/1",
    "hnth.meeting/1",
}
VERDICTS: Final = ("ready", "degraded", "not_ready")


class Kind(StrEnum):
    """Which part of the contract a topic carries."""

    STATUS = "status"  # retained online/offline, also the Will
    READINESS = "readiness"  # retained latest readiness report
    SNAPSHOT = "snapshot"  # retained JPEG still
    EVENT = "events"  # one event, deduplicated by (room, boot_id, seq)
    RESPONSE = "resp"  # the answer to a command
    COMMAND = "cmd"  # a command to a room (ours or another central tool's)
    SCHEDULE = "schedule"  # a retained meeting, or its cancellation


class RoomState(StrEnum):
    """The one colour a room shows on the fleet grid."""

    READY = "ready"  # online, fresh, last verdict ready
    DEGRADED = "degraded"  # online, fresh, last verdict degraded
    NOT_READY = "not_ready"  # online, fresh, last verdict not ready
    OFFLINE = "offline"  # the room said offline, or its Will fired
    STALE = "stale"  # no report within the staleness threshold
    UNKNOWN = "unknown"  # online but no readiness report yet


@dataclass(frozen=True, slots=True)
class Message:
    """One MQTT message as the board receives it; `properties` holds MQTT 5 properties by name."""

    topic: str
    payload: bytes
    retain: bool = False
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RoomPath:
    """Where a room sits: province → district → room."""

    province: str
    district: str
    room: str

    @property
    def base(self) -> str:
        """Return the contract's `{base}` topic of this room."""
        return f"{PREFIX}{self.province}/{self.district}/{self.room}"


@dataclass(frozen=True, slots=True)
class Parsed:
    """A message the board understood: its kind, room (or meeting id) and decoded body."""

    kind: Kind
    path: RoomPath | None
    body: Mapping[str, Any] | None
    extra: str = ""  # the response id, command verb or meeting id
    province: str = ""


@dataclass(frozen=True, slots=True)
class RoomRecord:
    """Everything the board knows about one room right now (built by ingest, read by views)."""

    path: RoomPath
    name: str = ""
    status: str | None = None
    boot_id: str | None = None
    agent_version: str = ""
    status_ts: datetime | None = None
    last_report: datetime | None = None
    readiness: Mapping[str, Any] | None = None
    snapshot: bytes | None = None
    snapshot_ts: str = ""
    schema_note: str = ""
    meeting_checks: Mapping[str, datetime] = field(default_factory=dict)


def parse(msg: Message, max_bytes: int) -> Parsed:
    """Parse one message; raise RemoteProtocolError naming the problem for anything foreign."""
    if len(msg.payload) > max_bytes:
        raise RemoteProtocolError(f"payload of {len(msg.payload)} bytes exceeds {max_bytes}")
    m = _ROOM_TOPIC.fullmatch(msg.topic)
    if m:
        path = RoomPath(m["province"], m["district"], m["room"])
        kind_text, _, extra = m["kind"].partition("/")
        kind = Kind(kind_text)
        if kind is Kind.SNAPSHOT:
            if not msg.payload.startswith(b"\xff\xd8\xff"):
                raise RemoteProtocolError("snapshot is not a JPEG (no FF D8 FF header)")
            return Parsed(kind, path, None, province=path.province)
        if kind is Kind.COMMAND:
            return Parsed(kind, path, None, extra, path.province)
        return Parsed(kind, path, decode(msg.payload), extra, path.province)
    m = _SCHEDULE_TOPIC.fullmatch(msg.topic)
    if m:
        body = decode(msg.payload) if msg.payload else None
        return Parsed(Kind.SCHEDULE, None, body, m["id"], m["province"])
    raise RemoteProtocolError(f"topic {msg.topic!r} is not part of contract v1")


def decode(payload: bytes) -> dict[str, Any]:
    """Decode a JSON object payload; raise RemoteProtocolError when it is not one."""
    try:
        body = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RemoteProtocolError(f"payload is not UTF-8 JSON: {exc}") from None
    if not isinstance(body, dict):
        raise RemoteProtocolError("payload is not a JSON object")
    return body


def schema_of(body: Mapping[str, Any]) -> tuple[str, int]:
    """Return (family, version) of a body's `schema`; raise when it is missing or malformed."""
    schema = body.get("schema")
    if not isinstance(schema, str) or "/" not in schema:
        raise RemoteProtocolError(f"missing or malformed schema {schema!r}")
    family, _, version = schema.rpartition("/")
    if not version.isdigit():
        raise RemoteProtocolError(f"malformed schema version {schema!r}")
    return family, int(version)


def parse_ts(value: Any) -> datetime:
    """Parse a contract time; raise RemoteProtocolError when it is not ISO 8601 with an offset."""
    if not isinstance(value, str):
        raise RemoteProtocolError(f"time {value!r} is not a string")
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise RemoteProtocolError(f"time {value!r} is not ISO 8601") from None
    if dt.tzinfo is None:
        raise RemoteProtocolError(f"time {value!r} has no UTC offset")
    return dt.astimezone(UTC)


def iso(dt: datetime) -> str:
    """Format a time as the contract does: UTC, milliseconds, Z."""
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def require(body: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    """Return body[key] when it has the right type; raise RemoteProtocolError naming the key."""
    value = body.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise RemoteProtocolError(f"field {key!r} is missing or of the wrong type: {value!r}")
    return value


def room_matches(patterns: list[str] | tuple[str, ...], district: str, room: str) -> bool:
    """True when a meeting's room patterns (`*`, `district/room`, `district/*`) include the room."""
    for pattern in patterns:
        if pattern == "*":
            return True
        d, _, r = pattern.partition("/")
        if d in ("*", district) and r in ("*", room):
            return True
    return False
