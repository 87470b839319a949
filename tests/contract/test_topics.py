"""Topics of contracts v2 and v1: built from slugs, parsed back, never carrying wildcards."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.contract.names import check_request_id, fold, slugify
from agent.contract.topics import Leaf, RoomId, RoomTopics, parse, schedule, username
from agent.errors import InvalidArgumentError


@given(st.text(max_size=70))
def test_any_room_id_is_a_slug_or_refused(room):
    try:
        t = RoomTopics.v2("son-la", room)
    except InvalidArgumentError:
        return
    for topic in (t.status, t.meta, t.readiness, t.snapshot, t.events, t.resp("r1"), t.cmd("x.y")):
        assert not any(c in topic for c in "+#\0")
        assert topic.split("/")[:4] == ["hnth", "v2", "son-la", room]
    parsed = parse(t.status)
    assert parsed is not None
    assert (parsed.version, parsed.room, parsed.leaf) == (2, t, Leaf.STATUS)


@given(st.text(max_size=300))
def test_parse_never_raises(topic):
    result = parse(topic)
    assert result is None or result.province


@given(st.text(max_size=140))
def test_request_ids_are_single_safe_levels(rid):
    try:
        check_request_id(rid)
    except InvalidArgumentError:
        return
    assert "/" not in rid
    assert not any(c in rid for c in "+#")
    assert 1 <= len(rid) <= 128


def test_v2_names():
    t = RoomTopics.v2("son-la", "xa-chieng-son")
    assert t.base == "hnth/v2/son-la/xa-chieng-son"
    assert t.meta == "hnth/v2/son-la/xa-chieng-son/meta"
    assert t.cmd_filter == "hnth/v2/son-la/xa-chieng-son/cmd/#"
    assert t.schedule_filter == "hnth/v2/son-la/_schedule/+"
    assert t.version == 2
    assert t.id == RoomId("son-la", "xa-chieng-son")
    assert username("son-la", "xa-chieng-son") == "son-la/xa-chieng-son"
    assert schedule("son-la", "m-1") == "hnth/v2/son-la/_schedule/m-1"
    assert schedule("son-la", "m-1", version=1) == "hnth/v1/son-la/schedule/m-1"
    with pytest.raises(InvalidArgumentError):
        t.cmd("ptz/move")
    with pytest.raises(InvalidArgumentError):
        schedule("son-la", "m/1")


def test_v1_still_parses_with_its_district():
    topic = parse("hnth/v1/son-la/moc-chau/xa-a/readiness")
    assert topic is not None
    assert topic.version == 1
    assert topic.room == RoomTopics.v1("son-la", "moc-chau", "xa-a")
    assert topic.room.id == RoomId("son-la", "xa-a")
    with pytest.raises(InvalidArgumentError):
        RoomTopics.v1("son-la", "moc-chau", "xa-a").leaf(Leaf.META)
    meeting = parse("hnth/v1/son-la/schedule/m1")
    assert meeting is not None
    assert (meeting.version, meeting.room, meeting.extra) == (1, None, "m1")


@pytest.mark.parametrize(
    "topic",
    [
        "hnth/v2/son-la/xa-a",  # no leaf
        "hnth/v2/son-la/xa-a/status/x",  # too deep
        "hnth/v2/son-la/XA/status",  # not a slug
        "hnth/v2/son-la/_schedule",  # no meeting id
        "hnth/v2/son-la/xa-a/bogus",
        "hnth/v2/son-la/xa-a/cmd/Bad Verb",
        "hnth/v1/son-la/moc-chau/xa-a/meta",  # v1 has no meta
        "hnth/v3/son-la/xa-a/status",
        "other/v2/son-la/xa-a/status",
    ],
)
def test_foreign_topics_are_refused(topic):
    assert parse(topic) is None


def test_owns_response_topic():
    t = RoomTopics.v2("son-la", "xa-a")
    assert t.owns_response_topic(f"{t.base}/resp/abc")
    assert t.owns_response_topic(f"{t.base}/resp/a/b")
    for bad in (
        f"{t.base}/resp/",
        f"{t.base}/resp/+",
        f"{t.base}/resp/#",
        f"{t.base}/status",
        "hnth/v2/son-la/xa-b/resp/x",
        f"{t.base}/respx/y",
        f"{t.base}/resp//x",
    ):
        assert not t.owns_response_topic(bad), bad


def test_room_ids_parse_with_or_without_province():
    assert RoomId.parse("xa-a", "son-la") == RoomId("son-la", "xa-a")
    assert RoomId.parse("gia-lai/xa-b", "son-la") == RoomId("gia-lai", "xa-b")
    assert str(RoomId("gia-lai", "xa-b")) == "gia-lai/xa-b"
    for bad in ("", "a/b/c", "Xa", "/x"):
        with pytest.raises(InvalidArgumentError):
            RoomId.parse(bad, "son-la")


def test_folding_and_slugs_for_vietnamese_names():
    assert fold("Chiềng Sơn") == "chieng son"
    assert fold("ĐẶC KHU Lý Sơn") == "dac khu ly son"
    assert slugify("Xã Chiềng Sơn") == "xa-chieng-son"
    assert slugify("Phường Đông Hà (mới)") == "phuong-dong-ha-moi"
