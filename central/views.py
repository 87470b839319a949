"""What the pages and the API read: a room's colour, its grid row and a meeting's roll-up.

Pure functions of the records ingest keeps; the Fleet (central.state) calls them under its lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from agent.i18n import has, t
from central.model import RoomRecord, RoomState, iso
from central.store import MeetingRow

LANGS: Final = ("vi", "en")
# Problems first: the order of the fleet grid and of a meeting's problem rooms.
SEVERITY: Final = {
    RoomState.NOT_READY: 0,
    RoomState.OFFLINE: 2,
    RoomState.STALE: 3,
    RoomState.DEGRADED: 4,
    RoomState.UNKNOWN: 5,
    RoomState.READY: 6,
}
_INVALID_SEVERITY: Final = 1  # a report the contract rejects: right after not ready


def state_of(rec: RoomRecord, now: datetime, stale_after_s: float) -> RoomState:
    """Return the colour of a room: offline beats stale beats the last verdict."""
    if rec.status == "offline":
        return RoomState.OFFLINE
    # The board's receive time, when it heard the room live: a room whose clock is slow (or
    # fast) is judged by when its reports arrived, not by the times it wrote on them.
    seen = (
        max(t for t in (rec.last_heard, rec.last_report) if t is not None)
        if (rec.last_heard or rec.last_report)
        else None
    )
    if seen is None or (now - seen).total_seconds() > stale_after_s:
        return RoomState.STALE if seen is not None else RoomState.UNKNOWN
    if rec.readiness is None:
        return RoomState.UNKNOWN
    return RoomState(rec.readiness["verdict"])


def text_of(key: object, args: object, fallback: object) -> dict[str, str] | None:
    """A check's text in both languages from its catalogue key, else the room's own words."""
    own = fallback if isinstance(fallback, str) else None
    if isinstance(key, str) and has(key):  # not `in catalog()`: that builds it, per check
        params = {
            k: v for k, v in (args if isinstance(args, Mapping) else {}).items() if k != "lang"
        }
        try:
            return {lang: str(t(key, lang=lang, **params)) for lang in LANGS}
        except TypeError:  # arguments that are not keywords: keep the room's own words
            pass
    return None if own is None else dict.fromkeys(LANGS, own)


def localized(check: Mapping[str, Any]) -> dict[str, Any]:
    """One check entry with `text` and `hint_text` in both languages."""
    return {
        **check,
        "text": text_of(check.get("key"), check.get("args"), check.get("summary")),
        # A hint often names what its summary measured ({target}): it may use the summary's args.
        "hint_text": text_of(check.get("hint_key"), _merged_args(check), check.get("hint")),
    }


def _merged_args(check: Mapping[str, Any]) -> dict[str, Any]:
    args, hint_args = check.get("args"), check.get("hint_args")
    return {
        **(args if isinstance(args, Mapping) else {}),
        **(hint_args if isinstance(hint_args, Mapping) else {}),
    }


def severity(rec: RoomRecord, state: RoomState) -> int:
    """Return how urgent a room is (0 first): not ready, an invalid report, offline, stale…"""
    rank = SEVERITY[state]
    return min(rank, _INVALID_SEVERITY) if rec.readiness_error else rank


def summary(rec: RoomRecord, state: RoomState) -> dict[str, Any]:
    """Return the grid row of a room in `state`."""
    readiness = rec.readiness or {}
    failing = [
        localized({k: c.get(k) for k in _CHECK_FIELDS})
        for c in readiness.get("checks", [])
        if isinstance(c, dict) and c.get("status") not in ("pass", "skip")
    ]
    failing.sort(key=lambda c: _STATUS_ORDER.get(str(c.get("status")), 9))
    meeting = readiness.get("meeting")
    return {
        "room": rec.path.key,
        "id": rec.path.room,
        "province": rec.path.province,
        "version": rec.path.version,
        "unit": rec.unit,
        "groups": [{"id": g.id, "name": g.label} for g in rec.groups],
        "name": rec.name or rec.path.room,
        "meta_error": rec.meta_error,
        "ptz": dict(rec.ptz) if rec.ptz else None,
        "state": state.value,
        "severity": severity(rec, state),
        "invalid": rec.readiness_error,
        "status": rec.status,
        "verdict": readiness.get("verdict"),
        "last_seen": iso(rec.last_report) if rec.last_report else None,
        "last_heard": iso(rec.last_heard) if rec.last_heard else None,
        "readiness_ts": readiness.get("ts"),
        "trigger": readiness.get("trigger"),
        "meeting_id": meeting.get("id") if isinstance(meeting, dict) else None,
        "failing": failing,
        "agent_version": rec.agent_version,
        "snapshot_ts": rec.snapshot_ts,
        "schema_note": rec.schema_note,
    }


def ordered(recs: Iterable[RoomRecord]) -> list[RoomRecord]:
    """Return the records in grid order: province → first group → name."""
    return sorted(
        recs,
        key=lambda r: (r.path.province, r.groups[0].label if r.groups else "", r.name, r.path.room),
    )


def rollup(
    m: MeetingRow,
    recs: Iterable[RoomRecord],
    now: datetime,
    *,
    stale_after_s: float,
    offsets_min: tuple[float, ...],
    tolerance_min: float,
) -> dict[str, Any]:
    """Return a meeting with its counts per state, its problem rooms and who checked for it."""
    counts = dict.fromkeys((s.value for s in RoomState), 0)
    problems = []
    participants = checked = 0
    tol = timedelta(minutes=tolerance_min)
    for rec in recs:
        if rec.path.province != m.province or not rec.selected_by(m.selector):
            continue
        participants += 1
        state = state_of(rec, now, stale_after_s)
        counts[state.value] += 1
        row = summary(rec, state)
        ts = rec.meeting_checks.get(m.id)
        row["checked_for_meeting"] = ts is not None
        if ts is not None:
            checked += 1
            row["checked_at"] = iso(ts)
            row["offset"] = next(
                (o for o in offsets_min if abs(ts - (m.start - timedelta(minutes=o))) <= tol), None
            )
        if state is not RoomState.READY or rec.readiness_error:
            problems.append(row)
    problems.sort(key=lambda r: (r["severity"], r["name"]))
    return {
        "province": m.province,
        "id": m.id,
        "title": m.title,
        "start": iso(m.start),
        "end": iso(m.end),
        "rooms": list(m.rooms),
        "groups": list(m.groups),
        "participants": participants,
        "checked": checked,
        "counts": counts,
        "problems": problems,
    }


_CHECK_FIELDS: Final = ("name", "status", "summary", "hint", "key", "args", "hint_key", "hint_args")
_STATUS_ORDER: Final = {"error": 0, "fail": 1, "warn": 2}
