"""A real agent process for the MQTT tests: runs the Link, emits events, waits to be killed.

    python -m tests.mqtt.agent_proc CONFIG [--emit N] [--then drain|wait|exit]

Prints `ready <boot_id>` once started, `emitted <n>` after its events are in the outbox,
`drained <left>` after waiting for delivery. With `--then wait` it sleeps until killed.
"""

from __future__ import annotations

import argparse
import sys
import time

from agent import config as config_mod
from agent.mqtt.link import Link


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("config")
    p.add_argument("--emit", type=int, default=0)
    p.add_argument("--then", choices=["drain", "wait", "exit", "write-forever"], default="wait")
    p.add_argument("--drain-timeout", type=float, default=30.0)
    args = p.parse_args()
    cfg = config_mod.load(args.config)
    link = Link(cfg)
    link.start()
    print("ready", link.boot_id, flush=True)
    for i in range(args.emit):
        link.emit("test.event", n=i)
    print("emitted", args.emit, flush=True)
    if args.then == "write-forever":
        i = 0
        while True:
            link.emit("test.event", n=i, pad="x" * 200)
            i += 1
    if args.then == "drain":
        left = link.wait_drained(args.drain_timeout)
        print("drained", left, flush=True)
        link.stop()
        return 0 if left == 0 else 1
    if args.then == "wait":
        while True:
            time.sleep(1)
    link.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
