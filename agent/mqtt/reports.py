"""What the agent says about itself: its meta (who the room is), readiness bodies, alerts.

Every payload is built with `agent.contract.payloads`; this module turns the agent's config
into the room's meta, its Report into the contract's readiness object, and works out which
alerts a report raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from agent.contract import payloads
from agent.contract.groups import UnitKind
from agent.mqtt.parsing import limits_for
from agent.ptz_url import is_pelco, parse_pelco_url

if TYPE_CHECKING:
    from agent.checks.runner import Report
    from agent.config import Config, RoomConfig


def meta(config: Config, agent_version: str) -> dict[str, Any]:
    """The room's retained `hnth.meta/2`: name, unit kind, groups, replaced ids, PTZ ranges."""
    room = config.room
    return payloads.meta(
        room.room_id,
        name=room.name or room.id,
        unit=UnitKind(room.unit),
        groups=room.all_groups,
        replaces=room.replaced,
        agent_version=agent_version,
        ptz=_ptz_info(config),
    )


def _ptz_info(config: Config) -> dict[str, Any] | None:
    """The camera pad's ranges: which protocol, and the speeds and presets the room accepts."""
    ptz = config.ptz
    if not ptz.port:
        return None
    limits = limits_for(ptz)
    endpoint = parse_pelco_url(ptz.port) if is_pelco(ptz.port) else None
    return {
        "protocol": f"pelco-{endpoint.variant.value}" if endpoint is not None else "visca",
        "speed_max": limits.max_speed,
        "presets_max": limits.max_preset,
    }


def readiness(report: Report, room: RoomConfig, *, boot_id: str, seq: int) -> dict[str, Any]:
    """Return the `hnth.readiness/2` object for a report (each check with its time and trigger)."""
    now = datetime.now(UTC)
    return payloads.readiness(
        room=room.room_id,
        name=room.name,
        boot_id=boot_id,
        seq=seq,
        started_at=report.started_at,
        trigger=report.trigger.value,
        meeting=report.meeting,
        verdict=report.verdict.value,
        duration_ms=report.duration_ms,
        checks=[
            payloads.check_entry(
                c.name,
                c.status.value,
                c.summary,
                c.hint,
                c.metrics,
                c.duration_ms,
                ran_at=c.ran_at,
                trigger=c.trigger.value if c.trigger else None,
                stale=c.stale,
                now=now,
            )
            for c in report.checks
        ],
        call=report.call.as_dict() if report.call is not None else None,
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
