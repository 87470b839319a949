"""Every outside program the code, the benches and the tests run is in the one install list.

The scanner reads the source (it runs nothing): the first element of every argv handed to
`subprocess`/`asyncio`/`os.exec*`, and every name given to `shutil.which` or to
`agent.programs.which/require`. A name it cannot resolve fails the test too: pass a literal,
or look the program up through `agent.programs`.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePath

import pytest

from agent import programs

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("agent", "bench", "tests", "conftest.py", "scripts")

SPAWN = {
    ("subprocess", "run"),
    ("subprocess", "Popen"),
    ("subprocess", "call"),
    ("subprocess", "check_call"),
    ("subprocess", "check_output"),
    ("asyncio", "create_subprocess_exec"),
    ("os", "execv"),
    ("os", "execvp"),
    ("os", "execvpe"),
    ("os", "posix_spawnp"),
}
LOOKUP = {("shutil", "which"), ("programs", "which"), ("programs", "require")}
OWN = "<own>"  # this interpreter or our own entry point
# The lookup module itself takes a name from its callers, and they are scanned.
SKIPPED = {"agent/programs.py", "tests/test_programs.py"}


@dataclass
class Found:
    """What the scan saw: program names, with where; and call sites it could not resolve."""

    programs: dict[str, set[str]] = field(default_factory=dict)
    unresolved: list[str] = field(default_factory=list)


def scan(root: Path, parts: tuple[str, ...] = SCANNED) -> Found:
    """Scan every .py file under root/parts (this scanner and the lookup module aside)."""
    trees: dict[str, ast.Module] = {}
    for part in parts:
        base = root / part
        for path in [base] if base.is_file() else sorted(base.rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if ".venv" not in path.parts and rel not in SKIPPED:
                trees[rel] = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
    index = _Index(trees.values())
    found = Found()
    for rel, tree in trees.items():
        _scan_tree(tree, rel, index, found)
    return found


def missing_from_list(found: Found) -> dict[str, set[str]]:
    """Program → where, for the programs that agent/debian_packages.toml does not list."""
    listed = {p for pkg in programs.packages() for p in pkg.programs}
    return {name: where for name, where in found.programs.items() if name not in listed}


# ---------------------------------------------------------------- the tests


def test_every_program_run_is_in_the_install_list():
    found = scan(ROOT)
    assert not found.unresolved, (
        "cannot tell which program these call sites run; pass a literal argv[0] or use "
        "agent.programs.which/require:\n" + "\n".join(found.unresolved)
    )
    missing = missing_from_list(found)
    assert not missing, (
        "programs run but not in agent/debian_packages.toml (add each with its Debian package): "
        + "; ".join(f"{k} at {', '.join(sorted(v))}" for k, v in sorted(missing.items()))
    )
    # The scan itself must see the programs we know are run, or it is scanning nothing.
    assert {"pulseaudio", "pacat", "mosquitto", "openssl", "xrandr"} <= found.programs.keys()


def test_the_scan_catches_an_unlisted_program(tmp_path):
    pkg = tmp_path / "agent"
    pkg.mkdir()
    (pkg / "ok.py").write_text(
        "import subprocess, shutil\n"
        "from agent import programs\n"
        "def f():\n"
        '    subprocess.run(["pactl", "info"], check=False)\n'
        '    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"\n'
        '    subprocess.Popen([exe, "-c", "x"])\n'
        '    programs.require("openssl")\n',
        encoding="utf-8",
    )
    (pkg / "new.py").write_text(
        "import subprocess\n"
        "def helper(argv):\n"
        "    return subprocess.run(argv, check=False)\n"
        "def g():\n"
        '    helper(["ffmpeg", "-i", "x"])\n'
        '    for tool in ("sox", "pactl"):\n'
        "        shutil.which(tool)\n",
        encoding="utf-8",
    )
    (pkg / "vague.py").write_text(
        "import subprocess\ndef h(self):\n    subprocess.run(self.argv)\n", encoding="utf-8"
    )
    found = scan(tmp_path, ("agent",))
    assert set(found.programs) == {"pactl", "mosquitto", "openssl", "ffmpeg", "sox"}
    assert set(missing_from_list(found)) == {"ffmpeg", "sox"}
    assert found.unresolved == ["agent/vague.py:3"]


def test_install_reads_the_same_list():
    out = subprocess.run(
        [sys.executable, "-m", "agent.programs", "packages", "--need", "agent,optional,demo,dev"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=30,
    )
    listed = {p.name for p in programs.packages() if p.install}
    assert set(out.stdout.split()) == listed
    script = (ROOT / "scripts" / "install").read_text(encoding="utf-8")
    assert "agent.programs packages" in script
    # No package name is written into the script itself: the list is the only place.
    for pkg in listed - {"python3", "python3-venv"}:
        assert f" {pkg} " not in f" {script} ", pkg


def test_missing_program_names_its_package(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(programs, "_SBIN", ())
    with pytest.raises(programs.MissingProgramError) as err:
        programs.require("pactl")
    assert err.value.package == "pulseaudio-utils"
    assert "pulseaudio-utils" in err.value.message
    assert err.value.code == "device_unavailable"
    with pytest.raises(KeyError, match=r"debian_packages\.toml"):
        programs.which("ffmpeg")


def test_installed_list_matches_this_machine_in_ci():
    # In CI, scripts/install --dev has just run: everything it installs must be found.
    if os.environ.get("CI") != "true":
        pytest.skip("only meaningful right after scripts/install --dev")
    absent = [
        prog
        for pkg in programs.packages()
        if pkg.install
        for prog in pkg.programs
        if programs.which(prog) is None and shutil.which(prog) is None
    ]
    assert not absent


# ---------------------------------------------------------------- the scanner

Func = ast.FunctionDef | ast.AsyncFunctionDef


def _dotted(func: ast.expr) -> tuple[str, str] | None:
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return (func.value.id, func.attr)
    return None


def _called_name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


class _Index:
    """Every scanned module: which function encloses each node, and the calls by name."""

    def __init__(self, trees: Iterable[ast.Module]) -> None:
        self.scope: dict[int, Func | ast.Module] = {}  # id(node) → innermost function or module
        self.calls: dict[str, list[ast.Call]] = {}
        self.memo: dict[tuple[int, int], set[str] | None] = {}
        for tree in trees:
            self._enter(tree, tree)

    def _enter(self, node: ast.AST, scope: Func | ast.Module) -> None:
        for child in ast.iter_child_nodes(node):
            self.scope[id(child)] = scope
            if isinstance(child, ast.Call):
                self.calls.setdefault(_called_name(child), []).append(child)
            self._enter(child, child if isinstance(child, Func) else scope)

    def resolve(self, expr: ast.expr, depth: int = 0) -> set[str] | None:
        """Program names `expr` can be, or None when it cannot be told."""
        key = (id(expr), 0)
        if key in self.memo:
            return self.memo[key]
        if depth > 12:
            return None
        self.memo[key] = None  # a cycle resolves to "cannot tell"
        self.memo[key] = result = self._resolve(expr, depth)
        return result

    def _resolve(self, expr: ast.expr, depth: int) -> set[str] | None:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {PurePath(expr.value).name}
        if isinstance(expr, ast.List | ast.Tuple):
            return self.resolve(expr.elts[0], depth + 1) if expr.elts else None
        if isinstance(expr, ast.Starred):
            return self.resolve(expr.value, depth + 1)
        if isinstance(expr, ast.BoolOp):
            parts = [self.resolve(v, depth + 1) for v in expr.values]
            good = [p for p in parts if p is not None]
            return set().union(*good) if good else None
        if isinstance(expr, ast.Call):
            d = _dotted(expr.func)
            if d in LOOKUP and expr.args:
                return self.resolve(expr.args[0], depth + 1)
            if isinstance(expr.func, ast.Name) and expr.func.id in {"str", "Path"} and expr.args:
                return self.resolve(expr.args[0], depth + 1)
            return None
        if isinstance(expr, ast.Subscript) and ast.unparse(expr.slice) == "0":
            return self.resolve(expr.value, depth + 1)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return self.resolve(expr.left, depth + 1)
        if _mentions_own(expr):
            return {OWN}
        if isinstance(expr, ast.Name):
            return self._resolve_name(expr, depth)
        return None

    def _resolve_name(self, name: ast.Name, depth: int) -> set[str] | None:
        scope = self.scope.get(id(name))
        while scope is not None:
            values = _bindings(scope, name.id)
            if values is not None:
                out: set[str] = set()
                for value in values:
                    r = self.resolve(value, depth + 1)
                    if r is None:
                        return None
                    out |= r
                return out
            if isinstance(scope, Func):
                index = _param_index(scope, name.id)
                if index is not None:
                    return self._from_callers(scope, index, depth)
            scope = self.scope.get(id(scope))
        return None

    def _from_callers(self, func: Func, index: int, depth: int) -> set[str] | None:
        out: set[str] = set()
        method = _param_index(func, "self") is not None or _param_index(func, "cls") is not None
        for call in self.calls.get(func.name, []):
            # A function's callers name it; a method's callers reach it through an object.
            if method != isinstance(call.func, ast.Attribute):
                continue
            args = call.args
            if any(isinstance(a, ast.Starred) for a in args):
                return None
            for arg in args if index == -1 else args[index : index + 1]:
                r = self.resolve(arg, depth + 1)
                if r is None:
                    return None
                out |= r
        return out or None


def _bindings(scope: Func | ast.Module, name: str) -> list[ast.expr] | None:
    """The values bound to `name` directly in `scope` (not in nested functions), or None."""
    values: list[ast.expr] = []
    found = False
    todo: list[ast.AST] = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        if isinstance(node, Func | ast.ClassDef | ast.Lambda):
            continue
        todo.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                found = True
                values.append(node.value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            if isinstance(node.target, ast.Name) and node.target.id == name:
                found = True
                values.append(node.value)
        elif isinstance(node, ast.For | ast.comprehension):
            target, it = node.target, node.iter
            # `for v in d.values()` and `for k, v in d.items()`: v is one of d's values.
            d = _dotted(it.func) if isinstance(it, ast.Call) else None
            if isinstance(target, ast.Name) and target.id == name:
                found = True
                if d is not None and d[1] == "values":
                    values.extend(_dict_values(scope, d[0]))
                else:
                    values.extend(it.elts if isinstance(it, ast.Tuple | ast.List) else [it])
            elif isinstance(target, ast.Tuple) and d is not None and d[1] == "items":
                v = target.elts[-1]
                if isinstance(v, ast.Name) and v.id == name:
                    found = True
                    values.extend(_dict_values(scope, d[0]))
    return values if found else None


def _dict_values(scope: Func | ast.Module, name: str) -> list[ast.expr]:
    """The values of the dict literal bound to `name` in `scope`."""
    out: list[ast.expr] = []
    for value in _bindings(scope, name) or []:
        if isinstance(value, ast.Dict):
            out.extend(value.values)
    return out


def _param_index(func: Func, name: str) -> int | None:
    args = [a.arg for a in func.args.args]
    # A method's `self` is not among the arguments of `obj.method(…)`.
    shift = 1 if args[:1] in (["self"], ["cls"]) else 0
    if name in args[:shift]:
        return 0
    if name in args:
        return args.index(name) - shift
    if func.args.vararg is not None and func.args.vararg.arg == name:
        return -1
    return None


def _mentions_own(expr: ast.expr) -> bool:
    text = ast.unparse(expr)
    return "sys.executable" in text or "hnth" in text.lower()


def _scan_tree(tree: ast.Module, rel: str, index: _Index, found: Found) -> None:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        d = _dotted(node.func)
        if d not in SPAWN and d not in LOOKUP:
            continue
        names = index.resolve(node.args[0])
        if names is None:
            found.unresolved.append(f"{rel}:{node.lineno}")
            continue
        for name in names - {OWN}:
            found.programs.setdefault(name, set()).add(f"{rel}:{node.lineno}")
