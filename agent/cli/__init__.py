"""The `hnth-agent` command line: `main.py` dispatches; one module per subcommand, each with
`add_arguments(parser)` and `main(args) -> exit code`; `common.py` holds what they share."""

from __future__ import annotations

from agent.cli.main import main

__all__ = ["main"]
