"""Contract v1 payloads as plain dicts; no MQTT library is imported here."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from agent.checks.runner import Report
    from agent.config import RoomConfig

READINESS_SCHEMA: Final = "hnth.readiness/1"


def iso(dt: datetime) -> str:
    """Format a time as the contract wants: ISO 8601 UTC with milliseconds and a Z."""
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 time with an offset or Z; naive times are refused."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if dt.tzinfo is None:
        msg = f"time {text!r} has no UTC offset"
        raise ValueError(msg)
    return dt


def room_info(room: RoomConfig) -> dict[str, str]:
    """Return the contract's `room` object."""
    return {
        "province": room.province,
        "district": room.district,
        "room": room.id,
        "name": room.name,
    }


def readiness(report: Report, room: RoomConfig, *, boot_id: str, seq: int) -> dict[str, Any]:
    """Return the `hnth.readiness/1` object for a report."""
    return {
        "schema": READINESS_SCHEMA,
        "boot_id": boot_id,
        "seq": seq,
        "ts": iso(report.started_at),
        "room": room_info(room),
        "trigger": report.trigger.value,
        "meeting": dict(report.meeting) if report.meeting is not None else None,
        "verdict": report.verdict.value,
        "duration_ms": report.duration_ms,
        "checks": [
            {
                "name": c.name,
                "status": c.status.value,
                "summary": c.summary,
                "hint": c.hint,
                "metrics": dict(c.metrics),
                "duration_ms": c.duration_ms,
            }
            for c in report.checks
        ],
    }


STATUS_SCHEMA: Final = "hnth.status/1"
EVENT_SCHEMA: Final = "hnth.event/1"
RESPONSE_SCHEMA: Final = "hnth.response/1"
SNAPSHOT_CONTENT_TYPE: Final = "image/jpeg"
SNAPSHOT_MAX_BYTES: Final = 64 * 1024
ONLINE: Final = "online"
OFFLINE: Final = "offline"


def now_iso() -> str:
    """The current time in contract format."""
    return iso(datetime.now(UTC))


def status(
    state: str, *, boot_id: str, agent_version: str, ts: str | None = None
) -> dict[str, Any]:
    """Return the `hnth.status/1` object (`state` is "online" or "offline")."""
    return {
        "schema": STATUS_SCHEMA,
        "state": state,
        "boot_id": boot_id,
        "agent_version": agent_version,
        "ts": ts or now_iso(),
    }


def event(
    kind: str, *, boot_id: str, seq: int, ts: str | None = None, **fields: Any
) -> dict[str, Any]:
    """Return an `hnth.event/1` object; `fields` are the kind's own keys."""
    return {
        "schema": EVENT_SCHEMA,
        "boot_id": boot_id,
        "seq": seq,
        "ts": ts or now_iso(),
        "kind": kind,
        **fields,
    }


def response_ok(request_id: str, result: Any) -> dict[str, Any]:
    """Return a successful `hnth.response/1`."""
    return {"schema": RESPONSE_SCHEMA, "request_id": request_id, "ok": True, "result": result}


def response_error(request_id: str, code: str, message: str) -> dict[str, Any]:
    """Return a failed `hnth.response/1` with a contract error code."""
    return {
        "schema": RESPONSE_SCHEMA,
        "request_id": request_id,
        "ok": False,
        "error": {"code": code, "message": message},
    }


def encode(obj: Any) -> bytes:
    """Serialise a payload as compact UTF-8 JSON (Vietnamese text stays readable)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_default).encode(
        "utf-8"
    )


def alert_changes(
    previous: Mapping[str, str], report: Report
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Compare a report with the raised alerts; return (alert event fields, new raised map).

    An alert is raised when a check leaves pass (warn, fail, error) and cleared when it
    returns to pass; a change between two non-pass statuses raises it again with the new
    status. A skipped check leaves its alert as it was (it was not looked at).
    """
    raised = dict(previous)
    out: list[dict[str, Any]] = []
    for c in report.checks:
        status_ = c.status.value
        if status_ == "skip":
            continue
        was = raised.get(c.name)
        if status_ == "pass":
            if was is not None:
                del raised[c.name]
                out.append(
                    {
                        "kind": "alert.cleared",
                        "check": c.name,
                        "status": status_,
                        "summary": c.summary,
                    }
                )
        elif was != status_:
            raised[c.name] = status_
            out.append(
                {
                    "kind": "alert.raised",
                    "check": c.name,
                    "status": status_,
                    "summary": c.summary,
                    "hint": c.hint,
                }
            )
    return out, raised


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


def is_late_will(current: Mapping[str, Any] | None, incoming: Mapping[str, Any]) -> bool:
    """For consumers: True if `incoming` is an `offline` from an older session (ignore it)."""
    return (
        current is not None
        and current.get("state") == ONLINE
        and incoming.get("state") == OFFLINE
        and incoming.get("boot_id") != current.get("boot_id")
    )
