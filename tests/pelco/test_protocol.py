"""The sans-IO core: published bytes and checksums, the parser run three ways, fuzzing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.errors import LocalProtocolError, RemoteProtocolError
from agent.pelco import commands as c
from agent.pelco.commands import Axis, MotionState
from agent.pelco.protocol import (
    FRAME_LENGTH,
    Frame,
    Garbage,
    Parser,
    PelcoLocalError,
    PelcoRemoteError,
    Variant,
    checksum,
)

D, P = Variant.D, Variant.P


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# ------------------------------------------------ published examples

# Pelco-D, address 1, from the OXIC XPM9A261A manual, appendix 3 ("Example: No.1 address").
PUBLISHED_D = [
    ("FF 01 00 02 20 00 23", "right, pan speed 20"),
    ("FF 01 00 04 23 00 28", "left, pan speed 23"),
    ("FF 01 00 08 00 23 2C", "up, tilt speed 23"),
    ("FF 01 00 10 00 23 34", "down, tilt speed 23"),
    ("FF 01 02 00 00 00 03", "iris open"),
    ("FF 01 04 00 00 00 05", "iris close"),
    ("FF 01 01 00 00 00 02", "focus near"),
    ("FF 01 00 80 00 00 81", "focus far"),
]


@pytest.mark.parametrize(("text", "what"), PUBLISHED_D)
def test_published_pelco_d_checksums(text, what):
    data = h(text)
    assert checksum(D, data[:-1]) == data[-1], what
    frame = Frame.from_bytes(data, D)
    assert frame.to_bytes() == data
    assert frame.address == 1


def test_pelco_p_checksum_is_xor_of_stx_to_etx():
    # C466M-E §5.3 / Active Silicon: XOR of bytes 1..7, STX and ETX included.
    head = h("A0 00 00 04 20 00 AF")
    x = 0
    for b in head:
        x ^= b
    assert x == 0x2B
    assert checksum(P, head) == 0x2B
    assert Frame.from_bytes(head + b"\x2b", P) == Frame(P, 1, 0, 0x04, 0x20, 0)


# ------------------------------------------------ builders, against the tables

BUILT = [
    (c.standard(D, 1, MotionState(c.Direction.RIGHT, 0x20, 0x10)), "FF 01 00 02 20 00 23"),
    (c.standard(D, 1, MotionState(c.Direction.LEFT, 0x23, 0x10)), "FF 01 00 04 23 00 28"),
    (c.standard(D, 1, MotionState(c.Direction.UP, 0x10, 0x23)), "FF 01 00 08 00 23 2C"),
    (c.standard(D, 1, MotionState(c.Direction.DOWN, 0x10, 0x23)), "FF 01 00 10 00 23 34"),
    (c.standard(D, 2, MotionState(c.Direction.UP_LEFT, 0x3F, 0x3F)), "FF 02 00 0C 3F 3F 8C"),
    (c.standard(D, 1, MotionState(c.Direction.DOWN_RIGHT, 0x40, 0x01)), "FF 01 00 12 40 01 54"),
    (c.standard(D, 1, MotionState(zoom="in")), "FF 01 00 20 00 00 21"),
    (c.standard(D, 1, MotionState(zoom="out")), "FF 01 00 40 00 00 41"),
    (c.standard(D, 1, MotionState(focus="near")), "FF 01 01 00 00 00 02"),
    (c.standard(D, 1, MotionState(focus="far")), "FF 01 00 80 00 00 81"),
    (c.standard(D, 1, MotionState(c.Direction.LEFT, 5, 5, zoom="in")), "FF 01 00 24 05 00 2A"),
    (c.stop(D, 1), "FF 01 00 00 00 00 01"),
    (c.preset(D, 1, "set", 5), "FF 01 00 03 00 05 09"),
    (c.preset(D, 1, "clear", 5), "FF 01 00 05 00 05 0B"),
    (c.preset(D, 1, "recall", 5), "FF 01 00 07 00 05 0D"),
    (c.preset(D, 1, "recall", 34), "FF 01 00 07 00 22 2A"),
    (c.zoom_speed(D, 1, 2), "FF 01 00 25 00 02 28"),
    (c.query(D, 1, Axis.PAN), "FF 01 00 51 00 00 52"),
    (c.query(D, 1, Axis.TILT), "FF 01 00 53 00 00 54"),
    (c.query(D, 1, Axis.ZOOM), "FF 01 00 55 00 00 56"),
    (c.position_response(D, 1, Axis.PAN, 0x1234), "FF 01 00 59 12 34 A0"),
    # Camera on / off: sense bit 7 with "camera on/off" bit 3 (TF-0002).
    (c.power(D, 1, True), "FF 01 88 00 00 00 89"),
    (c.power(D, 1, False), "FF 01 08 00 00 00 09"),
    # Pelco-P: address byte is camera number - 1; XOR check over STX..ETX.
    (c.stop(P, 1), "A0 00 00 00 00 00 AF 0F"),
    (c.standard(P, 1, MotionState(c.Direction.UP, 1, 0x20)), "A0 00 00 08 00 20 AF 27"),
    (c.standard(P, 2, MotionState(c.Direction.RIGHT, 0x40, 1)), "A0 01 00 02 40 00 AF 4C"),
    (c.standard(P, 1, MotionState(zoom="in")), "A0 00 00 20 00 00 AF 2F"),
    (c.standard(P, 1, MotionState(focus="far")), "A0 00 01 00 00 00 AF 0E"),
    (c.standard(P, 1, MotionState(focus="near")), "A0 00 02 00 00 00 AF 0D"),
    (c.preset(P, 1, "set", 1), "A0 00 00 03 00 01 AF 0D"),
    (c.preset(P, 1, "recall", 1), "A0 00 00 07 00 01 AF 09"),
    (c.preset(P, 256, "clear", 255), "A0 FF 00 05 00 FF AF 0A"),
    (c.power(P, 1, True), "A0 00 50 00 00 00 AF 5F"),  # data 1: camera on (6) + on/off (4)
    (c.power(P, 1, False), "A0 00 10 00 00 00 AF 1F"),
]


@pytest.mark.parametrize(("frame", "text"), BUILT)
def test_builders_match_the_tables(frame, text):
    assert frame.to_bytes().hex(" ").upper() == text
    assert Frame.from_bytes(h(text), frame.variant) == frame


def test_responses_decode():
    f = Frame.from_bytes(h("FF 01 00 59 12 34 A0"), D)
    assert c.response(f) == (Axis.PAN, 0x1234)
    assert c.response(c.stop(D, 1)) is None
    assert c.response(c.position_response(D, 3, Axis.ZOOM, 65535)) == (Axis.ZOOM, 65535)


@pytest.mark.parametrize(
    "call",
    [
        lambda: c.standard(D, 1, MotionState(c.Direction.LEFT, 0x41, 1)),
        lambda: c.standard(D, 1, MotionState(c.Direction.UP, 1, 0x40)),
        lambda: c.standard(D, 0, MotionState()),
        lambda: c.standard(D, 256, MotionState()),
        lambda: c.standard(P, 257, MotionState()),
        lambda: c.standard(D, 1, MotionState(zoom="sideways")),
        lambda: c.preset(D, 1, "recall", 0),
        lambda: c.preset(D, 1, "recall", 256),
        lambda: c.preset(D, 1, "jump", 1),
        lambda: c.zoom_speed(D, 1, 4),
        lambda: c.query(P, 1, Axis.PAN),
        lambda: c.direction("north"),
    ],
)
def test_bad_arguments_are_local_errors_with_a_key(call):
    with pytest.raises(PelcoLocalError) as info:
        call()
    assert isinstance(info.value, LocalProtocolError)
    assert info.value.key.startswith("pelco.")
    assert info.value.code == "invalid_argument"


def test_directions_are_the_projects_one_list():
    from agent.visca.commands import MOVES

    assert {d.value for d in c.Direction if d is not c.Direction.STOP} == set(MOVES)


# ------------------------------------------------ the parser, three ways

STREAM_D = h(
    "FF 01 00 59 12 34 A0"  # pan answer
    "00 13 37"  # noise
    "FF 01 00 5B 00 10 6C"  # tilt answer
    "FF FF 01 00 5D 00 20 7E"  # a lost start byte, then zoom answer
)
EXPECTED_D = [
    Frame(D, 1, 0, 0x59, 0x12, 0x34),
    Garbage(h("00 13 37")),
    Frame(D, 1, 0, 0x5B, 0x00, 0x10),
    Garbage(h("FF")),
    Frame(D, 1, 0, 0x5D, 0x00, 0x20),
]


def _drain(parser: Parser) -> list[object]:
    out: list[object] = []
    while True:
        try:
            ev = parser.next_event()
        except PelcoRemoteError as exc:
            out.append(exc.key)
            continue
        if ev is None:
            return out
        out.append(ev)


def _merge_garbage(events: list[object]) -> list[object]:
    merged: list[object] = []
    for ev in events:
        if isinstance(ev, Garbage) and merged and isinstance(merged[-1], Garbage):
            merged[-1] = Garbage(merged[-1].data + ev.data)
        else:
            merged.append(ev)
    return merged


def test_parser_whole_buffer():
    p = Parser(D)
    p.receive_data(STREAM_D)
    assert _drain(p) == EXPECTED_D
    assert p.buffered == 0


def test_parser_one_byte_at_a_time():
    p = Parser(D)
    events: list[object] = []
    for b in STREAM_D:
        p.receive_data(bytes([b]))
        events += _drain(p)
    assert _merge_garbage(events) == EXPECTED_D


def test_parser_with_trailing_bytes():
    p = Parser(D)
    p.receive_data(STREAM_D + h("FF 01 00"))
    assert _drain(p) == EXPECTED_D
    assert p.buffered == 3  # a frame's start waits for its end
    p.receive_data(h("00 00 00 01"))
    assert _drain(p) == [Frame(D, 1, 0, 0, 0, 0)]


def test_bad_checksum_is_consumed_counted_and_the_next_frame_survives():
    p = Parser(D)
    p.receive_data(h("FF 01 00 59 12 34 A1FF 01 00 59 12 34 A0"))
    with pytest.raises(PelcoRemoteError) as info:
        p.next_event()
    assert info.value.key == "pelco.bad_checksum"
    assert info.value.params == {"expected": "A0", "got": "A1", "data": "FF 01 00 59 12 34 A1"}
    assert isinstance(info.value, RemoteProtocolError)
    assert p.next_event() == Frame(D, 1, 0, 0x59, 0x12, 0x34)


def test_pelco_p_three_ways_and_bad_etx():
    frames = [c.stop(P, 1), c.preset(P, 3, "recall", 9)]
    data = b"\x55" + frames[0].to_bytes() + h("A0 00 00 00 00 00 AE 0E") + frames[1].to_bytes()
    whole = Parser(P)
    whole.receive_data(data)
    expected = [Garbage(b"\x55"), frames[0], "pelco.bad_etx", frames[1]]
    assert _drain(whole) == expected
    single = Parser(P)
    events: list[object] = []
    for b in data:
        single.receive_data(bytes([b]))
        events += _drain(single)
    assert events == expected
    trailing = Parser(P)
    trailing.receive_data(data + h("A0 00"))
    assert _drain(trailing) == expected
    assert trailing.buffered == 2


@given(st.binary(max_size=200))
def test_fuzz_any_input_parses_or_raises_the_remote_error(data):
    for variant in Variant:
        p = Parser(variant)
        p.receive_data(data)
        for _ in range(len(data) + 2):  # every call consumes bytes or asks for more
            try:
                ev = p.next_event()
            except PelcoRemoteError:
                continue
            if ev is None:
                break
            assert isinstance(ev, Frame | Garbage)
        else:
            pytest.fail("the parser made no progress")
        # Only the start of a frame may wait for more bytes.
        assert p.buffered < FRAME_LENGTH[variant]


@given(
    st.sampled_from(list(Variant)),
    st.integers(1, 255),
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(0, 255),
    st.binary(max_size=20),
)
def test_fuzz_frames_survive_any_noise_before_them(variant, address, w1, w2, d1, d2, noise):
    frame = Frame(variant, address, w1, w2, d1, d2)
    p = Parser(variant)
    p.receive_data(noise + frame.to_bytes())
    events = _drain(p)
    # Noise can swallow a frame only by containing a start byte; without one it never can.
    start = 0xFF if variant is D else 0xA0
    if start not in noise:
        assert events[-1] == frame


@pytest.mark.parametrize("module", ["protocol", "commands"])
def test_the_core_imports_no_io(module):
    source = Path(__file__).resolve().parents[2] / "agent" / "pelco" / f"{module}.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0] if isinstance(node, ast.Import) else (node.module or "")
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    roots = {name.split(".")[0] for name in imported}
    assert not roots & {"socket", "serial", "asyncio", "select", "threading", "os", "time"}
    assert not {n for n in imported if n.startswith(("agent.i18n", "agent.visca"))}
