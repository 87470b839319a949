"""The [board] section of the config file: what the central board reads from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from agent.config import _each, _opt, _positive, _range, parse_host_port


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

    listen: str = _opt("127.0.0.1:8080", _listen)
    database: str = _opt("", _database)
    province: str = _opt("")
    stale_after_s: float = _opt(1200.0, _positive)
    max_payload_kb: int = _opt(256, _range(1, 16_384))
    session_ttl_h: float = _opt(12.0, _positive)
    cookie_secure: bool = _opt(True)
    behind_tls_proxy: bool = _opt(False)
    command_timeout_s: float = _opt(15.0, _range(1, 600))
    pre_meeting_offsets_min: tuple[float, ...] = _opt([30.0, 5.0], _each(_positive))
    pre_meeting_tolerance_min: float = _opt(3.0, _positive)
    client_id: str = _opt("hnth-board")
    language: Literal["vi", "en"] = _opt("vi")
    timezone: str = _opt("Asia/Ho_Chi_Minh", _zone)
