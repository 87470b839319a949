"""The central side of hnth-agent: ingest, history, the web board and the availability report.

Installed with the optional extra `hnth-agent[central]`; the room agent never imports this
package (an import-linter contract in pyproject.toml holds that). Importing it adds its
messages, the gettext domain hnth-central in `locale/` (docs/translations.md), to the agent's
catalogue.

Its public modules, from the bottom layer up (pyproject.toml's import-linter contracts hold
the order; callers import from these, never `_private` names):

- `config`: the [board] section (`BoardConfig`);
- `model`: contract messages parsed into values (`Message`, `parse`, `RoomPath`, `RoomRecord`);
- `store`: the SQLite history (`Store`, `open_store`); `auth`: users, passwords, sessions;
- `views`: what the pages read (a room's colour, grid row, meeting roll-up);
- `ingest`: how each message changes the records (`Ingest`, `Stats`);
- `availability`: the monthly report's arithmetic (`report`, `to_csv`, `month_bounds`);
- `state`: the `Fleet`, one lock around ingest and views;
- `service`: the `Board` (fleet, history flushing, operator actions);
- `link`: the board's MQTT client (`settings_for`, `connect`);
- `web`: the Starlette app and its server; `cli`: the `board` and `report` subcommands.
"""

from __future__ import annotations

from pathlib import Path

from agent.i18n import register_domain

__all__ = [
    "auth",
    "availability",
    "cli",
    "config",
    "ingest",
    "link",
    "model",
    "service",
    "state",
    "store",
    "views",
    "web",
]

register_domain("hnth-central", Path(__file__).resolve().parent / "locale")
