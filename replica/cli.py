"""`xxgk replica`: serve the replica on 127.0.0.1 until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import re
import signal
import threading
from types import FrameType

from replica.corpus import Corpus
from replica.faults import FAULT_MODES, FaultPlan
from replica.server import ReplicaServer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xxgk replica", description="Serve the local replica of the portals."
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 or absent: a free one)")
    parser.add_argument("--pages", type=int, default=300, help="approximate number of URLs")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed")
    faults = parser.add_argument_group("misbehaving (docs/replica.md, Fault modes)")
    faults.add_argument(
        "--faults", type=float, metavar="RATE", help="share of requests (0..1) answered with a fault"
    )
    faults.add_argument(
        "--fault-modes",
        metavar="A,B,…",
        help=f"the modes drawn from (default: all of {', '.join(FAULT_MODES)})",
    )
    faults.add_argument("--fault-seed", type=int, default=0, metavar="N", help="seed of the fault draw")
    faults.add_argument("--fault-paths", metavar="REGEX", help="only requests whose path+query match fault")
    faults.add_argument("--sticky", action="store_true", help="a faulty URL fails on every attempt")
    faults.add_argument(
        "--delay", type=float, default=0.0, metavar="SECONDS", help="every answer waits this long first"
    )
    return parser


def fault_plan(parser: argparse.ArgumentParser, args: argparse.Namespace) -> FaultPlan | None:
    """The plan the fault options describe, or None without --faults (bad values exit with usage)."""
    if args.faults is None:
        if args.fault_modes or args.sticky or args.fault_paths:
            parser.error("--fault-modes, --fault-paths and --sticky need --faults RATE")
        return None
    modes = (
        tuple(m.strip() for m in args.fault_modes.split(",") if m.strip())
        if args.fault_modes
        else FAULT_MODES
    )
    try:
        return FaultPlan(args.faults, modes, seed=args.fault_seed, sticky=args.sticky, paths=args.fault_paths)
    except (ValueError, re.error) as error:
        parser.error(str(error))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    plan = fault_plan(parser, args)
    if args.delay < 0:
        parser.error("--delay cannot be negative")
    corpus = Corpus(seed=args.seed, pages=args.pages)
    server = ReplicaServer(corpus, port=args.port)
    server.set_faults(plan)
    server.set_delay(args.delay)
    hosts = ", ".join(site.host for site in corpus.sites.values())
    # Settings follow the seed inside the parentheses, only when given: the plain line is unchanged.
    extra = (f"; {plan.describe()}" if plan else "") + (f"; delay={args.delay:g}s" if args.delay else "")
    print(
        f"replica serving {server.url} (sites: {hosts}; pages≈{args.pages}; seed={args.seed}{extra})",
        flush=True,
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever() to return, so it cannot run in the serving thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.serve_forever()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.stop()
    return 0
