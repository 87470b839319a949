"""What the history holds, as values: the rows the stores return (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent.contract.groups import Group, Selector
from central.model import RoomPath


@dataclass(frozen=True, slots=True)
class StatusRow:
    """One stored status change."""

    room: str
    boot_id: str
    state: str
    ts: datetime


@dataclass(frozen=True, slots=True)
class ReadinessRow:
    """One stored readiness report, reduced to what the report needs."""

    room: str
    ts: datetime
    verdict: str
    trigger: str
    meeting_id: str | None


@dataclass(frozen=True, slots=True)
class MeetingRow:
    """One meeting as scheduled (or cancelled)."""

    province: str
    id: str
    title: str
    start: datetime
    end: datetime
    rooms: tuple[str, ...]  # room ids, or "*"
    cancelled: bool
    groups: tuple[str, ...] = ()

    @property
    def selector(self) -> Selector:
        """The rooms this meeting selects in its province."""
        return Selector(self.rooms, self.groups)


@dataclass(frozen=True, slots=True)
class StoredRoom:
    """A room as history knows it."""

    path: RoomPath
    name: str
    first_seen: datetime
    unit: str
    groups: tuple[Group, ...]


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One operator action: who, what, when and the result."""

    id: int
    ts: str
    user: str
    action: str
    target: str
    args: dict[str, Any]
    ok: bool
    result: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """One ingest session of a board: ingesting from `started` to `stopped`, or its last beat."""

    session: str
    board: str
    started: datetime
    beat: datetime
    stopped: datetime | None
    every_s: float

    def end(self, now: datetime) -> datetime:
        """Until when it covered: its clean stop; its last heartbeat if it died; now if alive."""
        if self.stopped is not None:
            return self.stopped
        alive = (now - self.beat).total_seconds() <= 2 * self.every_s
        return max(now, self.beat) if alive else self.beat
