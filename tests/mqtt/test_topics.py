"""Topic building and parsing: slugs can never carry wildcards or separators."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.errors import InvalidArgumentError
from agent.mqtt.topics import RoomTopics, check_request_id, schedule


@given(st.text(max_size=70))
def test_any_room_id_is_a_slug_or_refused(room):
    try:
        t = RoomTopics.of("son-la", "_", room)
    except InvalidArgumentError:
        return
    for topic in (t.status, t.readiness, t.snapshot, t.events, t.resp("r1"), t.cmd("ptz.move")):
        assert not any(c in topic for c in "+#\0")
        assert topic.count("/") in (5, 6)
    assert RoomTopics.parse(t.status) == (t, "status")


@given(st.text(max_size=140))
def test_request_ids_are_single_safe_levels(rid):
    try:
        check_request_id(rid)
    except InvalidArgumentError:
        return
    assert "/" not in rid
    assert not any(c in rid for c in "+#")
    assert 1 <= len(rid) <= 128


def test_owns_response_topic():
    t = RoomTopics.of("son-la", "moc-chau", "xa-a")
    assert t.owns_response_topic(f"{t.base}/resp/abc")
    assert t.owns_response_topic(f"{t.base}/resp/a/b")
    for bad in (
        f"{t.base}/resp/",
        f"{t.base}/resp/+",
        f"{t.base}/resp/#",
        f"{t.base}/status",
        "hnth/v1/son-la/moc-chau/xa-b/resp/x",
        f"{t.base}/respx/y",
        f"{t.base}/resp//x",
    ):
        assert not t.owns_response_topic(bad), bad


def test_verbs_and_schedule():
    t = RoomTopics.of("son-la", "moc-chau", "xa-a")
    assert t.verb_of(f"{t.base}/cmd/ptz.preset.recall") == "ptz.preset.recall"
    assert t.verb_of(f"{t.base}/status") is None
    assert t.cmd_filter == "hnth/v1/son-la/moc-chau/xa-a/cmd/#"
    assert schedule("son-la", "m-1") == "hnth/v1/son-la/schedule/m-1"
    with pytest.raises(InvalidArgumentError):
        t.cmd("ptz/move")
    with pytest.raises(InvalidArgumentError):
        schedule("son-la", "m/1")
    assert RoomTopics.parse("hnth/v1/son-la/moc-chau/XA/status") is None
    assert RoomTopics.parse("other/v1/a/b/c/status") is None
