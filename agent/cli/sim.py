"""`hnth-agent sim DEVICE`: run a simulated device; each device is a module found by name.

`visca` is the camera emulator in agent.visca.emulator; `fleet` is agent.sim.fleet when that
part is installed. A device module exposes `add_arguments(parser)`, `main(args) -> int`
and optionally `HELP_KEY`, the catalogue key of its one-line help.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from typing import Final

from agent.errors import UsageError
from agent.i18n import t

DEVICES: Final = {
    "visca": "agent.visca.emulator",
    "fleet": "agent.sim.fleet",
    "pelco": "agent.cli.sim_pelco",
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare one sub-subcommand per device module that can be imported."""
    sub = p.add_subparsers(dest="sim_device", metavar="DEVICE", parser_class=type(p))
    for name, module_name in DEVICES.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # that part is not installed
            raise
        help_text = t(getattr(module, "HELP_KEY", f"cli.sim.{name}.help"))
        sp = sub.add_parser(name, help=help_text, description=help_text)
        # argparse lets a sub-parser's defaults overwrite options given before its name,
        # so the common options are repeated here with no default at all.
        sp.add_argument(
            "--config", metavar="FILE", default=argparse.SUPPRESS, help=t("cli.opt.config")
        )
        sp.add_argument(
            "--lang", choices=["vi", "en"], default=argparse.SUPPRESS, help=t("cli.opt.lang")
        )
        sp.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=t("cli.opt.debug")
        )
        module.add_arguments(sp)
        sp.set_defaults(sim_main=module.main)


def main(args: argparse.Namespace) -> int:
    """Run the chosen device."""
    run: Callable[[argparse.Namespace], int] | None = getattr(args, "sim_main", None)
    if run is None:
        raise UsageError(t("ptz.sim.which", devices=", ".join(DEVICES)))
    return run(args)
