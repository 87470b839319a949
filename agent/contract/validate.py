"""Reading the contract: every received payload is validated here into a frozen value.

Any input either validates or raises RemoteProtocolError naming the field; nothing else.
Central, the simulators and the agent (for meetings) read payloads only through this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent.contract import payloads as p
from agent.contract.clock import parse_ts
from agent.contract.groups import Group, Selector, UnitKind, v1_selector
from agent.contract.names import is_slug
from agent.contract.topics import RoomId
from agent.errors import InvalidArgumentError, RemoteProtocolError

MAX_NAME = 200
MAX_GROUPS = 64
MAX_REPLACES = 64


@dataclass(frozen=True, slots=True)
class Status:
    """A room's online/offline status."""

    state: str
    boot_id: str
    agent_version: str
    ts: datetime


@dataclass(frozen=True, slots=True)
class Meta:
    """A v2 room's place in the organisation, from its retained birth message."""

    room: RoomId
    name: str
    unit: UnitKind
    groups: tuple[Group, ...]
    replaces: tuple[RoomId, ...]
    ptz: Mapping[str, Any] | None = None  # {"protocol", "speed_max", "presets_max"}

    @property
    def group_ids(self) -> tuple[str, ...]:
        """The ids meetings select by."""
        return tuple(g.id for g in self.groups)


@dataclass(frozen=True, slots=True)
class CheckEntry:
    """One check of a readiness report."""

    name: str
    status: str
    summary: str
    hint: str | None
    key: str | None
    args: Mapping[str, Any]
    hint_key: str | None
    hint_args: Mapping[str, Any]
    metrics: Mapping[str, Any]
    ran_at: datetime | None = None  # when this check last ran (a readiness merges runs)
    stale: bool = False


@dataclass(frozen=True, slots=True)
class Readiness:
    """A readiness report (v1 or v2)."""

    boot_id: str
    seq: int
    ts: datetime
    verdict: str
    trigger: str
    meeting_id: str | None
    name: str
    checks: tuple[CheckEntry, ...]
    call: Mapping[str, Any] | None = None  # {"on", "signals", "holders", "unseen", "at"}


@dataclass(frozen=True, slots=True)
class Meeting:
    """A meeting of a province and the rooms it selects."""

    id: str
    title: str
    start: datetime
    end: datetime
    selector: Selector


def status(body: Mapping[str, Any]) -> Status:
    """Validate an `hnth.status/1`."""
    _schema(body, "hnth.status", 1)
    state = _str(body, "state")
    if state not in (p.ONLINE, p.OFFLINE):
        raise RemoteProtocolError(f"state {state!r} is neither online nor offline")
    return Status(
        state, _str(body, "boot_id"), _opt_str(body, "agent_version"), parse_ts(body.get("ts"))
    )


def meta(body: Mapping[str, Any], topic_room: RoomId) -> Meta:
    """Validate an `hnth.meta/2` published under `topic_room` (the topic is the identity)."""
    _schema(body, "hnth.meta", 2)
    for key in ("province", "room"):
        if key in body and body[key] != getattr(topic_room, key):
            own = getattr(topic_room, key)
            raise RemoteProtocolError(f"{key} {body[key]!r} is not the topic's {own!r}")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise RemoteProtocolError(f"name {name!r} must be 1..{MAX_NAME} characters")
    try:
        unit = UnitKind(str(body.get("unit")))
    except ValueError:
        allowed = ", ".join(u.value for u in UnitKind)
        raise RemoteProtocolError(f"unit {body.get('unit')!r} is not one of {allowed}") from None
    groups = _groups(body.get("groups", []))
    replaces = _replaces(body.get("replaces", []), topic_room)
    return Meta(topic_room, name.strip(), unit, groups, replaces, _ptz(body.get("ptz")))


