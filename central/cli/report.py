"""`hnth-agent report …`: the monthly report, its exclusions, closing and verifying a month.

- `availability --month YYYY-MM [--format table|csv|json|xlsx|pdf] [--output FILE]`
  (`--json`/`--csv` are aliases of the formats);
- `maintenance add --from --to --rooms --reason` | `maintenance list` | `maintenance withdraw ID`;
- `outage tag --from --to --rooms --category --reason` (an outage explained after the fact);
- `close --month`, `amend --month --reason`, `verify [--month M | MANIFEST]`.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.cli.common import add_json, load_config, print_json
from agent.config_fields import section
from agent.errors import ConfigError, UsageError
from agent.i18n import current_language, t

if TYPE_CHECKING:
    from central.config import BoardConfig, ReportConfig
    from central.store import Store

FORMATS = ("table", "csv", "json", "xlsx", "pdf")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the subcommands of `report`."""

    sub = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    a = _sub(sub, "availability", "monthly.cmd.availability")
    a.add_argument("--month", required=True, metavar="YYYY-MM", help=t("board.report.opt.month"))
    a.add_argument("--format", choices=FORMATS, default=None, help=t("monthly.opt.format"))
    a.add_argument("--output", metavar="FILE", help=t("monthly.opt.output"))
    a.add_argument("--csv", action="store_true", help=t("board.report.opt.csv"))
    add_json(a)

    m = _sub(sub, "maintenance", "monthly.cmd.maintenance")
    msub = m.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = _sub(msub, "add", "monthly.cmd.add")
    _window(add)
    lst = _sub(msub, "list", "monthly.cmd.list")
    lst.add_argument("--month", metavar="YYYY-MM", help=t("board.report.opt.month"))
    add_json(lst)
    wd = _sub(msub, "withdraw", "monthly.cmd.withdraw")
    wd.add_argument("id")
    wd.add_argument("--reason", required=True, help=t("monthly.opt.reason"))
    wd.add_argument("--user", help=t("monthly.opt.user"))

    o = _sub(sub, "outage", "monthly.cmd.outage")
    osub = o.add_subparsers(dest="action", metavar="ACTION", required=True)
    tag = _sub(osub, "tag", "monthly.cmd.tag")
    _window(tag)
    tag.add_argument(
        "--category",
        required=True,
        choices=["power_cut", "customer", "force_majeure", "maintenance"],
        help=t("monthly.opt.category"),
    )

    c = _sub(sub, "close", "monthly.cmd.close")
    c.add_argument("--month", required=True, metavar="YYYY-MM", help=t("board.report.opt.month"))
    c.add_argument("--dir", metavar="DIR", help=t("monthly.opt.dir"))
    c.add_argument("--user", help=t("monthly.opt.user"))
    am = _sub(sub, "amend", "monthly.cmd.amend")
    am.add_argument("--month", required=True, metavar="YYYY-MM", help=t("board.report.opt.month"))
    am.add_argument("--reason", required=True, help=t("monthly.opt.reason"))
    am.add_argument("--dir", metavar="DIR", help=t("monthly.opt.dir"))
    am.add_argument("--user", help=t("monthly.opt.user"))
    v = _sub(sub, "verify", "monthly.cmd.verify")
    v.add_argument("manifest", nargs="?", metavar="MANIFEST")
    v.add_argument("--month", metavar="YYYY-MM", help=t("board.report.opt.month"))
    v.add_argument("--dir", metavar="DIR", help=t("monthly.opt.dir"))


