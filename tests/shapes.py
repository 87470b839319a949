"""Structural validators for contract v2 payloads, written from docs/mqtt.md (not from the code),
shared by the tests of every area."""

from __future__ import annotations

import re
from typing import Any

TS_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
CHECK_NAMES = {"host", "time", "network", "camera", "microphone", "speaker", "display", "ptz"}
STATUSES = {"pass", "warn", "fail", "skip", "error"}
VERDICTS = {"ready", "degraded", "not_ready"}
TRIGGERS = {"schedule", "periodic", "command", "startup", "manual"}


def assert_readiness(obj: Any) -> None:
    """Fail unless `obj` is a valid hnth.readiness/2 object as the contract defines it."""
    assert isinstance(obj, dict), obj
    assert obj["schema"] == "hnth.readiness/2"
    assert isinstance(obj["boot_id"], str)
    assert obj["boot_id"]
    assert isinstance(obj["seq"], int)
    assert not isinstance(obj["seq"], bool)
    assert TS_RE.fullmatch(obj["ts"]), obj["ts"]
    room = obj["room"]
    assert set(room) >= {"province", "room", "name"}
    assert "district" not in room
    assert SLUG_RE.fullmatch(room["province"])
    assert SLUG_RE.fullmatch(room["room"])
    assert isinstance(room["name"], str)
    assert obj["trigger"] in TRIGGERS
    meeting = obj["meeting"]
    assert meeting is None or (
        isinstance(meeting, dict) and {"id", "title", "start"} <= set(meeting)
    )
    assert obj["verdict"] in VERDICTS
    assert isinstance(obj["duration_ms"], int)
    assert obj["duration_ms"] >= 0
    assert isinstance(obj["checks"], list)
    for check in obj["checks"]:
        assert check["name"] in CHECK_NAMES
        assert check["status"] in STATUSES
        assert isinstance(check["summary"], str)
        assert check["summary"]
        assert check["hint"] is None or isinstance(check["hint"], str)
        assert isinstance(check["metrics"], dict)
        assert isinstance(check["duration_ms"], int)
        # Machine-readable: a catalogue key and its arguments beside the text.
        assert "key" not in check or (
            isinstance(check["key"], str) and isinstance(check["args"], dict)
        )


UNITS = {"xa", "phuong", "dac-khu", "tinh", "so-nganh", "cum", "khac"}


def assert_meta(obj: Any, province: str, room: str) -> None:
    """Fail unless `obj` is a valid hnth.meta/2 of that room."""
    assert obj["schema"] == "hnth.meta/2"
    assert (obj["province"], obj["room"]) == (province, room)
    assert isinstance(obj["name"], str)
    assert obj["name"].strip()
    assert obj["unit"] in UNITS
    assert isinstance(obj["groups"], list)
    for g in obj["groups"]:
        gid = g if isinstance(g, str) else g["id"]
        assert SLUG_RE.fullmatch(gid)
    assert isinstance(obj["replaces"], list)
    assert TS_RE.fullmatch(obj["ts"])
