"""Config loading: defaults, the documented example, and errors that name the key."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent import config as cfg_mod
from agent.config import Config, loads
from agent.errors import ConfigError
from agent.i18n import set_language

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def english():
    set_language("en")
    yield
    set_language("vi")


def test_defaults_without_file(monkeypatch, tmp_path):
    monkeypatch.delenv(cfg_mod.ENV_VAR, raising=False)
    monkeypatch.setattr(cfg_mod, "SYSTEM_PATH", tmp_path / "absent.toml")
    cfg = cfg_mod.load(None)
    assert cfg.source is None
    assert cfg_mod.SLUG_RE.fullmatch(cfg.room.id)
    assert cfg.agent.state_dir
    assert cfg.checks.critical == ("camera", "microphone", "display", "network", "ptz")


def test_lookup_order(monkeypatch, tmp_path):
    env_file = tmp_path / "env.toml"
    env_file.write_text('[room]\nid = "from-env"\n')
    explicit = tmp_path / "explicit.toml"
    explicit.write_text('[room]\nid = "from-flag"\n')
    system = tmp_path / "system.toml"
    system.write_text('[room]\nid = "from-etc"\n')
    monkeypatch.setattr(cfg_mod, "SYSTEM_PATH", system)
    monkeypatch.setenv(cfg_mod.ENV_VAR, str(env_file))
    assert cfg_mod.load(str(explicit)).room.id == "from-flag"
    assert cfg_mod.load(None).room.id == "from-env"
    monkeypatch.delenv(cfg_mod.ENV_VAR)
    assert cfg_mod.load(None).room.id == "from-etc"


def test_example_documents_every_key_with_its_default():
    example = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    defaults = Config()
    for section in dataclasses.fields(Config):
        if section.name in ("source", "extra"):
            continue
        assert section.name in example, f"[{section.name}] missing from config.example.toml"
        obj = getattr(defaults, section.name)
        for f in dataclasses.fields(obj):
            assert f.name in example[section.name], f"[{section.name}] {f.name} is not documented"
            value = example[section.name][f.name]
            expected = getattr(obj, f.name)
            if isinstance(expected, tuple):
                value = tuple(value)
            assert value == expected, (
                f"[{section.name}] {f.name}: example {value!r} != default {expected!r}"
            )
    # And the example itself loads.
    loads((ROOT / "config.example.toml").read_text(encoding="utf-8"), "config.example.toml")


def test_values_are_typed_and_frozen():
    cfg = loads('[network]\ntargets = ["mcu:5060"]\nsamples = 3\nwarn_rtt_ms = 100\n')
    assert cfg.network.targets == ("mcu:5060",)
    assert cfg.network.warn_rtt_ms == 100.0
    assert isinstance(cfg.network.warn_rtt_ms, float)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.network.samples = 4  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "must_contain"),
    [
        ("[room\nid = 1", ["cfg.toml", "not valid TOML"]),
        ("[network]\ntargetz = []", ["[network] targetz", "did you mean 'targets'"]),
        ("[netwrok]\n", ["[netwrok]", "did you mean 'network'"]),
        ("[network]\nsamples = 'five'", ["[network] samples", "'five'", "integer"]),
        ("[network]\nsamples = 0", ["[network] samples", "0", "from 1 to 100"]),
        ("[network]\ntargets = ['mcu']", ["[network] targets", "host:port"]),
        ("[room]\nid = 'Xã#1'", ["[room] id", "'Xã#1'", "lower-case"]),
        ("[room]\nid = 'a/b'", ["[room] id", "lower-case"]),
        ("[room]\nid = 'room+'", ["[room] id"]),
        ("[agent]\nlanguage = 'fr'", ["[agent] language", "'fr'", "'vi'", "'en'"]),
        ("[checks]\ncritical = ['camra']", ["[checks] critical", "check names"]),
        ("[checks]\ntimeouts = { camera = -1 }", ["[checks] timeouts.camera", "-1"]),
        ("[checks]\ntimeouts = { camra = 5 }", ["[checks] timeouts.camra", "check names"]),
        ("[ptz]\naddress = 9", ["[ptz] address", "from 1 to 7"]),
        ("[speaker]\nenabled = 'yes'", ["[speaker] enabled", "true | false"]),
        ("room = 3", ["[room]", "table"]),
    ],
)
def test_errors_name_file_key_value_and_fix(text, must_contain):
    with pytest.raises(ConfigError) as info:
        loads(text, source="cfg.toml")
    message = str(info.value)
    assert "cfg.toml" in message
    for part in must_contain:
        assert part in message, f"{part!r} not in {message!r}"


def test_errors_in_vietnamese():
    set_language("vi")
    with pytest.raises(ConfigError) as info:
        loads("[network]\nsamples = 0", source="cfg.toml")
    assert "không hợp lệ" in str(info.value)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        cfg_mod.load(str(tmp_path / "nope.toml"))


def test_extra_sections_pass_through_for_their_owner():
    @dataclasses.dataclass(frozen=True, slots=True)
    class Extra:
        listen: str = "127.0.0.1:8080"

    cfg = loads('[board]\nlisten = "0.0.0.0:80"\n')
    assert cfg_mod.section(cfg, "board", Extra).listen == "0.0.0.0:80"
    assert cfg_mod.section(loads(""), "board", Extra).listen == "127.0.0.1:8080"
    with pytest.raises(ConfigError, match="listn"):
        cfg_mod.section(loads('[board]\nlistn = "x"\n'), "board", Extra)


@given(st.text(max_size=80))
def test_slug_validation_never_lets_topic_wildcards_through(text):
    try:
        cfg = cfg_mod.from_dict({"room": {"id": text}})
    except ConfigError:
        return
    assert not ({"+", "#", "/", "\x00"} & set(cfg.room.id))
    assert cfg.room.id == "" or cfg_mod.SLUG_RE.fullmatch(cfg.room.id)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mcu.tinh.vn:5060", ("mcu.tinh.vn", 5060)),
        ("10.0.0.1:1720", ("10.0.0.1", 1720)),
        ("[::1]:80", ("::1", 80)),
        ("mcu", None),
        ("mcu:0", None),
        ("mcu:70000", None),
        ("a b:1", None),
        ("::1:80", None),
    ],
)
def test_parse_host_port(text, expected):
    assert cfg_mod.parse_host_port(text) == expected
