"""The central side of hnth-agent: ingest, history, the web board and the availability report.

Installed with the optional extra `hnth-agent[central]`; the room agent never imports this
package (an import-linter contract in pyproject.toml holds that).
"""
