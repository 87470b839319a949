"""The EDID parser against Debian's edid-decode, and its behaviour on garbage."""

from __future__ import annotations

import contextlib
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.errors import RemoteProtocolError
from agent.media import edid
from tests.fixtures.common import need_program


@pytest.fixture
def edid_decode() -> None:
    need_program("edid-decode")


def decode(blob: bytes, tmp: Path) -> str:
    path = tmp / "edid.bin"
    path.write_bytes(blob)
    out = subprocess.run(
        ["edid-decode", "-c", str(path)], capture_output=True, text=True, timeout=10, check=False
    )
    return out.stdout


def fields(text: str) -> dict[str, str]:
    """Pick the fields we parse out of edid-decode's text."""
    got: dict[str, str] = {}
    for key, pattern in {
        "manufacturer": r"Manufacturer: (\w+)",
        "model": r"Model: (\d+)",
        "serial": r"Serial Number: (\d+)",
        "name": r"Display Product Name: '(.*)'",
        "serial_text": r"Display Product Serial Number: '(.*)'",
        "dtd": r"DTD 1:\s+(\d+x\d+)\s+([\d.]+) Hz",
        "made": r"Made in: week (\d+) of (\d+)",
        "conformity": r"EDID conformity: (\w+)",
    }.items():
        m = re.search(pattern, text)
        if m:
            got[key] = " ".join(m.groups())
    return got


@pytest.mark.usefixtures("edid_decode")
def test_built_edid_conforms_and_matches_edid_decode(tmp_path: Path) -> None:
    blob = edid.build(
        manufacturer="SAM", product=0x0F7A, serial=123456, name="HNTH Demo TV", serial_text="SN0042"
    )
    ref = fields(decode(blob, tmp_path))
    e = edid.parse(blob)
    assert ref["conformity"] == "PASS"
    assert ref["manufacturer"] == e.manufacturer == "SAM"
    assert int(ref["model"]) == e.product == 0x0F7A
    assert int(ref["serial"]) == e.serial == 123456
    assert ref["name"] == e.name == "HNTH Demo TV"
    assert ref["serial_text"] == e.serial_text == "SN0042"
    assert e.preferred is not None
    size, hz = ref["dtd"].split()
    assert size == f"{e.preferred.width}x{e.preferred.height}" == "1920x1080"
    assert abs(float(hz) - e.preferred.refresh_hz) < 0.01
    assert ref["made"] == f"{e.week} {e.year}"
    assert e.label == "HNTH Demo TV"


@pytest.mark.usefixtures("edid_decode")
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    mfg=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3),
    product=st.integers(0, 0xFFFF),
    serial=st.integers(0, 2**32 - 1),
    name=st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -", max_size=13
    ),
    mode=st.sampled_from(
        [(1920, 1080, 60), (1280, 720, 50), (1280, 720, 60), (3840, 2160, 30), (1024, 768, 60)]
    ),
)
def test_parser_agrees_with_edid_decode(
    tmp_path: Path, mfg: str, product: int, serial: int, name: str, mode: tuple[int, int, int]
) -> None:
    name = name.strip()
    blob = edid.build(
        manufacturer=mfg,
        product=product,
        serial=serial,
        name=name,
        width=mode[0],
        height=mode[1],
        refresh_hz=mode[2],
    )
    ref = fields(decode(blob, tmp_path))
    e = edid.parse(blob)
    assert ref["manufacturer"] == e.manufacturer
    assert int(ref["model"]) == e.product
    assert int(ref.get("serial", "0")) == e.serial
    assert ref.get("name", "") == e.name
    assert e.preferred is not None
    size, hz = ref["dtd"].split()
    assert size == f"{e.preferred.width}x{e.preferred.height}"
    assert abs(float(hz) - e.preferred.refresh_hz) < 0.01


def test_extension_blocks_are_accepted_and_counted() -> None:
    base = bytearray(edid.build(name="TV"))
    base[126] = 1
    base[127] = (base[127] - 1) % 256  # keep the checksum right
    e = edid.parse(bytes(base) + bytes([0x02, 0x03]) + bytes(126))
    assert e.extensions == 1
    assert e.name == "TV"


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda b: b[:100], "100 bytes"),
        (lambda b: b + b"\x00", "not a multiple"),
        (lambda b: b"\x01" + b[1:], "header"),
        (lambda b: b[:20] + bytes([b[20] ^ 0xFF]) + b[21:], "checksum"),
        (lambda b: b"", "0 bytes"),
    ],
)
def test_corrupt_edid_names_the_problem(mutate, words: str) -> None:
    with pytest.raises(RemoteProtocolError, match=words):
        edid.parse(mutate(edid.build()))


def test_checksum_error_shows_expected_and_received_in_hex() -> None:
    blob = bytearray(edid.build())
    good = blob[127]
    blob[127] = (good + 1) % 256
    with pytest.raises(RemoteProtocolError) as err:
        edid.parse(bytes(blob))
    assert f"{blob[127]:02x}" in err.value.message
    assert f"expected {good:02x}" in err.value.message


@given(st.binary(max_size=400))
def test_any_bytes_parse_or_raise_remote_protocol_error(data: bytes) -> None:
    with contextlib.suppress(RemoteProtocolError):
        edid.parse(data)


@given(st.lists(st.tuples(st.integers(8, 125), st.integers(0, 255)), max_size=12))
def test_mutated_edid_with_fixed_checksum_parses_or_raises(edits: list[tuple[int, int]]) -> None:
    blob = bytearray(edid.build(name="X"))
    for pos, value in edits:
        blob[pos] = value
    blob[127] = (-sum(blob[:127])) % 256
    try:
        e = edid.parse(bytes(blob))
    except RemoteProtocolError:
        return
    assert len(e.manufacturer) == 3
    assert all(m.width >= 0 and m.height >= 0 for m in e.modes)
