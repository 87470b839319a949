"""Events through the SQLite outbox to a real mosquitto, against a bare paho QoS 1 loop.

Run: .venv/bin/python bench/mqtt_outbox.py [--events 5000] [--rounds 3] [--replay 10000] [--json]
Reports, in one run and against the same broker:
- events/s through Link.emit → outbox → PUBACK → delete, and a bare paho QoS 1 publish loop
  (loop_start, publish, count on_publish) of the same events, built with the same
  payload code; goal ratio >= 0.5.
  The two alternate for `--rounds` rounds and the medians are compared, because the
  machine is shared and a single round swings by ±30 %;
- the time to replay `--replay` events queued while the broker was down, once it is back.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent import config as config_mod  # noqa: E402
from agent.contract import payloads  # noqa: E402
from agent.mqtt.link import Link  # noqa: E402
from agent.sim.broker import Mosquitto  # noqa: E402

PAD = "x" * 120  # an event is ~250 bytes of JSON, like a real alert


def bare_paho(host: str, port: int, n: int) -> float:
    """Events per second of a plain paho QoS 1 publish loop (the baseline)."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    done = threading.Event()
    acked = [0]

    def on_publish(*_: object) -> None:
        acked[0] += 1
        if acked[0] >= n:
            done.set()

    c = paho.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id="bare", protocol=paho.MQTTv5
    )
    c.max_inflight_messages_set(100)
    c.on_publish = on_publish
    c.connect(host, port)
    c.loop_start()
    t0 = time.perf_counter()
    for i in range(n):
        # The same event, built the same way: the comparison is about the outbox, not JSON.
        body = payloads.encode(payloads.event("bench", boot_id="b" * 32, seq=i, n=i, pad=PAD))
        c.publish("hnth/v1/bench/_/bare/events", body, qos=1)
    done.wait(300)
    elapsed = time.perf_counter() - t0
    c.disconnect()
    c.loop_stop()
    return n / elapsed


def make_link(tmp: Path, broker: Mosquitto, name: str, max_events: int) -> Link:
    """A Link for room `name` on `broker` with its own state dir."""
    text = (
        f'[agent]\nstate_dir = "{tmp / name}"\n[room]\nprovince = "bench"\nid = "{name}"\n'
        f'[mqtt]\nhost = "{broker.host}"\nport = {broker.port}\noutbox_max_events = {max_events}\n'
    )
    return Link(config_mod.loads(text))


def outbox_rate(tmp: Path, broker: Mosquitto, n: int) -> float:
    """Events per second through Link.emit → outbox → broker → delete."""
    link = make_link(tmp, broker, "live", n * 2)
    link.start(emit_started=False)
    link.wait_connected(10)
    t0 = time.perf_counter()
    for i in range(n):
        link.emit("bench", n=i, pad=PAD)
    left = link.wait_drained(300)
    elapsed = time.perf_counter() - t0
    link.stop()
    assert left == 0, f"{left} events not delivered"
    return n / elapsed


def replay_time(tmp: Path, broker: Mosquitto, n: int) -> tuple[float, float]:
    """(seconds to queue n events with the broker down, seconds to deliver them once it is up)."""
    broker.kill()
    link = make_link(tmp, broker, "replay", n * 2)
    link.start(emit_started=False)
    t0 = time.perf_counter()
    for i in range(n):
        link.emit("bench", n=i, pad=PAD)
    queued = time.perf_counter() - t0
    broker.start()
    link.client.kick()
    t1 = time.perf_counter()
    left = link.wait_drained(300)
    replay = time.perf_counter() - t1
    link.stop()
    assert left == 0, f"{left} events not replayed"
    return queued, replay


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--replay", type=int, default=10_000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        with Mosquitto(tmp / "broker") as broker:
            bare_paho(broker.host, broker.port, 500)  # warm up the broker and the caches
            bares, outboxes = [], []
            for r in range(args.rounds):
                bares.append(bare_paho(broker.host, broker.port, args.events))
                outboxes.append(outbox_rate(tmp / f"r{r}", broker, args.events))
            bare, outbox = statistics.median(bares), statistics.median(outboxes)
            queued, replay = replay_time(tmp, broker, args.replay)
    result = {
        "events": args.events,
        "bare_paho_eps": round(bare),
        "outbox_eps": round(outbox),
        "ratio": round(outbox / bare, 2),
        "rounds": [round(o / b, 2) for o, b in zip(outboxes, bares, strict=True)],
        "goal_ratio": 0.5,
        "replay_events": args.replay,
        "queue_s": round(queued, 2),
        "replay_s": round(replay, 2),
        "replay_eps": round(args.replay / replay),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"bare paho QoS 1 : {result['bare_paho_eps']:>7} events/s")
        print(f"through outbox  : {result['outbox_eps']:>7} events/s")
        print(f"ratio (medians) : {result['ratio']} (goal >= 0.5); per round {result['rounds']}")
        print(
            f"replay {args.replay} events after an outage: {result['replay_s']} s "
            f"({result['replay_eps']} events/s; queueing them took {result['queue_s']} s)"
        )


if __name__ == "__main__":
    main()
