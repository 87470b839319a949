"""Light commands must not load OpenCV, numpy, PortAudio or paho: the idle daemon stays small."""

from __future__ import annotations

import subprocess
import sys

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