def readiness(body: Mapping[str, Any]) -> Readiness:
    """Validate an `hnth.readiness/1` or `/2`; a malformed check entry rejects the report."""
    family, version = p.schema_of(body)
    if family != "hnth.readiness" or version not in (1, 2):
        raise RemoteProtocolError(f"schema {body.get('schema')!r} is not a readiness report")
    boot_id = _str(body, "boot_id")
    seq = body.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise RemoteProtocolError(f"field 'seq' = {seq!r} is not a non-negative integer")
    verdict = _str(body, "verdict")
    if verdict not in p.VERDICTS:
        raise RemoteProtocolError(f"verdict {verdict!r} is not one of {', '.join(p.VERDICTS)}")
    raw_checks = body.get("checks", [])
    if not isinstance(raw_checks, list):
        raise RemoteProtocolError("checks is not a list")
    checks = tuple(_check(i, c) for i, c in enumerate(raw_checks))
    meeting = body.get("meeting")
    meeting_id = meeting.get("id") if isinstance(meeting, dict) else None
    room = body.get("room")
    name = room.get("name", "") if isinstance(room, dict) else ""
    return Readiness(
        boot_id,
        seq,
        parse_ts(body.get("ts")),
        verdict,
        _opt_str(body, "trigger"),
        meeting_id if isinstance(meeting_id, str) else None,
        name if isinstance(name, str) else "",
        checks,
        _call(body.get("call")),
    )


def meeting(body: Mapping[str, Any], meeting_id: str) -> Meeting:
    """Validate an `hnth.meeting/1` (v1 room patterns) or `/2` (rooms and groups)."""
    family, version = p.schema_of(body)
    if family != "hnth.meeting" or version not in (1, 2):
        raise RemoteProtocolError(f"schema {body.get('schema')!r} is not a meeting")
    if body.get("id", meeting_id) != meeting_id:
        raise RemoteProtocolError(f"id {body.get('id')!r} is not the topic's {meeting_id!r}")
    start, end = parse_ts(body.get("start")), parse_ts(body.get("end"))
    if end <= start:
        raise RemoteProtocolError("end is not after start")
    rooms = _str_list(body, "rooms")
    if version == 1:
        selector = v1_selector(rooms)
    else:
        selector = Selector(tuple(rooms), tuple(_str_list(body, "groups")))
    problems = selector.problems()
    if problems:
        raise RemoteProtocolError("; ".join(problems))
    title = body.get("title", "")
    return Meeting(meeting_id, title if isinstance(title, str) else "", start, end, selector)


# ---------------------------------------------------------------- helpers


def _schema(body: Mapping[str, Any], family: str, version: int) -> None:
    if p.schema_of(body) != (family, version):
        raise RemoteProtocolError(f"schema {body.get('schema')!r} is not {family}/{version}")


