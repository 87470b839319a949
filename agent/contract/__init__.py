"""THE contract, shared by the agent, central and the simulators (docs/mqtt.md).

- `names`: slugs, verbs, request ids, diacritic folding for search;
- `clock`: contract times;
- `topics`: v2 and v1 topic names, built and parsed;
- `groups`: unit kinds, groups, and which rooms a meeting selects;
- `payloads`: building payloads (and their schemas, codes and limits);
- `validate`: reading payloads into frozen values;
- `requests`: the command verbs and their argument validation.

Nothing here does I/O, and nothing here imports the rest of the agent but its errors and
its message catalogue.
"""

from __future__ import annotations

from agent.contract import payloads, requests, topics, validate
from agent.contract.clock import iso, now_iso, parse_time, parse_ts
from agent.contract.groups import Group, Selector, UnitKind
from agent.contract.names import check_slug, fold, is_slug, slugify
from agent.contract.topics import Leaf, RoomId, RoomTopics, Topic

__all__ = [
    "Group",
    "Leaf",
    "RoomId",
    "RoomTopics",
    "Selector",
    "Topic",
    "UnitKind",
    "check_slug",
    "fold",
    "is_slug",
    "iso",
    "now_iso",
    "parse_time",
    "parse_ts",
    "payloads",
    "requests",
    "slugify",
    "topics",
    "validate",
]
