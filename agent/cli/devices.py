"""`hnth-agent devices`: list cameras, audio inputs/outputs, displays and serial ports."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from agent.cli.common import add_daemon, add_json, ask_daemon, load_config, print_json
from agent.errors import AgentError
from agent.i18n import t


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the options of `devices`."""
    add_json(p)
    add_daemon(p)


def main(args: argparse.Namespace) -> int:
    """Print what this PC has, so a technician can fill in the config.

    When the daemon runs, its own user (who has the device groups) lists them.
    """
    data = ask_daemon(args, "devices", timeout=60.0)
    if data is None:
        cfg = load_config(args)
        data = collect(cfg.display.sysfs_root)
    if args.json:
        print_json(data)
    else:
        print(render(data))
    return 0


def collect(sysfs_root: str = "/sys/class/drm") -> dict[str, Any]:
    """Gather every device list; a list that cannot be read becomes {"error": …}."""
    return {
        "cameras": _guard(_cameras),
        "audio": _guard(_audio),
        "displays": _guard(lambda: _displays(sysfs_root)),
        "serial": _guard(_serial),
    }


def render(data: dict[str, Any]) -> str:
    """Render the device lists as text sections."""
    lines: list[str] = []

    def section(title: str, items: Any, fmt: Any) -> None:
        lines.append(f"{title}:")
        if isinstance(items, dict) and "error" in items:
            lines.append("  " + t("devices.error", error=items["error"]))
        elif not items:
            lines.append("  " + t("devices.none"))
        else:
            lines.extend("  " + fmt(i) for i in items)
        lines.append("")

    section(t("devices.cameras"), data["cameras"], lambda c: f"{c['path']}  {c['name']}".rstrip())
    audio = data["audio"]
    if isinstance(audio, dict) and "error" in audio:
        section(t("devices.inputs"), audio, str)
        section(t("devices.outputs"), audio, str)
    else:
        default = t("devices.default")
        section(
            t("devices.inputs"),
            [d for d in audio if d["inputs"]],
            lambda d: (
                f"[{d['index']}] {d['name']} ({d['hostapi']}, {d['inputs']} ch)"
                + (f"  *{default}" if d["default_input"] else "")
            ),
        )
        section(
            t("devices.outputs"),
            [d for d in audio if d["outputs"]],
            lambda d: (
                f"[{d['index']}] {d['name']} ({d['hostapi']}, {d['outputs']} ch)"
                + (f"  *{default}" if d["default_output"] else "")
            ),
        )
    section(t("devices.displays"), data["displays"], _display_line)
    section(
        t("devices.serial"), data["serial"], lambda p: f"{p['device']}  {p['description']}".rstrip()
    )
    return "\n".join(lines).rstrip()


def _display_line(d: dict[str, Any]) -> str:
    state = d["status"]
    if state == "disconnected":
        return f"{d['name']}  {t('devices.disconnected')}"
    extra = f"  ({t('devices.asleep')})" if d["dpms"] in ("off", "standby", "suspend") else ""
    return f"{d['name']}  {d['label']}  {d['mode'] or ''}{extra}".rstrip()


def _guard(fn: Any) -> Any:
    try:
        return fn()
    except AgentError as exc:
        return {"error": exc.message}
    except OSError as exc:
        return {"error": str(exc)}


def _cameras() -> list[dict[str, Any]]:
    from agent.media import v4l

    return [asdict(c) for c in v4l.cameras()]


def _audio() -> list[dict[str, Any]]:
    from agent.media import audio

    return [asdict(d) for d in audio.list_devices()]


def _displays(root: str) -> list[dict[str, Any]]:
    from agent.media import drm

    conns = drm.read_sysfs(root) or drm.read_xrandr()
    return [
        {
            "name": c.name,
            "status": c.link.value,
            "dpms": c.power.value,
            "label": c.label,
            "mode": "x".join(map(str, c.resolution)) if c.resolution else None,
            "source": c.source,
        }
        for c in conns
    ]


def _serial() -> list[dict[str, Any]]:
    # pyserial lives behind agent/visca/transport.py; listing reads sysfs and opens no port.
    from agent.visca import serial_ports

    return sorted(serial_ports(), key=lambda p: p["device"])
