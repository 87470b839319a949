"""The central side of hnth-agent: ingest, history, the web board and the availability report.

Installed with the optional extra `hnth-agent[central]`; the room agent never imports this
package (an import-linter contract in pyproject.toml holds that). Importing it adds its
messages to the agent's catalogue.
"""

from __future__ import annotations

from agent.i18n import register_part

register_part("central.catalog")
