"""Run the CLI with `python -m agent`."""

from agent.cli import main

raise SystemExit(main())
