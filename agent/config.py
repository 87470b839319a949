"""Configuration: frozen dataclasses loaded from TOML, with errors that name the key and the fix."""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import socket
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from agent.contract.groups import Group, UnitKind
from agent.contract.topics import RoomId
from agent.errors import ConfigError
from agent.i18n import t

SYSTEM_PATH: Final = Path("/etc/hnth-agent/config.toml")
ENV_VAR: Final = "HNTH_AGENT_CONFIG"
CHECK_NAMES: Final = (
    "host",
    "time",
    "network",
    "camera",
    "microphone",
    "speaker",
    "display",
    "ptz",
)
_T = typing.TypeVar("_T")
SLUG_RE: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


# ---------------------------------------------------------------- validators
# A validator returns None when the value is fine, else the catalogue key that says what is allowed.


def _slug(value: Any) -> str | None:
    return None if SLUG_RE.fullmatch(value) else "config.allowed.slug"


def _slug_or_empty(value: Any) -> str | None:
    return None if value == "" else _slug(value)


def _district(value: Any) -> str | None:
    return None if value == "_" or SLUG_RE.fullmatch(value) else "config.allowed.district"


def _positive(value: Any) -> str | None:
    return None if value > 0 else "config.allowed.positive"


def _non_negative(value: Any) -> str | None:
    return None if value >= 0 else "config.allowed.non_negative"


def _check_names(value: Any) -> str | None:
    return None if all(v in CHECK_NAMES for v in value) else "config.allowed.check_names"


def _host_ports(value: Any) -> str | None:
    return None if all(parse_host_port(v) for v in value) else "config.allowed.host_port"


def _range(lo: float, hi: float) -> typing.Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if lo <= value <= hi else f"config.allowed.range:{lo}:{hi}"

    return check


def _each(check: typing.Callable[[Any], str | None]) -> typing.Callable[[Any], str | None]:
    def each(values: Any) -> str | None:
        for v in values:
            bad = check(v)
            if bad:
                return bad
        return None

    return each


def _timeouts(value: Any) -> str | None:
    if not all(k in CHECK_NAMES for k in value):
        return "config.allowed.check_names"
    return None if all(v > 0 for v in value.values()) else "config.allowed.positive"


_ALL_POSITIVE = _each(_positive)


def _weekly(value: Any) -> str | None:
    from agent.schedule import valid_weekly

    return None if valid_weekly(value) else "config.allowed.weekly"


def _calendar(value: Any) -> str | None:
    # A file path, or an http(s)/webcal URL; any other scheme is a typo or unsupported.
    from agent.schedule import is_url

    return None if "://" not in value or is_url(value) else "config.allowed.calendar"


def _timezone(value: Any) -> str | None:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):
        return "config.allowed.timezone"
    return None


def _opt(default: Any, check: typing.Callable[[Any], str | None] | None = None) -> Any:
    """Declare a config key with its default and an optional validator."""
    if isinstance(default, list | dict):
        factory = (
            (lambda d=default: tuple(d))
            if isinstance(default, list)
            else (lambda d=default: dict(d))
        )
        return field(default_factory=factory, metadata={"check": check})
    return field(default=default, metadata={"check": check})


def parse_host_port(text: str) -> tuple[str, int] | None:
    """Split `host:port` (IPv6 as `[::1]:port`); None when it is not of that form."""
    m = re.fullmatch(r"\[([0-9a-fA-F:.]+)\]:(\d{1,5})|([^\s:\[\]]+):(\d{1,5})", text)
    if not m:
        return None
    host = m.group(1) or m.group(3)
    port = int(m.group(2) or m.group(4))
    return (host, port) if 0 < port < 65536 else None


