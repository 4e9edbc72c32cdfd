"""Pages/s and completeness of a crawl against a replica whose answers fail at a given rate.

Usage:
    python bench/crawl_faults.py --pages 3000 --rates 0 0.1 [--fault-modes MODES] [--fault-seed 1]

For each rate:
1. a replica of ``--pages`` pages is served from its own process with ``--faults RATE`` (every fault
   mode of replica/faults.py unless ``--fault-modes`` names some: errors, Retry-After, resets, hangs,
   trickles, short bodies, gzip bombs, huge pages, redirect loops and off-site redirects, wrong or
   missing charsets, challenge walls, malformed HTML);
2. one embedded crawl, ``xxgk crawl --replica URL --profile bench -s DOWNLOAD_TIMEOUT=5``, into a
   fresh archive, in a child process (bench/crawl_memory.measure: wall time, the crawl part up to
   the last response, pages, failures by reason, peak memory);
3. the replica is restarted without faults (same seed and size) and the same archive is crawled a
   second time: that run asks again for the pages that failed (crawler/pickup.py).

Completeness is the share of the replica's truth documents (``replica.corpus.Corpus(seed, pages)
.documents()``: detail pages and their attachments) whose URL the archive holds a document for after
each run; the 0 % run is the reference for what a crawl of this replica reaches at all. Pages listed
as failed come from the run's failure log (``failures/<run_id>.jsonl``), by reason.

Timings are wall-clock on a shared machine: compare runs of one invocation, not across days.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.crawl_memory import measure  # noqa: E402
from bench.crawl_speed import start_replica  # noqa: E402
from bench.crawl_speed import stop_process as stop  # noqa: E402

#: Exit statuses that still mean a crawl ran to its end: finished (0), stopped early (1: a fault
#: run may end unfinished), finished with a site health warning (4: walls and errors in a section).
CRAWL_ENDED = (0, 1, 4)


def truth_urls(seed: int, pages: int) -> dict[str, str]:
    """URL → kind of every document the replica serves (pages and attachments), from the corpus."""
    from replica.corpus import Corpus

    return {doc.url: doc.kind for doc in Corpus(seed=seed, pages=pages).documents()}


def held_urls(archive: Path) -> set[str]:
    """URLs the archive holds a document for (latest versions; crawler/known.py)."""
    from crawler.known import known_pages

    return set(known_pages(archive))


def failure_log(archive: Path, run_ids: list[str]) -> dict[str, Any]:
    """Failed URLs of the runs, by reason (each URL counted once per reason)."""
    from pipelines.archive.files import read_log

    by_reason: dict[str, set[str]] = {}
    for run_id in run_ids:
        for record in read_log(archive / "failures" / f"{run_id}.jsonl"):
            by_reason.setdefault(str(record.get("reason")), set()).add(str(record.get("url")))
    urls = set().union(*by_reason.values()) if by_reason else set()
    return {
        "failed_urls": len(urls),
        "by_reason": dict(Counter({k: len(v) for k, v in by_reason.items()}).most_common()),
        "urls": urls,
        "reasons_of": {u: sorted(r for r, us in by_reason.items() if u in us) for u in urls},
    }


def completeness(truth: dict[str, str], held: set[str]) -> dict[str, Any]:
    """Share of the truth documents held, overall and for pages and attachments apart."""
    pages = {u for u, kind in truth.items() if kind not in ("attachment", "image")}
    files = set(truth) - pages
    return {
        "truth": len(truth),
        "held": len(held & set(truth)),
        "share": round(len(held & set(truth)) / max(1, len(truth)), 4),
        "pages_share": round(len(held & pages) / max(1, len(pages)), 4),
        "attachments_share": round(len(held & files) / max(1, len(files)), 4),
        "held_not_in_truth": len(held - set(truth)),
    }


def crawl(url: str, archive: Path, settings: list[str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """One crawl's figures, and the failure reasons of each URL that failed in it."""
    result = measure(url, archive, settings, ok_status=CRAWL_ENDED)
    failed = failure_log(archive, result["run_ids"])
    result["failure_log"] = {k: v for k, v in failed.items() if k not in ("urls", "reasons_of")}
    for key in ("rss_by_share", "series"):
        result.pop(key, None)
    result["crawl_pages_per_s"] = (
        round(result["pages_fetched"] / result["crawl_s"], 1) if result["crawl_s"] else None
    )
    return result, failed["reasons_of"]