def _str(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise RemoteProtocolError(f"field {key!r} is missing or not a string: {value!r}")
    return value


def _opt_str(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key, "")
    return value if isinstance(value, str) else ""


def _str_list(body: Mapping[str, Any], key: str) -> list[str]:
    value = body.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RemoteProtocolError(f"{key} is not a list of strings")
    return value


def _groups(raw: Any) -> tuple[Group, ...]:
    if not isinstance(raw, list) or len(raw) > MAX_GROUPS:
        raise RemoteProtocolError(f"groups is not a list of at most {MAX_GROUPS}")
    out: list[Group] = []
    for item in raw:
        gid, name = (item, "") if isinstance(item, str) else (None, "")
        if isinstance(item, dict):
            gid, name = item.get("id"), item.get("name", "")
        if not is_slug(gid) or not isinstance(name, str) or len(name) > MAX_NAME:
            raise RemoteProtocolError(f"group {item!r} is not a slug or {{id, name}}")
        out.append(Group(str(gid), name))
    return tuple(dict.fromkeys(out))


def _replaces(raw: Any, room: RoomId) -> tuple[RoomId, ...]:
    if not isinstance(raw, list) or len(raw) > MAX_REPLACES:
        raise RemoteProtocolError(f"replaces is not a list of at most {MAX_REPLACES} ids")
    out: list[RoomId] = []
    for item in raw:
        try:
            rid = RoomId.parse(item, room.province) if isinstance(item, str) else None
        except InvalidArgumentError:
            rid = None
        if rid is None:
            raise RemoteProtocolError(f"replaces: {item!r} is not a room id")
        if rid == room:
            raise RemoteProtocolError(f"replaces: {item!r} is the room itself (a loop)")
        out.append(rid)
    return tuple(dict.fromkeys(out))


PTZ_PROTOCOLS = ("visca", "pelco-d", "pelco-p")


def _ptz(raw: Any) -> Mapping[str, Any] | None:
    if raw is None:
        return None
    ok = (
        isinstance(raw, dict)
        and raw.get("protocol") in PTZ_PROTOCOLS
        and all(
            isinstance(raw.get(k), int) and not isinstance(raw.get(k), bool) and raw[k] >= 0
            for k in ("speed_max", "presets_max")
        )
    )
    if not ok:
        raise RemoteProtocolError(f"ptz {raw!r} is not {{protocol, speed_max, presets_max}}")
    return {k: raw[k] for k in ("protocol", "speed_max", "presets_max")}


def _check(index: int, raw: Any) -> CheckEntry:
    if not isinstance(raw, dict):
        raise RemoteProtocolError(f"checks[{index}] is not an object: {raw!r}")
    name, status_ = raw.get("name"), raw.get("status")
    if not isinstance(name, str) or status_ not in p.CHECK_STATUSES:
        raise RemoteProtocolError(f"checks[{index}] has no name or a bad status {status_!r}")
    summary, hint = raw.get("summary", ""), raw.get("hint")
    metrics, args, hint_args = raw.get("metrics", {}), raw.get("args", {}), raw.get("hint_args", {})
    key, hint_key = raw.get("key"), raw.get("hint_key")
    if (
        not isinstance(summary, str)
        or not isinstance(hint, str | None)
        or not all(isinstance(m, dict) for m in (metrics, args, hint_args))
        or not isinstance(key, str | None)
        or not isinstance(hint_key, str | None)
    ):
        raise RemoteProtocolError(f"checks[{index}] ({name}) has fields of the wrong type")
    ran_at = raw.get("ran_at")
    stale = raw.get("stale", False)
    if not isinstance(stale, bool):
        raise RemoteProtocolError(f"checks[{index}] ({name}) stale is not true or false")
    return CheckEntry(
        name,
        str(status_),
        summary,
        hint,
        key,
        args,
        hint_key,
        hint_args,
        metrics,
        parse_ts(ran_at) if ran_at is not None else None,
        stale,
    )


MAX_HOLDERS = 16


def _call(raw: Any) -> Mapping[str, Any] | None:
    """A readiness `call`: bounded, strings and small ints only; None when absent."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("on"), bool):
        raise RemoteProtocolError(f"call {str(raw)[:80]!r} is not {{on, signals, holders}}")
    signals, holders = raw.get("signals", []), raw.get("holders", [])
    if (
        not isinstance(signals, list)
        or len(signals) > MAX_HOLDERS
        or not all(isinstance(x, str) and len(x) <= MAX_NAME for x in signals)
    ):
        raise RemoteProtocolError("call.signals is not a short list of strings")
    if not isinstance(holders, list) or len(holders) > MAX_HOLDERS:
        raise RemoteProtocolError(f"call.holders is not a list of at most {MAX_HOLDERS}")
    out: list[dict[str, Any]] = []
    for h in holders:
        pid = h.get("pid") if isinstance(h, dict) else None
        fields = (
            [h.get(k, "") for k in ("device", "name", "via", "path")]
            if isinstance(h, dict)
            else [None]
        )
        if (
            not isinstance(h, dict)
            or not all(isinstance(f, str) and len(f) <= MAX_NAME for f in fields)
            or not (
                pid is None or (isinstance(pid, int) and not isinstance(pid, bool) and pid >= 0)
            )
        ):
            raise RemoteProtocolError(f"call.holders: {str(h)[:80]!r} is not a holder")
        out.append(
            {
                "device": fields[0],
                "pid": pid,
                "name": fields[1],
                "via": fields[2],
                "path": fields[3],
            }
        )
    return {"on": raw["on"], "signals": list(signals), "holders": out}
