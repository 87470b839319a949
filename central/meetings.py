"""What the page's forms become in the contract, and the answers operator actions give (pure).

A meeting form's rooms and groups as a `Selector`; the same meeting as `hnth.meeting/1` for
rooms still on contract v1; the error bodies of a command or a publish that failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from agent.contract import payloads
from agent.contract.groups import Selector, v1_selector
from agent.i18n import t

Row = dict[str, Any]  # a room's grid row (central.views.summary)


def form_selector(data: dict[str, Any], province: str, rooms: Sequence[Row]) -> Selector:
    """Rooms and groups from the form: lists, or one text of ids, groups and v1 patterns."""
    wanted, groups = data.get("rooms") or [], data.get("groups") or []
    if isinstance(wanted, str):
        wanted = [r.strip() for r in wanted.split(",") if r.strip()]
    if isinstance(groups, str):
        groups = [g.strip() for g in groups.split(",") if g.strip()]
    if not isinstance(wanted, list) or not isinstance(groups, list):
        return Selector()
    known = {g["id"] for r in rooms if r["province"] == province for g in r["groups"]}
    out_rooms: list[str] = []
    out_groups = [str(g) for g in groups]
    for token in map(str, wanted):
        if "/" in token:  # a v1 pattern, e.g. "moc-chau/*"
            sel = v1_selector([token])
            out_rooms += sel.rooms
            out_groups += sel.groups
        elif token in known:
            out_groups.append(token)
        else:
            out_rooms.append(token)
    if not out_rooms and not out_groups:
        out_rooms = ["*"]
    return Selector(tuple(dict.fromkeys(out_rooms)), tuple(dict.fromkeys(out_groups)))


def has_v1_rooms(rooms: Sequence[Row], province: str) -> bool:
    """True when some room of the province still speaks contract v1."""
    return any(r["version"] == 1 and r["province"] == province for r in rooms)


def v1_meeting(body: dict[str, Any], province: str, rooms: Sequence[Row]) -> dict[str, Any]:
    """The same meeting for v1 rooms: their patterns `district/room` (a group is a district)."""
    districts = {
        r["id"]: r["groups"][0]["id"] if r["groups"] else "_"
        for r in rooms
        if r["province"] == province
    }
    patterns = ["*"] if "*" in body["rooms"] else []
    patterns += [f"{districts.get(r, '*')}/{r}" for r in body["rooms"] if r != "*"]
    patterns += [f"{g}/*" for g in body["groups"]]
    return {
        **{k: v for k, v in body.items() if k != "groups"},
        "schema": payloads.MEETING_V1,
        "rooms": patterns,
    }


def parse_local(text: str, tz: str) -> datetime:
    """Parse a time from the page: with an offset as given, without one in the province's zone."""
    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=ZoneInfo(tz))


def error(code: str, message: str) -> dict[str, Any]:
    """The body of a refused or failed action."""
    return {"ok": False, "error": {"code": code, "message": message}}


def link_error(rc: int | None, lang: str) -> dict[str, Any]:
    """The body for a publish the broker did not take (-1: no broker; 135: not authorised)."""
    if rc == -1:
        return error("broker_unavailable", t("board.cmd.no_broker", lang=lang))
    if rc == 135:
        return error("not_authorized", t("board.cmd.denied", lang=lang))
    return error("broker_error", t("board.cmd.broker_error", lang=lang, rc=rc))
