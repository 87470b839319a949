"""The outside programs hnth-agent runs, from the one list in `debian_packages.toml`.

Every lookup of an outside program goes through `which()` or `require()`, so a missing one
names the Debian package that provides it. `python3 -m agent.programs packages --need …`
prints the packages for scripts/install, which runs before the package is installed: this
module imports nothing from agent but the catalogue, and that only when a message is built.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import PurePath

from agent.errors import DeviceUnavailableError

__all__ = [
    "MissingProgramError",
    "Need",
    "Package",
    "missing_message",
    "package_for",
    "packages",
    "require",
    "which",
]

# A user's PATH often lacks the sbin folders, where Debian puts mosquitto.
_SBIN = ("/usr/sbin", "/sbin", "/usr/local/sbin")


class Need(StrEnum):
    """Who needs a package."""

    AGENT = "agent"  # required by the agent on every room PC
    OPTIONAL = "optional"  # used when present; a feature degrades without it
    DEMO = "demo"  # the simulated room of `hnth-agent demo`
    DEV = "dev"  # development, tests and benches only


@dataclass(frozen=True, slots=True)
class Package:
    """One Debian package and the programs of it that we run."""

    name: str
    programs: tuple[str, ...]
    need: Need
    why: str
    install: bool = True


class MissingProgramError(DeviceUnavailableError):
    """An outside program is not installed; the message names its Debian package."""

    def __init__(self, program: str) -> None:
        self.program = program
        self.package = package_for(program).name
        super().__init__(missing_message(program))


@functools.cache
def packages() -> tuple[Package, ...]:
    """Return the list, in file order."""
    text = resources.files("agent").joinpath("debian_packages.toml").read_text(encoding="utf-8")
    return tuple(
        Package(
            name=entry["name"],
            programs=tuple(entry["programs"]),
            need=Need(entry["need"]),
            why=entry["why"],
            install=entry.get("install", True),
        )
        for entry in tomllib.loads(text)["package"]
    )


def package_for(program: str) -> Package:
    """Return the package that provides `program`; KeyError when it is not in the list."""
    name = PurePath(program).name
    for pkg in packages():
        if name in pkg.programs:
            return pkg
    msg = f"{name} is not in agent/debian_packages.toml"
    raise KeyError(msg)


def which(program: str) -> str | None:
    """Return the path of a listed program, or None when it is not installed."""
    package_for(program)  # an unlisted program is a bug here, not a user's problem
    found = shutil.which(program)
    if found is None:
        path = os.pathsep.join(_SBIN)
        found = shutil.which(program, path=path)
    return found


def require(program: str) -> str:
    """Return the path of a listed program; raise MissingProgramError when it is missing."""
    found = which(program)
    if found is None:
        raise MissingProgramError(program)
    return found


def missing_message(program: str) -> str:
    """Say, in the current language, that `program` is missing and which package to install."""
    from agent.i18n import t

    return t("program.missing", program=program, package=package_for(program).name)


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m agent.programs")
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("packages", help="print the Debian packages to install, one a line")
    p.add_argument("--need", default="agent,optional,demo", help="comma-separated classes")
    sub.add_parser("table", help="print program, package and class")
    args = parser.parse_args(argv)
    if args.what == "packages":
        wanted = {Need(n) for n in args.need.split(",") if n}
        for pkg in packages():
            if pkg.need in wanted and pkg.install:
                print(pkg.name)
        return 0
    for pkg in packages():
        for program in pkg.programs or ("(library)",):
            note = "" if pkg.install else " (not installed by scripts/install)"
            print(f"{program:16} {pkg.name:20} {pkg.need.value}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
