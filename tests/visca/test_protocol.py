"""The sans-IO core: byte-exact encodings, the reply parser run three ways, matching, fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.errors import DeviceError, LocalProtocolError, RemoteProtocolError
from agent.visca import commands as c
from agent.visca.errors import (
    BufferFullError,
    CommandCancelledError,
    NoSocketError,
    NotExecutableError,
    ViscaSyntaxError,
)
from agent.visca.framing import (
    Ack,
    AddressSetReply,
    Completion,
    ErrorReply,
    Garbage,
    IfClearEcho,
    NetworkChange,
    ReplyParser,
    Returned,
    decode_signed,
    decode_unsigned,
    encode_signed,
)
from agent.visca.session import Acked, Done, Failed, Session, Stray, Superseded


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# ------------------------------------------------ encoding, against the reference tables

ENCODINGS = [
    (c.power(True), 1, "81 01 04 00 02 FF"),
    (c.power(False), 1, "81 01 04 00 03 FF"),
    (c.zoom("stop"), 1, "81 01 04 07 00 FF"),
    (c.zoom("in"), 1, "81 01 04 07 02 FF"),
    (c.zoom("out"), 1, "81 01 04 07 03 FF"),
    (c.zoom("in", 0), 1, "81 01 04 07 20 FF"),
    (c.zoom("in", 7), 1, "81 01 04 07 27 FF"),
    (c.zoom("out", 5), 1, "81 01 04 07 35 FF"),
    (c.zoom_direct(0x4000), 1, "81 01 04 47 04 00 00 00 FF"),
    (c.zoom_direct(0x1A2B), 2, "82 01 04 47 01 0A 02 0B FF"),
    (c.focus("auto"), 1, "81 01 04 38 02 FF"),
    (c.focus("manual"), 1, "81 01 04 38 03 FF"),
    (c.focus("one-push"), 1, "81 01 04 18 01 FF"),
    (c.drive("up", 5, 6), 1, "81 01 06 01 05 06 03 01 FF"),
    (c.drive("down", 5, 6), 1, "81 01 06 01 05 06 03 02 FF"),
    (c.drive("left", 0x18, 0x17), 1, "81 01 06 01 18 17 01 03 FF"),
    (c.drive("right", 1, 1), 1, "81 01 06 01 01 01 02 03 FF"),
    (c.drive("up-left", 2, 3), 1, "81 01 06 01 02 03 01 01 FF"),
    (c.drive("up-right", 2, 3), 1, "81 01 06 01 02 03 02 01 FF"),
    (c.drive("down-left", 2, 3), 1, "81 01 06 01 02 03 01 02 FF"),
    (c.drive("down-right", 2, 3), 7, "87 01 06 01 02 03 02 02 FF"),
    (c.stop(), 1, "81 01 06 01 01 01 03 03 FF"),
    (c.move(-2267, 1200, 0x18, 0x14), 1, "81 01 06 02 18 14 0F 07 02 05 00 04 0B 00 FF"),
    (c.move(2267, -400, 1, 1), 1, "81 01 06 02 01 01 00 08 0D 0B 0F 0E 07 00 FF"),
    (c.move(-1, 16, 3, 4, relative=True), 1, "81 01 06 03 03 04 0F 0F 0F 0F 00 00 01 00 FF"),
    (c.home(), 1, "81 01 06 04 FF"),
    (c.reset(), 1, "81 01 06 05 FF"),
    (c.preset("clear", 0), 1, "81 01 04 3F 00 00 FF"),
    (c.preset("set", 5), 1, "81 01 04 3F 01 05 FF"),
    (c.preset("recall", 254), 1, "81 01 04 3F 02 FE FF"),
    (c.power_inquiry(), 1, "81 09 04 00 FF"),
    (c.zoom_inquiry(), 1, "81 09 04 47 FF"),
    (c.position_inquiry(), 1, "81 09 06 12 FF"),
    (c.version_inquiry(), 1, "81 09 00 02 FF"),
    (c.address_set(), 1, "88 30 01 FF"),
    (c.if_clear(broadcast=True), 3, "88 01 00 01 FF"),
    (c.if_clear(), 3, "83 01 00 01 FF"),
    (c.cancel(1), 1, "81 21 FF"),
    (c.cancel(2), 4, "84 22 FF"),
]


@pytest.mark.parametrize(
    ("command", "address", "wire"), ENCODINGS, ids=lambda v: getattr(v, "name", None)
)
def test_encoding_matches_sony_tables(command, address, wire):
    assert command.packet(address) == h(wire)


def test_five_nibble_absolute_move_is_17_bytes():
    limits = c.Limits(position_nibbles=5)
    packet = c.move(-0x12345, 0x54321, 1, 1, limits=limits).packet(1)
    assert len(packet) == 17
    assert packet == h("81 01 06 02 01 01 0E 0D 0C 0B 0B 05 04 03 02 01 FF")


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: c.drive("left", 0, 1), "pan_speed"),
        (lambda: c.drive("left", 1, 0), "tilt_speed"),
        (lambda: c.drive("left", 0x19, 1), "pan_speed"),
        (lambda: c.drive("up", 1, 0x18), "tilt_speed"),
        (lambda: c.zoom("in", 8), "zoom_speed"),
        (lambda: c.zoom_direct(0x4001), "zoom"),
        (lambda: c.zoom_direct(-1), "zoom"),
        (lambda: c.preset("recall", 255), "preset"),
        (lambda: c.preset("set", -1), "preset"),
        (lambda: c.move(40000, 0, 1, 1), "pan"),
        (lambda: c.move(0, 0, 0, 1), "pan_speed"),
        (lambda: c.cancel(3), "socket"),
        (lambda: c.drive("left", True, 1), "pan_speed"),
    ],
)
def test_out_of_range_arguments_raise_local_errors_naming_the_field(build, field):
    with pytest.raises(LocalProtocolError) as info:
        build()
    assert field in str(info.value)
    assert info.value.code == "invalid_argument"


def test_bad_choices_are_local_errors():
    with pytest.raises(LocalProtocolError, match="sideways"):
        c.drive("sideways", 1, 1)
    with pytest.raises(LocalProtocolError):
        c.zoom("maybe")
    with pytest.raises(LocalProtocolError):
        c.focus("blurry")
    with pytest.raises(LocalProtocolError):
        c.preset("delete", 1)
    with pytest.raises(LocalProtocolError):
        c.home().packet(0)


def test_speed_zero_is_never_encoded():
    limits = c.Limits(max_speed_pan=1, max_speed_tilt=1)
    for d in c.Direction:
        packet = c.drive(d, 1, 1, limits).packet(1)
        assert packet[4] != 0
        assert packet[5] != 0


# ---------------------------------------------------------------- nibble numbers


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (-2267, "0F 07 02 05"),
        (2267, "00 08 0D 0B"),
        (0, "00 00 00 00"),
        (-1, "0F 0F 0F 0F"),
        (-32768, "08 00 00 00"),
    ],
)
def test_signed_positions(value, wire):
    assert encode_signed(value) == h(wire)
    assert decode_signed(h(wire)) == value


def test_positions_decode_by_length():
    assert decode_signed(h("0F 0F 0F 0F 0F")) == -1
    assert decode_signed(h("00 0F 0F 0F 0F")) == 0xFFFF
    assert decode_unsigned(h("04 00 00 00")) == 0x4000


def test_bad_nibbles_are_the_peers_fault():
    with pytest.raises(RemoteProtocolError, match="1F"):
        decode_signed(h("1F 00 00 00"))


@given(st.integers(-(1 << 19), (1 << 19) - 1))
def test_signed_roundtrip_five_nibbles(value):
    assert decode_signed(encode_signed(value, 5)) == value


# ---------------------------------------------------------------- the reply parser, three ways

PARSER_CASES = [
    ("90 41 FF", [Ack(1, 1)]),
    ("A0 42 FF", [Ack(2, 2)]),
    ("90 51 FF", [Completion(1, 1)]),
    ("90 50 02 FF", [Completion(1, 0, h("02"))]),
    ("90 50 0F 07 02 05 00 04 0B 00 FF", [Completion(1, 0, h("0F 07 02 05 00 04 0B 00"))]),
    ("90 50 00 20 04 02 01 00 02 FF", [Completion(1, 0, h("00 20 04 02 01 00 02"))]),
    ("90 61 01 FF", [ErrorReply(1, 1, 0x01)]),
    ("90 60 02 FF", [ErrorReply(1, 0, 0x02)]),
    ("90 60 03 FF", [ErrorReply(1, 0, 0x03)]),
    ("90 62 04 FF", [ErrorReply(1, 2, 0x04)]),
    ("90 61 05 FF", [ErrorReply(1, 1, 0x05)]),
    ("90 61 41 FF", [ErrorReply(1, 1, 0x41)]),
    ("90 38 FF", [NetworkChange(1)]),
    ("88 30 03 FF", [AddressSetReply(3)]),
    ("88 01 00 01 FF", [IfClearEcho()]),
    ("85 09 04 00 FF", [Returned(h("85 09 04 00 FF"))]),
    ("00 12 7E 90 41 FF", [Garbage(h("00 12 7E")), Ack(1, 1)]),
    ("90 41 FF 90 51 FF", [Ack(1, 1), Completion(1, 1)]),
    ("FF FF 90 41 FF", [Garbage(h("FF FF")), Ack(1, 1)]),
]


def _drain(parser: ReplyParser) -> list[object]:
    out: list[object] = []
    while True:
        ev = parser.next_event()
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


@pytest.mark.parametrize(("wire", "expected"), PARSER_CASES, ids=[w for w, _ in PARSER_CASES])
def test_parser_whole_buffer(wire, expected):
    p = ReplyParser()
    p.receive_data(h(wire))
    assert _drain(p) == expected


@pytest.mark.parametrize(("wire", "expected"), PARSER_CASES, ids=[w for w, _ in PARSER_CASES])
def test_parser_one_byte_at_a_time(wire, expected):
    p = ReplyParser()
    out: list[object] = []
    for b in h(wire):
        p.receive_data(bytes([b]))
        out += _drain(p)
    assert _merge_garbage(out) == expected


@pytest.mark.parametrize(("wire", "expected"), PARSER_CASES, ids=[w for w, _ in PARSER_CASES])
def test_parser_with_trailing_bytes(wire, expected):
    p = ReplyParser()
    p.receive_data(h(wire) + h("90 41"))  # a partial next packet, no FF yet
    assert _drain(p) == expected
    p.receive_data(h("FF"))
    assert _drain(p) == [Ack(1, 1)]


@pytest.mark.parametrize(
    "wire",
    [
        "90 FF",
        "90 41 02 FF",
        "90 73 FF",
        "80 41 FF",
        "90 63 FF",
        "88 30 00 FF",
        "88 55 FF",
        "90 43 FF",
    ],
)
def test_framed_non_replies_raise_remote_errors_and_parsing_goes_on(wire):
    p = ReplyParser()
    p.receive_data(h(wire) + h("90 41 FF"))
    with pytest.raises(RemoteProtocolError) as info:
        p.next_event()
    assert wire.split()[0] in str(info.value)
    assert p.next_event() == Ack(1, 1)


def test_runaway_packet_without_terminator_is_skipped_as_garbage():
    p = ReplyParser()
    p.receive_data(bytes([0x90] + [0x01] * 30) + h("90 51 FF"))
    events = _drain(p)
    assert isinstance(events[0], Garbage)
    assert events[-1] == Completion(1, 1)


@given(st.binary(max_size=200))
def test_any_stream_parses_or_raises_remote_error(data):
    p = ReplyParser()
    p.receive_data(data)
    for _ in range(len(data) + 2):
        try:
            if p.next_event() is None:
                break
        except RemoteProtocolError:
            continue


@given(st.lists(st.binary(max_size=20), max_size=20))
def test_session_survives_any_stream(chunks):
    s = Session()
    s.send(c.position_inquiry(), 1)
    s.send(c.home(), 1)
    for chunk in chunks:
        s.receive_data(chunk)
        for _ in range(200):
            try:
                if s.next_event() is None:
                    break
            except RemoteProtocolError:
                continue


# ------------------------------------------------ matching replies to commands in flight


def _events(s: Session, wire: str) -> list[object]:
    s.receive_data(h(wire))
    out = []
    while (ev := s.next_event()) is not None:
        out.append(ev)
    return out


def test_ack_then_completion_by_socket():
    s = Session()
    a, _ = s.send(c.home(), 1)
    assert not s.can_send()
    assert _events(s, "90 41 FF") == [Acked(a, 1)]
    assert s.can_send()
    b, _ = s.send(c.zoom_direct(100), 1)
    assert _events(s, "90 42 FF") == [Acked(b, 2)]
    assert _events(s, "90 52 FF 90 51 FF") == [Done(b), Done(a)]
    assert s.in_flight() == 0


def test_inquiry_answer_matches_the_inquiry_not_the_command():
    s = Session()
    a, _ = s.send(c.home(), 1)
    _events(s, "90 41 FF")
    q, _ = s.send(c.position_inquiry(), 1)
    assert _events(s, "90 50 00 00 00 01 00 00 00 02 FF") == [Done(q, h("00 00 00 01 00 00 00 02"))]
    assert _events(s, "90 51 FF") == [Done(a)]


def test_completion_without_ack():
    s = Session()
    a, _ = s.send(c.drive("left", 1, 1), 1)
    assert _events(s, "90 51 FF") == [Done(a, acked=False)]


@pytest.mark.parametrize(
    ("wire", "error"),
    [
        ("90 60 02 FF", ViscaSyntaxError),
        ("90 60 03 FF", BufferFullError),
        ("90 61 41 FF", NotExecutableError),
    ],
)
def test_errors_are_named_by_cause(wire, error):
    s = Session()
    a, _ = s.send(c.home(), 1)
    (ev,) = _events(s, wire)
    assert isinstance(ev, Failed)
    assert ev.handle == a
    assert type(ev.error) is error
    assert isinstance(ev.error, DeviceError)
    assert ev.error.command == "home"


def test_cancel_fails_the_cancelled_command_and_completes_the_cancel():
    s = Session()
    a, _ = s.send(c.home(), 1)
    _events(s, "90 41 FF")
    k, _ = s.send(c.cancel(1), 1)
    events = _events(s, "90 61 04 FF")
    assert isinstance(events[0], Failed)
    assert events[0].handle == a
    assert isinstance(events[0].error, CommandCancelledError)
    assert events[1] == Done(k)


def test_cancel_of_an_empty_socket():
    s = Session()
    s.send(c.cancel(2), 1)
    (ev,) = _events(s, "90 62 05 FF")
    assert isinstance(ev, Failed)
    assert isinstance(ev.error, NoSocketError)


def test_network_change_is_an_event_and_matches_nothing():
    s = Session()
    a, _ = s.send(c.home(), 1)
    assert _events(s, "90 38 FF") == [NetworkChange(1)]
    assert _events(s, "90 41 FF") == [Acked(a, 1)]


def test_stop_jumps_and_supersedes_commands_without_a_reply():
    s = Session()
    a, _ = s.send(c.preset("recall", 1), 1)
    q, _ = s.send(c.position_inquiry(), 1)
    stop, data = s.send(c.stop(), 1, jump=True)
    assert data == h("81 01 06 01 01 01 03 03 FF")
    assert s.next_event() == Superseded(a, "stop")
    assert _events(s, "90 41 FF 90 51 FF") == [Acked(stop, 1), Done(stop)]
    assert _events(s, "90 50 00 00 00 00 00 00 00 00 FF") == [Done(q, h("00" * 8))]


def test_late_replies_after_forget_are_stray():
    s = Session()
    a, _ = s.send(c.home(), 1)
    s.forget(a)
    assert _events(s, "90 41 FF") == [Stray(Ack(1, 1))]


def test_late_completion_of_a_forgotten_motion_is_not_taken_for_the_next_command():
    s = Session()
    a, _ = s.send(c.home(), 1)
    _events(s, "90 41 FF")
    s.forget(a)  # its caller gave up waiting for the Completion
    b, _ = s.send(c.drive("left", 1, 1), 1)
    assert _events(s, "90 51 FF") == [Stray(Completion(1, 1))]
    assert _events(s, "90 42 FF 90 52 FF") == [Acked(b, 2), Done(b)]


def test_address_set_and_returned_packets():
    s = Session()
    a, _ = s.send(c.address_set(), 1)
    assert _events(s, "88 30 04 FF") == [Done(a, bytes([3]))]
    b, data = s.send(c.home(), 5)
    (ev,) = _events(s, data.hex())
    assert ev == Superseded(b, "no_camera")


def test_if_clear_single_and_broadcast():
    s = Session()
    a, _ = s.send(c.if_clear(), 1)
    assert _events(s, "90 50 FF") == [Done(a)]
    b, _ = s.send(c.if_clear(broadcast=True), 1)
    assert _events(s, "88 01 00 01 FF") == [Done(b)]


@pytest.mark.parametrize("module", ["errors", "framing", "session", "commands", "ip"])
def test_the_core_imports_no_io(module):
    import ast
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "agent" / "visca" / f"{module}.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (
            node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
        )
    }
    assert not imported & {
        "socket",
        "serial",
        "asyncio",
        "select",
        "threading",
        "os",
        "time",
        "selectors",
    }


def test_the_core_loads_neither_io_nor_the_catalogue():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import agent.visca.commands, agent.visca.errors, agent.visca.framing\n"
        "import agent.visca.ip, agent.visca.session\n"
        "bad = {'serial', 'socket', 'asyncio', 'select', 'selectors', 'agent.i18n'}\n"
        "print(sorted(bad & set(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert out.stdout.strip() == "[]"
