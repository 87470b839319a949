"""Startup cost of the CLI, as ratios against `python -c pass` measured in the same run.

Run: .venv/bin/python bench/startup.py [--runs N] [--json]
Goal: `hnth-agent --help` <= 3x `python -c pass`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HNTH = str(Path(sys.executable).parent / "hnth-agent")


def median_wall(argv: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        subprocess.run(argv, env=env, check=False, **quiet)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "config.toml"
        cfg.write_text(f'[agent]\nstate_dir = "{tmp}"\n[host]\ncpu_sample_s = 0\n')
        env = {**os.environ, "HNTH_AGENT_CONFIG": str(cfg)}
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "hnth-agent --help": [HNTH, "--help"],
            "hnth-agent check --only host --json": [HNTH, "check", "--only", "host", "--json"],
        }
        # Interleave warm-up so the page cache treats every case alike.
        for argv in cases.values():
            median_wall(argv, 2, env)
        results = {name: median_wall(argv, args.runs, env) for name, argv in cases.items()}
    base = results["python -c pass"]
    rows = {
        name: {"median_ms": round(v * 1000, 1), "ratio": round(v / base, 2)}
        for name, v in results.items()
    }
    if args.json:
        print(json.dumps({"bench": "startup", "runs": args.runs, "results": rows}))
        return
    print(f"startup, median of {args.runs} runs ([host] cpu_sample_s = 0)")
    for name, row in rows.items():
        print(f"  {name:<40} {row['median_ms']:>7.1f} ms  {row['ratio']:>5.2f}x")
    goal = rows["hnth-agent --help"]["ratio"]
    print(f"goal: --help <= 3x python -c pass: {'met' if goal <= 3 else 'NOT met'} ({goal}x)")


if __name__ == "__main__":
    main()
