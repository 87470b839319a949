"""Reading payloads: every input validates or raises RemoteProtocolError naming the field."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.contract import payloads, validate
from agent.contract.groups import Group, Selector, UnitKind, v1_pattern_matches, v1_selector
from agent.contract.topics import RoomId
from agent.errors import RemoteProtocolError

ROOM = RoomId("son-la", "xa-chieng-son")
T0 = datetime(2026, 3, 4, 1, 30, tzinfo=UTC)


def good_meta(**over):
    body = payloads.meta(
        ROOM,
        name="UBND xã Chiềng Sơn",
        unit=UnitKind.XA,
        groups=[Group("moc-chau", "Mộc Châu (huyện cũ)"), Group("cum-1")],
        replaces=[RoomId("son-la", "xa-chieng-son-cu"), RoomId("hoa-binh", "xa-x")],
    )
    body.update(over)
    return body


def test_meta_round_trip():
    meta = validate.meta(good_meta(), ROOM)
    assert meta.name == "UBND xã Chiềng Sơn"
    assert meta.unit is UnitKind.XA
    assert meta.group_ids == ("moc-chau", "cum-1")
    assert meta.groups[0].label == "Mộc Châu (huyện cũ)"
    assert meta.replaces == (RoomId("son-la", "xa-chieng-son-cu"), RoomId("hoa-binh", "xa-x"))


@pytest.mark.parametrize(
    ("over", "says"),
    [
        ({"unit": "huyen"}, "unit"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"groups": "moc-chau"}, "groups"),
        ({"groups": [{"id": "Bad Id"}]}, "group"),
        ({"groups": [None]}, "group"),
        ({"replaces": ["xa-chieng-son"]}, "loop"),
        ({"replaces": ["son-la/xa-chieng-son"]}, "loop"),
        ({"replaces": "xa-b"}, "replaces"),
        ({"replaces": ["a/b/c"]}, "replaces"),
        ({"room": "xa-other"}, "room"),
        ({"province": "gia-lai"}, "province"),
        ({"schema": "hnth.meta/1"}, "schema"),
    ],
)
def test_bad_meta_is_refused_with_its_field(over, says):
    with pytest.raises(RemoteProtocolError, match=says):
        validate.meta(good_meta(**over), ROOM)


def readiness_body(checks):
    return payloads.readiness(
        room=ROOM,
        name="x",
        boot_id="b",
        seq=1,
        started_at=T0,
        trigger="periodic",
        meeting=None,
        verdict="ready",
        duration_ms=5,
        checks=checks,
    )


def test_readiness_carries_keys_and_rejects_null_checks():
    entry = payloads.check_entry("camera", "fail", "black", "lens cap", {}, 3)
    entry.update(key="camera.black", args={"luma": 3})
    r = validate.readiness(readiness_body([entry]))
    assert r.checks[0].key == "camera.black"
    assert r.checks[0].args == {"luma": 3}
    body = readiness_body([])
    body["checks"] = [None]
    with pytest.raises(RemoteProtocolError, match=r"checks\[0\]"):
        validate.readiness(body)
    body["checks"] = [{"name": "camera", "status": "great"}]
    with pytest.raises(RemoteProtocolError, match="status"):
        validate.readiness(body)


def test_check_entry_takes_key_and_params_from_catalogue_text():
    from agent.i18n import t

    entry = payloads.check_entry(
        "camera", "fail", t("camera.black", luma=3), t("camera.black_hint"), {}, 1
    )
    assert entry["key"] == "camera.black"
    assert entry["args"] == {"luma": 3}
    assert entry["hint_key"] == "camera.black_hint"


def test_meetings_v2_and_v1():
    body = payloads.meeting(
        "m1",
        title="Họp",
        start=T0,
        end=T0 + timedelta(hours=1),
        selector=Selector(rooms=("xa-a",), groups=("moc-chau",)),
    )
    m = validate.meeting(body, "m1")
    assert m.selector.selects("xa-z", ["moc-chau"])
    assert m.selector.selects("xa-a", [])
    assert not m.selector.selects("xa-z", ["yen-chau"])
    old = {**body, "schema": "hnth.meeting/1", "rooms": ["moc-chau/*", "_/ubnd-tinh"]}
    old.pop("groups")
    m1 = validate.meeting(old, "m1")
    assert m1.selector == Selector(rooms=("ubnd-tinh",), groups=("moc-chau",))
    with pytest.raises(RemoteProtocolError, match="select"):
        validate.meeting({**body, "rooms": [], "groups": []}, "m1")
    with pytest.raises(RemoteProtocolError, match="end"):
        validate.meeting({**body, "end": body["start"]}, "m1")
    with pytest.raises(RemoteProtocolError, match="id"):
        validate.meeting(body, "m2")


@given(st.lists(st.sampled_from(["*", "moc-chau/*", "*/xa-a", "_/ubnd", "yen-chau/xa-b"])))
def test_v1_patterns_and_their_v2_translation_agree(patterns):
    sel = v1_selector(patterns)
    for district, room in (("moc-chau", "xa-a"), ("yen-chau", "xa-b"), ("_", "ubnd"), ("x", "y")):
        groups = [district] if district != "_" else []
        if v1_pattern_matches(patterns, district, room):
            assert sel.selects(room, groups)


@given(
    st.dictionaries(
        st.sampled_from(["schema", "name", "unit", "groups", "replaces", "room", "x"]),
        st.one_of(st.none(), st.text(max_size=5), st.integers(), st.lists(st.text(max_size=5))),
    )
)
def test_meta_fuzz_validates_or_says_why(body):
    with contextlib.suppress(RemoteProtocolError):
        validate.meta(body, ROOM)


@given(st.recursive(st.none() | st.integers() | st.text(max_size=4), st.lists, max_leaves=8))
def test_readiness_fuzz_validates_or_says_why(checks):
    body = readiness_body([])
    body["checks"] = checks
    with contextlib.suppress(RemoteProtocolError):
        validate.readiness(body)


def test_meta_ptz_ranges_are_optional_and_checked():
    assert validate.meta(good_meta(), ROOM).ptz is None
    ptz = {"protocol": "pelco-d", "speed_max": 64, "presets_max": 255}
    assert validate.meta(good_meta(ptz=ptz), ROOM).ptz == ptz
    for bad in ({"protocol": "onvif", "speed_max": 1, "presets_max": 1}, {"protocol": "visca"}, []):
        with pytest.raises(RemoteProtocolError, match="ptz"):
            validate.meta(good_meta(ptz=bad), ROOM)
