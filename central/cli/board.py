"""`hnth-agent board`: the central readiness board (needs the `hnth-agent[central]` extra)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import getpass
import ipaddress
import logging
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo

from agent.cli.common import add_json, load_config, print_json
from agent.config_fields import parse_host_port, section
from agent.errors import ConfigError, UsageError
from agent.i18n import t
from central.cli import users

if TYPE_CHECKING:
    from central.config import BoardConfig
    from central.store import Store

log = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the options of `board`."""
    p.add_argument("--listen", metavar="HOST:PORT", help=t("board.opt.listen"))
    p.add_argument("--add-user", metavar="NAME", help=t("board.opt.add_user"))
    p.add_argument(
        "--role", choices=["viewer", "operator"], default="viewer", help=t("board.opt.role")
    )
    p.add_argument("--broker", metavar="HOST:PORT", help=t("board.opt.broker"))
    p.add_argument("--demo", action="store_true", help=t("board.opt.demo"))
    sub = p.add_subparsers(dest="board_command", metavar="{merge,migrate,import,export,prune,user}")
    migrate = sub.add_parser(
        "migrate", help=t("board.migrate.help"), description=t("board.migrate.help")
    )
    _common(migrate)
    imp = sub.add_parser("import", help=t("board.import.help"), description=t("board.import.help"))
    imp.add_argument("file", metavar="FILE", help=t("board.import.opt.file"))
    add_json(imp)
    _common(imp)
    exp = sub.add_parser("export", help=t("board.export.help"), description=t("board.export.help"))
    exp.add_argument("--from", dest="since", required=True, help=t("board.export.opt.from"))
    exp.add_argument("--to", dest="until", required=True, help=t("board.export.opt.to"))
    exp.add_argument("--output", metavar="FILE", help=t("board.export.opt.output"))
    _common(exp)
    prune = sub.add_parser("prune", help=t("board.prune.help"), description=t("board.prune.help"))
    prune.add_argument("--dry-run", action="store_true", help=t("board.prune.opt.dry_run"))
    add_json(prune)
    _common(prune)
    users.add_parser(sub, _common)
    merge = sub.add_parser("merge", help=t("board.merge.help"), description=t("board.merge.help"))
    merge.add_argument("old", nargs="+", metavar="PROVINCE/ROOM", help=t("board.merge.opt.old"))
    merge.add_argument(
        "--into", required=True, metavar="PROVINCE/ROOM", help=t("board.merge.opt.into")
    )
    merge.add_argument("--reason", default="", help=t("board.merge.opt.reason"))


def main(args: argparse.Namespace) -> int:
    """Serve the board until interrupted, or add a user and exit."""
    cfg = load_config(args)
    try:
        from central.auth import Role
        from central.config import BoardConfig, ReportConfig
        from central.link import connect, settings_for
        from central.service import Board
        from central.store import open_store
    except ModuleNotFoundError as exc:
        raise ConfigError(t("board.missing_extra", module=exc.name)) from None
    bcfg = section(cfg, "board", BoardConfig)
    rcfg = section(cfg, "report", ReportConfig)  # a bad [report] stops the board before it serves
    store = open_store(bcfg.database, cfg.agent.state_dir)  # migrates, as every start does
    if getattr(args, "board_command", None) == "migrate":
        was = store.migrated_from or "-"
        store.close()
        print(t("board.migrate.done", where=store.path, version=store.version, was=was))
        return 0
    if getattr(args, "board_command", None) in ("import", "export"):
        try:
            return _replay(args, bcfg, store)
        finally:
            store.close()
    if getattr(args, "board_command", None) == "prune":
        try:
            return _prune(args, bcfg, store)
        finally:
            store.close()
    if bcfg.share_ingest and store.kind != "postgresql":
        store.close()  # boards sharing the ingest must share one database
        raise ConfigError(t("board.share.needs_postgresql", group=bcfg.share_ingest))
    board = Board(bcfg, store, report_cfg=rcfg)
    # The history writer waits on the database many times a flush; with the ingest thread busy,
    # each wait costs a GIL hand-over, 5 ms by default (a convoy): 1 ms keeps it flowing.
    sys.setswitchinterval(0.001)
    if getattr(args, "board_command", None) == "user":
        try:
            return users.run(args, board, getpass.getuser())
        finally:
            store.close()
    if getattr(args, "board_command", None) == "merge":
        try:
            board.merge(getpass.getuser(), args.into, list(args.old), args.reason)
        finally:
            store.close()
        print(t("board.merge.done", new=args.into, old=", ".join(args.old)))
        return 0
    if args.add_user:
        password = getpass.getpass() if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
        board.users.add(args.add_user, Role(args.role), password)
        print(t("board.user.saved", name=args.add_user, role=args.role))
        store.close()
        return 0
    listen = args.listen or bcfg.listen
    hp = parse_host_port(listen)
    if hp is None:
        raise UsageError(t("config.allowed.host_port"))
    host, port = hp
    mqtt = cfg.mqtt
    if args.broker:
        bp = parse_host_port(args.broker)
        if bp is None:
            raise UsageError(t("config.allowed.host_port"))
        mqtt = dataclasses.replace(mqtt, host=bp[0], port=bp[1])
    # Built before anything is served: an [mqtt] a room would refuse stops the board (exit 3).
    settings = (
        settings_for(dataclasses.replace(cfg, mqtt=mqtt), bcfg.client_id) if mqtt.host else None
    )
    if args.demo:
        password = secrets.token_urlsafe(9)
        board.users.add("demo", Role.OPERATOR, password)
        print(t("board.demo_user", user="demo", password=password, listen=listen), file=sys.stderr)
    if not _loopback(host) and not bcfg.behind_tls_proxy:
        log.warning("%s", t("board.warn.exposed", listen=listen))
        print(t("board.warn.exposed", listen=listen), file=sys.stderr)
    try:
        from central.web.server import WebServer
    except ModuleNotFoundError as exc:
        raise ConfigError(t("board.missing_extra", module=exc.name)) from None
    client = None
    if settings is not None:
        client = connect(board, settings)
    else:
        print(t("board.no_broker_config"), file=sys.stderr)
    board.start()
    web = WebServer(board, host, port)
    print(t("board.started", listen=listen, db=store.path), file=sys.stderr)
    try:
        web.run()
    finally:
        board.stopping = True
        for link in (client, board.share_link):
            if link is not None:
                link.stop()
        board.stop()
        store.close()
    return 0


