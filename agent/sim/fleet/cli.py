"""The command line of `hnth-agent sim fleet`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import time

from agent.config import parse_host_port
from agent.errors import UsageError
from agent.i18n import t

log = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the options of `sim fleet`."""
    p.add_argument("--rooms", type=int, default=217, help=t("fleet.opt.rooms"))
    p.add_argument(
        "--broker", default="127.0.0.1:1883", metavar="HOST:PORT", help=t("fleet.opt.broker")
    )
    p.add_argument("--province", default="son-la", help=t("fleet.opt.province"))
    p.add_argument(
        "--interval", type=float, default=60.0, metavar="S", help=t("fleet.opt.interval")
    )
    p.add_argument("--fault-rate", type=float, default=0.1, help=t("fleet.opt.fault_rate"))
    p.add_argument("--keepalive", type=int, default=30, metavar="S", help=t("fleet.opt.keepalive"))
    p.add_argument("--duration", type=float, default=0, metavar="S", help=t("fleet.opt.duration"))


def main(args: argparse.Namespace) -> int:
    """Run the simulated fleet until Ctrl-C (or --duration)."""
    hp = parse_host_port(args.broker)
    if hp is None or not 1 <= args.rooms <= 100_000 or not 0 <= args.fault_rate <= 1:
        raise UsageError(
            t("config.allowed.host_port") if hp is None else "--rooms 1..100000, --fault-rate 0..1"
        )
    from agent.sim.fleet import FleetSettings

    settings = FleetSettings(
        host=hp[0],
        port=hp[1],
        rooms=args.rooms,
        province=args.province,
        interval_s=args.interval,
        fault_rate=args.fault_rate,
        keepalive_s=args.keepalive,
    )
    from agent.sim.fleet import Fleet

    fleet = Fleet(settings)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: fleet._stop.set() if fleet._stop else None)

        def ready() -> None:
            if fleet.failed:
                print(
                    t(
                        "fleet.connect_failed",
                        n=len(fleet.failed),
                        broker=args.broker,
                        error=fleet.failed[0],
                    )
                )
            print(
                t(
                    "fleet.started",
                    n=len(fleet.rooms) - len(fleet.failed),
                    province=args.province,
                    broker=args.broker,
                )
            )

        await fleet.run(args.duration, ready)

    started = time.monotonic()
    asyncio.run(run())
    log.info("fleet ran %.0f s, %d publishes", time.monotonic() - started, fleet.published)
    return 1 if len(fleet.failed) == len(fleet.rooms) else 0
