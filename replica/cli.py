"""`xxgk replica`: serve the replica on 127.0.0.1 until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType

from replica.corpus import Corpus
from replica.server import ReplicaServer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xxgk replica", description="Serve the local replica of the portals."
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 or absent: a free one)")
    parser.add_argument("--pages", type=int, default=300, help="approximate number of URLs")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    corpus = Corpus(seed=args.seed, pages=args.pages)
    server = ReplicaServer(corpus, port=args.port)
    hosts = ", ".join(site.host for site in corpus.sites.values())
    print(f"replica serving {server.url} (sites: {hosts}; pages≈{args.pages}; seed={args.seed})", flush=True)

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
