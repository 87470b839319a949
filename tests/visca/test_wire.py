"""Sony's VISCA-over-IP header and the URL factory that picks a transport."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.errors import InvalidArgumentError, LocalProtocolError, RemoteProtocolError
from agent.visca import Endpoint, ip, parse_url


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def test_command_header_bytes():
    seq = ip.Sequencer()
    first = seq.wrap(h("81 01 06 04 FF"))
    assert first.to_bytes() == h("01 00 00 05 00 00 00 00 81 01 06 04 FF")
    second = seq.wrap(h("81 09 06 12 FF"))
    assert second.to_bytes() == h("01 10 00 05 00 00 00 01 81 09 06 12 FF")


def test_reset_restarts_numbering():
    seq = ip.Sequencer()
    seq.wrap(h("81 01 06 04 FF"))
    assert seq.reset().to_bytes() == h("02 00 00 01 00 00 00 00 01")
    assert seq.wrap(h("81 01 06 04 FF")).sequence == 0


def test_reply_decodes():
    msg = ip.Message.from_bytes(h("01 11 00 03 00 00 00 2A 90 41 FF"))
    assert msg == ip.Message(ip.PayloadType.REPLY, 42, h("90 41 FF"))
    err = ip.Message.from_bytes(h("02 01 00 02 00 00 00 00 0F 01"))
    assert err.payload == ip.CONTROL_ERROR_SEQUENCE


@pytest.mark.parametrize(
    "raw",
    [
        "01 11 00 03 00 00 00",  # short header
        "01 11 00 04 00 00 00 01 90 41 FF",  # length says 4, payload is 3
        "07 77 00 03 00 00 00 01 90 41 FF",  # unknown payload type
        "01 11 00 00 00 00 00 01",  # empty payload
    ],
)
def test_bad_datagrams_are_remote_errors(raw):
    with pytest.raises(RemoteProtocolError):
        ip.Message.from_bytes(h(raw))


def test_payload_too_long_is_a_local_error():
    with pytest.raises(LocalProtocolError):
        ip.Message(ip.PayloadType.COMMAND, 0, bytes(17)).to_bytes()


@given(st.binary(max_size=40))
def test_any_datagram_decodes_or_raises_remote_error(raw):
    try:
        msg = ip.Message.from_bytes(raw)
    except RemoteProtocolError:
        return
    assert msg.to_bytes() == raw


@given(st.integers(0, 0xFFFFFFFF), st.binary(min_size=1, max_size=16))
def test_roundtrip(seq, payload):
    msg = ip.Message(ip.PayloadType.INQUIRY, seq, payload)
    assert ip.Message.from_bytes(msg.to_bytes()) == msg


# ---------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/dev/ttyUSB0", Endpoint("serial", path="/dev/ttyUSB0")),
        (
            "serial:///dev/ttyUSB0?baud=38400",
            Endpoint("serial", path="/dev/ttyUSB0", options={"baud": "38400"}),
        ),
        ("visca-ip://10.0.0.5", Endpoint("visca-ip", host="10.0.0.5", port=52381)),
        ("visca-ip://cam.local:1234", Endpoint("visca-ip", host="cam.local", port=1234)),
        ("tcp://10.0.0.5", Endpoint("tcp", host="10.0.0.5", port=5678)),
        ("udp://10.0.0.5", Endpoint("udp", host="10.0.0.5", port=1259)),
        ("TCP://[::1]:9000", Endpoint("tcp", host="::1", port=9000)),
    ],
)
def test_urls_pick_a_transport(url, expected):
    assert parse_url(url) == expected


@pytest.mark.parametrize(
    "url", ["http://cam", "ttyUSB0", "", "tcp://:5678", "tcp://cam:99999", "serial://"]
)
def test_unknown_or_broken_urls_are_clear_errors(url):
    with pytest.raises(InvalidArgumentError) as info:
        parse_url(url)
    assert info.value.code == "invalid_argument"


def test_bad_option_is_named():
    with pytest.raises(InvalidArgumentError, match="baud"):
        parse_url("serial:///dev/ttyUSB0?baud=fast").option_int("baud", 9600)
