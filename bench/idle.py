"""The idle daemon's footprint against a bare `python3` sleeping, measured in the same run.

Run: .venv/bin/python bench/idle.py [--seconds 60] [--no-broker] [--pulse] [--json]
Goals: RSS <= 3x the bare interpreter, CPU <= 0.5 % of one core. The daemon runs on default
settings, so its event sources are on (inotify on the device paths; udev where it runs);
--pulse also gives it a PulseAudio room to watch (pulsectl loaded, its event thread on).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

HNTH = str(Path(sys.executable).parent / "hnth-agent")


def sample(proc: psutil.Process, seconds: float) -> dict[str, float]:
    """Average CPU % over `seconds` and the peak RSS seen, sampling once a second."""
    t0 = proc.cpu_times()
    w0 = time.monotonic()
    peak = 0
    while time.monotonic() - w0 < seconds:
        peak = max(peak, sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]))
        time.sleep(1)
    t1 = proc.cpu_times()
    wall = time.monotonic() - w0
    cpu = (t1.user + t1.system - t0.user - t0.system) / wall * 100
    return {"rss_mb": round(peak / 2**20, 1), "cpu_pct": round(cpu, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--no-broker", action="store_true", help="run without MQTT")
    ap.add_argument("--pulse", action="store_true", help="with a PulseAudio room to watch")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        broker = None
        mqtt = ""
        if not args.no_broker:
            from agent.sim.broker import Mosquitto

            broker = Mosquitto(Path(tmp) / "broker").start()
            mqtt = f'[mqtt]\nhost = "{broker.host}"\nport = {broker.port}\n'
        cfg = Path(tmp) / "config.toml"
        cfg.write_text(
            f'[agent]\nstate_dir = "{tmp}/state"\n[room]\nprovince = "bench"\nid = "idle"\n'
            '[checks]\nenabled = ["host", "time", "network"]\n[host]\ncpu_sample_s = 0\n' + mqtt,
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
        room = None
        if args.pulse:
            from agent.sim.pulse import PulseRoom

            room = PulseRoom(Path(tmp) / "pa").start()
            env.update(room.env)
        daemon = subprocess.Popen(
            [HNTH, "run", "--config", str(cfg)], env=env, stderr=subprocess.DEVNULL
        )
        bare = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1e6)"])
        try:
            time.sleep(5)  # past the startup check
            # Measure both in the same window so machine noise hits them alike.
            import threading

            out: dict[str, dict[str, float]] = {}
            th = threading.Thread(
                target=lambda: out.__setitem__(
                    "bare", sample(psutil.Process(bare.pid), args.seconds)
                )
            )
            th.start()
            out["daemon"] = sample(psutil.Process(daemon.pid), args.seconds)
            th.join()
            alive = daemon.poll() is None
        finally:
            for p in (daemon, bare):
                p.terminate()
                p.wait(10)
            if broker is not None:
                broker.stop()
            if room is not None:
                room.stop()
    ratio = out["daemon"]["rss_mb"] / out["bare"]["rss_mb"]
    result = {
        "bench": "idle",
        "seconds": args.seconds,
        "broker": broker is not None,
        "pulse": args.pulse,
        "daemon": out["daemon"],
        "bare_python": out["bare"],
        "rss_ratio": round(ratio, 2),
        "daemon_alive": alive,
    }
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"idle daemon for {args.seconds:g} s ({'with' if broker else 'without'} a local broker"
        f"{', watching a PulseAudio room' if args.pulse else ''})"
    )
    for name, row in (("daemon", out["daemon"]), ("bare python", out["bare"])):
        print(f"  {name:<12} RSS {row['rss_mb']:6.1f} MB   CPU {row['cpu_pct']:.3f} %")
    print(f"  RSS ratio {ratio:.2f}x (goal <= 3x); daemon CPU goal <= 0.5 %")


if __name__ == "__main__":
    main()
