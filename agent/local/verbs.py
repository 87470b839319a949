"""What the daemon answers on its local socket: the verbs `check`, `state`, `ptz` and `devices`.

The daemon is the one owner of the room's devices: a technician's `hnth-agent check` runs
the daemon's checks (call detection and all), `ptz` drives the camera the daemon holds, and
`devices` is listed by the daemon's own user, who has the device groups.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol

from agent import __version__
from agent.checks import Trigger
from agent.config import CHECK_NAMES
from agent.errors import DeviceError, DeviceUnavailableError, InvalidArgumentError
from agent.i18n import t
from agent.local.ptz import run_command
from agent.mqtt.reports import readiness

if TYPE_CHECKING:
    from agent.checks.runner import Report
    from agent.config import Config
    from agent.local.server import Peer

DEVICES_TIMEOUT_S: Final = 30.0
# `hnth-agent ptz` commands the daemon runs, and the arguments each takes.
PTZ_COMMANDS: Final[dict[str, dict[str, type]]] = {
    "info": {},
    "power": {"state": str},
    "move": {"direction": str, "speed": int, "duration": float},
    "stop": {},
    "zoom": {"action": str, "speed": int},
    "zoom-to": {"position": int},
    "focus": {"mode": str},
    "home": {},
    "goto": {"pan": int, "tilt": int, "speed": int},
    "preset": {"action": str, "number": int},
    "position": {},
}


class Daemon(Protocol):
    """What the verbs use of agent.service.Agent."""

    config: Config

    def run_checks(
        self,
        names: Sequence[str],
        trigger: Trigger,
        *,
        in_meeting: bool = False,
        publish: bool = True,
    ) -> Report:
        """Run checks; publish the room's readiness."""

    def readiness(self) -> Report:
        """The whole room's latest readiness."""

    def camera(self) -> Any:
        """The PTZ camera the daemon holds, or None."""

    @property
    def activity(self) -> str:
        """What the daemon is doing."""


class Verbs:
    """The local socket's handler: `verbs(verb, args, peer, lang)`."""

    def __init__(self, daemon: Daemon) -> None:
        """Answer for `daemon`."""
        self.daemon = daemon

    def __call__(self, verb: str, args: dict[str, Any], peer: Peer, lang: str) -> Any:
        """Run one verb and return its JSON-ready result; AgentError on failure."""
        del peer, lang  # logged by the server; texts carry keys, the asker renders them
        if verb == "ping":
            return {"version": __version__, "pid": os.getpid(), "activity": self.daemon.activity}
        if verb == "check":
            return self._check(args)
        if verb == "state":
            return {"room": self._body(self.daemon.readiness())}
        if verb == "ptz":
            return self._ptz(args)
        if verb == "halt":
            camera = self._camera()
            camera.halt(zoom=True)
            return {"stopped": True}
        if verb == "devices":
            return self._devices()
        raise InvalidArgumentError(t("local.unknown_verb", verb=verb[:64]))

    def _check(self, args: dict[str, Any]) -> dict[str, Any]:
        only = args.get("only")
        if only is None:
            names = list(self.daemon.config.checks.enabled)
        elif isinstance(only, list) and only and all(n in CHECK_NAMES for n in only):
            names = list(dict.fromkeys(only))
        else:
            raise InvalidArgumentError(
                t("cli.check.unknown", names=str(only)[:80], known=", ".join(CHECK_NAMES))
            )
        run = self.daemon.run_checks(
            names, Trigger.MANUAL, in_meeting=args.get("in_meeting") is True
        )
        return {"run": self._body(run), "room": self._body(self.daemon.readiness())}

    def _body(self, report: Report) -> dict[str, Any]:
        return readiness(report, self.daemon.config.room, boot_id="local", seq=0)

    def _ptz(self, args: dict[str, Any]) -> Any:
        command = args.get("command")
        if not isinstance(command, str) or command not in PTZ_COMMANDS:
            raise InvalidArgumentError(t("local.ptz_command", command=str(command)[:32]))
        fields: dict[str, Any] = {"ptz_command": command}
        for name, kind in PTZ_COMMANDS[command].items():
            value = args.get(name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float, str))
            ):
                raise InvalidArgumentError(t("local.ptz_field", field=name))
            fields[name] = None if value is None else kind(value)
        result = run_command(self._camera(), argparse.Namespace(**fields))
        ptz = self.daemon.config.ptz
        if (
            command == "preset"
            and fields["action"] != "recall"
            and fields["number"] == ptz.home_preset
        ):
            from agent.checks.ptz import forget_baseline

            forget_baseline(self.daemon.config)  # the check learns the new home next run
        return result

    def _camera(self) -> Any:
        camera = self.daemon.camera()
        if camera is None:
            raise DeviceUnavailableError(t("ptz.no_port"), hint=t("ptz.no_port_hint"))
        return camera

    def _devices(self) -> Any:
        """List the devices as the daemon's user, in a child: PortAudio stays out of the daemon."""
        argv = [sys.executable, "-m", "agent", "devices", "--json", "--standalone"]
        if self.daemon.config.source:
            argv += ["--config", self.daemon.config.source]
        try:
            out = subprocess.run(argv, capture_output=True, timeout=DEVICES_TIMEOUT_S, check=False)
            return json.loads(out.stdout)
        except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
            raise DeviceError(t("local.devices_failed", error=exc)) from None


__all__ = ["PTZ_COMMANDS", "Daemon", "Verbs"]
