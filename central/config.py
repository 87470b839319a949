"""The [board] section of the config file: what the central board reads from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from agent.config_fields import each, in_range, opt, parse_host_port, positive


def _listen(value: Any) -> str | None:
    return None if parse_host_port(value) else "config.allowed.host_port"


def _database(value: Any) -> str | None:
    ok = value == "" or value.startswith(("sqlite:", "postgresql:", "postgres:"))
    return None if ok else "board.config.database"


def _zone(value: Any) -> str | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return "board.config.timezone"
    return None


@dataclass(frozen=True, slots=True)
class BoardConfig:
    """The [board] section: where the board listens, keeps history and when a room is stale."""

    listen: str = opt("127.0.0.1:8080", _listen)
    database: str = opt("", _database)
    province: str = opt("")
    stale_after_s: float = opt(1200.0, positive)
    coverage_heartbeat_s: float = opt(30.0, in_range(1, 3600))
    max_payload_kb: int = opt(256, in_range(1, 16_384))
    session_ttl_h: float = opt(12.0, positive)
    cookie_secure: bool = opt(True)
    behind_tls_proxy: bool = opt(False)
    command_timeout_s: float = opt(15.0, in_range(1, 600))
    pre_meeting_offsets_min: tuple[float, ...] = opt([30.0, 5.0], each(positive))
    pre_meeting_tolerance_min: float = opt(3.0, positive)
    client_id: str = opt("hnth-board")
    language: Literal["vi", "en"] = opt("vi")
    timezone: str = opt("Asia/Ho_Chi_Minh", _zone)
