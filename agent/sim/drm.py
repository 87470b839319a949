"""A DRM sysfs tree in a directory: the kernel's connector files, for tests and the demo."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agent.media import edid


@dataclass(frozen=True, slots=True)
class Screen:
    """One DRM connector as the kernel shows it in sysfs."""

    status: str = "connected"  # "connected", "disconnected" or "unknown"
    enabled: str = "enabled"  # "enabled" when a CRTC drives it, else "disabled"
    dpms: str = "On"  # "On", "Standby", "Suspend" or "Off"
    modes: tuple[str, ...] = ("1920x1080", "1280x720", "1024x768")  # first = preferred
    name: str = "Room TV"  # the EDID monitor name
    edid: bytes | None = None  # None: a valid EDID built from the first mode; b"": none


def write_tree(root: str | Path, screens: dict[str, Screen], card: str = "card0") -> Path:
    """Write `<root>/<card>-<connector>/{status,enabled,dpms,modes,edid}` and return root."""
    base = Path(root)
    (base / card).mkdir(parents=True, exist_ok=True)  # the card itself has no status file
    for name, s in screens.items():
        d = base / f"{card}-{name}"
        d.mkdir(exist_ok=True)
        connected = s.status == "connected"
        (d / "status").write_text(s.status + "\n")
        (d / "enabled").write_text(s.enabled + "\n")
        (d / "dpms").write_text(s.dpms + "\n")
        (d / "modes").write_text("".join(m + "\n" for m in s.modes) if connected else "")
        blob = s.edid
        if blob is None:
            blob = b""
            if connected and s.modes:
                w, h = (int(v) for v in s.modes[0].split("x"))
                blob = edid.build(
                    manufacturer="SAM", product=0x0F7A, serial=1234, name=s.name, width=w, height=h
                )
        (d / "edid").write_bytes(blob)
    return base
