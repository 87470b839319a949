"""The central side's subcommands, dispatched by `agent.cli.main` by module path (the agent never
imports them otherwise): each module has `add_arguments(parser)` and `main(args) -> exit code`."""

from __future__ import annotations

__all__ = ["board", "report"]
