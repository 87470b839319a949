"""The [ptz] port URL grammar: which protocol a port names, and a Pelco URL's parts.

Pure (no I/O, no catalogue) and below `agent.config`, so `[ptz] port` is checked at load
without importing a camera package. `agent.ptz` picks VISCA or Pelco with `is_pelco`;
`agent.pelco` opens the line `parse_pelco_url` describes. A bad URL raises `PortUrlError`,
which carries a catalogue key and its arguments: the caller renders it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit


class Variant(StrEnum):
    """Which Pelco protocol a line speaks."""

    D = "d"  # Pelco-D: 7-byte frames, sync FF, additive checksum
    P = "p"  # Pelco-P: 8-byte frames, STX A0 / ETX AF, XOR checksum


# The camera numbers an address byte can name (Pelco-P puts number - 1 on the wire).
ADDRESS_RANGE: Final[dict[Variant, tuple[int, int]]] = {Variant.D: (1, 255), Variant.P: (1, 256)}
MAX_PRESET: Final = 0xFF
# Preset 34 (0x22) is "go to zero pan" in Pelco's own table and "back to origin" on the
# Chinese-OEM cameras communes have [C466M-E §5.2.4: "Zero pan position 00 07 00 22"].
DEFAULT_HOME_PRESET: Final = 34
# Pelco's factory defaults: D domes ship at 2400 baud, P at 4800 [C466M-E §5.2, §5.3].
DEFAULT_BAUD: Final[dict[Variant, int]] = {Variant.D: 2400, Variant.P: 4800}

SCHEMES: Final[dict[str, Variant]] = {"pelco-d": Variant.D, "pelco-p": Variant.P}
OPTIONS: Final = ("baud", "address", "home")


class PortUrlError(ValueError):
    """A Pelco URL that does not parse: `key` and `params` say what is wrong."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params


@dataclass(frozen=True, slots=True)
class PelcoEndpoint:
    """A parsed Pelco URL: protocol, device path, baud rate, camera address, home preset."""

    variant: Variant
    path: str
    baud: int
    address: int = 1
    home_preset: int = DEFAULT_HOME_PRESET

    @property
    def label(self) -> str:
        """How messages name the line: the device path."""
        return self.path

    @property
    def url(self) -> str:
        """The canonical URL for this endpoint."""
        return (
            f"pelco-{self.variant}://{self.path}?baud={self.baud}"
            f"&address={self.address}&home={self.home_preset}"
        )


def is_pelco(port: str) -> bool:
    """True when the port URL names a Pelco-D or Pelco-P line (anything else is VISCA)."""
    return urlsplit(port.strip()).scheme.lower() in SCHEMES


def parse_pelco_url(url: str) -> PelcoEndpoint:
    """Parse a Pelco URL; raise PortUrlError naming what is wrong."""
    parts = urlsplit(url.strip())
    variant = SCHEMES.get(parts.scheme.lower())
    if variant is None or not parts.path or parts.netloc:
        raise PortUrlError("pelco.bad_url", url=url, schemes=", ".join(SCHEMES))
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise PortUrlError("pelco.unknown_option", name=unknown[0], allowed=", ".join(OPTIONS))
    lo, hi = ADDRESS_RANGE[variant]
    return PelcoEndpoint(
        variant,
        parts.path,
        baud=_int(options, "baud", DEFAULT_BAUD[variant], 50, 4_000_000),
        address=_int(options, "address", 1, lo, hi),
        home_preset=_int(options, "home", DEFAULT_HOME_PRESET, 1, MAX_PRESET),
    )


def line_of(port: str) -> tuple[str, str]:
    """(kind, where) of a [ptz] port: ("serial", path), ("tcp"/"udp"/"visca-ip", host), ("", "").

    For call detection and device presence, which must not open the port to find out.
    """
    text = port.strip()
    if not text:
        return "", ""
    if "://" not in text:
        return "serial", text
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme == "serial" or scheme in SCHEMES:
        return "serial", parts.path
    return scheme, parts.hostname or ""


def port_check(value: Any) -> str | None:
    """The [ptz] port validator: None when fine, else the catalogue key saying what is allowed.

    A Pelco URL carries its own address (1..255), baud and home preset: checked at load, so a
    typo is refused with the key named, not at the first camera command.
    """
    if not is_pelco(value):
        return None
    try:
        parse_pelco_url(value)
    except PortUrlError:
        return "ptz.allowed.port_pelco"
    return None


def _int(options: dict[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = options.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not lo <= value <= hi:
        raise PortUrlError("pelco.bad_option", name=name, value=raw, lo=lo, hi=hi)
    return value


__all__ = [
    "ADDRESS_RANGE",
    "DEFAULT_BAUD",
    "DEFAULT_HOME_PRESET",
    "MAX_PRESET",
    "OPTIONS",
    "SCHEMES",
    "PelcoEndpoint",
    "PortUrlError",
    "Variant",
    "is_pelco",
    "parse_pelco_url",
    "port_check",
]
