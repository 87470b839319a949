"""Commands through a real mosquitto: MQTT 5 and 3.1.1, bad input, PTZ against the emulator."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter

import pytest

from agent.checks import Status
from agent.contract.topics import RoomTopics
from agent.mqtt import commands
from agent.mqtt.client import Message
from agent.mqtt.link import Actions, Link
from tests.mqtt.helpers import base, collect, js, load, report, write_config

pytestmark = pytest.mark.broker

JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 200 + b"\xff\xd9"


@pytest.fixture
def emulator_url():
    from agent.visca.emulator import Emulator

    em = Emulator().start()
    try:
        yield em.add_listener("tcp://127.0.0.1:0")
    finally:
        em.close()


@pytest.fixture
def room(tmp_path, broker, emulator_url, request):
    opts = dict(getattr(request, "param", {}))
    protocol = opts.get("protocol", "5")
    ptz = opts.get(
        "ptz", f'[ptz]\nport = "{emulator_url}"\nrate_limit_per_s = {opts.get("rate", 20)}\n'
    )
    cfg = load(write_config(tmp_path, broker, mqtt=f'protocol = "{protocol}"\n', extra=ptz))
    jpeg = tmp_path / "snap.jpg"
    jpeg.write_bytes(JPEG)
    calls: list[list[str] | None] = []

    def check(only):
        calls.append(only)
        return report(dict.fromkeys(only or ["camera", "network"], Status.PASS))

    def snapshot():
        return report({"camera": Status.PASS}, metrics={"camera": {"snapshot_path": str(jpeg)}})

    from agent.visca import Camera

    link = Link(
        cfg,
        actions=Actions(check=check, snapshot=snapshot, camera=lambda: Camera.from_config(cfg.ptz)),
    )
    link.calls = calls
    link.start()
    assert link.wait_connected(5)
    yield link
    link.stop()


@pytest.fixture
def central(broker, mqtt_client, room):
    c = mqtt_client(broker, "central", protocol=room.settings.protocol)
    c.subscribe(base() + "/resp/#")
    c.subscribe(base() + "/events")
    return c


def ask(c, verb, args=None, *, raw=None, wait=True, timeout=10.0, **props):
    """Send a command; return (response Message, decoded body)."""
    payload = raw if raw is not None else json.dumps(args or {}).encode()
    rid = props.pop("rid", None) or uuid.uuid4().hex
    if c.settings.protocol == "5":
        props.setdefault("response_topic", f"{base()}/resp/{rid}")
        props.setdefault("correlation_data", rid.encode())
    assert c.publish_wait(f"{base()}/cmd/{verb}", payload, **props) == 0
    if not wait:
        return rid
    msgs = collect(c, lambda ms: any("/resp/" in m.topic for m in ms), timeout)
    resp = [m for m in msgs if "/resp/" in m.topic]
    assert resp, f"no response to {verb}"
    return resp[0], js(resp[0])


def test_check_over_mqtt5_echoes_correlation_and_uses_response_topic(room, central):
    rid = "req-1"
    m, body = ask(central, "check", {"only": ["network"]}, rid=rid, correlation_data=b"\x00corr")
    assert m.topic == f"{base()}/resp/{rid}"
    assert m.correlation_data == b"\x00corr"
    assert body["schema"] == "hnth.response/1"
    assert body["ok"] is True
    assert body["result"]["schema"] == "hnth.readiness/2"
    assert [c["name"] for c in body["result"]["checks"]] == ["network"]
    assert room.calls == [["network"]]
    events = collect(
        central,
        lambda ms: any(
            js(e).get("kind") == "command.executed" for e in ms if e.topic.endswith("/events")
        ),
    )
    done = [
        js(e) for e in events if e.topic.endswith("/events") and js(e)["kind"] == "command.executed"
    ]
    assert done[0]["verb"] == "check"
    assert done[0]["ok"] is True
    assert done[0]["request_id"] == body["request_id"]


@pytest.mark.parametrize("room", [{"protocol": "3.1.1"}], indirect=True)
def test_state_over_mqtt311_uses_request_id(room, central):
    m, body = ask(central, "state", {"request_id": "abc-311"})
    assert m.topic == f"{base()}/resp/abc-311"
    assert body["request_id"] == "abc-311"
    assert body["ok"] is True
    assert body["result"]["status"]["state"] == "online"


def test_snapshot_verb_publishes_retained_jpeg(room, central, mqtt_client, broker):
    _, body = ask(central, "snapshot")
    assert body["ok"] is True
    assert body["result"]["size"] == len(JPEG)
    late = mqtt_client(broker, "late")
    late.subscribe(base() + "/snapshot")
    [m] = collect(late, lambda ms: len(ms) >= 1)
    assert m.payload == JPEG
    assert m.retain
    assert m.content_type == "image/jpeg"
    assert dict(m.user_properties)["ts"] == body["result"]["ts"]


BAD = [
    ("state", b"{not json", "invalid_json", None),
    ("state", b"\xff\xfe", "invalid_json", None),
    ("state", b"[1, 2]", "invalid_json", "list"),
    ("state", b'"x"', "invalid_json", "str"),
    ("launch.missiles", b"{}", "unknown_verb", "launch.missiles"),
    ("ptz.move", b'{"direction": "up", "speed": "fast"}', "invalid_argument", "'speed'"),
    ("ptz.move", b'{"direction": "up", "speed": 99}', "invalid_argument", "1..24"),
    ("ptz.move", b'{"direction": "sideways", "speed": 3}', "invalid_argument", "'direction'"),
    ("ptz.move", b'{"direction": "up", "speed": true}', "invalid_argument", "'speed'"),
    ("ptz.zoom", b'{"action": "in", "position": 3}', "invalid_argument", "action|position"),
    ("ptz.zoom", b'{"position": 99999}', "invalid_argument", "0..16384"),
    ("ptz.preset.recall", b'{"preset": -1}', "invalid_argument", "'preset'"),
    ("ptz.power", b'{"on": "yes"}', "invalid_argument", "'on'"),
    ("check", b'{"only": ["camera", "; rm -rf /"]}', "invalid_argument", "'only'"),
    ("check", b'{"only": "camera"}', "invalid_argument", "'only'"),
    ("state", b'{"expires_at": "2020-01-01T00:00:00.000Z"}', "expired", None),
    ("state", b'{"expires_at": "yesterday"}', "invalid_argument", "'expires_at'"),
    ("state", b'{"request_id": "a/b/#"}', "invalid_argument", "'request_id'"),
    ("state", b'{"pad": "' + b"x" * 70_000 + b'"}', "invalid_argument", "65536"),
]


@pytest.mark.parametrize(
    ("verb", "raw", "code", "needle"), BAD, ids=[f"{b[2]}-{i}" for i, b in enumerate(BAD)]
)
def test_bad_input_gets_exactly_one_error_and_agent_survives(
    room, central, verb, raw, code, needle
):
    _m, body = ask(central, verb, raw=raw)
    assert body["ok"] is False
    assert body["error"]["code"] == code
    if needle:
        assert needle in body["error"]["message"]
    time.sleep(0.2)
    extra = [x for x in collect(central, lambda ms: False, 0.3) if "/resp/" in x.topic]
    assert extra == []
    _, ok = ask(central, "state")
    assert ok["ok"] is True


def test_response_topic_outside_subtree_is_not_used(room, central, mqtt_client, broker):
    spy = mqtt_client(broker, "spy")
    spy.subscribe("hnth/v2/son-la/xa-b/#")
    rid = "rid-foreign"
    m, body = ask(central, "state", rid=rid, response_topic="hnth/v2/son-la/xa-b/resp/x")
    assert m.topic == f"{base()}/resp/{rid}"
    assert body["ok"] is True
    assert spy.get_message(0.5) is None


def test_retained_command_is_refused_once_and_not_replayed(room, central, broker, mqtt_client):
    _m, body = ask(central, "state", retain=True)
    assert body["error"]["code"] == "invalid_argument"
    assert "retain" in body["error"]["message"]
    # A reconnect must not replay the retained command (retain handling 2). Let the
    # response's PUBACK arrive first: an unacknowledged QoS 1 publish is resent (DUP).
    assert room.wait_drained(5) == 0
    deadline = time.monotonic() + 5
    while room.client.pending() and time.monotonic() < deadline:
        time.sleep(0.01)
    room.client._paho.disconnect()  # the link reconnects by itself
    time.sleep(0.3)
    assert room.wait_connected(10)
    extra = [x for x in collect(central, lambda ms: False, 1.0) if "/resp/" in x.topic]
    assert extra == []


def test_message_expiry_refused_when_queued_too_long():
    topics = RoomTopics.v2("son-la", "xa-a")
    msg = Message(
        f"{base()}/cmd/state", b"{}", 1, False, message_expiry_s=1, received_at=time.monotonic() - 5
    )
    from agent.config import PtzConfig

    parsed = commands.parse(msg, topics, ptz=PtzConfig())
    assert parsed.request is not None
    handler = commands.CommandHandler(ptz=PtzConfig(), state=dict)
    with pytest.raises(commands.CommandError) as err:
        handler.execute(parsed.request)
    assert err.value.code == "expired"


def test_ptz_position_move_and_preset_against_emulator(room, central):
    _, body = ask(central, "ptz.position")
    assert body["ok"] is True
    assert set(body["result"]) == {"pan", "tilt", "zoom"}
    start = body["result"]
    _, moved = ask(central, "ptz.move", {"direction": "right", "speed": 12, "duration_ms": 300})
    assert moved["ok"] is True
    assert moved["result"]["stopped_early"] is False
    _, after = ask(central, "ptz.position")
    assert after["result"]["pan"] > start["pan"]
    _, saved = ask(central, "ptz.preset.set", {"preset": 4})
    assert saved["ok"] is True
    _, home = ask(central, "ptz.home")
    assert home["ok"] is True
    _, recalled = ask(central, "ptz.preset.recall", {"preset": 4})
    assert recalled["ok"] is True
    assert recalled["result"]["pan"] == after["result"]["pan"]
    _, zoom = ask(central, "ptz.zoom", {"position": 8000})
    assert zoom["ok"] is True


def test_ptz_stop_goes_ahead_of_a_long_move(room, central):
    rid_move = ask(
        central, "ptz.move", {"direction": "left", "speed": 5, "duration_ms": 8000}, wait=False
    )
    time.sleep(0.3)
    rid_stop = ask(central, "ptz.stop", wait=False)
    msgs = collect(
        central,
        lambda ms: (
            {rid_move, rid_stop} <= {js(m).get("request_id") for m in ms if "/resp/" in m.topic}
        ),
        timeout=6,
    )
    by = {js(m)["request_id"]: js(m) for m in msgs if "/resp/" in m.topic}
    assert by[rid_stop]["ok"] is True
    assert by[rid_move]["ok"] is True
    assert by[rid_move]["result"]["stopped_early"] is True


@pytest.mark.parametrize("room", [{"rate": 5}], indirect=True)
def test_ptz_rate_limit_but_never_on_stop(room, central):
    rids = [ask(central, "ptz.position", wait=False) for _ in range(20)]
    stops = [ask(central, "ptz.stop", wait=False) for _ in range(10)]
    want = set(rids) | set(stops)
    msgs = collect(
        central, lambda ms: want <= {js(m).get("request_id") for m in ms if "/resp/" in m.topic}, 20
    )
    resp = [js(m) for m in msgs if "/resp/" in m.topic]
    counts = Counter(r["request_id"] for r in resp)
    assert all(counts[r] == 1 for r in want)  # exactly one response each
    codes = Counter(r["error"]["code"] for r in resp if not r["ok"] and r["request_id"] in rids)
    assert codes["rate_limited"] > 0
    assert all(r["ok"] for r in resp if r["request_id"] in stops)


@pytest.mark.parametrize("room", [{"ptz": ""}], indirect=True)
def test_ptz_without_camera_is_device_unavailable(room, central):
    _, body = ask(central, "ptz.position")
    assert body["error"]["code"] == "device_unavailable"


def test_validation_is_total(tmp_path):
    """Any JSON value for any verb either validates or raises an AgentError with a code."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from agent.config import PtzConfig
    from agent.errors import AgentError

    topics = RoomTopics.v2("son-la", "xa-a")
    values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda kids: (
            st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4)
        ),
        max_leaves=10,
    )

    @settings(max_examples=300, deadline=None)
    @given(
        verb=st.sampled_from([*commands.VERBS, "x"]),
        args=st.dictionaries(
            st.sampled_from(
                [
                    "speed",
                    "direction",
                    "only",
                    "preset",
                    "on",
                    "action",
                    "position",
                    "duration_ms",
                    "request_id",
                    "expires_at",
                ]
            ),
            values,
        ),
    )
    def run(verb, args):
        msg = Message(
            f"{base()}/cmd/{verb}",
            json.dumps(args).encode(),
            1,
            False,
            received_at=time.monotonic(),
        )
        parsed = commands.parse(msg, topics, ptz=PtzConfig())
        assert parsed.envelope.topic.startswith(f"{base()}/resp/")
        if parsed.request is None:
            assert isinstance(parsed.error, AgentError)
            assert commands.error_code(parsed.error) in commands.CONTRACT_CODES

    run()


