"""The `display` check: each expected output connected, awake and at the expected resolution."""

from __future__ import annotations

import os
from typing import Any

from agent import programs
from agent.checks import CheckContext, Outcome, Status
from agent.media import drm

_ASLEEP = (drm.Power.STANDBY, drm.Power.SUSPEND, drm.Power.OFF)


def run(ctx: CheckContext) -> Outcome:
    """Read DRM sysfs (or xrandr under X11) and judge the expected connectors."""
    cfg = ctx.config.display
    connectors = drm.read_sysfs(cfg.sysfs_root) or drm.read_xrandr(
        timeout_s=min(5.0, ctx.deadline_s("display"))
    )
    metrics: dict[str, Any] = {"connectors": [_describe(c) for c in connectors]}
    if not connectors:
        status = Status.FAIL if cfg.expect_connectors else Status.SKIP
        hint = ctx.t("display.none_hint")
        if os.environ.get("DISPLAY") and programs.which("xrandr") is None:
            # An X session without xrandr: the fallback is only a package away.
            hint = programs.missing_message("xrandr")
        return Outcome(status, ctx.t("display.none", root=cfg.sysfs_root), hint, metrics)

    problems: list[tuple[Status, str, str]] = []
    by_name = {c.name: c for c in connectors}
    if cfg.expect_connectors:
        targets: list[drm.Connector] = []
        for name in cfg.expect_connectors:
            conn = by_name.get(name)
            if conn is None:
                have = ", ".join(by_name)
                problems.append(
                    (
                        Status.FAIL,
                        ctx.t("display.missing", name=name, have=have),
                        ctx.t("display.missing_hint"),
                    )
                )
            else:
                targets.append(conn)
    else:
        targets = [c for c in connectors if c.link == drm.Link.CONNECTED]
        if not targets:
            return Outcome(
                Status.FAIL,
                ctx.t("display.none_connected"),
                ctx.t("display.disconnected_hint"),
                metrics,
            )

    for c in targets:
        label = c.label
        if c.link != drm.Link.CONNECTED:
            problems.append(
                (
                    Status.FAIL,
                    ctx.t("display.disconnected", name=c.name),
                    ctx.t("display.disconnected_hint"),
                )
            )
            continue
        if c.edid_error:
            problems.append(
                (
                    Status.WARN,
                    ctx.t("display.bad_edid", name=c.name, error=c.edid_error),
                    ctx.t("display.bad_edid_hint"),
                )
            )
        # The kernel also reports dpms Off for an output no CRTC drives: "unused", not asleep.
        if c.enabled is False:
            problems.append(
                (
                    Status.WARN,
                    ctx.t("display.unused", name=c.name, label=label),
                    ctx.t("display.unused_hint"),
                )
            )
            continue
        # Asleep is not unplugged: a sleeping TV wakes by remote; an unplugged one needs a visit.
        if c.power in _ASLEEP:
            problems.append(
                (
                    Status.WARN,
                    ctx.t(
                        "display.asleep",
                        name=c.name,
                        label=label,
                        power=ctx.t(f"display.power.{c.power.value}"),
                    ),
                    ctx.t("display.asleep_hint"),
                )
            )
            continue
        res = c.resolution
        want = (
            cfg.expect_width or (res[0] if res else 0),
            cfg.expect_height or (res[1] if res else 0),
        )
        if res is not None and res != want:
            problems.append(
                (
                    Status.WARN,
                    ctx.t(
                        "display.wrong_mode",
                        name=c.name,
                        label=label,
                        width=res[0],
                        height=res[1],
                        expect_width=want[0],
                        expect_height=want[1],
                    ),
                    ctx.t("display.wrong_mode_hint"),
                )
            )

    if cfg.cec and any(c.power in _ASLEEP for c in targets):
        state = drm.cec_power()
        if state is not None:
            metrics["cec_power"] = state
    if not problems:
        items = ", ".join(
            ctx.t("display.item", name=c.name, label=c.label, mode=_mode(c)).replace("  ", " ")
            for c in targets
        )
        return Outcome(Status.PASS, ctx.t("display.ok", items=items), None, metrics)
    worst = Status.FAIL if any(p[0] == Status.FAIL for p in problems) else Status.WARN
    top = [p for p in problems if p[0] == worst]
    hints = list(dict.fromkeys(p[2] for p in top))
    return Outcome(worst, "; ".join(p[1].replace("  ", " ") for p in top), " ".join(hints), metrics)


def _mode(c: drm.Connector) -> str:
    res = c.resolution
    return f"{res[0]}x{res[1]}" if res else ""


def _describe(c: drm.Connector) -> dict[str, Any]:
    e = c.edid
    return {
        "name": c.name,
        "card": c.card,
        "status": c.link.value,
        "enabled": c.enabled,
        "dpms": c.power.value,
        "mode": _mode(c) or None,
        "modes": list(c.modes[:8]),
        "source": c.source,
        "edid": None
        if e is None
        else {
            "manufacturer": e.manufacturer,
            "product": e.product,
            "serial": e.serial_text or (str(e.serial) if e.serial else ""),
            "name": e.name,
            "preferred": str(e.preferred) if e.preferred else None,
            "year": e.year,
        },
        "edid_error": c.edid_error,
    }
