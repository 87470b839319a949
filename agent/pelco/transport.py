"""Pelco lines picked by URL: `pelco-d:///dev/ttyUSB0?baud=2400&address=1` and `pelco-p://…`.

The serial port itself is VISCA's `SerialTransport` (agent.visca.transport stays the only
pyserial import): same 8N1 settings, same exclusive open, same DeviceUnavailableError
messages for a missing, busy or pulled adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qs, urlsplit

from agent.errors import InvalidArgumentError
from agent.pelco.commands import DEFAULT_BAUD, DEFAULT_HOME_PRESET, MAX_PRESET
from agent.pelco.protocol import ADDRESS_RANGE, Variant
from agent.pelco.text import msg
from agent.visca.transport import Endpoint, SerialTransport, Transport

SCHEMES: Final[dict[str, Variant]] = {"pelco-d": Variant.D, "pelco-p": Variant.P}
OPTIONS: Final = ("baud", "address", "home")


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


def is_pelco_url(url: str) -> bool:
    """True when `url` names a Pelco line (for callers that pick VISCA or Pelco)."""
    return urlsplit(url.strip()).scheme.lower() in SCHEMES


def parse_url(url: str) -> PelcoEndpoint:
    """Parse a Pelco URL; raise InvalidArgumentError naming what is wrong."""
    parts = urlsplit(url.strip())
    variant = SCHEMES.get(parts.scheme.lower())
    if variant is None or not parts.path or parts.netloc:
        raise InvalidArgumentError(msg("pelco.bad_url", url=url, schemes=", ".join(SCHEMES)))
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise InvalidArgumentError(
            msg("pelco.unknown_option", name=unknown[0], allowed=", ".join(OPTIONS))
        )
    lo, hi = ADDRESS_RANGE[variant]
    return PelcoEndpoint(
        variant,
        parts.path,
        baud=_int(options, "baud", DEFAULT_BAUD[variant], 50, 4_000_000),
        address=_int(options, "address", 1, lo, hi),
        home_preset=_int(options, "home", DEFAULT_HOME_PRESET, 1, MAX_PRESET),
    )


def open_line(ep: PelcoEndpoint, *, timeout_s: float = 1.0) -> Transport:
    """Open the serial line at the endpoint's baud rate, 8N1; DeviceUnavailableError if not."""
    return SerialTransport(
        Endpoint("serial", path=ep.path, options={"baud": str(ep.baud)}), timeout_s=timeout_s
    )


def _int(options: dict[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = options.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not lo <= value <= hi:
        raise InvalidArgumentError(msg("pelco.bad_option", name=name, value=raw, lo=lo, hi=hi))
    return value