def missing(
    truth: dict[str, str], reference: set[str] | None, held: set[str], reasons: dict[str, list[str]]
) -> dict[str, Any]:
    """Truth documents the fault-free run archived and this archive lacks, by the reasons they
    failed with in this rate's runs (``unrecorded``: no failure record names the URL; its list page
    may have failed instead)."""
    if reference is None:
        return {}
    lacking = sorted((reference - held) & set(truth))
    by_reason = Counter("+".join(reasons.get(u, ["unrecorded"])) for u in lacking)
    return {"count": len(lacking), "by_reason": dict(by_reason.most_common()), "examples": lacking[:20]}


def crawl_replica(
    args: argparse.Namespace, faults: list[str], archive: Path, truth: dict[str, str]
) -> tuple[dict[str, Any], dict[str, list[str]], set[str]]:
    """One crawl of a replica served with ``faults`` (none: a clean one); its figures with the
    completeness of the archive after it, the failure reasons per URL, and the URLs held."""
    replica, url = start_replica(args.pages, args.seed, faults)
    try:
        result, reasons = crawl(url, archive, [f"DOWNLOAD_TIMEOUT={args.timeout}", *args.set])
    finally:
        stop(replica)
    held = held_urls(archive)
    result["completeness"] = completeness(truth, held)
    return result, reasons, held


def run_rate(
    args: argparse.Namespace, rate: float, truth: dict[str, str], work: Path, reference: set[str] | None
) -> tuple[dict[str, Any], set[str]]:
    """The two runs at one rate; their figures and what the archive holds after the first."""
    archive = work / "archive"
    faults = ["--faults", str(rate), "--fault-seed", str(args.fault_seed)]
    if args.fault_modes:
        faults += ["--fault-modes", args.fault_modes]
    first, reasons, held_first = crawl_replica(args, faults if rate > 0 else [], archive, truth)
    first["missing_against_fault_free"] = missing(truth, reference, held_first, reasons)
    print(f"rate {rate}, first run: {json.dumps(first)}", flush=True)
    second, reasons_second, held_second = crawl_replica(args, [], archive, truth)
    for url, why in reasons_second.items():
        reasons[url] = sorted(set(reasons.get(url, [])) | {f"{r} (clean run)" for r in why})
    second["missing_against_fault_free"] = missing(truth, reference, held_second, reasons)
    print(f"rate {rate}, second run (faults off): {json.dumps(second)}", flush=True)
    return {"rate": rate, "first": first, "second_faults_off": second}, held_first


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--rates", type=float, nargs="+", default=[0.0, 0.1])
    parser.add_argument("--seed", type=int, default=1, help="corpus seed")
    parser.add_argument("--fault-seed", type=int, default=1)
    parser.add_argument("--fault-modes", default="", help="passed to the replica as it is (default: all)")
    parser.add_argument("--timeout", type=float, default=5, help="DOWNLOAD_TIMEOUT of the crawls")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "crawl_faults.json")
    args = parser.parse_args()
    head: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_at_start": os.getloadavg(),
        "pages_requested": args.pages,
        "fault_seed": args.fault_seed,
        "fault_modes": args.fault_modes or "all",
        "download_timeout": args.timeout,
    }
    truth = truth_urls(args.seed, args.pages)
    results = []
    reference: set[str] | None = None  # what the fault-free first run archived
    for rate in args.rates:
        work = Path(tempfile.mkdtemp(prefix=f"xxgk-faults-{rate}-", dir=args.workdir))
        try:
            result, held = run_rate(args, rate, truth, work, reference)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        results.append(result)
        if rate == 0:
            reference = held
    fault_free = results[0]["first"]["completeness"]["share"] if results and results[0]["rate"] == 0 else None
    for result in results:
        for run in ("first", "second_faults_off"):
            share = result[run]["completeness"]["share"]
            result[run]["completeness"]["of_fault_free"] = (
                round(share / fault_free, 4) if fault_free else None
            )
    head["load_average_at_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**head, "results": results}, indent=1))
    print()
    print("rate  run         pages  wall s  pages/s  crawl pages/s  complete  of 0%  failed  reasons")
    for result in results:
        for run, name in (("first", "faults"), ("second_faults_off", "then clean")):
            r = result[run]
            c = r["completeness"]
            reasons = ", ".join(f"{k} {v}" for k, v in list(r["failure_log"]["by_reason"].items())[:6])
            print(
                f"{result['rate']:<5} {name:<11} {r['pages_fetched']:>6} {r['elapsed_s']:>7} "
                f"{r['pages_per_s_wall']:>8} {r['crawl_pages_per_s']!s:>14} {c['share']:>9} "
                f"{c['of_fault_free']!s:>6} {r['failure_log']['failed_urls']:>7}  {reasons}"
            )
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