def main(args: argparse.Namespace) -> int:
    """Run one `report` subcommand."""
    cfg = load_config(args)
    try:
        from central.config import BoardConfig, ReportConfig
        from central.store import open_store
    except ModuleNotFoundError as exc:
        raise ConfigError(t("board.missing_extra", module=exc.name)) from None
    bcfg = section(cfg, "board", BoardConfig)
    rcfg = section(cfg, "report", ReportConfig)
    if args.kind == "verify" and args.manifest:
        return _verify(Path(args.manifest), None)
    if getattr(args, "month", None):
        from central.availability import month_bounds

        month_bounds(args.month, bcfg.timezone)  # a bad month is a usage error before opening
    store = open_store(bcfg.database, cfg.agent.state_dir)
    try:
        if args.kind == "availability":
            return _availability(args, store, bcfg, rcfg)
        if args.kind in ("maintenance", "outage"):
            return _exclusions(args, store, bcfg, rcfg)
        out_dir = Path(args.dir or rcfg.output_dir or Path(cfg.agent.state_dir) / "reports")
        if args.kind == "verify":
            if not args.month:
                raise UsageError(t("monthly.verify.which"))
            return _verify(out_dir / args.month / "manifest.json", store)
        from central.report.close import amend, close

        now = datetime.now(UTC)
        user = args.user or _user()
        lang = current_language()
        if args.kind == "close":
            result = close(store, bcfg, rcfg, args.month, out_dir, user=user, now=now, lang=lang)
            print(t("monthly.close.done", month=args.month, dir=result.dir, digest=result.digest))
            return 0
        result = amend(
            store,
            bcfg,
            rcfg,
            args.month,
            out_dir,
            user=user,
            now=now,
            lang=lang,
            reason=args.reason,
        )
        print(
            t(
                "monthly.amend.done",
                seq=result.seq,
                month=args.month,
                dir=result.dir,
                digest=result.digest,
            )
        )
        return 0
    finally:
        store.close()


def _availability(
    args: argparse.Namespace, store: Store, bcfg: BoardConfig, rcfg: ReportConfig
) -> int:
    from central.report import export
    from central.report.month import generate

    fmt = args.format or ("json" if args.json else "csv" if args.csv else "table")
    if fmt in ("xlsx", "pdf") and not args.output:
        raise UsageError(t("monthly.needs_output", format=fmt))
    report = generate(store, bcfg, rcfg, args.month, now=datetime.now(UTC))
    lang = current_language()
    data = render(report, fmt, lang, rcfg)
    if args.output:
        Path(args.output).write_bytes(data)
        print(t("monthly.written", file=args.output), file=sys.stderr)
    elif fmt == "table":
        sys.stdout.write(export.to_table(report, lang))
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def render(report: Any, fmt: str, lang: str, rcfg: ReportConfig, digest: str = "") -> bytes:
    """The report in one of FORMATS, as the bytes of its file."""
    from central.report import export

    if fmt == "csv":
        return export.to_csv(report, lang)
    if fmt == "json":
        return export.to_json(report).encode("utf-8")
    if fmt == "xlsx":
        from central.report.xlsx import to_xlsx

        return to_xlsx(report, lang)
    if fmt == "pdf":
        from central.report.pdf import to_pdf

        return to_pdf(report, lang, rcfg, digest=digest)
    return export.to_table(report, lang).encode("utf-8")


