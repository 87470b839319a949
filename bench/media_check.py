"""Media checks together vs alone, and the RSS OpenCV costs.

Runs against the simulated room (a PulseAudio room, a live MJPEG-over-HTTP camera at 30 fps,
a DRM sysfs tree), so it needs no hardware. Prints one JSON object. Times are medians of
--repeat runs measured in this process, so every figure is a ratio against a baseline taken
in the same run. Exit 1 when together > 1.3 x the longest single check.

    .venv/bin/python bench/media_check.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NAMES = ("camera", "microphone", "speaker", "display")
GOAL = 1.3
CAMERA = (
    "import sys\n"
    "from agent.sim.video import MjpegCamera\n"
    "cam = MjpegCamera().start()\n"
    "print(cam.url, flush=True)\n"
    "sys.stdin.read()\n"
    "cam.close()\n"
)


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    rss_bare = rss_mb()
    from agent import config as config_mod
    from agent.checks import CheckContext, Status
    from agent.checks.runner import run_checks
    from agent.sim.drm import Screen, write_tree
    from agent.sim.pulse import PulseRoom

    rss_agent = rss_mb()
    with tempfile.TemporaryDirectory(prefix="bench-media-") as tmp:
        base = Path(tmp)
        room = PulseRoom(base / "pa").start()
        try:
            os.environ.update(room.env)
            room.ambient(-45)
            rss_before_cv2 = rss_mb()
            import cv2  # noqa: F401 - measured on purpose: what OpenCV adds to the process

            rss_cv2 = rss_mb()
            # The simulated camera runs in its own process so its frames do not count as ours.
            cam = subprocess.Popen(
                [sys.executable, "-c", CAMERA],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=Path(__file__).resolve().parent.parent,
            )
            assert cam.stdout is not None
            url = cam.stdout.readline().strip()
            write_tree(base / "drm", {"HDMI-A-1": Screen(name="Bench TV")})
            cfg = config_mod.loads(
                f"""
[agent]
state_dir = "{base / "state"}"
[camera]
source = "{url}"
[microphone]
device = "room_mic"
[speaker]
device = "room_speaker"
[display]
sysfs_root = "{base / "drm"}"
expect_connectors = ["HDMI-A-1"]
cec = false
"""
            )
            ctx = CheckContext(cfg, lang="en")
            run_checks(list(NAMES), ctx)  # warm up: imports, PortAudio init, file cache
            rss_warm = rss_mb()

            def timed(names: list[str]) -> float:
                t0 = time.perf_counter()
                report = run_checks(names, ctx)
                took = time.perf_counter() - t0
                bad = [c for c in report.checks if c.status is not Status.PASS]
                if bad:
                    raise SystemExit(f"bench room is not healthy: {bad}")
                return took

            alone = {n: statistics.median(timed([n]) for _ in range(args.repeat)) for n in NAMES}
            together = statistics.median(timed(list(NAMES)) for _ in range(args.repeat))
            rss_end = rss_mb()
        finally:
            if cam.stdin:
                cam.stdin.close()
            cam.wait(timeout=10)
            room.stop()
    longest = max(alone.values())
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {
        "alone_s": {k: round(v, 3) for k, v in alone.items()},
        "together_s": round(together, 3),
        "together_vs_sum": round(together / sum(alone.values()), 3),
        "together_vs_longest": round(together / longest, 3),
        "goal_together_vs_longest": GOAL,
        "goal_met": together / longest <= GOAL,
        "rss_mb": {
            "bare_interpreter": round(rss_bare, 1),
            "agent_imported": round(rss_agent, 1),
            "before_cv2": round(rss_before_cv2, 1),
            "cv2_imported": round(rss_cv2, 1),
            "after_first_run": round(rss_warm, 1),
            "after_all_runs": round(rss_end, 1),
            "peak": round(peak_kb / 1024, 1),
        },
        "peak_rss_vs_bare": round(peak_kb / 1024 / rss_bare, 2),
        "cv2_import_mb": round(rss_cv2 - rss_before_cv2, 1),
    }
    print(json.dumps(result, indent=2))
    return 0 if result["goal_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