def default_room_id() -> str:
    """A slug made from the host name, so an unconfigured PC still reports a sane id."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", socket.gethostname().lower()).strip("-_")
    return (slug or "room")[:64]


def default_state_dir() -> str:
    """Prefer systemd's STATE_DIRECTORY, then /var/lib/hnth-agent when usable, else the user's."""
    if os.environ.get("STATE_DIRECTORY"):
        return os.environ["STATE_DIRECTORY"].split(":")[0]
    system = Path("/var/lib/hnth-agent")
    if os.access(system if system.exists() else system.parent, os.W_OK):
        return str(system)
    xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return str(Path(xdg) / "hnth-agent")


# ---------------------------------------------------------------- sections


def _unit(value: Any) -> str | None:
    return None if value in {u.value for u in UnitKind} else "config.allowed.unit"


def _room_ref(value: Any) -> str | None:
    province, sep, room = value.partition("/")
    ok = (
        SLUG_RE.fullmatch(room) and SLUG_RE.fullmatch(province) if sep else SLUG_RE.fullmatch(value)
    )
    return None if ok else "config.allowed.room_ref"


def _group_names(value: Any) -> str | None:
    return None if all(SLUG_RE.fullmatch(k) for k in value) else "config.allowed.slug"


@dataclass(frozen=True, slots=True)
class RoomConfig:
    """Who this room is (contract v2): its province, its id there, its name and its groups."""

    province: str = _opt("demo", _slug)
    id: str = _opt("", _slug_or_empty)
    name: str = _opt("")
    unit: str = _opt("xa", _unit)  # agent.contract.UnitKind
    groups: tuple[str, ...] = _opt([], _each(_slug))
    group_names: dict[str, str] = _opt({}, _group_names)  # noqa: RUF009 - _opt makes a field()
    replaces: tuple[str, ...] = _opt([], _each(_room_ref))  # ids this room took over (merges)
    # Contract v1's district; kept as a group (a former district is a label since 2025).
    district: str = _opt("_", _district)

    @property
    def room_id(self) -> RoomId:
        """The room's identity in the contract."""
        return RoomId(self.province, self.id)

    @property
    def all_groups(self) -> tuple[Group, ...]:
        """The groups the room publishes, the v1 district included."""
        ids = [*self.groups, *([self.district] if self.district != "_" else [])]
        return tuple(Group(g, self.group_names.get(g, "")) for g in dict.fromkeys(ids))

    @property
    def replaced(self) -> tuple[RoomId, ...]:
        """The ids this room replaces, each with its province."""
        return tuple(RoomId.parse(r, self.province) for r in self.replaces)


@dataclass(frozen=True, slots=True)
class AgentConfig:
    """Process-wide settings."""

    language: Literal["vi", "en"] = _opt("vi")
    state_dir: str = _opt("")
    log_level: Literal["debug", "info", "warning", "error"] = _opt("info")


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    """Targets on the path to the MCU and how to judge the link to them."""

    targets: tuple[str, ...] = _opt([], _host_ports)
    samples: int = _opt(5, _range(1, 100))
    interval_ms: int = _opt(100, _range(0, 10_000))
    timeout_ms: int = _opt(1000, _range(10, 30_000))
    warn_rtt_ms: float = _opt(150.0, _positive)
    warn_jitter_ms: float = _opt(30.0, _positive)
    warn_loss_pct: float = _opt(10.0, _range(0, 100))
    fail_loss_pct: float = _opt(50.0, _range(0, 100))


@dataclass(frozen=True, slots=True)
class TimeConfig:
    """Clock offset limits and the optional SNTP server to measure against."""

    ntp_server: str = _opt("")
    max_offset_ms: float = _opt(500.0, _positive)
    timeout_ms: int = _opt(1500, _range(10, 30_000))


@dataclass(frozen=True, slots=True)
class ChecksConfig:
    """Which checks run, which are critical for the verdict, and their deadlines."""

    enabled: tuple[str, ...] = _opt(list(CHECK_NAMES), _check_names)
    critical: tuple[str, ...] = _opt(
        ["camera", "microphone", "display", "network", "ptz"], _check_names
    )
    timeout_s: float = _opt(15.0, _positive)
    timeouts: dict[str, float] = _opt({}, _timeouts)  # noqa: RUF009 - _opt makes a field()


@dataclass(frozen=True, slots=True)
class HostConfig:
    """Thresholds for the control PC's own health."""

    warn_cpu_pct: float = _opt(90.0, _range(1, 100))
    warn_mem_pct: float = _opt(90.0, _range(1, 100))
    min_free_disk_mb: float = _opt(500.0, _non_negative)
    warn_temp_c: float = _opt(85.0, _positive)
    cpu_sample_s: float = _opt(0.2, _range(0, 5))