def _exclusions(
    args: argparse.Namespace, store: Store, bcfg: BoardConfig, rcfg: ReportConfig
) -> int:
    from agent.contract.clock import iso
    from central.report.close import closed_windows
    from central.report.db import ReportDb
    from central.report.exclusions import Category, Kind, check_new
    from central.report.rules import Rules

    db = ReportDb(store)
    now = datetime.now(UTC)
    if args.action == "list":
        rows = db.exclusions()
        if args.month:
            from central.availability import month_bounds

            lo, hi = month_bounds(args.month, bcfg.timezone)
            rows = [e for e in rows if e.start < hi and e.end > lo]
        if args.json:
            print_json({"exclusions": [e.as_dict() for e in rows]})
            return 0
        from agent.output import table
        from central.report.fmt import local

        tz = bcfg.timezone
        head = [
            t(f"monthly.col.{k}")
            for k in ("id", "kind", "category", "rooms", "start", "end", "reason", "user")
        ]
        head += [t("monthly.col.status")]
        body = [
            [
                e.id,
                t(f"monthly.kind.{e.kind}"),
                t(f"monthly.cat.{e.category}"),
                ", ".join(e.rooms),
                local(e.start, tz),
                local(e.end, tz),
                e.reason,
                f"{e.user} {local(e.created, tz)}",
                t("monthly.status.withdrawn")
                if e.withdrawn
                else ", ".join(t(f"monthly.flag.{f}") for f in e.flags)
                or t("monthly.status.counted"),
            ]
            for e in rows
        ]
        print(table([head, *body]))
        return 0
    if args.action == "withdraw":
        if not db.withdraw(args.id, user=args.user or _user(), reason=args.reason, now=now):
            raise UsageError(t("monthly.excl.unknown", id=args.id))
        print(t("monthly.excl.withdrawn", id=args.id))
        return 0
    rules = Rules.from_config(rcfg, bcfg.timezone)
    kind = Kind.MAINTENANCE if args.kind == "maintenance" else Kind.TAGGED
    category = Category.MAINTENANCE if kind is Kind.MAINTENANCE else Category(args.category)
    start, end = _when(args.from_, bcfg.timezone), _when(args.to, bcfg.timezone)
    rooms = tuple(r.strip() for r in args.rooms.split(",") if r.strip())
    flags = check_new(
        rules,
        kind=kind,
        rooms=rooms,
        start=start,
        end=end,
        reason=args.reason,
        now=now,
        existing=db.exclusions(),
        closed=closed_windows(db, bcfg.timezone),
    )
    ex = db.add_exclusion(
        kind=kind,
        category=category,
        rooms=rooms,
        start=start,
        end=end,
        reason=args.reason,
        user=args.user or _user(),
        now=now,
        flags=flags,
    )
    note = t("monthly.excl.flagged", flags=", ".join(t(f"monthly.flag.{f}") for f in flags))
    print(t("monthly.excl.added", id=ex.id, flags=note if flags else ""))
    if getattr(args, "json", False):
        print_json({"exclusion": ex.as_dict(), "start": iso(start)})
    return 0


def _verify(manifest: Path, store: Store | None) -> int:
    from central.report.close import verify

    problems, notes, n = verify(manifest, store)
    for note in notes:
        print(note, file=sys.stderr)
    for file, why in problems:
        print(t("monthly.verify.bad", file=file, why=why), file=sys.stderr)
    if problems:
        return 1
    print(t("monthly.verify.ok", manifest=manifest, n=n))
    return 0


def _window(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--from", dest="from_", required=True, metavar="TIME", help=t("monthly.opt.from")
    )
    p.add_argument("--to", required=True, metavar="TIME", help=t("monthly.opt.to"))
    p.add_argument("--rooms", required=True, help=t("monthly.opt.rooms"))
    p.add_argument("--reason", required=True, help=t("monthly.opt.reason"))
    p.add_argument("--user", help=t("monthly.opt.user"))


def _when(text: str, tz: str) -> datetime:
    """A local time (YYYY-MM-DDTHH:MM in the board's zone) or an ISO time with an offset."""
    from zoneinfo import ZoneInfo

    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(t("monthly.bad_time", value=text)) from None
    return (ts if ts.tzinfo else ts.replace(tzinfo=ZoneInfo(tz))).astimezone(UTC)


def _user() -> str:
    try:
        return os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "?"


def _sub(sub: Any, name: str, help_key: str) -> argparse.ArgumentParser:
    """A nested subcommand that also takes the common options, without clobbering them."""
    p: argparse.ArgumentParser = sub.add_parser(name, help=t(help_key), description=t(help_key))
    p.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help=t("cli.opt.config"))
    p.add_argument(
        "--lang", choices=["vi", "en"], default=argparse.SUPPRESS, help=t("cli.opt.lang")
    )
    p.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help=t("cli.opt.debug")
    )
    return p
