"""`hnth-agent report availability --month YYYY-MM [--csv|--json]`: from the board's history."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from agent.cli.common import add_json, load_config, print_json
from agent.config_fields import section
from agent.errors import ConfigError
from agent.i18n import t
from agent.output import table


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the options of `report`."""
    p.add_argument("kind", choices=["availability"], help=t("board.report.kind"))
    p.add_argument("--month", required=True, metavar="YYYY-MM", help=t("board.report.opt.month"))
    p.add_argument("--csv", action="store_true", help=t("board.report.opt.csv"))
    add_json(p)


def main(args: argparse.Namespace) -> int:
    """Print the availability of every room for one month."""
    cfg = load_config(args)
    try:
        from central.availability import month_bounds, report, to_csv
        from central.config import BoardConfig
        from central.store import open_store
    except ModuleNotFoundError as exc:
        raise ConfigError(t("board.missing_extra", module=exc.name)) from None
    bcfg = section(cfg, "board", BoardConfig)
    month_bounds(args.month, bcfg.timezone)  # a bad month is a usage error before opening anything
    store = open_store(bcfg.database, cfg.agent.state_dir)
    try:
        rows = report(
            store,
            args.month,
            tz=bcfg.timezone,
            now=datetime.now(UTC),
            offsets_min=bcfg.pre_meeting_offsets_min,
            tolerance_min=bcfg.pre_meeting_tolerance_min,
        )
    finally:
        store.close()
    if args.json:
        print_json(
            {"month": args.month, "timezone": bcfg.timezone, "rooms": [r.as_dict() for r in rows]}
        )
    elif args.csv:
        sys.stdout.write(to_csv(rows))
    else:
        print(t("board.report.header", month=args.month, tz=bcfg.timezone, n=len(rows)))
        head: list[str] = [
            t(f"board.report.col.{k}")
            for k in ("room", "online", "ready", "outages", "longest", "missed", "no_data")
        ]
        body = [
            [
                r.name or r.room,
                _pct(r.online_s, r.observed_s - r.no_data_s),
                _pct(r.ready_in_meetings_s, r.meeting_s),
                str(r.outages),
                _dur(r.longest_outage_s),
                f"{r.checks_missed}/{r.checks_expected}",
                _dur(r.no_data_s) if r.no_data_s else "—",
            ]
            for r in rows
        ]
        print(table([head, *body]))
    return 0


def _pct(part: float, whole: float) -> str:
    # From the seconds, not the rounded percentage, so the text is not rounded twice.
    return "—" if not whole else f"{100 * part / whole:.2f} %"


def _dur(s: float) -> str:
    return f"{s / 3600:.1f} h" if s >= 3600 else f"{round(s / 60)} min"
