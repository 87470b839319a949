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


def _slug(value: Any) -> str | None:
    from agent.contract.names import is_slug

    return None if value == "" or is_slug(value) else "board.config.share_ingest"


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
    # Boards naming the same group split the ingest through MQTT shared subscriptions
    # ($share/<group>/…); each still sees every room live. "" = this board ingests alone.
    share_ingest: str = opt("", _slug)
    keep_readiness_days: int = opt(90, in_range(1, 3660))  # raw reports; then per room and day
    keep_history_months: int = opt(24, in_range(24, 1200))  # statuses, meetings, audit
    keep_snapshots: int = opt(20, in_range(0, 10_000))  # older snapshots kept per room


def _hours(value: Any) -> str | None:
    """Each office-hours slot is "HH:MM-HH:MM", start before end."""
    import re

    for slot in value:
        m = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)", slot)
        if not m or (int(m[1]), int(m[2])) >= (int(m[3]), int(m[4])):
            return "monthly.config.office_hours"
    return None


def _days(value: Any) -> str | None:
    return None if value and all(1 <= d <= 7 for d in value) else "monthly.config.working_days"


def _dates(value: Any) -> str | None:
    from datetime import date

    try:
        for d in value:
            date.fromisoformat(d)
    except ValueError:
        return "monthly.config.holidays"
    return None


def _tiers(value: Any) -> str | None:
    """[[threshold %, penalty %], …] with thresholds strictly falling, the last one 0."""
    from itertools import pairwise

    ok = (
        bool(value)
        and all(len(p) == 2 and 0 <= p[0] <= 100 and 0 <= p[1] <= 100 for p in value)
        and all(a[0] > b[0] for a, b in pairwise(value))
        and value[-1][0] == 0
    )
    return None if ok else "monthly.config.penalty_tiers"


@dataclass(frozen=True, slots=True)
class ReportConfig:
    """The [report] section: the lease contract's rules for the monthly report, and its signer."""

    issuer: str = opt("")  # the issuing body, e.g. "SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH SƠN LA"
    issuer_parent: str = opt("")  # its parent body, above it ("UBND TỈNH SƠN LA")
    place: str = opt("")  # the place in the date line ("Sơn La, ngày … tháng … năm …")
    contract: str = opt("")  # the lease contract's reference, printed with the rules
    signer_title: str = opt("")
    signer_name: str = opt("")
    service_hours: Literal["24x7", "office"] = opt("24x7")
    office_hours: tuple[str, ...] = opt(["07:30-11:30", "13:30-17:00"], _hours)
    working_days: tuple[int, ...] = opt([1, 2, 3, 4, 5], _days)  # ISO weekdays, Monday = 1
    holidays: tuple[str, ...] = opt([], _dates)  # YYYY-MM-DD days off within working days
    min_outage_min: float = opt(5.0, in_range(0, 1440))
    not_ready_in_meeting_is_down: bool = opt(False)
    penalty_tiers: tuple[tuple[float, ...], ...] = opt(
        [[99.0, 0.0], [98.0, 10.0], [0.0, 25.0]], _tiers
    )
    penalty_cap_pct: float = opt(25.0, in_range(0, 100))
    maintenance_notice_h: float = opt(48.0, in_range(0, 24 * 31))
    late_maintenance: Literal["refuse", "flag"] = opt("refuse")
    overlapping_exclusions: Literal["refuse", "flag"] = opt("refuse")
    output_dir: str = opt("")  # "" = <state_dir>/reports; closed months go to <dir>/YYYY-MM/
