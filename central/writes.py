"""What a message stores, decided from the message alone: for boards that share the ingest.

With `[board] share_ingest`, each board of a group receives a share of the live stream through
an MQTT shared subscription and stores only that share, while a second subscription keeps its
view of every room current. A board cannot ask its own memory whether a message is new (its
peer may have stored the previous one), so every write here is idempotent in the database:
readiness and events by (room, boot_id, seq), statuses by "does it change the stored one",
snapshots by their bytes, rooms and meetings by key. A message stored by two boards (a reconcile
pass after a peer died) is stored once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agent.contract import validate
from central.ingest import (
    Write,
    event_of,
    expect_schema,
    meeting_row,
    own_time,
    status_of,
    status_time,
)
from central.model import (
    Kind,
    Message,
    Parsed,
    RoomPath,
    RoomRecord,
    iso,
    schema_of,
)
from central.store import Writer


@dataclass(frozen=True, slots=True)
class RoomUpsert:
    """The `rooms` row a message touches, run first in a flush and in key order (`ordered`).

    Boards of a group upsert the same rooms' rows in their own transactions; taken in any
    order, two of them lock the same rows crosswise and PostgreSQL kills one (a deadlock).
    """

    path: RoomPath
    name: str
    ts: datetime

    def __call__(self, w: Writer) -> None:
        w.add_room(self.path, self.name, self.ts)


def ordered(batch: list[Write]) -> list[Write]:
    """The batch with its room upserts first, one per room (earliest time, last name), by key."""
    rooms: dict[str, RoomUpsert] = {}
    rest: list[Write] = []
    for write in batch:
        if not isinstance(write, RoomUpsert):
            rest.append(write)
            continue
        had = rooms.get(write.path.key)
        rooms[write.path.key] = (
            write
            if had is None
            else RoomUpsert(write.path, write.name or had.name, min(write.ts, had.ts))
        )
    return [*(rooms[k] for k in sorted(rooms)), *rest]


def writes_for(p: Parsed, msg: Message, rec: RoomRecord | None, now: datetime) -> list[Write]:
    """The history writes of one message; RemoteProtocolError if its body breaks the contract.

    `rec` is this board's view of the room (for a retained Will's time), or None.
    """
    if p.kind is Kind.SCHEDULE:
        return _meeting(p)
    if p.kind is Kind.COMMAND or p.path is None:
        return []
    out = _writes(p, msg, rec, now)
    path = p.path
    if out and path.version == 1 and path.district != "_":
        district = path.district  # a v1 room shows its district as its group (central.ingest)
        out.append(lambda w: w.set_district(path.key, district))
    return out


def _writes(p: Parsed, msg: Message, rec: RoomRecord | None, now: datetime) -> list[Write]:
    path = p.path
    assert path is not None
    key = path.key
    if p.kind is Kind.SNAPSHOT:
        shot = str(msg.properties.get("user_properties", {}).get("ts", "")) or iso(now)
        jpeg = msg.payload
        return [RoomUpsert(path, "", now), lambda w: w.add_snapshot(key, shot, jpeg)]
    body = p.body
    if body is None:
        return []
    family, _ = schema_of(body)
    if p.kind is Kind.META:
        meta = validate.meta(body, path.topics.id)
        name, unit, groups = meta.name, meta.unit.value, meta.groups
        return [
            RoomUpsert(path, name, now),
            lambda w: w.set_meta(key, name, unit, groups),
        ]
    if p.kind is Kind.STATUS:
        expect_schema(family, "hnth.status")
        state, boot_id = status_of(body)
        last = rec.last_report if rec is not None else None
        ts = status_time(state, body, retain=msg.retain, last_report=last, now=now)
        return [
            RoomUpsert(path, "", ts),
            lambda w: w.add_status_change(key, boot_id, state, ts),
        ]
    if p.kind is Kind.READINESS:
        expect_schema(family, "hnth.readiness")
        report = validate.readiness(body)
        ts = own_time(body, now)
        name = report.name if path.version == 1 else ""
        stored = dict(body)
        return [
            RoomUpsert(path, name, ts),
            lambda w: w.add_readiness(key, stored, ts),
        ]
    if p.kind is Kind.EVENT:
        expect_schema(family, "hnth.event")
        event_of(body)  # what central.ingest requires of an event
        ts = own_time(body, now)
        stored = dict(body)
        return [RoomUpsert(path, "", ts), lambda w: w.add_event(key, stored, ts)]
    return []  # a response: it answers the board that asked, which sees it on its view link


def _meeting(p: Parsed) -> list[Write]:
    province, meeting_id = p.province, p.extra
    if p.body is None:
        return [lambda w: w.cancel_meeting(province, meeting_id)]
    row = meeting_row(province, meeting_id, p.body)
    return [lambda w: w.put_meeting(row)]