def test_a_fresh_snapshot_follows_a_move_for_the_operator(room, broker, mqtt_client, central):
    pad = mqtt_client(broker, "pad")
    pad.subscribe(base() + "/snapshot")
    _, home = ask(central, "ptz.home")
    assert home["ok"] is True
    shots = collect(pad, lambda ms: len(ms) >= 1, 8)
    assert [m.payload for m in shots] == [JPEG]
    assert shots[0].content_type == "image/jpeg"


def test_framing_snapshots_are_rate_limited_and_the_last_framing_wins():
    from agent.mqtt.retained import FramingSnapshots

    taken: list[float] = []
    done = threading.Event()

    def take() -> None:
        taken.append(time.monotonic())
        if len(taken) == 2:
            done.set()

    framing = FramingSnapshots(take, interval_s=0.5)
    t0 = time.monotonic()
    for _ in range(10):  # a hold-to-move repeats its move every half second or so
        framing.request()
        time.sleep(0.02)
    assert done.wait(5)
    time.sleep(0.7)
    # One at once, then one more for the final framing after the interval, and no more.
    assert len(taken) == 2
    assert taken[0] - t0 < 0.3
    assert taken[1] - taken[0] >= 0.45


def test_meta_tells_the_pad_which_camera_and_ranges(room, broker, mqtt_client):
    sub = mqtt_client(broker, "pad-meta")
    sub.subscribe(base() + "/meta")
    [m] = collect(sub, lambda ms: len(ms) >= 1, 5)
    assert js(m)["ptz"] == {"protocol": "visca", "speed_max": 24, "presets_max": 254}
