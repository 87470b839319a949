"""VISCA latency against the emulator on a pty, paced at 9600 baud and 50 Hz.

Reports command → ACK and inquiry round trips (median, p99) next to the floor
(wire time both ways + one video field) and next to a baseline measured in the
same run: a minimal raw client (write, read until FF) on the same pty. Then the
STOP latency while another command hangs unanswered.

    .venv/bin/python bench/visca_latency.py [--n 100] [--baud 9600] [--field-hz 50] [--no-pelco]

Prints a table, then one JSON line. Then, unless --no-pelco, the Pelco figures
(bench/pelco_latency.py, run as its own process: command → bytes on the wire against
the wire-time floor at 2400 and 9600 baud, STOP during a move): its table and JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import termios
import threading
import time
import tty
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.visca import Camera, CommandSupersededError, Timeouts  # noqa: E402
from agent.visca import commands as c  # noqa: E402


def p99(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def start_emulator(link, baud, field_hz):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agent",
            "sim",
            "visca",
            "--link",
            link,
            "--baud",
            str(baud),
            "--field-hz",
            str(field_hz),
            "--hang",
            "01043F02",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout.readline().strip() == link
    return proc


class RawClient:
    """The baseline: no threads, no session; write a packet, read until the reply's FF."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)
        termios.tcflush(self.fd, termios.TCIOFLUSH)

    def exchange(self, packet, replies):
        os.write(self.fd, packet)
        t0 = time.monotonic()
        got, buf, first = 0, b"", None
        while got < replies:
            ready, _, _ = select.select([self.fd], [], [], 1.0)
            if not ready:
                raise TimeoutError
            buf += os.read(self.fd, 64)
            while b"\xff" in buf:
                pkt, buf = buf.split(b"\xff", 1)
                if pkt[1:2] == b"\x38":
                    continue  # network change
                got += 1
                if first is None:
                    first = time.monotonic()
        return (first - t0) * 1000

    def close(self):
        os.close(self.fd)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--baud", type=int, default=9600)
    ap.add_argument("--field-hz", type=float, default=50.0)
    ap.add_argument("--pelco", action=argparse.BooleanOptionalAction, default=True)
    args = ap.parse_args()
    bt = 10_000 / args.baud  # ms per byte, 8N1
    field = 1000 / args.field_hz

    def floor(out_bytes, in_bytes):
        return (out_bytes + in_bytes) * bt + field

    tmp = tempfile.mkdtemp()
    link = str(Path(tmp) / "ttyVISCA")
    proc = start_emulator(link, args.baud, args.field_hz)
    rows = {}
    try:
        # -- baseline: the raw client on the same pty
        raw = RawClient(link)
        time.sleep(0.1)
        drive = c.drive("left", 1, 1).packet(1)
        base = {
            "drive_ack": [raw.exchange(drive, 2) for _ in range(args.n)],
            "power_inquiry": [raw.exchange(c.power_inquiry().packet(1), 1) for _ in range(args.n)],
            "position_inquiry": [
                raw.exchange(c.position_inquiry().packet(1), 1) for _ in range(args.n)
            ],
        }
        raw.exchange(c.stop().packet(1), 2)
        raw.close()

        # -- the camera client
        cam = Camera(link, timeouts=Timeouts(ack_ms=2000, immediate_ms=2000))
        cam.version()
        ours = {"drive_ack": [], "power_inquiry": [], "position_inquiry": []}
        for _ in range(args.n):
            ours["drive_ack"].append(cam.execute(c.drive("left", 1, 1)).ack_ms)
        cam.stop()
        for _ in range(args.n):
            ours["power_inquiry"].append(cam.execute(c.power_inquiry()).done_ms)
        for _ in range(args.n):
            ours["position_inquiry"].append(cam.execute(c.position_inquiry()).done_ms)
        floors = {
            "drive_ack": floor(9, 3),
            "power_inquiry": floor(5, 4),
            "position_inquiry": floor(5, 11),
        }
        for name, values in ours.items():
            med = statistics.median(values)
            rows[name] = {
                "median_ms": round(med, 2),
                "p99_ms": round(p99(values), 2),
                "floor_ms": round(floors[name], 2),
                "overhead_ms": round(med - floors[name], 2),
                "baseline_median_ms": round(statistics.median(base[name]), 2),
                "vs_baseline": round(med / statistics.median(base[name]), 3),
            }

        # -- STOP while a preset recall hangs unanswered (the emulator ignores 01 04 3F 02)
        stop_ack, stop_call, superseded = [], [], 0
        for _ in range(max(10, args.n // 5)):
            errors: list[str] = []

            def recall(errors=errors):
                try:
                    cam.preset_recall(1)
                except CommandSupersededError:
                    errors.append("superseded")
                except Exception as exc:  # reported below, never silently
                    errors.append(repr(exc))

            th = threading.Thread(target=recall)
            th.start()
            time.sleep(0.03)  # the recall is on the wire and waiting for an ACK that never comes
            t0 = time.monotonic()
            result = cam.execute(c.stop(), jump=True)
            stop_call.append((time.monotonic() - t0) * 1000)
            stop_ack.append(result.ack_ms)
            th.join(5)
            superseded += errors == ["superseded"]
            if errors != ["superseded"]:
                print("unexpected outcome of the hung recall:", errors, file=sys.stderr)
        stop_floor = floor(9, 3)
        rows["stop_while_hung"] = {
            "median_ms": round(statistics.median(stop_ack), 2),
            "p99_ms": round(p99(stop_ack), 2),
            "floor_ms": round(stop_floor, 2),
            "overhead_ms": round(statistics.median(stop_ack) - stop_floor, 2),
            "vs_floor": round(statistics.median(stop_ack) / stop_floor, 3),
            "call_median_ms": round(statistics.median(stop_call), 2),
            "hung_superseded": f"{superseded}/{len(stop_ack)}",
        }
        cam.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=5)
        proc.stdout.close()

    print(f"VISCA latency, emulator on a pty at {args.baud} baud, {args.field_hz:g} Hz, n={args.n}")
    print(
        f"{'exchange':<18}{'median':>9}{'p99':>9}{'floor':>9}{'over':>8}{'baseline':>10}{'ratio':>8}"
    )
    for name, r in rows.items():
        ref = r.get("baseline_median_ms", r["floor_ms"])
        ratio = r.get("vs_baseline", r.get("vs_floor"))
        print(
            f"{name:<18}{r['median_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['floor_ms']:>9.2f}"
            f"{r['overhead_ms']:>8.2f}{ref:>10.2f}{ratio:>8.3f}"
        )
    s = rows["stop_while_hung"]
    print(
        f"STOP call returns after {s['call_median_ms']} ms (Completion included); "
        f"hung commands superseded: {s['hung_superseded']}"
    )
    goals = {
        "median_overhead_le_2ms": all(
            rows[k]["overhead_ms"] <= 2.0
            for k in ("drive_ack", "power_inquiry", "position_inquiry")
        ),
        "stop_le_1_floor": s["median_ms"] <= s["floor_ms"] * 1.0 + 2.0,
    }
    print("goals:", goals)
    print(
        json.dumps(
            {
                "bench": "visca_latency",
                "baud": args.baud,
                "field_hz": args.field_hz,
                "n": args.n,
                "results": rows,
                "goals": goals,
            }
        )
    )
    if args.pelco:
        sys.stdout.flush()
        pelco = ROOT / "bench" / "pelco_latency.py"
        subprocess.run([sys.executable, str(pelco), "--n", str(args.n)], check=True)


if __name__ == "__main__":
    main()
