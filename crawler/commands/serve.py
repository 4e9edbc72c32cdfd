"""`xxgk browse`: serve the read-only web interface over an archive (docs/browse.md, "Web")."""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

__all__ = ["register"]

LOCAL = "127.0.0.1"


def cmd_browse(args: argparse.Namespace) -> int:
    # Imported here: the crawler's other commands do not need a web server loaded.
    import uvicorn

    from webui.app import LOCAL_NAMES, create_app

    archive = Path(args.archive)
    if not (archive / "documents").is_dir():
        print(f"xxgk browse: {archive} holds no archive (no documents/ folder)", file=sys.stderr)
        return 2
    # The socket is bound here, so that the URL printed is the one listening (port 0: any free one).
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        print(f"xxgk browse: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    # Listening before the URL is printed: a client that reads it and connects at once is queued
    # until the server takes it, not refused.
    sock.listen(128)
    port = sock.getsockname()[1]
    # Another address only when asked for: then its own name is a Host the server answers.
    hosts = list(LOCAL_NAMES) if args.host == LOCAL else ["*"]
    app = create_app(archive, allowed_hosts=hosts)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"serving {archive} read-only at http://{shown}:{port}/ (Ctrl-C stops)", flush=True)
    config = uvicorn.Config(app, log_level=args.log_level, access_log=args.log_level == "info")
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("browse", help="serve a read-only web interface over the archive on 127.0.0.1")
    p.add_argument("--archive", default="archive", help="archive directory (default ./archive)")
    p.add_argument("--port", type=int, default=8642, help="port (default 8642; 0: any free port)")
    p.add_argument(
        "--host", default=LOCAL, help="address to listen on (default 127.0.0.1; another only when given)"
    )
    p.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info"])
    p.set_defaults(func=cmd_browse)
