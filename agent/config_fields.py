"""How a config section is declared and checked: `opt()` fields, validators, `build_section()`.

Public, so that packages outside the agent (the central side's [board]) declare their sections
exactly as agent/config.py does, and their errors read the same: the file, the [section], the
key, the value and what is allowed, from the catalogue.

A validator takes the coerced value and returns None when it is fine, else the catalogue key
that says what is allowed (`config.allowed.*`; `in_range` encodes its bounds in the key).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from collections.abc import Callable
from dataclasses import field
from datetime import time
from typing import Any, Final, Literal, Protocol, TypeVar

from agent.errors import ConfigError
from agent.i18n import t

Check = Callable[[Any], str | None]
SLUG_RE: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_T = TypeVar("_T")


class Loaded(Protocol):
    """What `section()` needs of a loaded config (agent.config.Config)."""

    @property
    def extra(self) -> dict[str, dict[str, Any]]:
        """Raw tables of the sections the agent leaves to optional parts."""

    @property
    def source(self) -> str | None:
        """The file the config came from, if any."""


def opt(default: Any, check: Check | None = None) -> Any:
    """Declare a config key with its default and an optional validator."""
    if isinstance(default, list | dict):
        factory = (
            (lambda d=default: tuple(d))
            if isinstance(default, list)
            else (lambda d=default: dict(d))
        )
        return field(default_factory=factory, metadata={"check": check})
    return field(default=default, metadata={"check": check})


# ---------------------------------------------------------------- validators


def slug(value: Any) -> str | None:
    """A lower-case id: letters, digits, '-' and '_', at most 64."""
    return None if SLUG_RE.fullmatch(value) else "config.allowed.slug"


def slug_or_empty(value: Any) -> str | None:
    """A slug, or empty (filled in later)."""
    return None if value == "" else slug(value)


def slug_keys(value: Any) -> str | None:
    """A table whose keys are slugs."""
    return None if all(SLUG_RE.fullmatch(k) for k in value) else "config.allowed.slug"


def district(value: Any) -> str | None:
    """Contract v1's district: a slug, or "_" for none."""
    return None if value == "_" or SLUG_RE.fullmatch(value) else "config.allowed.district"


def room_ref(value: Any) -> str | None:
    """A room id, alone (this province) or as `province/room`."""
    province, sep, room = value.partition("/")
    ok = (
        SLUG_RE.fullmatch(room) and SLUG_RE.fullmatch(province) if sep else SLUG_RE.fullmatch(value)
    )
    return None if ok else "config.allowed.room_ref"


def positive(value: Any) -> str | None:
    """Greater than zero."""
    return None if value > 0 else "config.allowed.positive"


def non_negative(value: Any) -> str | None:
    """Zero or more."""
    return None if value >= 0 else "config.allowed.non_negative"


def in_range(lo: float, hi: float) -> Check:
    """Between `lo` and `hi`, both included."""

    def check(value: Any) -> str | None:
        return None if lo <= value <= hi else f"config.allowed.range:{lo}:{hi}"

    return check


def each(check: Check) -> Check:
    """Every item of a list passes `check`."""

    def check_each(values: Any) -> str | None:
        for v in values:
            bad = check(v)
            if bad:
                return bad
        return None

    return check_each


def text_max(n: int) -> Check:
    """A string of at most `n` characters, with no control characters."""

    def check(value: Any) -> str | None:
        ok = len(value) <= n and not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value)
        return None if ok else f"config.allowed.text:{n}"

    return check


def host_ports(value: Any) -> str | None:
    """A list of `host:port`."""
    return None if all(parse_host_port(v) for v in value) else "config.allowed.host_port"


def time_zone(value: Any) -> str | None:
    """An IANA time zone name known to this machine."""
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):
        return "config.allowed.timezone"
    return None


def parse_host_port(text: str) -> tuple[str, int] | None:
    """Split `host:port` (IPv6 as `[::1]:port`); None when it is not of that form."""
    m = re.fullmatch(r"\[([0-9a-fA-F:.]+)\]:(\d{1,5})|([^\s:\[\]]+):(\d{1,5})", text)
    if not m:
        return None
    host = m.group(1) or m.group(3)
    port = int(m.group(2) or m.group(4))
    return (host, port) if 0 < port < 65536 else None


# ---------------------------------------------------------------- schedule grammar
# [schedule] weekly and ics_file are read by agent.schedule; their grammar lives here, below the
# config layer, so that loading a config never imports the scheduler.

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CALENDAR_SCHEMES: Final = ("http://", "https://", "webcal://")
_WEEKLY_RE: Final = re.compile(r"\s*(\w{3})\s+(\d{1,2}):(\d{2})\s+(\d{1,4})(?:\s+(.*))?")


def weekly_slot(value: Any) -> str | None:
    """A weekly slot, "mon 08:00 120 Title" (day, start, minutes, optional title)."""
    return None if valid_weekly(value) else "config.allowed.weekly"


def calendar_location(value: Any) -> str | None:
    """A file path, or an http(s)/webcal URL; any other scheme is a typo or unsupported."""
    return None if "://" not in value or is_url(value) else "config.allowed.calendar"


def parse_weekly(slot: str) -> tuple[int, time, int, str]:
    """Parse "mon 08:00 120 Title" into (weekday, time, minutes, title); ValueError if not."""
    m = _WEEKLY_RE.fullmatch(slot)
    if not m or m.group(1).lower() not in WEEKDAYS:
        msg = f"weekly slot {slot!r}: expected 'mon 08:00 120 Title' (day, start, minutes)"
        raise ValueError(msg)
    hour, minute, minutes = int(m.group(2)), int(m.group(3)), int(m.group(4))
    if hour > 23 or minute > 59 or not 0 < minutes <= 24 * 60:
        raise ValueError(f"weekly slot {slot!r}: time or duration out of range")
    title = (m.group(5) or "").strip()
    return WEEKDAYS.index(m.group(1).lower()), time(hour, minute), minutes, title


def valid_weekly(slot: str) -> bool:
    """Return True when a weekly slot string parses."""
    try:
        parse_weekly(slot)
    except ValueError:
        return False
    return True


def is_url(location: str) -> bool:
    """Return True when a calendar setting names a URL rather than a file."""
    return location.lower().startswith(CALENDAR_SCHEMES)


# ---------------------------------------------------------------- building sections


def build_section(cls: type[Any], name: str, raw: dict[str, Any], source: str) -> Any:
    """Validate one [section] table against its dataclass and build it."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in fields:
            unknown(source, name, key, list(fields))
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


def section(config: Loaded, name: str, cls: type[_T]) -> _T:
    """Validate and build an optional part's section (e.g. [board]) from the loaded config."""
    built: _T = build_section(cls, name, config.extra.get(name, {}), config.source or "<defaults>")
    return built


def unknown(source: str, section_name: str, key: str | None, known: list[str]) -> typing.NoReturn:
    """Raise ConfigError for an unknown [section] (key None) or key, suggesting a close name."""
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


# ---------------------------------------------------------------- private helpers


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
    if key.startswith("config.allowed.text:"):
        return t("config.allowed.text", n=key.split(":")[1])
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
