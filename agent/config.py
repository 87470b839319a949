"""Configuration: frozen dataclasses loaded from TOML, with errors that name the key and the fix."""

from __future__ import annotations

import dataclasses
import os
import re
import socket
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

# The field helpers and validators are public in agent.config_fields; SLUG_RE, parse_host_port,
# build_section and section stay importable from here for older callers.
from agent.config_fields import SLUG_RE as SLUG_RE
from agent.config_fields import build_section as build_section
from agent.config_fields import (
    calendar_location,
    district,
    each,
    host_ports,
    in_range,
    non_negative,
    opt,
    positive,
    room_ref,
    slug,
    slug_keys,
    slug_or_empty,
    text_max,
    time_zone,
    unknown,
    weekly_slot,
)
from agent.config_fields import parse_host_port as parse_host_port
from agent.config_fields import section as section
from agent.contract.groups import Group, UnitKind
from agent.contract.topics import RoomId
from agent.errors import ConfigError
from agent.i18n import t
from agent.ptz_url import port_check

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


# ---------------------------------------------------------------- the agent's own validators
# A validator returns None when the value is fine, else the catalogue key that says what is allowed
# (the generic ones are in agent.config_fields).


def _check_names(value: Any) -> str | None:
    return None if all(v in CHECK_NAMES for v in value) else "config.allowed.check_names"


def _timeouts(value: Any) -> str | None:
    if not all(k in CHECK_NAMES for k in value):
        return "config.allowed.check_names"
    return None if all(v > 0 for v in value.values()) else "config.allowed.positive"


_ALL_POSITIVE = each(positive)


def default_room_id() -> str:
    """A slug made from the host name, so an unconfigured PC still reports a sane id."""
    name = re.sub(r"[^a-z0-9_-]+", "-", socket.gethostname().lower()).strip("-_")
    return (name or "room")[:64]


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


@dataclass(frozen=True, slots=True)
class RoomConfig:
    """Who this room is (contract v2): its province, its id there, its name and its groups."""

    province: str = opt("demo", slug)
    id: str = opt("", slug_or_empty)
    name: str = opt("")
    unit: str = opt("xa", _unit)  # agent.contract.UnitKind
    groups: tuple[str, ...] = opt([], each(slug))
    group_names: dict[str, str] = opt({}, slug_keys)  # noqa: RUF009 - opt makes a field()
    replaces: tuple[str, ...] = opt([], each(room_ref))  # ids this room took over (merges)
    # Contract v1's district; kept as a group (a former district is a label since 2025).
    district: str = opt("_", district)
    # Call detection (docs/calls.md): programs whose running means a call is on, the MCU's
    # hosts (a socket connected to one means a call), and the sound server to look at: "" for
    # $PULSE_SERVER or the session's own, "off" for none, else a libpulse server string.
    call_programs: tuple[str, ...] = opt([], each(text_max(64)))
    mcu: tuple[str, ...] = opt([], each(text_max(253)))
    pulse_server: str = opt("", text_max(256))

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

    language: Literal["vi", "en"] = opt("vi")
    state_dir: str = opt("")
    log_level: Literal["debug", "info", "warning", "error"] = opt("info")
    # The daemon's local socket (`check`, `ptz`, `devices` ask it): "" picks
    # $RUNTIME_DIRECTORY/agent.sock under systemd, else /run/hnth-agent/agent.sock when
    # writable, else agent.sock in the state dir.
    socket: str = opt("", text_max(107))
    # Who may ask it: the socket is 0660 and of this group ("" is the daemon's own group).
    socket_group: str = opt("", text_max(32))
    # Device arrival and removal from udev, inotify and PulseAudio, at any time.
    watch_devices: bool = opt(True)


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    """Targets on the path to the MCU and how to judge the link to them."""

    targets: tuple[str, ...] = opt([], host_ports)
    samples: int = opt(5, in_range(1, 100))
    interval_ms: int = opt(100, in_range(0, 10_000))
    timeout_ms: int = opt(1000, in_range(10, 30_000))
    warn_rtt_ms: float = opt(150.0, positive)
    warn_jitter_ms: float = opt(30.0, positive)
    warn_loss_pct: float = opt(10.0, in_range(0, 100))
    fail_loss_pct: float = opt(50.0, in_range(0, 100))


