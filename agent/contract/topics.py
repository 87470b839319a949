"""Topic names of contracts v2 and v1, built and parsed in one place from validated slugs.

Contract v2 (since the 2025 reform: provinces and communes, no districts)::

    hnth/v2/{province}/{room}/status|meta|readiness|snapshot|events|resp/{id}|cmd/{verb}
    hnth/v2/{province}/_schedule/{meeting_id}

Contract v1 (still read by central while rooms migrate)::

    hnth/v1/{province}/{district}/{room}/status|readiness|snapshot|events|resp/{id}|cmd/{verb}
    hnth/v1/{province}/schedule/{meeting_id}

A v2 room's MQTT username is `{province}/{room}`, so the broker ACL pattern
`hnth/v2/%u/...` pins it to its own subtree with no wildcard between province and room.
A slug never starts with `_`, so `_schedule` can never be a room.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from agent.contract.names import VERB_RE, check_request_id, check_slug, check_verb, is_slug
from agent.errors import InvalidArgumentError

V1: Final = "hnth/v1"
V2: Final = "hnth/v2"
SCHEDULE_V2: Final = "_schedule"
NO_DISTRICT: Final = "_"  # v1 only: a room that belongs to no district
ALL: Final = ("hnth/v2/#", "hnth/v1/#")  # what central subscribes to


class Leaf(StrEnum):
    """Which part of the contract a room topic carries."""

    STATUS = "status"  # retained online/offline, also the Will
    META = "meta"  # v2: retained name, unit kind, groups, replaced ids
    READINESS = "readiness"  # retained latest readiness report
    SNAPSHOT = "snapshot"  # retained JPEG still
    EVENTS = "events"  # one event, deduplicated by (room, boot_id, seq)
    RESP = "resp"  # the answer to a command
    CMD = "cmd"  # a command to a room


def username(province: str, room: str) -> str:
    """The MQTT username (and client id) of a v2 room: `{province}/{room}`."""
    return f"{check_slug(province, 'province')}/{check_slug(room, 'room')}"


def schedule(province: str, meeting_id: str, version: int = 2) -> str:
    """Return the retained topic of one meeting of a province."""
    p = check_slug(province, "province")
    mid = check_request_id(meeting_id)
    return f"{V2}/{p}/{SCHEDULE_V2}/{mid}" if version == 2 else f"{V1}/{p}/schedule/{mid}"


def schedule_filter(province: str, version: int = 2) -> str:
    """Return the subscription filter for a province's meeting schedule."""
    p = check_slug(province, "province")
    return f"{V2}/{p}/{SCHEDULE_V2}/+" if version == 2 else f"{V1}/{p}/schedule/+"


def province_filter(province: str, version: int = 2) -> str:
    """Return `hnth/v2/{province}/#`, the subtree a province bridge forwards."""
    return f"{V2 if version == 2 else V1}/{check_slug(province, 'province')}/#"


@dataclass(frozen=True, slots=True, order=True)
class RoomId:
    """A room's identity: unique within its province. v1 rooms also carry their district."""

    province: str
    room: str

    @classmethod
    def parse(cls, text: str, default_province: str = "") -> RoomId:
        """Read `province/room`, or `room` within `default_province`; raise on anything else."""
        province, sep, room = text.partition("/")
        if not sep:
            province, room = default_province, text
        return cls(check_slug(province, "province"), check_slug(room, "room"))

    def __str__(self) -> str:
        return f"{self.province}/{self.room}"


