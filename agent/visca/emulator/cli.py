"""`hnth-agent sim visca`: run the emulator until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Final

from agent.errors import UsageError
from agent.i18n import t, tn
from agent.ptz_emulator import serve_until_signalled
from agent.visca.emulator.device import Emulator
from agent.visca.emulator.profiles import MODELS
from agent.visca.emulator.usecases import Fault

HELP_KEY: Final = "ptz.sim.help"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the options of `sim visca`."""
    p.add_argument("--pty", action="store_true", help=t("ptz.sim.opt.pty"))
    p.add_argument("--link", metavar="PATH", help=t("ptz.sim.opt.link"))
    p.add_argument(
        "--listen", metavar="URL", action="append", default=[], help=t("ptz.sim.opt.listen")
    )
    p.add_argument("--cameras", type=int, default=1, metavar="N", help=t("ptz.sim.opt.cameras"))
    p.add_argument("--baud", type=int, default=9600, help=t("ptz.sim.opt.baud"))
    p.add_argument("--field-hz", type=float, default=50.0, help=t("ptz.sim.opt.field_hz"))
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        choices=[f.value for f in Fault],
        help=t("ptz.sim.opt.fault"),
    )
    p.add_argument("--hang", metavar="HEX", action="append", default=[], help=t("ptz.sim.opt.hang"))
    p.add_argument("--drop-rate", type=float, default=0.05, help=t("ptz.sim.opt.drop_rate"))
    p.add_argument("--slow-ms", type=float, default=300.0, help=t("ptz.sim.opt.slow_ms"))
    p.add_argument("--motion-scale", type=float, default=1.0, help=t("ptz.sim.opt.motion_scale"))
    p.add_argument("--presets", type=int, default=255, help=t("ptz.sim.opt.presets"))
    p.add_argument("--nibbles", type=int, choices=[4, 5], default=4, help=t("ptz.sim.opt.nibbles"))
    p.add_argument("--profile", choices=list(MODELS), default="sony", help=t("ptz.sim.opt.profile"))
    p.add_argument("--speed-zero", action="store_true", help=t("ptz.sim.opt.speed_zero"))
    p.add_argument("--no-zoom-inquiry", action="store_true", help=t("ptz.sim.opt.no_zoom_inquiry"))
    p.add_argument("--allow-remote", action="store_true", help=t("ptz.sim.opt.allow_remote"))


def main(args: argparse.Namespace) -> int:
    """Run the emulator until Ctrl-C or SIGTERM."""
    if not args.pty and not args.link and not args.listen:
        raise UsageError(t("ptz.sim.nothing"))
    try:
        hangs = [bytes.fromhex(h) for h in args.hang]
    except ValueError:
        raise UsageError(t("ptz.sim.bad_hex", value=" ".join(args.hang))) from None
    base = MODELS[args.profile]
    model = dataclasses.replace(
        base,
        presets=args.presets,
        position_nibbles=args.nibbles,
        accepts_speed_zero=base.accepts_speed_zero or args.speed_zero,
        zoom_inquiry=base.zoom_inquiry and not args.no_zoom_inquiry,
    )
    emu = Emulator(
        args.cameras, baud=args.baud, field_hz=args.field_hz, model=model, faults=args.fault
    )
    emu.faults.drop_rate = args.drop_rate
    emu.faults.slow_ms = args.slow_ms
    emu.faults.hang_prefixes.extend(hangs)
    emu.usecases.set_motion_scale(args.motion_scale)

    def start() -> None:
        endpoints = []
        if args.pty or args.link:
            endpoints.append(emu.add_pty(args.link))
        endpoints += [emu.add_listener(u, allow_remote=args.allow_remote) for u in args.listen]
        emu.start()
        for ep in endpoints:
            print(ep, flush=True)
        print(
            t(
                "ptz.sim.running",
                n=args.cameras,
                baud=args.baud,
                field_hz=f"{args.field_hz:g}",
                faults=", ".join(args.fault) or "-",
            ),
            file=sys.stderr,
            flush=True,
        )

    serve_until_signalled(start, emu.close)
    print(tn("ptz.sim.stopped", len(emu.requests)), file=sys.stderr, flush=True)
    return 0