@dataclass(frozen=True, slots=True)
class TimeConfig:
    """Clock offset limits and the optional SNTP server to measure against."""

    ntp_server: str = opt("")
    max_offset_ms: float = opt(500.0, positive)
    # Beyond this the clock is wrong enough to move meetings: the time check fails.
    fail_offset_s: float = opt(120.0, positive)
    timeout_ms: int = opt(1500, in_range(10, 30_000))


@dataclass(frozen=True, slots=True)
class ChecksConfig:
    """Which checks run, which are critical for the verdict, and their deadlines."""

    enabled: tuple[str, ...] = opt(list(CHECK_NAMES), _check_names)
    critical: tuple[str, ...] = opt(
        ["camera", "microphone", "display", "network", "ptz"], _check_names
    )
    timeout_s: float = opt(15.0, positive)
    timeouts: dict[str, float] = opt({}, _timeouts)  # noqa: RUF009 - opt makes a field()
    # A result older than this is marked stale in the readiness (periodic checks: 3 periods).
    stale_after_h: float = opt(24.0, positive)


@dataclass(frozen=True, slots=True)
class HostConfig:
    """Thresholds for the control PC's own health."""

    warn_cpu_pct: float = opt(90.0, in_range(1, 100))
    warn_mem_pct: float = opt(90.0, in_range(1, 100))
    min_free_disk_mb: float = opt(500.0, non_negative)
    warn_temp_c: float = opt(85.0, positive)
    cpu_sample_s: float = opt(0.2, in_range(0, 5))


@dataclass(frozen=True, slots=True)
class CameraConfig:
    """The room camera's video source and image-quality thresholds."""

    source: str = opt("auto")
    expect_width: int = opt(0, non_negative)
    expect_height: int = opt(0, non_negative)
    min_fps: float = opt(15.0, non_negative)
    seconds: float = opt(1.0, in_range(0.1, 30))
    open_timeout_ms: int = opt(5000, in_range(100, 60_000))
    read_timeout_ms: int = opt(3000, in_range(100, 60_000))
    black_luma: float = opt(16.0, in_range(0, 255))
    frozen_diff: float = opt(0.1, non_negative)
    uniform_stddev: float = opt(6.0, non_negative)
    focus_baseline: float = opt(0.0, non_negative)
    focus_ratio: float = opt(0.3, in_range(0, 1))
    min_focus: float = opt(20.0, non_negative)
    snapshot_width: int = opt(640, in_range(64, 4096))
    snapshot_max_kb: int = opt(64, in_range(4, 1024))


@dataclass(frozen=True, slots=True)
class MicrophoneConfig:
    """The room microphone and its level thresholds."""

    device: str = opt("")
    # The PulseAudio/PipeWire source call detection watches; "" is the server's default.
    pulse_source: str = opt("", text_max(256))
    seconds: float = opt(1.0, in_range(0.1, 30))
    samplerate: int = opt(48000, in_range(8000, 192_000))
    min_rms_dbfs: float = opt(-70.0, in_range(-200, 0))
    clip_warn_ratio: float = opt(0.01, in_range(0, 1))


@dataclass(frozen=True, slots=True)
class SpeakerConfig:
    """The speaker → microphone acoustic loopback."""

    enabled: bool = opt(True)
    device: str = opt("")
    pulse_sink: str = opt("", text_max(256))  # as [microphone] pulse_source, for the speaker
    level_dbfs: float = opt(-20.0, in_range(-80, 0))
    min_snr_db: float = opt(15.0, non_negative)
    seconds: float = opt(0.5, in_range(0.1, 10))


@dataclass(frozen=True, slots=True)
class DisplayConfig:
    """Which displays must be connected, awake and at which resolution."""

    sysfs_root: str = opt("/sys/class/drm")
    expect_connectors: tuple[str, ...] = opt([])
    expect_width: int = opt(0, non_negative)
    expect_height: int = opt(0, non_negative)
    cec: bool = opt(True)


