"""Pelco lines picked by URL: `pelco-d:///dev/ttyUSB0?baud=2400&address=1` and `pelco-p://…`.

The grammar is `agent.ptz_url` (pure, below the config layer, so [ptz] port is checked at
load); this module renders its errors and opens the line. The serial port itself is VISCA's
`SerialTransport` (agent.visca.transport stays the only pyserial import): same 8N1 settings,
same exclusive open, same DeviceUnavailableError messages for a missing, busy or pulled
adapter.
"""

from __future__ import annotations

from agent.errors import InvalidArgumentError
from agent.pelco.text import msg
from agent.ptz_url import OPTIONS, SCHEMES, PelcoEndpoint, PortUrlError, parse_pelco_url
from agent.ptz_url import is_pelco as is_pelco_url
from agent.visca.transport import Endpoint, SerialTransport, Transport


def parse_url(url: str) -> PelcoEndpoint:
    """Parse a Pelco URL; raise InvalidArgumentError naming what is wrong."""
    try:
        return parse_pelco_url(url)
    except PortUrlError as exc:
        raise InvalidArgumentError(msg(exc.key, **exc.params)) from None


def open_line(ep: PelcoEndpoint, *, timeout_s: float = 1.0) -> Transport:
    """Open the serial line at the endpoint's baud rate, 8N1; DeviceUnavailableError if not."""
    return SerialTransport(
        Endpoint("serial", path=ep.path, options={"baud": str(ep.baud)}), timeout_s=timeout_s
    )


__all__ = [
    "OPTIONS",
    "SCHEMES",
    "PelcoEndpoint",
    "is_pelco_url",
    "open_line",
    "parse_url",
]