@dataclass(frozen=True, slots=True)
class CameraConfig:
    """The room camera's video source and image-quality thresholds."""

    source: str = _opt("auto")
    expect_width: int = _opt(0, _non_negative)
    expect_height: int = _opt(0, _non_negative)
    min_fps: float = _opt(15.0, _non_negative)
    seconds: float = _opt(1.0, _range(0.1, 30))
    open_timeout_ms: int = _opt(5000, _range(100, 60_000))
    read_timeout_ms: int = _opt(3000, _range(100, 60_000))
    black_luma: float = _opt(16.0, _range(0, 255))
    frozen_diff: float = _opt(0.1, _non_negative)
    uniform_stddev: float = _opt(6.0, _non_negative)
    focus_baseline: float = _opt(0.0, _non_negative)
    focus_ratio: float = _opt(0.3, _range(0, 1))
    min_focus: float = _opt(20.0, _non_negative)
    snapshot_width: int = _opt(640, _range(64, 4096))
    snapshot_max_kb: int = _opt(64, _range(4, 1024))


@dataclass(frozen=True, slots=True)
class MicrophoneConfig:
    """The room microphone and its level thresholds."""

    device: str = _opt("")
    seconds: float = _opt(1.0, _range(0.1, 30))
    samplerate: int = _opt(48000, _range(8000, 192_000))
    min_rms_dbfs: float = _opt(-70.0, _range(-200, 0))
    clip_warn_ratio: float = _opt(0.01, _range(0, 1))


@dataclass(frozen=True, slots=True)
class SpeakerConfig:
    """The speaker → microphone acoustic loopback."""

    enabled: bool = _opt(True)
    device: str = _opt("")
    level_dbfs: float = _opt(-20.0, _range(-80, 0))
    min_snr_db: float = _opt(15.0, _non_negative)
    seconds: float = _opt(0.5, _range(0.1, 10))


@dataclass(frozen=True, slots=True)
class DisplayConfig:
    """Which displays must be connected, awake and at which resolution."""

    sysfs_root: str = _opt("/sys/class/drm")
    expect_connectors: tuple[str, ...] = _opt([])
    expect_width: int = _opt(0, _non_negative)
    expect_height: int = _opt(0, _non_negative)
    cec: bool = _opt(True)


@dataclass(frozen=True, slots=True)
class PtzConfig:
    """The PTZ camera's VISCA port and the pre-meeting position."""

    port: str = _opt("")
    address: int = _opt(1, _range(1, 7))
    home_preset: int = _opt(-1, _range(-1, 254))
    power_on_before_meeting: bool = _opt(True)
    position_tolerance: int = _opt(16, _non_negative)
    ack_timeout_ms: int = _opt(500, _range(20, 30_000))
    move_timeout_ms: int = _opt(10_000, _range(100, 120_000))
    inquiry_retries: int = _opt(1, _range(0, 10))
    max_speed_pan: int = _opt(0x18, _range(1, 0x18))
    max_speed_tilt: int = _opt(0x17, _range(1, 0x18))
    max_preset: int = _opt(254, _range(0, 254))
    position_nibbles: int = _opt(4, _range(4, 5))  # 5 on 20-bit models (BRC-AM7, SRG-360SHE)
    # Quirk profile (agent/visca/profiles.py); "auto" picks it from the version inquiry.
    profile: Literal["auto", "sony", "ptzoptics", "lumens", "generic-oem"] = _opt("auto")
    rate_limit_per_s: float = _opt(20.0, _positive)
    # [pan, tilt] or [pan, tilt, zoom] the home preset must reach; empty: learn it on first run.
    home_position: tuple[int, ...] = _opt(
        [], lambda v: None if len(v) in (0, 2, 3) else "ptz.allowed.home_position"
    )


