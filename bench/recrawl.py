"""What a scheduled re-crawl costs the portal: an unchanged replica crawled twice into one archive.

Usage: python bench/recrawl.py [--pages 2000] [--seed 1]

The first crawl fills an empty archive; the second finds nothing new. The second crawl's requests,
bytes downloaded and time are printed as ratios to the first (issue 4 targets: bytes <= 10%, time
<= 20%). Both run with the replica profile (no politeness delay), each in its own process, against a
replica in its own process. The re-crawl asks with If-None-Match / If-Modified-Since, walks each list
only until a page brings nothing new, and revalidates a rotating share of the pages it holds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.crawl_speed import start_replica  # noqa: E402

KEYS = {
    "requests": "downloader/request_count",
    "responses": "response_received_count",
    "bytes": "downloader/response_bytes",
    "not_modified": "downloader/response_status_count/304",
}


def child(replica: str, archive: Path, out: Path) -> None:
    from crawler.cli import crawl_sites

    results = crawl_sites([], archive=archive, replica=replica, settings_overrides={"LOG_LEVEL": "ERROR"})
    totals: dict[str, Any] = {
        name: sum(int(s.get(key, 0) or 0) for _n, s in results) for name, key in KEYS.items()
    }
    totals["elapsed_s"] = max(float(s.get("elapsed_time_seconds", 0.0)) for _n, s in results)
    totals["derive_s"] = max(float(s.get("xxgk/derive/seconds", 0.0) or 0.0) for _n, s in results)
    for status in ("new", "changed", "unchanged"):
        totals[status] = sum(int(s.get(f"xxgk/documents/{status}", 0) or 0) for _n, s in results)
    out.write_text(json.dumps(totals))


def run(replica: str, archive: Path, out: Path) -> dict[str, Any]:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--replica",
        replica,
        "--archive",
        str(archive),
        "--out",
        str(out),
    ]
    subprocess.run(cmd, cwd=ROOT, check=True)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--replica", help=argparse.SUPPRESS)
    parser.add_argument("--archive", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.replica, args.archive, args.out)
        return 0
    proc, replica = start_replica(args.pages, args.seed)
    try:
        with tempfile.TemporaryDirectory(prefix="xxgk-recrawl-") as tmp:
            archive = Path(tmp) / "archive"
            first = run(replica, archive, Path(tmp) / "first.json")
            second = run(replica, archive, Path(tmp) / "second.json")
    finally:
        proc.terminate()
        proc.wait()
    print(f"{'':12} {'first':>10} {'re-crawl':>10} {'ratio':>7}")
    for key in ("requests", "responses", "bytes", "elapsed_s"):
        ratio = second[key] / first[key] if first[key] else 0.0
        print(f"{key:12} {first[key]:>10} {second[key]:>10} {ratio:>7.3f}")
    print(
        f"re-crawl: {second['not_modified']} answered 304; documents new {second['new']}, "
        f"changed {second['changed']}, unchanged {second['unchanged']} (targets: bytes <= 0.10, time <= 0.20)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
