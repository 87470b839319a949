"""`hnth-agent board user add|list|disable|enable|delete|passwd`: the board's accounts."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from agent.i18n import t

if TYPE_CHECKING:
    from central.service import Board

ACTIONS = ("add", "list", "disable", "enable", "delete", "passwd")


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Declare `board user …` on the board's sub-command parser."""
    user = sub.add_parser("user", help=t("board.user.help"), description=t("board.user.help"))
    common(user)
    actions = user.add_subparsers(dest="user_action", metavar="{" + ",".join(ACTIONS) + "}")
    actions.required = True
    for action in ACTIONS:
        help_ = t(f"board.user.{action}.help")
        p = actions.add_parser(action, help=help_, description=help_)
        common(p)
        if action == "list":
            p.add_argument("--json", action="store_true", help=t("board.user.opt.json"))
            continue
        p.add_argument("name", metavar="NAME", help=t("board.user.opt.name"))
        if action == "add":
            p.add_argument(
                "--role",
                choices=["viewer", "operator"],
                default="viewer",
                help=t("board.opt.role"),
            )


def run(args: argparse.Namespace, board: Board, actor: str) -> int:
    """Do one `board user` action; return the exit code (errors raise AgentError)."""
    from central.auth import Role

    action, name = args.user_action, getattr(args, "name", "")
    if action == "list":
        users = board.users.all()
        if args.json:
            print(json.dumps(users, ensure_ascii=False, indent=2))
            return 0
        for u in users:
            state = t("board.user.disabled") if u["disabled"] else ""
            print(f"{u['name']:<24} {u['role']:<9} {u['created'][:19]:<20} {state}".rstrip())
        return 0
    if action in ("add", "passwd"):
        prompt = getpass.getpass if sys.stdin.isatty() else _stdin_line
        password = prompt()
        if action == "add":
            board.users.add(name, Role(args.role), password)
        else:
            board.users.set_password(name, password)
    elif action in ("disable", "enable"):
        board.users.set_disabled(name, disabled=action == "disable")
    else:
        board.users.delete(name)
    board.audit(actor, f"user.{action}", name, ok=True, args={"role": getattr(args, "role", "")})
    print(t(f"board.user.{action}.done", name=name, role=getattr(args, "role", "")))
    return 0


def _stdin_line() -> str:
    return sys.stdin.readline().rstrip("\n")