@dataclass(frozen=True, slots=True)
class MqttConfig:
    """The province broker; an empty host disables reporting."""

    host: str = _opt("")
    port: int = _opt(0, _range(0, 65535))
    protocol: Literal["5", "3.1.1"] = _opt("5")
    tls: bool = _opt(False)
    ca_file: str = _opt("")
    cert_file: str = _opt("")
    key_file: str = _opt("")
    username: str = _opt("")
    password_file: str = _opt("")
    allow_insecure: bool = _opt(False)
    keepalive_s: int = _opt(30, _range(5, 3600))
    session_expiry_s: int = _opt(3600, _range(0, 2**32 - 1))
    reconnect_max_s: float = _opt(60.0, _range(1, 3600))
    outbox_max_events: int = _opt(10_000, _range(10, 10_000_000))
    outbox_max_age_h: float = _opt(72.0, _positive)
    max_payload_kb: int = _opt(64, _range(1, 1024))


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    """When checks run: before meetings, periodically, and the schedule sources."""

    offsets_min: tuple[float, ...] = _opt([30.0, 5.0], _ALL_POSITIVE)
    periodic_min: float = _opt(15.0, _positive)
    ics_file: str = _opt("", _calendar)  # a path, or an http(s):// or webcal:// URL
    ics_refresh_min: float = _opt(15.0, _range(1, 1440))  # how often a URL is fetched again
    ics_timeout_s: float = _opt(20.0, _range(1, 120))
    ics_max_kb: int = _opt(5120, _range(16, 5120))
    weekly: tuple[str, ...] = _opt([], _each(_weekly))
    timezone: str = _opt("Asia/Ho_Chi_Minh", _timezone)
    prep: bool = _opt(True)


@dataclass(frozen=True, slots=True)
class Config:
    """The whole agent configuration; `source` is the file it came from, if any."""

    room: RoomConfig = field(default_factory=RoomConfig)
    agent: AgentConfig = field(default_factory=AgentConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    time: TimeConfig = field(default_factory=TimeConfig)
    checks: ChecksConfig = field(default_factory=ChecksConfig)
    host: HostConfig = field(default_factory=HostConfig)
    camera: CameraConfig = field(default_factory=CameraConfig)
    microphone: MicrophoneConfig = field(default_factory=MicrophoneConfig)
    speaker: SpeakerConfig = field(default_factory=SpeakerConfig)
    display: DisplayConfig = field(default_factory=DisplayConfig)
    ptz: PtzConfig = field(default_factory=PtzConfig)
    mqtt: MqttConfig = field(default_factory=MqttConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    source: str | None = None
    # Raw tables of sections owned by optional parts (e.g. [board]); see `section()`.
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)

    def timeout_for(self, check: str) -> float:
        """Return the deadline in seconds for one check."""
        return self.checks.timeouts.get(check, self.checks.timeout_s)


# Sections validated by optional parts of the agent (installed as extras), not by this module.
EXTRA_SECTIONS: Final = frozenset({"board"})


# ---------------------------------------------------------------- loading


def resolve_path(explicit: str | None) -> Path | None:
    """Pick the config file: --config, then $HNTH_AGENT_CONFIG, then the system path if present."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return SYSTEM_PATH if SYSTEM_PATH.exists() else None


def load(explicit: str | None = None) -> Config:
    """Load the config found by `resolve_path`, or defaults when there is none."""
    path = resolve_path(explicit)
    if path is None:
        return finalize(Config())
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(t("config.missing", file=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(t("config.unreadable", file=path, error=exc)) from None
    return loads(text, source=str(path))


def loads(text: str, source: str = "<string>") -> Config:
    """Parse TOML text into a Config; raise ConfigError naming the key on any problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(t("config.bad_toml", file=source, error=exc)) from None
    return finalize(from_dict(data, source))


def from_dict(data: dict[str, Any], source: str = "<dict>") -> Config:
    """Build a Config from parsed TOML data, validating every key."""
    sections: dict[str, Any] = {}
    extra: dict[str, dict[str, Any]] = {}
    known = {f.name: f for f in dataclasses.fields(Config) if f.name != "source"}
    for name, value in data.items():
        section_type: Any = None
        if name in known:
            section_type = typing.get_type_hints(Config)[name]
        elif name not in EXTRA_SECTIONS:
            _unknown(source, name, None, [*known, *sorted(EXTRA_SECTIONS)])
        if not isinstance(value, dict):
            raise ConfigError(t("config.not_table", file=source, section=name))
        if section_type is None:
            extra[name] = value
        else:
            sections[name] = build_section(section_type, name, value, source)
    return Config(**sections, source=source, extra=extra)


def section(config: Config, name: str, cls: type[_T]) -> _T:
    """Validate and build an optional part's section (e.g. [board]) from the loaded config."""
    built: _T = build_section(cls, name, config.extra.get(name, {}), config.source or "<defaults>")
    return built


def build_section(cls: type[Any], name: str, raw: dict[str, Any], source: str) -> Any:
    """Validate one [section] table against its dataclass and build it."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in fields:
            _unknown(source, name, key, list(fields))
        coerced = _coerce(hints[key], value, source, name, key)
        check = fields[key].metadata.get("check")
        bad = check(coerced) if check else None
        if bad and isinstance(coerced, dict):
            # Name the entry at fault, e.g. [checks] timeouts.camera, not the whole table.
            for sub, item in coerced.items():
                if check and check({sub: item}):
                    raise ConfigError(_message(source, name, f"{key}.{sub}", item, _allowed(bad)))
        if bad:
            raise ConfigError(_message(source, name, key, coerced, _allowed(bad)))
        values[key] = coerced
    return cls(**values)


def finalize(config: Config) -> Config:
    """Fill in defaults that depend on the machine (room id, state dir)."""
    room, agent = config.room, config.agent
    if not room.id:
        room = dataclasses.replace(room, id=default_room_id())
    if not agent.state_dir:
        agent = dataclasses.replace(agent, state_dir=default_state_dir())
    return dataclasses.replace(config, room=room, agent=agent)


def _coerce(tp: Any, value: Any, source: str, section_name: str, key: str) -> Any:
    """Check `value` against the annotation `tp`; lists become tuples."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)

    def fail(allowed_key: str, **params: Any) -> typing.NoReturn:
        raise ConfigError(_message(source, section_name, key, value, t(allowed_key, **params)))

    if origin is Literal:
        if value not in args:
            fail("config.allowed.one_of", values=", ".join(repr(a) for a in args))
        return value
    if origin in (types.UnionType, typing.Union):
        for arg in args:
            try:
                return _coerce(arg, value, source, section_name, key)
            except ConfigError:
                continue
        fail("config.allowed.type", type=" | ".join(_type_name(a) for a in args))
    if origin is tuple:
        if not isinstance(value, list):
            fail("config.allowed.type", type=f"list of {_type_name(args[0])}")
        return tuple(_coerce(args[0], v, source, section_name, key) for v in value)
    if origin is dict:
        if not isinstance(value, dict):
            fail("config.allowed.type", type=f"table of {_type_name(args[1])}")
        return {
            k: _coerce(args[1], v, source, section_name, f"{key}.{k}") for k, v in value.items()
        }
    if tp is bool:
        if not isinstance(value, bool):
            fail("config.allowed.type", type="true | false")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            fail("config.allowed.type", type="integer")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            fail("config.allowed.type", type="number")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            fail("config.allowed.type", type="string")
        return value
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, dict):
            fail("config.allowed.type", type="table")
        return build_section(tp, f"{section_name}.{key}", value, source)
    return value


