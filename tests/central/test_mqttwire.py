"""The fleet's sans-IO MQTT 5 codec: whole buffers, byte by byte, trailing bytes, and garbage."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.errors import RemoteProtocolError
from agent.sim import mqttwire as w

PUB = w.Publish(
    "hnth/v1/son-la/_/ubnd-tinh/resp/abc",
    '{"ok":true,"x":"Chiềng Sơn"}'.encode(),
    qos=1,
    retain=False,
    packet_id=7,
    content_type="application/json",
    response_topic="hnth/v1/son-la/_/ubnd-tinh/resp/abc",
    correlation_data=b"\x00\x01req",
    message_expiry_s=15,
    user_properties=(("ts", "2026-10-01T00:00:00.000Z"),),
)
CONNACK_OK = bytes([0x20, 3, 0, 0, 0])


def feed_all(data: bytes, chunk: int) -> list[w.Publish | w.Packet]:
    d = w.Decoder()
    out: list[w.Publish | w.Packet] = []
    for i in range(0, len(data), chunk):
        out.extend(d.feed(data[i : i + chunk]))
    return out


@pytest.mark.parametrize("chunk", [10_000, 1])
def test_publish_round_trips_whole_and_byte_by_byte(chunk):
    stream = CONNACK_OK + w.publish(PUB) + w.publish(w.Publish("a/b", b"", retain=True))
    got = feed_all(stream, chunk)
    assert len(got) == 3
    assert isinstance(got[0], w.Packet)
    assert got[0].type is w.PacketType.CONNACK
    assert w.connack_code(got[0]) == 0
    assert got[1] == PUB
    assert got[2] == w.Publish("a/b", b"", retain=True)


def test_trailing_partial_packet_waits_for_more():
    d = w.Decoder()
    data = w.publish(PUB)
    assert d.feed(data + data[:5]) == [PUB]
    assert d.feed(data[5:]) == [PUB]


def test_connect_carries_the_will_and_keepalive():
    pkt = w.connect(
        "xa-a",
        keepalive_s=30,
        will_topic="t/status",
        will_payload=b"off",
        username="u",
        password="p",
    )
    assert pkt[0] == 0x10
    body = pkt[2:] if pkt[1] < 128 else pkt[3:]
    assert body[:7] == b"\x00\x04MQTT\x05"
    flags = body[7]
    assert flags & 0x04  # Will
    assert flags & 0x20  # Will retained
    assert (flags >> 3) & 0x03 == 1  # Will QoS 1
    assert flags & 0xC0 == 0xC0  # username and password
    assert body[8:10] == b"\x00\x1e"
    assert b"t/status" in body
    assert body.endswith(b"\x00\x01p")


def test_bad_remaining_length_and_unknown_type_are_remote_errors():
    with pytest.raises(RemoteProtocolError, match="remaining length"):
        w.Decoder().feed(b"\x30\xff\xff\xff\xff\x01")
    with pytest.raises(RemoteProtocolError, match="unexpected packet type"):
        w.Decoder().feed(b"\xf0\x00")


@given(st.binary(max_size=300))
def test_any_bytes_parse_or_raise_remote_protocol_error(data):
    with contextlib.suppress(RemoteProtocolError):
        w.Decoder().feed(data)
