"""Displays as the kernel (DRM sysfs) or X11 (`xrandr --verbose`) sees them, and HDMI-CEC power."""

from __future__ import annotations

import logging
import os
import re
import subprocess
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

from agent import programs
from agent.errors import RemoteProtocolError
from agent.media import edid as edid_mod

log = logging.getLogger(__name__)

_CONNECTOR_RE: Final = re.compile(r"card\d+-(.+)")
_MODE_RE: Final = re.compile(r"(\d+)x(\d+)")
_NO_ADAPTER: Final = re.compile(
    r"could not open a connection|no CEC adapters? found|autodetect FAILED", re.IGNORECASE
)


class Link(StrEnum):
    """The connector's hot-plug state."""

    CONNECTED = "connected"  # a display answers on the cable
    DISCONNECTED = "disconnected"  # nothing on the cable, or the display is unplugged
    UNKNOWN = "unknown"  # the driver cannot tell (some DP/VGA adapters)


class Power(StrEnum):
    """The DPMS power state the kernel or X reports."""

    ON = "on"  # showing a picture
    STANDBY = "standby"  # asleep, wakes fast
    SUSPEND = "suspend"  # asleep
    OFF = "off"  # asleep, deepest
    UNKNOWN = "unknown"  # not reported


@dataclass(frozen=True, slots=True)
class Connector:
    """One video output and what is plugged into it."""

    name: str  # e.g. "HDMI-A-1" (sysfs) or "HDMI-1" (xrandr)
    card: str  # e.g. "card0"; "" for xrandr
    link: Link
    enabled: bool | None  # sysfs `enabled`: a CRTC drives it; None when unknown
    power: Power
    modes: tuple[str, ...]  # "1920x1080", first = preferred (sysfs) or current (xrandr)
    current: str | None  # the mode in use, when known (xrandr only)
    edid: edid_mod.Edid | None
    edid_error: str | None  # why the EDID could not be parsed; None when fine or absent
    source: str  # "sysfs" or "xrandr"

    @property
    def label(self) -> str:
        """The display's name from its EDID, or "" when unknown."""
        return self.edid.label if self.edid else ""

    @property
    def resolution(self) -> tuple[int, int] | None:
        """The mode in use when known, else the preferred mode."""
        text = self.current or (self.modes[0] if self.modes else None)
        if text is None and self.edid and self.edid.preferred:
            return self.edid.preferred.width, self.edid.preferred.height
        m = _MODE_RE.match(text or "")
        return (int(m.group(1)), int(m.group(2))) if m else None


def read_sysfs(root: str | os.PathLike[str] = "/sys/class/drm") -> list[Connector]:
    """Read every `cardN-<connector>` directory under `root`; [] when there is none."""
    base = Path(root)
    try:
        entries = sorted(base.iterdir())
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return []
    out: list[Connector] = []
    for entry in entries:
        m = _CONNECTOR_RE.fullmatch(entry.name)
        if not m or not (entry / "status").exists():
            continue
        status = _read(entry / "status")
        link = Link(status) if status in Link._value2member_map_ else Link.UNKNOWN
        enabled_text = _read(entry / "enabled")
        blob = _read_bytes(entry / "edid")
        parsed, error = _edid(blob)
        out.append(
            Connector(
                name=m.group(1),
                card=entry.name.split("-", 1)[0],
                link=link,
                enabled=None if not enabled_text else enabled_text == "enabled",
                power=_power(_read(entry / "dpms")),
                modes=tuple(
                    line.strip() for line in _read(entry / "modes").splitlines() if line.strip()
                ),
                current=None,
                edid=parsed,
                edid_error=error,
                source="sysfs",
            )
        )
    return out


def read_xrandr(timeout_s: float = 5.0) -> list[Connector]:
    """Run `xrandr --verbose` on $DISPLAY; [] without X11 or xrandr."""
    if not os.environ.get("DISPLAY") or programs.which("xrandr") is None:
        return []
    try:
        out = subprocess.run(
            ["xrandr", "--verbose"], capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        log.debug("xrandr failed", exc_info=True)
        return []
    if out.returncode != 0:
        return []
    dpms = None
    try:
        q = subprocess.run(
            ["xset", "q"], capture_output=True, text=True, timeout=timeout_s, check=False
        )
        dpms = parse_xset_monitor(q.stdout) if q.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired):
        pass
    return parse_xrandr(out.stdout, dpms)


