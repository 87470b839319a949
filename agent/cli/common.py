"""What the subcommands share: config loading, --json and JSON output, asking the daemon."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from agent import config as config_mod
from agent.errors import ConfigError
from agent.i18n import current_language, set_language, t


def load_config(args: argparse.Namespace) -> config_mod.Config:
    """Load the config named by --config/env/system path and apply --lang over it."""
    try:
        cfg = config_mod.load(getattr(args, "config", None))
    except ConfigError as exc:
        if "ermission" in exc.message and exc.hint is None:
            # The usual case: a technician's account, not in the hnth-agent group, no daemon.
            raise ConfigError(exc.message, hint=t("local.config_denied_hint")) from None
        raise
    set_language(getattr(args, "lang", None) or cfg.agent.language)
    return cfg


def add_daemon(p: argparse.ArgumentParser) -> None:
    """--socket and --standalone: how a command finds the daemon, or does without it."""
    p.add_argument("--socket", metavar="PATH", help=t("cli.opt.socket"))
    p.add_argument("--standalone", action="store_true", help=t("cli.opt.standalone"))


def ask_daemon(
    args: argparse.Namespace,
    verb: str,
    payload: dict[str, Any] | None = None,
    *,
    timeout: float,
    waiting: str = "",
) -> Any:
    """The daemon's answer to `verb`, or None when no daemon runs (or --standalone).

    The config is read only to find the socket, and only if this user may read it; a
    technician in the hnth-agent group needs neither the config nor the devices.
    """
    from agent.local import DaemonNotRunning, ask, client_socket_path

    if getattr(args, "standalone", False):
        return None
    cfg: config_mod.Config | None = None
    if not getattr(args, "socket", None):
        try:
            cfg = config_mod.load(getattr(args, "config", None))
        except ConfigError:
            cfg = None
    if cfg is not None and cfg.source is not None and not getattr(args, "lang", None):
        set_language(cfg.agent.language)
    path = client_socket_path(getattr(args, "socket", None), cfg)
    if waiting and sys.stderr.isatty() and not getattr(args, "json", False):
        sys.stderr.write(waiting + "\r")
        sys.stderr.flush()
    try:
        return ask(path, verb, payload, lang=current_language(), timeout=timeout)
    except DaemonNotRunning:
        return None
    finally:
        if waiting and sys.stderr.isatty() and not getattr(args, "json", False):
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def print_json(data: Any) -> None:
    """Print one JSON document on stdout, UTF-8, no ASCII escaping of Vietnamese."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def add_json(p: argparse.ArgumentParser) -> None:
    """Add the --json option every reporting command has."""
    from agent.i18n import t

    p.add_argument("--json", action="store_true", help=t("cli.opt.json"))
