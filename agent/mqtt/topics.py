"""Contract v1 topic names, built and parsed in one place from validated slugs.

Every topic the agent or a central tool uses comes from here::

    base = RoomTopics.of("son-la", "moc-chau", "xa-chieng-son")
    base.status            # hnth/v1/son-la/moc-chau/xa-chieng-son/status
    base.cmd("ptz.move")   # .../cmd/ptz.move
    base.verb_of(topic)    # "ptz.move" for a topic under .../cmd/, else None
    schedule("son-la", "m1")

A slug is `[a-z0-9][a-z0-9_-]{0,63}`, so no level can hold `+`, `#` or `/`: a room id can
never widen an ACL pattern (CVE-2017-7650 was exactly that in mosquitto).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from agent.errors import InvalidArgumentError

ROOT: Final = "hnth/v1"
ALL: Final = f"{ROOT}/#"
SLUG_RE: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
NO_DISTRICT: Final = "_"
# Verbs and request ids become one topic level: no wildcards, no separators, bounded.
VERB_RE: Final = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
REQUEST_ID_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")


def check_slug(value: object, field: str) -> str:
    """Return `value` if it is a contract slug, else raise InvalidArgumentError naming `field`."""
    if not isinstance(value, str) or not SLUG_RE.fullmatch(value):
        raise InvalidArgumentError(f"{field}={value!r} is not a slug [a-z0-9][a-z0-9_-]{{0,63}}")
    return value


def check_request_id(value: object) -> str:
    """Return `value` if it can be a topic level `resp/{id}`, else raise InvalidArgumentError."""
    if not isinstance(value, str) or not REQUEST_ID_RE.fullmatch(value):
        raise InvalidArgumentError(
            f"request_id={value!r}: allowed 1..128 characters [A-Za-z0-9_.:-], "
            "starting with a letter or digit"
        )
    return value


def schedule(province: str, meeting_id: str) -> str:
    """Return `hnth/v1/{province}/schedule/{meeting_id}`."""
    return f"{ROOT}/{check_slug(province, 'province')}/schedule/{check_request_id(meeting_id)}"


def schedule_filter(province: str) -> str:
    """Return the subscription filter for a province's meeting schedule."""
    return f"{ROOT}/{check_slug(province, 'province')}/schedule/+"


def province_filter(province: str) -> str:
    """Return `hnth/v1/{province}/#`, the subtree a province bridge forwards."""
    return f"{ROOT}/{check_slug(province, 'province')}/#"


@dataclass(frozen=True, slots=True)
class RoomTopics:
    """The topics of one room; construct with `of()` so the slugs are validated."""

    province: str
    district: str
    room: str

    @classmethod
    def of(cls, province: str, district: str, room: str) -> RoomTopics:
        """Validate the three levels and return the room's topics."""
        check_slug(province, "province")
        if district != NO_DISTRICT:
            check_slug(district, "district")
        check_slug(room, "room")
        return cls(province, district, room)

    @classmethod
    def parse(cls, topic: str) -> tuple[RoomTopics, str] | None:
        """Split a topic under some room into (room topics, rest); None if it is not one."""
        parts = topic.split("/", 5)
        if len(parts) < 6 or f"{parts[0]}/{parts[1]}" != ROOT:
            return None
        try:
            return cls.of(parts[2], parts[3], parts[4]), parts[5]
        except InvalidArgumentError:
            return None

    @property
    def base(self) -> str:
        """`hnth/v1/{province}/{district}/{room}`."""
        return f"{ROOT}/{self.province}/{self.district}/{self.room}"

    @property
    def status(self) -> str:
        """Retained online/offline status and the Last Will."""
        return f"{self.base}/status"

    @property
    def readiness(self) -> str:
        """Retained latest readiness report."""
        return f"{self.base}/readiness"

    @property
    def snapshot(self) -> str:
        """Retained latest camera JPEG."""
        return f"{self.base}/snapshot"

    @property
    def events(self) -> str:
        """Events, delivered through the outbox."""
        return f"{self.base}/events"

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
        return schedule_filter(self.province)

    def resp(self, request_id: str) -> str:
        """Return `{base}/resp/{request_id}`; the id must be a valid topic level."""
        return f"{self.resp_prefix}{check_request_id(request_id)}"

    def cmd(self, verb: str) -> str:
        """Return `{base}/cmd/{verb}`."""
        if not VERB_RE.fullmatch(verb):
            raise InvalidArgumentError(f"verb={verb!r} is not a valid verb")
        return f"{self.base}/cmd/{verb}"

    def verb_of(self, topic: str) -> str | None:
        """Return the verb of a command topic of this room, else None."""
        prefix = f"{self.base}/cmd/"
        if not topic.startswith(prefix):
            return None
        return topic[len(prefix) :]

    def owns_response_topic(self, topic: str) -> bool:
        """True if `topic` is a concrete topic strictly under `{base}/resp/`."""
        rest = topic[len(self.resp_prefix) :] if topic.startswith(self.resp_prefix) else ""
        return (
            bool(rest)
            and not any(c in topic for c in "+#\0")
            and all(rest.split("/"))  # no empty level
            and len(topic) < 512
        )
