"""Helpers for the MQTT tests: configs pointed at a test broker, reports, collectors."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent import config as config_mod
from agent.checks import CheckResult, Status, Trigger, Verdict
from agent.checks.runner import Report, verdict
from agent.mqtt.client import Message, MqttClient
from agent.sim.broker import Mosquitto

PROVINCE, GROUP = "son-la", "moc-chau"


def write_config(
    tmp: Path,
    b: Mosquitto | None,
    room: str = "xa-a",
    *,
    mqtt: str = "",
    extra: str = "",
    name: str = "config.toml",
) -> Path:
    """Write a config for `room` pointed at broker `b`; returns its path."""
    host = f'host = "{b.host}"\nport = {b.port}\n' if b is not None else ""
    text = (
        f'[agent]\nstate_dir = "{tmp / ("state-" + room)}"\nlanguage = "en"\n'
        f'[room]\nprovince = "{PROVINCE}"\ngroups = ["{GROUP}"]\nid = "{room}"\n'
        'name = "UBND xã Chiềng Sơn"\n'
        f"[mqtt]\n{host}{mqtt}\n{extra}"
    )
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def load(path: Path) -> config_mod.Config:
    """Load a config file written by `write_config`."""
    return config_mod.load(str(path))


def base(room: str = "xa-a") -> str:
    """The room's topic base."""
    return f"hnth/v2/{PROVINCE}/{room}"


def report(
    statuses: dict[str, Status],
    *,
    trigger: Trigger = Trigger.MANUAL,
    metrics: dict[str, dict[str, Any]] | None = None,
) -> Report:
    """A runner Report with the given statuses (the shape the runner produces)."""
    metrics = metrics or {}
    checks = tuple(
        CheckResult(
            n,
            s,
            f"{n} is {s.value}",
            None if s == Status.PASS else f"fix {n}",
            metrics.get(n, {}),
            5,
        )
        for n, s in statuses.items()
    )
    return Report(checks, verdict(checks, ["camera", "network"]), datetime.now(UTC), 12, trigger)


def collect(
    c: MqttClient, until: Callable[[list[Message]], bool], timeout: float = 10.0
) -> list[Message]:
    """Read messages until `until(messages)` is true or `timeout` passes."""
    got: list[Message] = []
    deadline = time.monotonic() + timeout
    while not until(got) and time.monotonic() < deadline:
        m = c.get_message(0.05)
        if m is not None:
            got.append(m)
    return got


def js(m: Message) -> Any:
    """The message payload as JSON."""
    return json.loads(m.payload)


READY = Verdict.READY
