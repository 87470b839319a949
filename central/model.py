"""What the board consumes: plain MQTT messages, parsed into contract objects (no I/O here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from agent.contract import topics
from agent.contract.clock import iso, parse_ts
from agent.contract.groups import Group, Selector
from agent.contract.payloads import VERDICTS, decode, schema_of
from agent.contract.topics import Leaf, RoomTopics
from agent.errors import RemoteProtocolError

__all__ = [
    "VERDICTS",
    "Kind",
    "Message",
    "Parsed",
    "RoomPath",
    "RoomRecord",
    "RoomState",
    "decode",
    "iso",
    "parse",
    "parse_ts",
    "require",
    "schema_of",
]

_KINDS: Final = {
    Leaf.STATUS: "status",
    Leaf.META: "meta",
    Leaf.READINESS: "readiness",
    Leaf.SNAPSHOT: "snapshot",
    Leaf.EVENTS: "events",
    Leaf.RESP: "resp",
    Leaf.CMD: "cmd",
}


class Kind(StrEnum):
    """Which part of the contract a topic carries."""

    STATUS = "status"  # retained online/offline, also the Will
    META = "meta"  # v2: retained name, unit kind, groups, replaced ids
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


class Scope(StrEnum):
    """What ingest does with a message (boards sharing the ingest split the two halves)."""

    ALL = "all"  # one board: update the view, store what changed it
    VIEW = "view"  # update the view only (another board of the group stores it)
    STORE = "store"  # store it, from the message alone (the shared subscription's share)
    BOTH = "both"  # update the view and store from the message alone (a reconcile pass)


@dataclass(frozen=True, slots=True)
class Message:
    """One MQTT message as the board receives it; `properties` holds MQTT 5 properties by name."""

    topic: str
    payload: bytes
    retain: bool = False
    properties: Mapping[str, Any] = field(default_factory=dict)
    scope: Scope = Scope.ALL


@dataclass(frozen=True, slots=True)
class RoomPath:
    """Which room: its province and id (its identity), and for a v1 room its district."""

    province: str
    room: str
    district: str = "_"  # contract v1 only
    version: int = 2

    @classmethod
    def of(cls, t: RoomTopics) -> RoomPath:
        """The room of a parsed topic."""
        return cls(t.province, t.room, t.district or "_", t.version)

    @property
    def key(self) -> str:
        """`province/room`: the same for a room under v1 and v2, so history carries over."""
        return f"{self.province}/{self.room}"

    @property
    def topics(self) -> RoomTopics:
        """The room's topics in the contract version it speaks."""
        if self.version == 1:
            return RoomTopics.v1(self.province, self.district, self.room)
        return RoomTopics.v2(self.province, self.room)

    @property
    def base(self) -> str:
        """Return the contract's `{base}` topic of this room."""
        return self.topics.base


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
    unit: str = ""
    groups: tuple[Group, ...] = ()  # from meta; a v1 room's district
    replaces: tuple[str, ...] = ()  # what the room's meta claims; central records merges itself
    meta_error: str = ""  # why the last meta was refused (the last good one stays)
    ptz: Mapping[str, Any] | None = None  # the camera pad's ranges, from the room's meta
    readiness_error: str = ""  # why the last readiness was refused (the last good one stays)
    # The board's own clock when it last heard the room live (a retained message delivered
    # on subscribe is no sign of life): staleness is judged by this, not by the room's clock.
    last_heard: datetime | None = None

    @property
    def group_ids(self) -> tuple[str, ...]:
        """The ids meetings select by."""
        return tuple(g.id for g in self.groups)

    def selected_by(self, selector: Selector) -> bool:
        """True when a meeting's selector picks this room."""
        return selector.selects(self.path.room, self.group_ids)


def parse(msg: Message, max_bytes: int) -> Parsed:
    """Parse one message; raise RemoteProtocolError naming the problem for anything foreign."""
    if len(msg.payload) > max_bytes:
        raise RemoteProtocolError(f"payload of {len(msg.payload)} bytes exceeds {max_bytes}")
    t = topics.parse(msg.topic)
    if t is None:
        raise RemoteProtocolError(f"topic {msg.topic!r} is not part of contract v2 or v1")
    if t.room is None:
        body = decode(msg.payload) if msg.payload else None
        return Parsed(Kind.SCHEDULE, None, body, t.extra, t.province)
    assert t.leaf is not None
    path = RoomPath.of(t.room)
    kind = Kind(_KINDS[t.leaf])
    if kind is Kind.SNAPSHOT:
        if not msg.payload.startswith(b"\xff\xd8\xff"):
            raise RemoteProtocolError("snapshot is not a JPEG (no FF D8 FF header)")
        return Parsed(kind, path, None, province=path.province)
    if kind is Kind.COMMAND:
        return Parsed(kind, path, None, t.extra, path.province)
    return Parsed(kind, path, decode(msg.payload), t.extra, path.province)


def require(body: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    """Return body[key] when it has the right type; raise RemoteProtocolError naming the key."""
    value = body.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise RemoteProtocolError(f"field {key!r} is missing or of the wrong type: {value!r}")
    return value
