"""Times in the contract: ISO 8601 UTC with milliseconds and a Z; offsets are required."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agent.errors import RemoteProtocolError


def iso(dt: datetime) -> str:
    """Format a time as the contract wants: `2026-03-04T01:30:00.000Z`."""
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def now_iso() -> str:
    """The current time in contract format."""
    return iso(datetime.now(UTC))


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 time with an offset or Z; raise ValueError for naive or bad times."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if dt.tzinfo is None:
        msg = f"time {text!r} has no UTC offset"
        raise ValueError(msg)
    return dt.astimezone(UTC)


def parse_ts(value: Any) -> datetime:
    """Parse a received contract time; raise RemoteProtocolError when it is not one."""
    if not isinstance(value, str):
        raise RemoteProtocolError(f"time {value!r} is not a string")
    try:
        return parse_time(value)
    except ValueError:
        raise RemoteProtocolError(f"time {value!r} is not ISO 8601 with an offset") from None
