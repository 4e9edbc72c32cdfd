"""Crawl N replica pages twice — a bare link-following spider, then the full pipeline — and compare.

Usage: python bench/crawl_speed.py [--pages 2000] [--repeat 2] [--out bench/results/latest.json]

The replica runs in its own process (so the crawler's CPU is its own) and is warmed up by a first,
unmeasured crawl, so that both measured crawls get the same cached pages. Each crawl runs in a fresh
process; the figures come from Scrapy's own stats (elapsed_time_seconds, response_received_count), and
peak RSS from the kernel's accounting of the crawler and its workers. Bare and full crawls alternate
--repeat times; the summary gives the median of each and the median of the paired ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def start_replica(pages: int, seed: int, extra: Sequence[str] = ()) -> tuple[subprocess.Popen[str], str]:
    """``python -m replica`` in its own process, with ``extra`` flags (``--delay``, ``--faults`` …);
    its URL from its first line."""
    command = [sys.executable, "-m", "replica", "--port", "0", "--pages", str(pages), "--seed", str(seed)]
    proc = subprocess.Popen([*command, *extra], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    words = [w for w in line.split() if w.startswith("http://")]
    if not words:
        proc.kill()
        raise SystemExit(f"the replica did not start: {line!r}")
    return proc, words[0]


def stop_process(proc: subprocess.Popen[Any]) -> None:
    """SIGTERM, then SIGKILL after 15 s."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def replica_cpu(pid: int) -> float:
    """CPU seconds the replica process has used so far (from /proc, Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_one(mode: str, replica: str, archive: Path, replica_pid: int) -> dict[str, Any]:
    """Run one crawl in a child process; return its stats and peak RSS."""
    replica_before = replica_cpu(replica_pid)
    out = archive.with_suffix(".json")
    proc = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--child",
            mode,
            "--replica",
            replica,
            "--archive",
            str(archive),
            "--out",
            str(out),
        ],
        cwd=ROOT,
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{mode} crawl failed with status {proc.returncode}")
    result: dict[str, Any] = json.loads(out.read_text())
    result["peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)
    result["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 2)
    result["cpu_ms_per_page"] = round(1000 * result["cpu_seconds"] / max(result["pages"], 1), 2)
    replica_used = replica_cpu(replica_pid) - replica_before
    result["replica_cpu_ms_per_page"] = round(1000 * replica_used / max(result["pages"], 1), 2)
    return result


def child(mode: str, replica: str, archive: Path, out: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.bare_spider import BareSpider
    from crawler.cli import crawl_sites

    spider_cls = BareSpider if mode == "bare" else None
    # The bare spider keeps nothing, so it records no exchange either.
    overrides = {"LOG_LEVEL": "ERROR", **({"XXGK_WARC": "False"} if mode in ("bare", "nowarc") else {})}
    results = crawl_sites(
        [],
        archive=archive,
        replica=replica,
        profile="bench",
        spider_cls=spider_cls,
        settings_overrides=overrides,
    )
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # worker processes, joined at close
    pages = sum(int(stats.get("response_received_count", 0)) for _n, stats in results)
    # Sites crawl concurrently in one reactor: the run lasts as long as the longest crawl.
    elapsed = max(float(stats.get("elapsed_time_seconds", 0.0)) for _n, stats in results)
    # The attachments' after-crawl stage (text extraction of PDFs etc.) runs once Scrapy's clock has
    # stopped: reported beside the crawl's pages/s, not hidden (docs/benchmarks.md).
    derive = max(float(stats.get("xxgk/derive/seconds", 0.0)) for _n, stats in results)
    documents = sum(
        int(stats.get(f"xxgk/documents/{k}", 0))
        for _n, stats in results
        for k in ("new", "changed", "unchanged")
    )
    out.write_text(
        json.dumps(
            {
                "mode": mode,
                "pages": pages,
                "elapsed_s": round(elapsed, 3),
                "pages_per_s": round(pages / elapsed, 1) if elapsed else 0.0,
                "documents": documents,
                "derive_s": round(derive, 3),
                "pages_per_s_with_derive": round(pages / (elapsed + derive), 1) if elapsed else 0.0,
                "crawler_cpu_ms_per_page": round(1000 * (own.ru_utime + own.ru_stime) / max(pages, 1), 2),
                "worker_cpu_ms_per_page": round(
                    1000 * (workers.ru_utime + workers.ru_stime) / max(pages, 1), 2
                ),
                "crawler_peak_rss_mib": round(own.ru_maxrss / 1024, 1),
                "worker_peak_rss_mib": round(workers.ru_maxrss / 1024, 1),
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    parser.add_argument(
        "--baseline",
        choices=["bare", "nowarc"],
        default="bare",
        help="what the full pipeline is compared with: a bare spider (issue 2), or the full pipeline "
        "without WARC capture (issue 4: WARC overhead)",
    )
    parser.add_argument("--child", choices=["bare", "full", "nowarc"], help=argparse.SUPPRESS)
    parser.add_argument("--replica", help=argparse.SUPPRESS)
    parser.add_argument("--archive", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.replica, args.archive, args.out)
        return 0

    replica, url = start_replica(args.pages, args.seed)
    base = args.baseline
    runs: dict[str, list[dict[str, Any]]] = {base: [], "full": []}
    try:
        with tempfile.TemporaryDirectory(prefix="xxgk-bench-") as tmp:
            work = Path(tmp)
            run_one(base, url, work / "warmup", replica.pid)  # fills the replica's page cache
            # Alternate bare and full, so that a slow spell of the machine hits both alike.
            for i in range(args.repeat):
                for mode in (base, "full"):
                    # Start each run from a quiet disk: the kernel writing back the previous run's
                    # thousands of small files would otherwise be billed to the next run.
                    os.sync()
                    result = run_one(mode, url, work / f"{mode}-{i}", replica.pid)
                    print(json.dumps(result), flush=True)
                    runs[mode].append(result)
                    shutil.rmtree(work / f"{mode}-{i}", ignore_errors=True)
    finally:
        replica.terminate()
        replica.wait(timeout=10)
    ratios = [f["pages_per_s"] / b["pages_per_s"] for b, f in zip(runs[base], runs["full"], strict=True)]
    typical = {mode: median_run(results) for mode, results in runs.items()}
    summary = {
        "date": time.strftime("%Y-%m-%d"),
        "pages_requested": args.pages,
        "repeat": args.repeat,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "baseline": base,
        base: typical[base],
        "full": typical["full"],
        "pair_ratios": [round(r, 3) for r in ratios],
        "ratio_full_to_baseline": round(statistics.median(ratios), 3),
        "target_ratio": 0.8 if base == "bare" else 0.9,
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=1))
    for mode in (base, "full"):
        r = typical[mode]
        print(
            f"{mode}: {r['pages_per_s']} pages/s median of {args.repeat} ({r['pages']} pages; crawler "
            f"{r['crawler_cpu_ms_per_page']} ms CPU/page, workers {r['worker_cpu_ms_per_page']}; "
            f"peak RSS crawler {r['crawler_peak_rss_mib']} MiB, worker {r['worker_peak_rss_mib']} MiB)"
        )
    pairs = ", ".join(f"{x:.2f}" for x in ratios)
    target = "0.80" if base == "bare" else "0.90"
    print(f"ratio full/{base}: median {statistics.median(ratios):.2f} of [{pairs}] (target ≥ {target})")
    full = typical["full"]
    print(
        f"full, attachments' after-crawl stage: {full.get('derive_s', 0)} s; pages/s counting it: "
        f"{full.get('pages_per_s_with_derive')} "
        f"({full.get('pages_per_s_with_derive', 0) / typical[base]['pages_per_s']:.2f} of {base})"
    )
    return 0


def median_run(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median pages/s (a real run, so its figures belong together)."""
    ordered = sorted(results, key=lambda r: r["pages_per_s"])
    return ordered[(len(ordered) - 1) // 2]


if __name__ == "__main__":
    sys.exit(main())
