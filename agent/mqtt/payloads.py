"""Contract v1 payloads as plain dicts; no MQTT library is imported here."""

from __future__ import annotations

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
