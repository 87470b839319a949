"""The central side's subcommands, dispatched by `agent.cli.main` by module path (never imported
by the agent itself): each module has `add_arguments(parser)` and `main(args) -> exit code`."""
