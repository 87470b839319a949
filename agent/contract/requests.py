"""Command requests: the closed set of verbs and the validation of their arguments.

The real agent and the simulated rooms validate every request here, so central is tested
against rooms that refuse exactly what a real room refuses. No I/O: arguments only ever
become typed values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from agent.contract.payloads import CHECK_NAMES
from agent.errors import AgentError, InvalidArgumentError
from agent.i18n import t

# The eight drive directions (VISCA and Pelco both have them).
MOVES: Final = (
    "up",
    "down",
    "left",
    "right",
    "up-left",
    "up-right",
    "down-left",
    "down-right",
)
ZOOM_ACTIONS: Final = ("in", "out", "stop")


class Lane(StrEnum):
    """Which worker runs a verb."""

    URGENT = "urgent"  # ptz.stop: ahead of everything, never queued behind a move
    PTZ = "ptz"  # every other ptz.* verb, one at a time under the PTZ lock
    GENERAL = "general"  # check, state, snapshot


class CommandError(AgentError):
    """A command refused with a specific contract code (expired, rate_limited, …)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Limits:
    """The ranges a room accepts; a room narrows them from its camera's configuration."""

    max_speed: int = 0x18
    max_zoom: int = 0x4000
    max_preset: int = 254
    max_duration_ms: int = 10_000


DEFAULT_LIMITS: Final = Limits()


def lane_of(verb: str) -> Lane:
    """Return the lane of `verb`."""
    if verb == "ptz.stop":
        return Lane.URGENT
    return Lane.PTZ if verb.startswith("ptz.") else Lane.GENERAL


def validate(verb: str, args: Any, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Return the typed arguments of a request; raise CommandError or InvalidArgumentError."""
    if not isinstance(args, dict):
        raise CommandError("invalid_json", t("mqtt.cmd.not_object", type=type(args).__name__))
    if verb not in VERBS:
        raise CommandError(
            "unknown_verb", t("mqtt.cmd.unknown_verb", verb=verb, known=", ".join(VERBS))
        )
    return VERBS[verb](args, limits)


def show(value: Any) -> str:
    """A short JSON rendering of a bad value for an error message."""
    text = json.dumps(value, ensure_ascii=False) if value is not None else t("mqtt.cmd.missing")
    return text if len(text) <= 60 else text[:57] + "..."


def bad_field(field: str, value: Any, allowed: str) -> InvalidArgumentError:
    """The error for one argument outside what is allowed."""
    return InvalidArgumentError(
        t("mqtt.cmd.bad_field", field=field, value=show(value), allowed=allowed)
    )


# ---------------------------------------------------------------- the verbs

Validator = Callable[[Mapping[str, Any], Limits], dict[str, Any]]


def _v_check(args: Mapping[str, Any], _limits: Limits) -> dict[str, Any]:
    only = args.get("only")
    if only is None:
        return {"only": None}
    if (
        not isinstance(only, list)
        or not only
        or not all(isinstance(n, str) and n in CHECK_NAMES for n in only)
    ):
        raise bad_field("only", only, t("mqtt.allowed.list", names=", ".join(CHECK_NAMES)))
    return {"only": list(dict.fromkeys(only))}


def _v_empty(_args: Mapping[str, Any], _limits: Limits) -> dict[str, Any]:
    return {}


def _v_move(args: Mapping[str, Any], limits: Limits) -> dict[str, Any]:
    out: dict[str, Any] = {
        "direction": _choice(args, "direction", MOVES),
        "speed": _int(args, "speed", 1, limits.max_speed),
    }
    if args.get("duration_ms") is not None:
        out["duration_ms"] = _int(args, "duration_ms", 1, limits.max_duration_ms)
    return out


def _v_zoom(args: Mapping[str, Any], limits: Limits) -> dict[str, Any]:
    has_action, has_position = "action" in args, "position" in args
    if has_action == has_position:
        raise bad_field("action|position", dict(args), t("mqtt.allowed.zoom", max=limits.max_zoom))
    if has_action:
        return {"action": _choice(args, "action", ZOOM_ACTIONS)}
    return {"position": _int(args, "position", 0, limits.max_zoom)}


def _v_preset(args: Mapping[str, Any], limits: Limits) -> dict[str, Any]:
    return {"preset": _int(args, "preset", 0, limits.max_preset)}


def _v_power(args: Mapping[str, Any], _limits: Limits) -> dict[str, Any]:
    value = args.get("on")
    if not isinstance(value, bool):
        raise bad_field("on", value, "true | false")
    return {"on": value}


VERBS: Final[Mapping[str, Validator]] = {
    "check": _v_check,
    "state": _v_empty,
    "snapshot": _v_empty,
    "ptz.move": _v_move,
    "ptz.stop": _v_empty,
    "ptz.zoom": _v_zoom,
    "ptz.home": _v_empty,
    "ptz.preset.recall": _v_preset,
    "ptz.preset.set": _v_preset,
    "ptz.preset.clear": _v_preset,
    "ptz.power": _v_power,
    "ptz.position": _v_empty,
}


def _int(args: Mapping[str, Any], name: str, lo: int, hi: int) -> int:
    value = args.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise bad_field(name, value, t("mqtt.allowed.int", lo=lo, hi=hi))
    return value


def _choice(args: Mapping[str, Any], name: str, choices: Sequence[str]) -> str:
    value = args.get(name)
    if value not in choices:
        raise bad_field(name, value, " | ".join(choices))
    return str(value)
