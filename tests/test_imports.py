"""Light commands must not load OpenCV, numpy, PortAudio or paho: the idle daemon stays small.

And the room agent never loads the central side.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("cv2", "numpy", "sounddevice", "paho")

PROBE = """
import sys, contextlib, io
from agent.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main({argv!r})
    except SystemExit:
        pass
print(",".join(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def loaded_after(argv: list[str], tmp_path) -> set[str]:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[agent]\nstate_dir = "{tmp_path}"\n[host]\ncpu_sample_s = 0\n')
    full = [*argv, "--config", str(cfg)] if argv[0] != "--help" else argv
    code = PROBE.format(argv=full, heavy=HEAVY)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    last = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    return set(filter(None, last.split(",")))


def test_help_loads_nothing_heavy(tmp_path):
    assert loaded_after(["--help"], tmp_path) == set()


def test_light_checks_load_nothing_heavy(tmp_path):
    assert loaded_after(["check", "--only", "host,time,network", "--json"], tmp_path) == set()


# The central side is its own package (the `central` extra); a room PC must never load it.
NO_CENTRAL = """
import sys
import agent.cli, agent.service
from agent.cli import main
from agent.i18n import catalog
import contextlib, io
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(["--help"])
    except SystemExit:
        pass
loaded = sorted(m for m in sys.modules if m == "central" or m.startswith("central."))
board_keys = sorted(k for k in catalog() if k.startswith("board."))
print(loaded, board_keys[:3])
"""


def test_the_agent_never_imports_central():
    out = subprocess.run(
        [sys.executable, "-c", NO_CENTRAL], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[] []", out.stdout


def test_board_without_the_central_package_says_which_extra_to_install(tmp_path):
    # A room PC's install: the agent package alone. `-S` skips site-packages, and with them the
    # editable install that would find central/ in this checkout; `-E` ignores PYTHONPATH.
    shutil.copytree(
        ROOT / "agent", tmp_path / "agent", ignore=shutil.ignore_patterns("__pycache__")
    )
    for argv in (["board"], ["report", "availability", "--month", "2026-01"]):
        proc = subprocess.run(
            [sys.executable, "-S", "-E", "-m", "agent", *argv, "--lang", "en"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            cwd=tmp_path,
        )
        assert proc.returncode == 3, proc.stderr
        assert "Traceback" not in proc.stderr
        assert f"'{argv[0]}' runs at the centre and needs the central package" in proc.stderr
        assert "pip install 'hnth-agent[central]'" in proc.stderr


# The config layer sits below the scheduler and the camera packages: its validators use the
# grammars in agent.config_fields and agent.ptz_url, so loading a config imports neither.
CONFIG_ONLY = """
import sys
import agent.config
agent.config.loads('[schedule]\\nweekly = ["mon 08:00 120 Giao ban"]\\n'
                   'ics_file = "webcal://example.org/c.ics"\\n'
                   '[ptz]\\nport = "pelco-d:///dev/ttyUSB0?address=3"\\n')
above = ("agent.schedule", "agent.ptz", "agent.pelco", "agent.visca", "agent.mqtt")
print(sorted(m for m in sys.modules if m in above or m.startswith(tuple(a + "." for a in above))))
"""


def test_config_imports_nothing_above_it():
    out = subprocess.run(
        [sys.executable, "-c", CONFIG_ONLY], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]", out.stdout
