"""Recorded messages as JSON lines: `board import` replays them through ingest; `board export`.

One line is one MQTT message as the board received it:
`{"topic": …, "payload": "<UTF-8 text>" | "payload_b64": "<base64>", "received": "<ISO 8601>",
"qos": 0-2, "retain": bool[, "properties": {…}]}`, or one ingest session of a board:
`{"coverage": {"session", "board", "started", "beat", "stopped", "every_s"}}`.

Import goes through the Fleet, as a live message does, with the board's clock set to each line's
received time; every write is idempotent, so importing a file twice stores nothing twice. Export
writes the history of [since, until): each room's state at `since` (its meta, its last status and
readiness before it), then every status change, readiness report and event in order, the
meetings, and the ingest sessions; imported into an empty board it gives the same report.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agent.contract import payloads
from agent.contract.groups import Selector, UnitKind
from agent.contract.topics import schedule
from central.config import BoardConfig
from central.model import Message, iso, parse_ts
from central.state import Fleet
from central.store import CoverageRow, Store, StoreUnavailable, Writer

_FLUSH_EVERY = 5000  # lines per history transaction
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Recorded:
    """One message as received: what `board import` replays."""

    topic: str
    payload: bytes
    received: datetime
    qos: int = 1
    retain: bool = False
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ImportResult:
    """What an import did, and the lines it refused (line number, reason)."""

    lines: int = 0
    messages: int = 0
    ingested: int = 0
    duplicates: int = 0
    rejected: int = 0
    sessions: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for --json."""
        return {
            "lines": self.lines,
            "messages": self.messages,
            "ingested": self.ingested,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "sessions": self.sessions,
            "errors": [{"line": n, "reason": why} for n, why in self.errors],
        }


def encode(r: Recorded | CoverageRow) -> str:
    """One JSON line (without its newline)."""
    if isinstance(r, CoverageRow):
        c = {
            "session": r.session,
            "board": r.board,
            "started": iso(r.started),
            "beat": iso(r.beat),
            "stopped": iso(r.stopped) if r.stopped else None,
            "every_s": r.every_s,
        }
        return json.dumps({"coverage": c}, ensure_ascii=False)
    out: dict[str, Any] = {"topic": r.topic}
    try:
        out["payload"] = r.payload.decode("utf-8")
    except UnicodeDecodeError:
        out["payload_b64"] = base64.b64encode(r.payload).decode("ascii")
    out |= {"received": iso(r.received), "qos": r.qos, "retain": r.retain}
    if r.properties:
        out["properties"] = r.properties
    return json.dumps(out, ensure_ascii=False)


