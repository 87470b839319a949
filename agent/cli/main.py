"""The `hnth-agent` command line: parses arguments, sets up logging, renders errors."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Final, NoReturn

from agent import __version__
from agent.errors import AccessError, AgentError, ConfigError, UsageError
from agent.i18n import set_language, t

# name → (module with add_arguments/main, catalogue key of its one-line help).
# Modules are imported only for the command being run, so `--help` stays fast. `board` and
# `report` live in the central package (the `central` extra): named by string, never imported
# by the agent unless the user runs them.
COMMANDS: Final = {
    "check": ("agent.cli.check", "cli.check.help"),
    "devices": ("agent.cli.devices", "cli.devices.help"),
    "ptz": ("agent.cli.ptz", "cli.ptz.help"),
    "sim": ("agent.cli.sim", "cli.sim.help"),
    "mqtt-test": ("agent.cli.mqtt_test", "cli.mqtt_test.help"),
    "run": ("agent.cli.run", "cli.run.help"),
    "demo": ("agent.cli.demo", "cli.demo.help"),
    "board": ("central.cli.board", "cli.board.help"),
    "report": ("central.cli.report", "cli.report.help"),
    "schedule": ("agent.cli.schedule", "cli.schedule.help"),
}

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_UNKNOWN: Final = 3  # Nagios "UNKNOWN": we could not run (config or usage error)


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage; 2 means not_ready to Nagios, so use 3."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"{self.prog}: {t('cli.usage_error')}: {message}", file=sys.stderr)
        sys.exit(EXIT_UNKNOWN)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one hnth-agent command and return its exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    set_language(_early_language(args_list))
    parser = build_parser(args_list)
    args = parser.parse_args(args_list)
    if not args.command:
        parser.print_help()
        return EXIT_UNKNOWN
    setup_logging(logging.DEBUG if args.debug else logging.WARNING)
    module = load_command(args.command)
    try:
        code: int = module.main(args)
    except (ConfigError, UsageError, AccessError) as exc:
        return _fail(args, exc, EXIT_UNKNOWN)
    except AgentError as exc:
        return _fail(args, exc, EXIT_FAILED)
    except KeyboardInterrupt:
        print(t("cli.interrupted"), file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        return _fail(args, exc, EXIT_UNKNOWN, unexpected=True)
    return code


def build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    """Build the parser; only the chosen subcommand's module is imported for its arguments."""
    parser = _Parser(
        prog="hnth-agent",
        description=t("cli.description"),
        epilog=t("cli.epilog"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"hnth-agent {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, (_, help_key) in COMMANDS.items():
        p = sub.add_parser(name, help=t(help_key), description=t(help_key))
        add_common(p)
        if name == chosen:
            load_command(name).add_arguments(p)
    return parser


def load_command(name: str) -> ModuleType:
    """Import a subcommand's module; if its package is not installed, say which extra, exit 3."""
    module = COMMANDS[name][0]
    package = module.partition(".")[0]
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        # Only the optional package itself being absent is an install problem; anything else
        # missing inside it (or inside the agent) is a bug and keeps its traceback.
        if package == "agent" or exc.name != package:
            raise
    print(f"hnth-agent: {t('cli.missing_package', command=name, package=package)}", file=sys.stderr)
    sys.exit(EXIT_UNKNOWN)


def add_common(p: argparse.ArgumentParser) -> None:
    """Options every subcommand takes."""
    p.add_argument("--config", metavar="FILE", help=t("cli.opt.config"))
    p.add_argument("--lang", choices=["vi", "en"], help=t("cli.opt.lang"))
    p.add_argument("--debug", action="store_true", help=t("cli.opt.debug"))


def setup_logging(level: int) -> None:
    """Log to stderr for journald: level and logger name, never the time (journald adds it)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _early_language(argv: Sequence[str]) -> str:
    """The help text is built before the config is read: take --lang, then the environment."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return os.environ.get("HNTH_AGENT_LANG", "vi")


def _fail(
    args: argparse.Namespace, exc: BaseException, code: int, *, unexpected: bool = False
) -> int:
    message: str
    hint: str | None
    if unexpected:
        message = t("cli.unexpected", error=f"{type(exc).__name__}: {exc}")
        error_code, hint = "internal", t("cli.run_with_debug")
    else:
        assert isinstance(exc, AgentError)
        message, error_code, hint = exc.message, exc.code, exc.hint
    if getattr(args, "json", False):
        body = {"ok": False, "error": {"code": error_code, "message": message, "hint": hint}}
        print(json.dumps(body, ensure_ascii=False))
    print(f"hnth-agent: {message}", file=sys.stderr)
    if hint:
        print(f"  → {hint}", file=sys.stderr)
    return code
