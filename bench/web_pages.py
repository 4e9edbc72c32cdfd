"""Latency of the web interface's pages over HTTP, served by the real `xxgk browse` (docs/benchmarks.md).

Usage: python bench/web_pages.py --archive DIR [--samples 300] [--rounds 3]

``DIR`` is an archive with its index: ``bench/index_search.py --keep WORK`` leaves one of 100,000
replica documents in ``WORK/archive``. The server runs in its own process, as a user starts it, and
each page is timed from the request to its last byte (a new connection each time, as a browser's
first visit), on documents picked at random with a fixed seed:

- document pages: annual reports with their tables (the heaviest page), and any document;
- search pages (ranked hits, snippets and the facet counts) for the queries of bench/index_search.py;
- agency pages, for the agencies with the most reports.
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.index_search import QUERIES, percentile  # noqa: E402


def start(archive: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "browse", "--archive", str(archive), "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    found = re.search(r"(http://\S+/)", proc.stdout.readline())
    if not found:
        proc.kill()
        raise SystemExit("xxgk browse did not start")
    return proc, found.group(1)


def timed(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as answer:
        answer.read()
        if answer.status != 200:
            raise SystemExit(f"{url}: HTTP {answer.status}")
    return (time.perf_counter() - started) * 1000


def sample(archive: Path, samples: int) -> dict[str, list[str]]:
    conn = sqlite3.connect(f"{(archive / 'index.sqlite').resolve().as_uri()}?mode=ro", uri=True)
    try:
        reports = [r[0] for r in conn.execute("SELECT id FROM docs WHERE format LIKE 'standard-%'")]
        everything = [r[0] for r in conn.execute("SELECT id FROM docs")]
        agencies = [
            r[0]
            for r in conn.execute(
                "SELECT agency FROM docs WHERE doc_type = 'annual_report' AND agency IS NOT NULL "
                "GROUP BY agency ORDER BY count(*) DESC LIMIT 10"
            )
        ]
    finally:
        conn.close()
    rng = random.Random(1)
    return {
        "report": rng.sample(reports, min(samples, len(reports))),
        "any": rng.sample(everything, min(samples, len(everything))),
        "agency": agencies,
    }


def report(name: str, timings: list[float]) -> None:
    print(
        f"{name}: median {statistics.median(timings):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms, "
        f"max {max(timings):.1f} ms ({len(timings)} requests)",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", required=True, type=Path)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the search and agency pages")
    args = parser.parse_args(argv)
    picked = sample(args.archive, args.samples)
    with sqlite3.connect(f"{(args.archive / 'index.sqlite').resolve().as_uri()}?mode=ro", uri=True) as conn:
        print(f"archive {args.archive}: {conn.execute('SELECT count(*) FROM docs').fetchone()[0]} documents")
    proc, base = start(args.archive)
    try:
        for ident in picked["any"][:5]:
            timed(f"{base}doc/{ident}")  # the server's first requests load templates and modules
        for kind in ("report", "any"):
            report(f"document page ({kind})", [timed(f"{base}doc/{ident}") for ident in picked[kind]])
        for length, queries in QUERIES.items():
            timings = [
                timed(f"{base}?{urlencode({'q': query})}") for _ in range(args.rounds) for query in queries
            ]
            report(f"search page, {length}-character queries", timings)
        agencies = [f"{base}agency?name={quote(name)}" for name in picked["agency"]]
        if agencies:
            report("agency page", [timed(url) for _ in range(args.rounds) for url in agencies])
    finally:
        proc.terminate()
        proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