def _replay(args: argparse.Namespace, bcfg: BoardConfig, store: Store) -> int:
    """`board import FILE` and `board export --from --to [--output FILE]`."""
    from central import replay
    from central.store import StoreUnavailable

    if args.board_command == "export":
        since, until = _when(args.since, bcfg.timezone), _when(args.until, bcfg.timezone)
        n = 0
        with contextlib.ExitStack() as stack:
            out: TextIO = (
                stack.enter_context(Path(args.output).open("w", encoding="utf-8"))
                if args.output
                else sys.stdout
            )
            for line in replay.export_lines(store, since, until):
                out.write(line + "\n")
                n += 1
        print(t("board.export.done", n=n, output=args.output or "-"), file=sys.stderr)
        return 0
    try:
        with contextlib.ExitStack() as stack:
            src: TextIO = (
                sys.stdin
                if args.file == "-"
                else stack.enter_context(Path(args.file).open(encoding="utf-8", errors="replace"))
            )
            res = replay.import_lines(store, bcfg, src)
    except OSError as exc:
        raise ConfigError(
            t("board.import.unreadable", file=args.file, error=exc.strerror)
        ) from None
    except StoreUnavailable as exc:
        raise ConfigError(t("board.db.unavailable", where=store.path, error=exc)) from None
    for n, why in res.errors:
        print(t("board.import.bad_line", line=n, reason=why), file=sys.stderr)
    if args.json:
        print_json(res.as_dict())
    else:
        print(t("board.import.done", bad=len(res.errors), **res.as_dict() | {"errors": 0}))
    return 1 if res.errors else 0


def _prune(args: argparse.Namespace, bcfg: BoardConfig, store: Store) -> int:
    """`board prune [--dry-run] [--json]`: progress on stderr, what was done on stdout."""
    from central import retention
    from central.store import StoreUnavailable

    def progress(step: str, n: int) -> None:
        print(t("board.prune.progress", step=step, n=n), file=sys.stderr, flush=True)

    try:
        res = retention.prune(
            store, bcfg, datetime.now(UTC), dry_run=args.dry_run, progress=progress
        )
    except StoreUnavailable as exc:
        raise ConfigError(t("board.db.unavailable", where=store.path, error=exc)) from None
    if args.json:
        print_json(res.as_dict())
    else:
        print(t("board.prune.dry" if res.dry_run else "board.prune.done", **res.as_dict()))
    return 0


def _when(text: str, tz: str) -> datetime:
    """A time from the command line: a date or ISO 8601; without an offset, in the board's zone."""
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(t("board.export.bad_time", value=text)) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=ZoneInfo(tz))


def _common(sp: argparse.ArgumentParser) -> None:
    """`--config`/`--lang` also after the sub-command (no default: one given before it stays)."""
    sp.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help=t("cli.opt.config"))
    sp.add_argument(
        "--lang", choices=["vi", "en"], default=argparse.SUPPRESS, help=t("cli.opt.lang")
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
