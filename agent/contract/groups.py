"""The organisation as data: unit kinds, groups, and which rooms a meeting selects.

Since July 2025 there are provinces and communes; a room's place is not a topic level but data
its `meta` message carries: the kind of unit, its groups (a cluster, a former district kept as a
label, a provincial department's network…) and the ids it replaces after a merge.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from agent.contract.names import is_slug

ALL_ROOMS = "*"


class UnitKind(StrEnum):
    """The kind of administrative unit a room belongs to."""

    XA = "xa"  # xã, a rural commune
    PHUONG = "phuong"  # phường, an urban ward
    DAC_KHU = "dac-khu"  # đặc khu, a special zone (islands)
    TINH = "tinh"  # the provincial People's Committee or Council
    SO_NGANH = "so-nganh"  # a provincial department or agency
    CUM = "cum"  # a regional meeting point (often a former district's hall)
    KHAC = "khac"  # anything else the province runs


@dataclass(frozen=True, slots=True)
class Group:
    """A group of rooms: an id to select by, and a display name."""

    id: str
    name: str = ""

    @property
    def label(self) -> str:
        """The name, or the id when the group has none."""
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class Selector:
    """The rooms a meeting selects in its province: all, by group, or by room id."""

    rooms: tuple[str, ...] = ()  # room ids, or "*" for every room of the province
    groups: tuple[str, ...] = ()  # group ids

    @property
    def everyone(self) -> bool:
        """True when the meeting is for every room of the province."""
        return ALL_ROOMS in self.rooms

    def selects(self, room: str, groups: Iterable[str]) -> bool:
        """True when the room (by id and its group ids) takes part."""
        return self.everyone or room in self.rooms or not set(self.groups).isdisjoint(groups)

    def problems(self) -> list[str]:
        """What is wrong with the selector (empty, or not slugs); [] when it is fine."""
        out = [
            f"rooms: {r!r} is not a room id"
            for r in self.rooms
            if r != ALL_ROOMS and not is_slug(r)
        ]
        out += [f"groups: {g!r} is not a group id" for g in self.groups if not is_slug(g)]
        if not self.rooms and not self.groups:
            out.append("a meeting must select rooms or groups")
        return out


def v1_pattern_matches(patterns: Sequence[str], district: str, room: str) -> bool:
    """Contract v1 room patterns: "*", "district/room", with "*" matching a whole level."""
    for pattern in patterns:
        if pattern == ALL_ROOMS:
            return True
        d, _, r = pattern.partition("/")
        if d in (ALL_ROOMS, district) and r in (ALL_ROOMS, room):
            return True
    return False


def v1_selector(patterns: Sequence[str]) -> Selector:
    """Translate v1 patterns into a v2 selector: a district becomes a group, a room a room."""
    rooms: list[str] = []
    groups: list[str] = []
    for pattern in patterns:
        if pattern == ALL_ROOMS:
            rooms.append(ALL_ROOMS)
            continue
        d, slash, r = pattern.partition("/")
        if not slash:
            continue  # not a v1 pattern: v1 never matched it either
        if r == ALL_ROOMS:
            if d == ALL_ROOMS:
                rooms.append(ALL_ROOMS)
            elif d != "_":
                groups.append(d)
        else:
            rooms.append(r)
    return Selector(tuple(dict.fromkeys(rooms)), tuple(dict.fromkeys(groups)))