def decode(line: str) -> Recorded | CoverageRow:
    """Parse one line; ValueError says what is wrong with it."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        msg = f"not JSON: {exc.msg} at column {exc.colno}"
        raise ValueError(msg) from None
    if not isinstance(obj, dict):
        msg = "not a JSON object"
        raise ValueError(msg)  # noqa: TRY004 - a bad line of input, not a bad call
    try:
        if "coverage" in obj:
            return _coverage(obj["coverage"])
        topic = obj["topic"]
        if not isinstance(topic, str) or not topic:
            msg = "'topic' is not a non-empty string"
            raise ValueError(msg)
        if "payload_b64" in obj:
            payload = base64.b64decode(str(obj["payload_b64"]), validate=True)
        elif isinstance(obj.get("payload"), str):
            payload = obj["payload"].encode("utf-8")
        else:
            msg = "neither 'payload' (text) nor 'payload_b64' (base64)"
            raise ValueError(msg)
        qos = obj.get("qos", 1)
        if qos not in (0, 1, 2):
            msg = f"'qos' {qos!r} is not 0, 1 or 2"
            raise ValueError(msg)
        retain = obj.get("retain", False)
        props = obj.get("properties", {})
        if not isinstance(retain, bool) or not isinstance(props, dict):
            msg = "'retain' is not true/false or 'properties' is not an object"
            raise ValueError(msg)  # noqa: TRY004 - a bad line of input
        return Recorded(topic, payload, _time(obj, "received"), qos, retain, props)
    except KeyError as exc:
        msg = f"missing {exc.args[0]!r}"
        raise ValueError(msg) from None
    except binascii.Error:
        msg = "'payload_b64' is not base64"
        raise ValueError(msg) from None


def import_lines(store: Store, cfg: BoardConfig, lines: Iterable[str]) -> ImportResult:
    """Replay recorded lines through ingest into `store`; StoreUnavailable if it cannot write."""
    now: list[datetime] = [_EPOCH]
    fleet = Fleet(cfg, store, clock=lambda: now[0])
    res = ImportResult()
    stats = fleet.stats
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        res.lines += 1
        try:
            rec = decode(raw)
        except ValueError as exc:
            res.errors.append((n, str(exc)))
            continue
        if isinstance(rec, CoverageRow):
            fleet.record(_put_coverage(rec))
            res.sessions += 1
            continue
        res.messages += 1
        now[0] = rec.received
        before = stats.rejected
        fleet.ingest(Message(rec.topic, rec.payload, rec.retain, rec.properties))
        if stats.rejected != before:
            res.errors.append((n, stats.last_rejected))
        if res.lines % _FLUSH_EVERY == 0:
            _flush(fleet)
    _flush(fleet)
    res.ingested, res.duplicates, res.rejected = stats.ingested, stats.duplicates, stats.rejected
    return res


def export_lines(store: Store, since: datetime, until: datetime) -> Iterator[str]:
    """The stored history of [since, until) as JSON lines, oldest first."""
    rooms = {r.path.key: r for r in store.rooms()}
    out: list[Recorded] = []
    for key, room in rooms.items():
        topics = room.path.topics
        if room.path.version == 2 and room.unit and room.name:
            body = payloads.meta(
                topics.id,
                name=room.name,
                unit=UnitKind(room.unit),
                groups=room.groups,
                ts=iso(room.first_seen),
            )
            out.append(Recorded(topics.meta, payloads.encode(body), room.first_seen, 1, True))
        before = store.statuses(key, since)
        for s in [*before[-1:], *store.statuses(key, until, since=since)]:
            body = payloads.status(s.state, boot_id=s.boot_id, agent_version="", ts=iso(s.ts))
            out.append(Recorded(topics.status, payloads.encode(body), s.ts, 1, False))
        last = store.last_bodies("readiness", key, since)
        if last is not None:
            out.append(_body(topics.readiness, *last, retain=True))
    for table, leaf in (("readiness", "readiness"), ("events", "events")):
        for key, ts, text in store.bodies(table, since, until):
            if key in rooms:
                topics = rooms[key].path.topics
                topic = topics.readiness if leaf == "readiness" else topics.events
                out.append(_body(topic, ts, text, retain=leaf == "readiness"))
    for m in store.meetings(include_cancelled=True):
        if m.end < since or m.start >= until:
            continue
        sel = Selector(m.rooms, m.groups)
        body = payloads.meeting(m.id, title=m.title, start=m.start, end=m.end, selector=sel)
        topic = schedule(m.province, m.id)
        out.append(Recorded(topic, payloads.encode(body), since, 1, True))
        if m.cancelled:
            out.append(Recorded(topic, b"", since, 1, True))
    out.sort(key=lambda r: r.received)  # stable: a room's meta before its first status
    for c in store.coverage(_EPOCH, until):  # all sessions: the first one dates coverage
        yield encode(c)
    for r in out:
        yield encode(r)


def _body(topic: str, ts: str, body: str, *, retain: bool) -> Recorded:
    return Recorded(topic, body.encode("utf-8"), parse_ts(ts), 1, retain)


def _put_coverage(row: CoverageRow) -> Callable[[Writer], None]:
    return lambda w: w.put_coverage(row)


def _flush(fleet: Fleet) -> None:
    if not fleet.flush():
        raise StoreUnavailable(fleet.db_error)


def _time(obj: dict[str, Any], key: str) -> datetime:
    try:
        return parse_ts(obj[key])
    except KeyError:
        raise
    except Exception:
        msg = f"{key!r} {obj[key]!r} is not an ISO 8601 time with an offset"
        raise ValueError(msg) from None


def _coverage(c: Any) -> CoverageRow:
    if not isinstance(c, dict):
        msg = "'coverage' is not an object"
        raise ValueError(msg)  # noqa: TRY004 - a bad line of input
    every = c.get("every_s", 30)
    if isinstance(every, bool) or not isinstance(every, int | float) or every <= 0:
        msg = f"'every_s' {every!r} is not a positive number"
        raise ValueError(msg)
    return CoverageRow(
        str(c["session"]),
        str(c.get("board", "")),
        _time(c, "started"),
        _time(c, "beat"),
        _time(c, "stopped") if c.get("stopped") else None,
        float(every),
    )
