"""Payloads of the contract as plain dicts: what a room (or central) builds and puts on the wire.

No MQTT library and no agent internals are imported here: the agent, central and the
simulators build every payload through these functions, and read them with `validate`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from agent.contract.clock import iso, now_iso
from agent.contract.groups import Group, Selector, UnitKind
from agent.contract.topics import RoomId
from agent.errors import RemoteProtocolError

STATUS: Final = "hnth.status/1"
META: Final = "hnth.meta/2"
READINESS_V1: Final = "hnth.readiness/1"
READINESS: Final = "hnth.readiness/2"
EVENT: Final = "hnth.event/1"
RESPONSE: Final = "hnth.response/1"
MEETING_V1: Final = "hnth.meeting/1"
MEETING: Final = "hnth.meeting/2"
SNAPSHOT_CONTENT_TYPE: Final = "image/jpeg"
SNAPSHOT_MAX_BYTES: Final = 64 * 1024
ONLINE: Final = "online"
OFFLINE: Final = "offline"
VERDICTS: Final = ("ready", "degraded", "not_ready")
CHECK_STATUSES: Final = ("pass", "warn", "fail", "skip", "error")
CHECK_NAMES: Final = (
    "host",
    "time",
    "network",
    "camera",
    "microphone",
    "speaker",
    "display",
    "ptz",
)
ERROR_CODES: Final = frozenset(
    {
        "invalid_json",
        "unknown_verb",
        "invalid_argument",
        "expired",
        "busy",
        "rate_limited",
        "offline",
        "device_unavailable",
        "device_error",
        "timeout",
        "internal",
    }
)


def status(
    state: str, *, boot_id: str, agent_version: str, ts: str | None = None
) -> dict[str, Any]:
    """Return the `hnth.status/1` object (`state` is "online" or "offline")."""
    return {
        "schema": STATUS,
        "state": state,
        "boot_id": boot_id,
        "agent_version": agent_version,
        "ts": ts or now_iso(),
    }


def meta(
    room: RoomId,
    *,
    name: str,
    unit: UnitKind,
    groups: Iterable[Group] = (),
    replaces: Iterable[RoomId] = (),
    agent_version: str = "",
    ts: str | None = None,
    ptz: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the retained `hnth.meta/2` birth message: who the room is in the organisation.

    `ptz`, when the room has a PTZ camera: {"protocol": "visca"|"pelco-d"|"pelco-p",
    "speed_max": the highest `ptz.move` speed it accepts, "presets_max": the highest preset}.
    """
    body: dict[str, Any] = {
        "schema": META,
        "province": room.province,
        "room": room.room,
        "name": name,
        "unit": unit.value,
        "groups": [{"id": g.id, "name": g.name} if g.name else g.id for g in groups],
        "replaces": [str(r) for r in replaces],
        "agent_version": agent_version,
        "ts": ts or now_iso(),
    }
    if ptz is not None:
        body["ptz"] = dict(ptz)
    return body


def check_entry(  # noqa: PLR0917 - the fields of one check, in the contract's order
    name: str,
    status_: str,
    summary: str,
    hint: str | None,
    metrics: Mapping[str, Any],
    duration_ms: int,
    *,
    ran_at: datetime | None = None,
    trigger: str | None = None,
    stale: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One check result; a catalogue text also carries its `key` and `args` (and the hint's).

    `ran_at` and `trigger` say when and why this check last ran (a readiness merges partial
    runs, so each check has its own); `age_s` is its age when the readiness was built.
    """
    entry: dict[str, Any] = {
        "name": name,
        "status": status_,
        "summary": str(summary),
        "hint": None if hint is None else str(hint),
        "metrics": dict(metrics),
        "duration_ms": duration_ms,
    }
    if ran_at is not None:
        entry["ran_at"] = iso(ran_at)
        if now is not None:
            entry["age_s"] = max(round((now - ran_at).total_seconds()), 0)
    if trigger is not None:
        entry["trigger"] = trigger
    if stale:
        entry["stale"] = True
    for field, text in (("", summary), ("hint_", hint)):
        key = getattr(text, "key", None)
        if key:
            entry[f"{field}key"] = key
            entry[f"{field}args"] = dict(getattr(text, "params", {}))
    return entry


def readiness(
    *,
    room: RoomId,
    name: str,
    boot_id: str,
    seq: int,
    started_at: datetime,
    trigger: str,
    meeting: Mapping[str, Any] | None,
    verdict: str,
    duration_ms: int,
    checks: Sequence[Mapping[str, Any]],
    call: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the `hnth.readiness/2` object; `checks` are `check_entry` dicts.

    `call`, when the agent looked: {"on", "signals", "holders": [{device, pid, name, via,
    path}], "unseen", "at"}: whether a call is on, why, and which program holds which device.
    """
    body = {
        "schema": READINESS,
        "boot_id": boot_id,
        "seq": seq,
        "ts": iso(started_at),
        "room": {"province": room.province, "room": room.room, "name": name},
        "trigger": trigger,
        "meeting": dict(meeting) if meeting is not None else None,
        "verdict": verdict,
        "duration_ms": duration_ms,
        "checks": [dict(c) for c in checks],
    }
    if call is not None:
        body["call"] = dict(call)
    return body


def event(
    kind: str, *, boot_id: str, seq: int, ts: str | None = None, **fields: Any
) -> dict[str, Any]:
    """Return an `hnth.event/1` object; `fields` are the kind's own keys."""
    return {
        "schema": EVENT,
        "boot_id": boot_id,
        "seq": seq,
        "ts": ts or now_iso(),
        "kind": kind,
        **fields,
    }


def response_ok(request_id: str, result: Any) -> dict[str, Any]:
    """Return a successful `hnth.response/1`."""
    return {"schema": RESPONSE, "request_id": request_id, "ok": True, "result": result}


def response_error(request_id: str, code: str, message: str) -> dict[str, Any]:
    """Return a failed `hnth.response/1` with a contract error code."""
    return {
        "schema": RESPONSE,
        "request_id": request_id,
        "ok": False,
        "error": {"code": code if code in ERROR_CODES else "internal", "message": message},
    }


def meeting(
    meeting_id: str,
    *,
    title: str,
    start: datetime,
    end: datetime,
    selector: Selector,
) -> dict[str, Any]:
    """Return the retained `hnth.meeting/2` object central publishes for a province."""
    return {
        "schema": MEETING,
        "id": meeting_id,
        "title": title,
        "start": iso(start),
        "end": iso(end),
        "rooms": list(selector.rooms),
        "groups": list(selector.groups),
    }


def encode(obj: Any) -> bytes:
    """Serialise a payload as compact UTF-8 JSON (Vietnamese text stays readable)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_default).encode(
        "utf-8"
    )


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


def is_late_will(current: Mapping[str, Any] | None, incoming: Mapping[str, Any]) -> bool:
    """For consumers: True if `incoming` is an `offline` from an older session (ignore it)."""
    return (
        current is not None
        and current.get("state") == ONLINE
        and incoming.get("state") == OFFLINE
        and incoming.get("boot_id") != current.get("boot_id")
    )


def _default(obj: Any) -> Any:
    if isinstance(obj, datetime):
        return iso(obj)
    if isinstance(obj, bytes | bytearray):
        return obj.hex()
    if isinstance(obj, Mapping):
        return dict(obj)
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    return str(obj)