@dataclass(frozen=True, slots=True)
class RoomTopics:
    """The topics of one room; construct with `v2()` or `v1()` so the slugs are validated."""

    province: str
    room: str
    district: str | None = None  # v1 rooms only

    @classmethod
    def v2(cls, province: str, room: str) -> RoomTopics:
        """Validate the two levels and return the room's v2 topics."""
        return cls(check_slug(province, "province"), check_slug(room, "room"))

    @classmethod
    def v1(cls, province: str, district: str, room: str) -> RoomTopics:
        """Validate the three levels and return the room's v1 topics."""
        check_slug(province, "province")
        if district != NO_DISTRICT:
            check_slug(district, "district")
        return cls(province, check_slug(room, "room"), district)

    @property
    def version(self) -> int:
        """2, or 1 for a room still on contract v1."""
        return 1 if self.district is not None else 2

    @property
    def id(self) -> RoomId:
        """The room's identity, the same under v1 and v2."""
        return RoomId(self.province, self.room)

    @property
    def base(self) -> str:
        """`hnth/v2/{province}/{room}` (or the v1 base with the district)."""
        if self.district is not None:
            return f"{V1}/{self.province}/{self.district}/{self.room}"
        return f"{V2}/{self.province}/{self.room}"

    def leaf(self, leaf: Leaf) -> str:
        """Return `{base}/{leaf}` for a fixed leaf (status, meta, readiness, …)."""
        if leaf is Leaf.META and self.district is not None:
            raise InvalidArgumentError("contract v1 has no meta topic")
        return f"{self.base}/{leaf.value}"

    @property
    def status(self) -> str:
        """Retained online/offline status and the Last Will."""
        return self.leaf(Leaf.STATUS)

    @property
    def meta(self) -> str:
        """Retained name, unit kind, groups and replaced ids (v2)."""
        return self.leaf(Leaf.META)

    @property
    def readiness(self) -> str:
        """Retained latest readiness report."""
        return self.leaf(Leaf.READINESS)

    @property
    def snapshot(self) -> str:
        """Retained latest camera JPEG."""
        return self.leaf(Leaf.SNAPSHOT)

    @property
    def events(self) -> str:
        """Events, delivered through the outbox."""
        return self.leaf(Leaf.EVENTS)

    @property
    def resp_prefix(self) -> str:
        """Responses must lie under this prefix."""
        return f"{self.base}/resp/"

    @property
    def cmd_filter(self) -> str:
        """The subscription that receives every command for this room."""
        return f"{self.base}/cmd/#"

    @property
    def schedule_filter(self) -> str:
        """The subscription that receives the province's meeting schedule."""
        return schedule_filter(self.province, self.version)

    def resp(self, request_id: str) -> str:
        """Return `{base}/resp/{request_id}`; the id must be a valid topic level."""
        return f"{self.resp_prefix}{check_request_id(request_id)}"

    def cmd(self, verb: str) -> str:
        """Return `{base}/cmd/{verb}`."""
        return f"{self.base}/cmd/{check_verb(verb)}"

    def verb_of(self, topic: str) -> str | None:
        """Return the verb of a command topic of this room, else None."""
        prefix = f"{self.base}/cmd/"
        return topic[len(prefix) :] if topic.startswith(prefix) else None

    def owns_response_topic(self, topic: str) -> bool:
        """True if `topic` is a concrete topic strictly under `{base}/resp/`."""
        rest = topic[len(self.resp_prefix) :] if topic.startswith(self.resp_prefix) else ""
        return (
            bool(rest)
            and not any(c in topic for c in "+#\0")
            and all(rest.split("/"))  # no empty level
            and len(topic) < 512
        )


@dataclass(frozen=True, slots=True)
class Topic:
    """A parsed contract topic: a room's leaf, or a province's meeting."""

    version: int
    province: str
    room: RoomTopics | None = None  # None for a schedule topic
    leaf: Leaf | None = None  # None for a schedule topic
    extra: str = ""  # the response id, the command verb or the meeting id


def parse(topic: str) -> Topic | None:
    """Split any v1 or v2 topic; None when it is not part of either contract."""
    parts = topic.split("/")
    if len(parts) < 4 or parts[0] != "hnth":
        return None
    try:
        if parts[1] == "v2":
            return _parse_v2(parts)
        if parts[1] == "v1":
            return _parse_v1(parts)
    except InvalidArgumentError:
        return None
    return None


def _parse_v2(parts: list[str]) -> Topic | None:
    province = check_slug(parts[2], "province")
    if parts[3] == SCHEDULE_V2:
        if len(parts) == 5:
            return Topic(2, province, extra=check_request_id(parts[4]))
        return None
    return _room_leaf(RoomTopics.v2(province, parts[3]), parts[4:], 2)


def _parse_v1(parts: list[str]) -> Topic | None:
    province = check_slug(parts[2], "province")
    if parts[3] == "schedule" and len(parts) == 5:
        return Topic(1, province, extra=check_request_id(parts[4]))
    if len(parts) < 6:
        return None
    return _room_leaf(RoomTopics.v1(province, parts[3], parts[4]), parts[5:], 1)


def _room_leaf(room: RoomTopics, rest: list[str], version: int) -> Topic | None:
    if not rest:
        return None
    try:
        leaf = Leaf(rest[0])
    except ValueError:
        return None
    if leaf in (Leaf.RESP, Leaf.CMD):
        if len(rest) != 2:
            return None
        extra = rest[1]
        ok = VERB_RE.fullmatch(extra) if leaf is Leaf.CMD else is_slug(extra) or bool(extra)
        return Topic(version, room.province, room, leaf, extra) if ok else None
    if len(rest) != 1 or (leaf is Leaf.META and version == 1):
        return None
    return Topic(version, room.province, room, leaf)
