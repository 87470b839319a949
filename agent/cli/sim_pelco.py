"""`hnth-agent sim pelco`: a Pelco-D/P camera on a pty until Ctrl-C or SIGTERM.

Prints the device path on stdout (first line), so a script or a test can open it:
`hnth-agent sim pelco --pty --protocol d --address 1 --baud 2400`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Final

from agent.errors import UsageError
from agent.i18n import t, tn
from agent.pelco.emulator import Emulator, Fault, Model
from agent.pelco.protocol import ADDRESS_RANGE, Variant
from agent.ptz_emulator import serve_until_signalled

HELP_KEY: Final = "pelco.sim.help"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the options of `sim pelco`."""
    p.add_argument("--pty", action="store_true", help=t("pelco.sim.opt.pty"))
    p.add_argument("--link", metavar="PATH", help=t("pelco.sim.opt.link"))
    p.add_argument(
        "--protocol",
        choices=[v.value for v in Variant],
        default="d",
        help=t("pelco.sim.opt.protocol"),
    )
    p.add_argument("--address", type=int, default=1, metavar="N", help=t("pelco.sim.opt.address"))
    p.add_argument("--baud", type=int, default=None, metavar="N", help=t("pelco.sim.opt.baud"))
    p.add_argument("--no-queries", action="store_true", help=t("pelco.sim.opt.no_queries"))
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        choices=[f.value for f in Fault],
        help=t("pelco.sim.opt.fault"),
    )
    p.add_argument("--motion-scale", type=float, default=1.0, help=t("pelco.sim.opt.motion_scale"))


def main(args: argparse.Namespace) -> int:
    """Run the emulator until Ctrl-C or SIGTERM."""
    if not args.pty and not args.link:
        raise UsageError(t("pelco.sim.nothing"))
    variant = Variant(args.protocol)
    lo, hi = ADDRESS_RANGE[variant]
    if not lo <= args.address <= hi:
        raise UsageError(
            t("pelco.out_of_range", field="--address", value=args.address, lo=lo, hi=hi)
        )
    if args.baud is not None and args.baud <= 0:
        raise UsageError(t("pelco.out_of_range", field="--baud", value=args.baud, lo=1, hi="…"))
    emu = Emulator(
        variant,
        address=args.address,
        baud=args.baud,
        model=Model(answers_queries=not args.no_queries),
        faults=args.fault,
        link=args.link,
    )
    emu.usecases.set_motion_scale(args.motion_scale)

    def start() -> None:
        emu.start()
        print(emu.path, flush=True)
        print(
            t(
                "pelco.sim.running",
                variant=variant.upper(),
                address=args.address,
                baud=emu.baud,
                faults=", ".join([*args.fault, *(["no-queries"] if args.no_queries else [])])
                or "-",
            ),
            file=sys.stderr,
            flush=True,
        )

    serve_until_signalled(start, emu.close)
    print(tn("pelco.sim.stopped", emu.state.frames_handled), file=sys.stderr, flush=True)
    return 0
