"""Structural validators for contract v1 payloads, shared by the tests of every area."""

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
    """Fail unless `obj` is a valid hnth.readiness/1 object as the contract defines it."""
    assert isinstance(obj, dict), obj
    assert obj["schema"] == "hnth.readiness/1"
    assert isinstance(obj["boot_id"], str)
    assert obj["boot_id"]
    assert isinstance(obj["seq"], int)
    assert not isinstance(obj["seq"], bool)
    assert TS_RE.fullmatch(obj["ts"]), obj["ts"]
    room = obj["room"]
    assert set(room) >= {"province", "district", "room", "name"}
    assert SLUG_RE.fullmatch(room["province"])
    assert room["district"] == "_" or SLUG_RE.fullmatch(room["district"])
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