def _type_name(tp: Any) -> str:
    return {str: "string", int: "integer", float: "number", bool: "true | false"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _allowed(key: str) -> str:
    if key.startswith("config.allowed.range:"):
        _, lo, hi = key.split(":")
        return t("config.allowed.range", lo=_num(lo), hi=_num(hi))
    return t(key)


def _num(text: str) -> str:
    value = float(text)
    return str(int(value)) if value.is_integer() else text


def _message(source: str, section_name: str, key: str, value: Any, allowed: str) -> str:
    return t(
        "config.bad_value",
        file=source,
        section=section_name,
        key=key,
        value=_show(value),
        allowed=allowed,
    )


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        value = list(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _unknown(source: str, section_name: str, key: str | None, known: list[str]) -> typing.NoReturn:
    name = key if key is not None else section_name
    close = difflib.get_close_matches(name, known, n=1)
    suggestion = t("config.did_you_mean", name=close[0]) if close else ""
    if key is None:
        raise ConfigError(
            t(
                "config.unknown_section",
                file=source,
                section=section_name,
                known=", ".join(known),
                suggestion=suggestion,
            )
        )
    raise ConfigError(
        t(
            "config.unknown_key",
            file=source,
            section=section_name,
            key=key,
            known=", ".join(known),
            suggestion=suggestion,
        )
    )
