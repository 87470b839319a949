"""From a device event to the broker: how long until central hears that a device went or came.

Run: .venv/bin/python bench/device_events.py [--trials 10] [--json]

A real daemon (default settings: device watching on) on a real mosquitto, with a PulseAudio
room and a camera that is a real video file. Each trial takes a device away and puts it back:
the camera's source deleted and restored, the microphone's PulseAudio source unloaded and
loaded. The time is from the change to the `alert.raised` / `alert.cleared` event arriving at
a subscriber (the way back includes testing the device again). Goal: within 10 s. The
baseline, measured in the same run, is what no agent can beat: one publish from a plain
client to the same subscriber through the same broker.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HNTH = str(Path(sys.executable).parent / "hnth-agent")
BASE = "hnth/v2/bench/events"


class Events:
    """A subscriber that timestamps every alert event as it arrives."""

    def __init__(self, broker: Any) -> None:
        from agent.mqtt.client import ClientSettings, MqttClient

        self.client = MqttClient(ClientSettings(host=broker.host, port=broker.port, client_id="b"))
        self.client.start()
        assert self.client.wait_connected(5)
        self.client.subscribe(f"{BASE}/events")
        self.seen: list[tuple[float, dict[str, Any]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            msg = self.client.get_message(0.05)
            if msg is not None:
                self.seen.append((time.monotonic(), json.loads(msg.payload)))

    def wait(self, kind: str, check: str, after: float, timeout: float = 30) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, body in list(self.seen):
                if at >= after and body.get("kind") == kind and body.get("check") == check:
                    return at - after
            time.sleep(0.005)
        msg = f"no {kind} for {check} within {timeout} s"
        raise TimeoutError(msg)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.client.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from agent.sim.broker import Mosquitto
    from agent.sim.pulse import PulseRoom
    from agent.sim.video import write_clips

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        broker = Mosquitto(root / "broker").start()
        room = PulseRoom(root / "pa").start()
        clip = write_clips(root / "clips", seconds=1.2)["moving"]
        source = root / "cam" / "video0.avi"
        source.parent.mkdir()
        shutil.copy(clip, source)
        cfg = root / "config.toml"
        cfg.write_text(
            f'[agent]\nstate_dir = "{root / "state"}"\nsocket = "{root / "agent.sock"}"\n'
            '[room]\nprovince = "bench"\nid = "events"\n'
            f'[camera]\nsource = "{source}"\nseconds = 0.5\n'
            '[microphone]\ndevice = "room_mic"\nseconds = 0.5\n'
            '[checks]\nenabled = ["camera", "microphone"]\n'
            f'[mqtt]\nhost = "{broker.host}"\nport = {broker.port}\n'
            "[schedule]\nperiodic_min = 60\n",
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
        env.update(room.env)
        events = Events(broker)
        room.ambient(-45)
        daemon = subprocess.Popen(
            [HNTH, "run", "--config", str(cfg)], env=env, stderr=subprocess.DEVNULL
        )
        out: dict[str, list[float]] = {
            k: [] for k in ("camera gone", "camera back", "mic gone", "mic back")
        }
        try:
            deadline = time.monotonic() + 30
            while not any(b.get("kind") == "check.completed" for _, b in events.seen):
                if time.monotonic() > deadline:
                    raise TimeoutError("the daemon did not report")
                time.sleep(0.05)
            baseline = _broker_round_trip(broker, events)
            saved = root / "saved.avi"
            for i in range(args.trials):
                at = time.monotonic()
                shutil.move(source, saved)
                out["camera gone"].append(events.wait("alert.raised", "camera", at))
                at = time.monotonic()
                shutil.copy(saved, source)
                out["camera back"].append(events.wait("alert.cleared", "camera", at))
                at = time.monotonic()
                room.unload_mic()
                out["mic gone"].append(events.wait("alert.raised", "microphone", at))
                at = time.monotonic()
                room.replug_mic()
                out["mic back"].append(events.wait("alert.cleared", "microphone", at))
                if not args.json:
                    print(f"  trial {i + 1}/{args.trials}", file=sys.stderr)
        finally:
            daemon.terminate()
            daemon.wait(10)
            events.close()
            room.stop()
            broker.stop()
    result = {
        "bench": "device_events",
        "trials": args.trials,
        "baseline_broker_s": round(baseline, 4),
        "seconds": {
            k: {
                "median": round(statistics.median(v), 3),
                "p99": round(_p99(v), 3),
                "max": round(max(v), 3),
            }
            for k, v in out.items()
        },
        "goal_s": 10.0,
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"from a device event to the broker, {args.trials} trials each (goal: within 10 s)")
    for k, v in result["seconds"].items():
        print(
            f"  {k:<12} median {v['median']:6.3f} s   p99 {v['p99']:6.3f} s   max {v['max']:6.3f} s"
        )
    print(f"  baseline: one plain publish through the same broker {baseline * 1000:.1f} ms")


def _broker_round_trip(broker: Any, events: Events) -> float:
    from agent.mqtt.client import ClientSettings, MqttClient

    pub = MqttClient(ClientSettings(host=broker.host, port=broker.port, client_id="p"))
    pub.start()
    assert pub.wait_connected(5)
    times = []
    for _ in range(20):
        at = time.monotonic()
        pub.publish_wait(f"{BASE}/events", json.dumps({"kind": "ping", "check": "-"}).encode())
        times.append(events.wait("ping", "-", at))
    pub.stop()
    return statistics.median(times)


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


if __name__ == "__main__":
    main()