@dataclass(frozen=True, slots=True)
class PtzConfig:
    """The PTZ camera's port (VISCA or Pelco, by URL) and the pre-meeting position."""

    port: str = opt("", port_check)
    address: int = opt(1, in_range(1, 7))  # VISCA only; a Pelco URL says `?address=` (1..255)
    home_preset: int = opt(-1, in_range(-1, 254))
    power_on_before_meeting: bool = opt(True)
    position_tolerance: int = opt(16, non_negative)
    ack_timeout_ms: int = opt(500, in_range(20, 30_000))
    move_timeout_ms: int = opt(10_000, in_range(100, 120_000))
    inquiry_retries: int = opt(1, in_range(0, 10))
    max_speed_pan: int = opt(0x18, in_range(1, 0x18))
    max_speed_tilt: int = opt(0x17, in_range(1, 0x18))
    max_preset: int = opt(254, in_range(0, 254))
    position_nibbles: int = opt(4, in_range(4, 5))  # 5 on 20-bit models (BRC-AM7, SRG-360SHE)
    # Quirk profile (agent/visca/profiles.py); "auto" picks it from the version inquiry.
    profile: Literal["auto", "sony", "ptzoptics", "lumens", "generic-oem"] = opt("auto")
    rate_limit_per_s: float = opt(20.0, positive)
    # A hold-to-move (MQTT ptz.move without duration_ms) stops unless repeated within this.
    hold_timeout_ms: int = opt(2000, in_range(200, 30_000))
    # The daemon opens the port for a command or a check and closes it once idle this long,
    # so `hnth-agent ptz` and a single-controller IP camera's own software can use it.
    release_after_s: float = opt(2.0, in_range(0, 3600))
    # [pan, tilt] or [pan, tilt, zoom] the home preset must reach; empty: learn it on first run.
    home_position: tuple[int, ...] = opt(
        [], lambda v: None if len(v) in (0, 2, 3) else "ptz.allowed.home_position"
    )


@dataclass(frozen=True, slots=True)
class MqttConfig:
    """The province broker; an empty host disables reporting."""

    host: str = opt("")
    port: int = opt(0, in_range(0, 65535))
    protocol: Literal["5", "3.1.1"] = opt("5")
    tls: bool = opt(False)
    ca_file: str = opt("")
    cert_file: str = opt("")
    key_file: str = opt("")
    username: str = opt("")
    password_file: str = opt("")
    allow_insecure: bool = opt(False)
    keepalive_s: int = opt(30, in_range(5, 3600))
    session_expiry_s: int = opt(3600, in_range(0, 2**32 - 1))
    reconnect_max_s: float = opt(60.0, in_range(1, 3600))
    outbox_max_events: int = opt(10_000, in_range(10, 10_000_000))
    outbox_max_age_h: float = opt(72.0, positive)
    max_payload_kb: int = opt(64, in_range(1, 1024))


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    """When checks run: before meetings, periodically, and the schedule sources."""

    offsets_min: tuple[float, ...] = opt([30.0, 5.0], _ALL_POSITIVE)
    periodic_min: float = opt(5.0, positive)
    ics_file: str = opt("", calendar_location)  # a path, or an http(s):// or webcal:// URL
    ics_refresh_min: float = opt(15.0, in_range(1, 1440))  # how often a URL is fetched again
    ics_timeout_s: float = opt(20.0, in_range(1, 120))
    ics_max_kb: int = opt(5120, in_range(16, 5120))
    weekly: tuple[str, ...] = opt([], each(weekly_slot))
    timezone: str = opt("Asia/Ho_Chi_Minh", time_zone)
    prep: bool = opt(True)


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
EXTRA_SECTIONS: Final = frozenset({"board", "report"})


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
            unknown(source, name, None, [*known, *sorted(EXTRA_SECTIONS)])
        if not isinstance(value, dict):
            raise ConfigError(t("config.not_table", file=source, section=name))
        if section_type is None:
            extra[name] = value
        else:
            sections[name] = build_section(section_type, name, value, source)
    return Config(**sections, source=source, extra=extra)


def finalize(config: Config) -> Config:
    """Fill in defaults that depend on the machine (room id, state dir)."""
    room, agent = config.room, config.agent
    if not room.id:
        room = dataclasses.replace(room, id=default_room_id())
    if not agent.state_dir:
        agent = dataclasses.replace(agent, state_dir=default_state_dir())
    return dataclasses.replace(config, room=room, agent=agent)
