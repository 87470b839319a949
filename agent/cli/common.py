"""What the subcommands share: config loading, --json and JSON output."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from agent import config as config_mod
from agent.i18n import set_language


def load_config(args: argparse.Namespace) -> config_mod.Config:
    """Load the config named by --config/env/system path and apply --lang over it."""
    cfg = config_mod.load(getattr(args, "config", None))
    set_language(getattr(args, "lang", None) or cfg.agent.language)
    return cfg


def print_json(data: Any) -> None:
    """Print one JSON document on stdout, UTF-8, no ASCII escaping of Vietnamese."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def add_json(p: argparse.ArgumentParser) -> None:
    """Add the --json option every reporting command has."""
    from agent.i18n import t

    p.add_argument("--json", action="store_true", help=t("cli.opt.json"))
