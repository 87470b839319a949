"""What the agent publishes about its own reports: the readiness body and alert changes.

Every payload is built with `agent.contract.payloads`; this module only turns the agent's
Report into the contract's readiness object and works out which alerts a report raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from agent.contract import payloads

if TYPE_CHECKING:
    from agent.checks.runner import Report
    from agent.config import RoomConfig


def readiness(report: Report, room: RoomConfig, *, boot_id: str, seq: int) -> dict[str, Any]:
    """Return the `hnth.readiness/2` object for a report."""
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
                c.name, c.status.value, c.summary, c.hint, c.metrics, c.duration_ms
            )
            for c in report.checks
        ],
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
