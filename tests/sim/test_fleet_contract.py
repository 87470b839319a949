"""The simulated rooms refuse exactly what a real agent refuses: one validation, agent.contract."""

from __future__ import annotations

import json

import pytest

from agent.config import loads
from agent.contract.requests import validate
from agent.errors import AgentError
from agent.mqtt.commands import limits_for
from agent.sim.fleet import Fleet, FleetSettings
from tests.mqtt.helpers import collect

pytestmark = pytest.mark.broker

# Requests the old simulation accepted and a real agent refuses, and some it must accept.
CASES = [
    ("ptz.move", {"direction": "left"}, "invalid_argument"),  # no default speed
    ("ptz.move", {"direction": "left", "speed": 99}, "invalid_argument"),
    ("ptz.zoom", {"action": "in", "position": 10}, "invalid_argument"),  # one or the other
    ("ptz.power", {}, "invalid_argument"),  # `on` is required
    ("ptz.preset.recall", {"preset": 300}, "invalid_argument"),
    ("ptz.fly", {}, "unknown_verb"),
    ("ptz.move", {"direction": "left", "speed": 3, "duration_ms": 50}, None),
    ("ptz.preset.set", {"preset": 2}, None),
]


def agent_code(verb: str, args: dict) -> str | None:
    """What the real agent's validation answers (with default [ptz] limits)."""
    try:
        validate(verb, args, limits_for(loads("").ptz))
    except AgentError as exc:
        return exc.code
    return None


def test_the_cases_are_what_the_agent_says():
    assert [agent_code(v, a) for v, a, _ in CASES] == [c for _, _, c in CASES]


def test_a_simulated_room_answers_like_the_agent(broker, mqtt_client):
    fleet = Fleet(FleetSettings(broker.host, broker.port, rooms=1, interval_s=3600))
    fleet.start()
    try:
        central = mqtt_client(broker, "central")
        base = "hnth/v2/son-la/ubnd-tinh"
        central.subscribe(f"{base}/resp/#")
        for i, (verb, args, _) in enumerate(CASES):
            body = json.dumps({**args, "request_id": f"r{i}"}).encode()
            assert central.publish_wait(f"{base}/cmd/{verb}", body) == 0
        msgs = collect(central, lambda ms: len(ms) >= len(CASES), 10)
    finally:
        fleet.stop()
    answers = {json.loads(m.payload)["request_id"]: json.loads(m.payload) for m in msgs}
    for i, (verb, _, code) in enumerate(CASES):
        got = answers[f"r{i}"]
        assert got["schema"] == "hnth.response/1"
        if code is None:
            assert got["ok"] is True, (verb, got)
        else:
            assert got["ok"] is False, (verb, got)
            assert got["error"]["code"] == code, (verb, got)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_simulated_fault_is_worded_whole(lang):
    from agent.i18n import t
    from agent.sim.fleet.room import FAULTS

    for _check, _status, key, params, hint_key in FAULTS:
        for text in (t(key, lang=lang, **params), t(hint_key, lang=lang, **params)):
            assert "{" not in text, text  # every placeholder filled, as a real room fills it
            assert text != key
            assert text != hint_key