def parse_xrandr(text: str, power: Power | None = None) -> list[Connector]:
    """Parse `xrandr --verbose` output; `power` is X's DPMS state (one for the whole screen)."""
    outputs: list[_XOutput] = []
    in_edid = False
    for line in text.splitlines():
        if line and not line[0].isspace():
            in_edid = False
            head = _XRANDR_HEAD.match(line)
            if head:
                link = head.group(2).split()[0]
                geometry = re.search(r"(\d+)x(\d+)\+\d+\+\d+", head.group(3))
                outputs.append(
                    _XOutput(
                        head.group(1),
                        Link(link) if link in Link._value2member_map_ else Link.UNKNOWN,
                        f"{geometry.group(1)}x{geometry.group(2)}" if geometry else None,
                    )
                )
            continue
        if not outputs:
            continue
        cur = outputs[-1]
        stripped = line.strip()
        if stripped == "EDID:":
            in_edid = True
            continue
        if in_edid:
            if re.fullmatch(r"[0-9a-fA-F]{32}", stripped):
                cur.edid_hex.append(stripped)
                continue
            in_edid = False
        mode = re.match(r"\s{2}(\d+x\d+i?)\s+\(0x[0-9a-f]+\)", line)
        if mode:
            # Preferred first, as sysfs lists it; "+preferred" marks it in --verbose output.
            if "+preferred" in line:
                cur.modes.insert(0, mode.group(1))
            elif mode.group(1) not in cur.modes:
                cur.modes.append(mode.group(1))
    return [o.connector(power) for o in outputs]


def parse_xset_monitor(text: str) -> Power | None:
    """Read "Monitor is On/Off/in Standby/in Suspend" from `xset q`."""
    m = re.search(r"Monitor is (?:in )?(\w+)", text)
    if not m:
        return None
    return {
        "on": Power.ON,
        "off": Power.OFF,
        "standby": Power.STANDBY,
        "suspend": Power.SUSPEND,
    }.get(m.group(1).lower(), Power.UNKNOWN)


def cec_power(timeout_s: float = 8.0) -> str | None:
    """Ask the TV (logical address 0) for its power status over HDMI-CEC; None when unavailable."""
    out = _cec("pow 0", timeout_s)
    return None if out is None else parse_cec_power(out.stdout)


def cec_wake(timeout_s: float = 8.0) -> bool:
    """Send "power on" to the TV over HDMI-CEC; False when there is no cec-client or adapter."""
    out = _cec("on 0", timeout_s)
    return out is not None and out.returncode == 0 and not _NO_ADAPTER.search(out.stdout)


def _cec(command: str, timeout_s: float) -> subprocess.CompletedProcess[str] | None:
    """Run one cec-client command in single-command mode; None when it cannot run."""
    if programs.which("cec-client") is None:
        return None
    try:
        return subprocess.run(
            ["cec-client", "-s", "-d", "1"],
            input=command + "\n",
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def parse_cec_power(text: str) -> str | None:
    """Read "power status: on|standby|…" from a cec-client conversation; None without an adapter."""
    if _NO_ADAPTER.search(text):
        return None
    m = re.search(r"power status:\s*(.+)", text)
    return m.group(1).strip() if m else None


# ---------------------------------------------------------------- helpers

_XRANDR_HEAD: Final = re.compile(r"(\S+) (connected|disconnected|unknown connection)\b(.*)")


class _XOutput:
    """An output being read from xrandr text; mutable while its indented lines arrive."""

    def __init__(self, name: str, link: Link, current: str | None) -> None:
        self.name = name
        self.link = link
        self.current = current
        self.modes: list[str] = []
        self.edid_hex: list[str] = []

    def connector(self, power: Power | None) -> Connector:
        parsed, error = (
            _edid(bytes.fromhex("".join(self.edid_hex))) if self.edid_hex else (None, None)
        )
        connected = self.link == Link.CONNECTED
        active = self.current is not None
        if power is not None and active:
            state = power
        else:
            state = Power.OFF if connected and not active else Power.UNKNOWN
        return Connector(
            name=self.name,
            card="",
            link=self.link,
            enabled=active if connected else False,
            power=state,
            modes=tuple(self.modes),
            current=self.current,
            edid=parsed,
            edid_error=error,
            source="xrandr",
        )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return ""


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _edid(blob: bytes) -> tuple[edid_mod.Edid | None, str | None]:
    if not blob:
        return None, None
    try:
        return edid_mod.parse(blob), None
    except RemoteProtocolError as exc:
        return None, exc.message


def _power(text: str) -> Power:
    return {
        "on": Power.ON,
        "off": Power.OFF,
        "standby": Power.STANDBY,
        "suspend": Power.SUSPEND,
    }.get(text.lower(), Power.UNKNOWN)
