"""The `host` check: the control PC's CPU, memory, disk, temperature and uptime."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import psutil

from agent.checks import CheckContext, Outcome, Status


def run(ctx: CheckContext) -> Outcome:
    """Measure the control PC and warn or fail on thresholds from [host]."""
    cfg = ctx.config.host
    cpu = (
        psutil.cpu_percent(interval=cfg.cpu_sample_s) if cfg.cpu_sample_s else psutil.cpu_percent()
    )
    mem = psutil.virtual_memory()
    disk_path = _existing(Path(ctx.config.agent.state_dir))
    disk = psutil.disk_usage(str(disk_path))
    free_mb = disk.free / 2**20
    temp = _max_temperature()
    load1, load5, load15 = os.getloadavg()
    uptime_s = time.time() - psutil.boot_time()
    metrics: dict[str, Any] = {
        "cpu_pct": round(cpu, 1),
        "load": [round(load1, 2), round(load5, 2), round(load15, 2)],
        "cpus": psutil.cpu_count() or 0,
        "mem_pct": round(mem.percent, 1),
        "mem_available_mb": round(mem.available / 2**20),
        "disk_path": str(disk_path),
        "disk_free_mb": round(free_mb),
        "disk_pct": round(disk.percent, 1),
        "temp_c": None if temp is None else round(temp, 1),
        "uptime_s": round(uptime_s),
    }

    problems: list[tuple[Status, str, str]] = []
    if free_mb < cfg.min_free_disk_mb:
        problems.append(
            (
                Status.FAIL,
                ctx.t("host.disk_low", free=round(free_mb), path=disk_path),
                ctx.t("host.disk_low_hint", path=disk_path, need=round(cfg.min_free_disk_mb)),
            )
        )
    if cpu >= cfg.warn_cpu_pct:
        problems.append(
            (Status.WARN, ctx.t("host.cpu_high", cpu=round(cpu)), ctx.t("host.cpu_high_hint"))
        )
    if mem.percent >= cfg.warn_mem_pct:
        problems.append(
            (
                Status.WARN,
                ctx.t("host.mem_high", mem=round(mem.percent)),
                ctx.t("host.mem_high_hint"),
            )
        )
    if temp is not None and temp >= cfg.warn_temp_c:
        problems.append(
            (Status.WARN, ctx.t("host.temp_high", temp=round(temp)), ctx.t("host.temp_high_hint"))
        )

    temp_text = ctx.t("host.no_sensors") if temp is None else f"{temp:.0f}°C"
    summary = ctx.t(
        "host.summary",
        cpu=round(cpu),
        mem=round(mem.percent),
        free=_human_mb(free_mb),
        temp=temp_text,
        uptime=_human_duration(uptime_s),
    )
    if not problems:
        return Outcome(Status.PASS, summary, None, metrics)
    worst = Status.FAIL if any(p[0] == Status.FAIL for p in problems) else Status.WARN
    return Outcome(
        worst,
        "; ".join(p[1] for p in problems) + f" ({summary})",
        " ".join(p[2] for p in problems),
        metrics,
    )


def _existing(path: Path) -> Path:
    """The state dir may not exist yet on a fresh PC: measure the disk it will live on."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _max_temperature() -> float | None:
    read = getattr(psutil, "sensors_temperatures", None)
    if read is None:
        return None
    try:
        sensors = read()
    except (OSError, RuntimeError):
        return None
    values = [entry.current for entries in sensors.values() for entry in entries if entry.current]
    return max(values) if values else None


def _human_mb(mb: float) -> str:
    return f"{mb / 1024:.1f} GB" if mb >= 1024 else f"{mb:.0f} MB"


def _human_duration(seconds: float) -> str:
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"
