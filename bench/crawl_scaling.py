"""Pages/s of a crawl shared by 1, 2, 4 worker processes on Redis, against a replica that answers
each request after a delay (issue 6 target: 2 workers reach at least 1.7 times the pages/s of 1).

Usage:
    python bench/crawl_scaling.py --workers 1 2 4 --pages 3000 --delay 0.1 [--repeat 3]

What runs:
- a replica of ``--pages`` pages in its own process, answering every request after ``--delay``
  seconds (``python -m replica --delay``), warmed by one unmeasured crawl;
- for each measurement, a fresh redis-server on a free port and a fresh archive, then N processes of
  ``xxgk crawl --redis redis://127.0.0.1:PORT/0 --replica URL --profile bench``, started together.

Each worker models one machine: ``CONCURRENT_REQUESTS`` (``--per-worker``, default 8) caps the
requests it has on the wire at once. With ``--redis`` the gate applies
``CONCURRENT_REQUESTS_PER_DOMAIN`` to all workers together (crawler/distributed/gate.py); it is set
to ``--global-per-host`` (default 64), above the 4 × 8 that four workers can reach, so that what is
measured is the workers' own capacity, not the global politeness cap. With a 100 ms answer and 8
requests in flight, one worker can fetch at most 80 pages/s.

pages/s = all pages fetched by all workers / wall time from the first start to the last exit. The
crawl part alone ends with the last response any worker received (seen by the probe of
bench/crawl_memory.py, which every worker loads); what follows is the after-crawl stage (attachments'
documents, indexes, run records). Worker counts are interleaved within each repeat, so that a slow
spell of the machine hits them alike; the summary gives medians and the spread (min-max).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.crawl_memory import PROBE_ENV, crawl_command  # noqa: E402
from bench.crawl_speed import start_replica  # noqa: E402
from bench.crawl_speed import stop_process as stop  # noqa: E402

# tests/ is no package (and a dependency installs one named "tests"): its support modules are
# imported as pytest imports them, from the directory.
sys.path.insert(0, str(ROOT / "tests"))
from redis_support import redis_binary, start_redis_server  # noqa: E402


def start_redis(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The tests' throw-away redis-server (tests/redis_support.py), for a script: its process and URL."""
    binary = redis_binary()
    if binary is None:
        raise SystemExit("redis-server not found (apt-get install redis-server)")
    try:
        server = start_redis_server(binary, directory)
    except RuntimeError as exc:
        raise SystemExit(f"could not start redis-server: {exc}") from exc
    return server.process, server.url


def run_workers(n: int, url: str, work: Path, settings: list[str], timeout: float) -> dict[str, Any]:
    """N workers of one shared crawl, started together; wall time, pages, the crawl part."""
    redis_proc, redis_url = start_redis(work)
    archive = work / "archive"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        started = time.time()
        for i in range(n):
            env = {**os.environ, PROBE_ENV: str(work / f"probe-{i}.jsonl")}
            command = [*crawl_command(url, archive, settings), "--redis", redis_url]
            log = open(work / f"worker-{i}.log", "wb")  # noqa: SIM115 (closed with the process)
            procs.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log))
        exits: list[float] = []
        statuses: list[int] = []
        for proc in procs:
            try:
                statuses.append(proc.wait(timeout=max(1.0, started + timeout - time.time())))
            except subprocess.TimeoutExpired:
                proc.kill()
                statuses.append(proc.wait())
            exits.append(time.time())
        wall = max(exits) - started
    finally:
        for proc in procs:
            stop(proc)
        stop(redis_proc)
    bad = [s for s in statuses if s not in (0, 4)]  # 4: finished, with a site health warning
    if bad:
        tail = (work / "worker-0.log").read_text(errors="replace")[-3000:]
        raise SystemExit(f"{n} workers: exit statuses {statuses}\n{tail}")
    per_worker, last_response = [], started
    for i in range(n):
        lines = [json.loads(x) for x in (work / f"probe-{i}.jsonl").read_text().splitlines()]
        final: dict[str, int] = {}
        for line in lines:
            site = str(line["site"])
            if line["responses"] > final.get(site, 0):
                final[site] = line["responses"]
                last_response = max(last_response, line["t"])
        per_worker.append(sum(final.values()))
    pages = sum(per_worker)
    runs = [json.loads(p.read_text()) for p in sorted((archive / "runs").glob("*Z-*.json"))]
    crawl_s = last_response - started
    return {
        "workers": n,
        "pages": pages,
        "pages_per_worker": per_worker,
        "wall_s": round(wall, 2),
        "pages_per_s": round(pages / wall, 1),
        "crawl_s": round(crawl_s, 2),
        "crawl_pages_per_s": round(pages / crawl_s, 1) if crawl_s > 0 else None,
        "after_crawl_s": round(wall - crawl_s, 2),
        "run_records": len(runs),
        "pages_in_run_records": sum(int(r.get("pages_fetched", 0)) for r in runs),
        "documents": sum(sum(r.get("documents", {}).values()) for r in runs),
        "failures": sum(int(r.get("failures", 0)) for r in runs),
        "exit_statuses": statuses,
    }


def spread(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 2), "min": min(values), "max": max(values)}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--delay", type=float, default=0.1, help="seconds the replica waits per answer")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--per-worker", type=int, default=8, help="CONCURRENT_REQUESTS of each worker")
    parser.add_argument(
        "--global-per-host", type=int, default=64, help="CONCURRENT_REQUESTS_PER_DOMAIN (global with --redis)"
    )
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--no-warmup", action="store_true")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a run is killed")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "crawl_scaling.json")
    args = parser.parse_args()
    settings = [
        f"CONCURRENT_REQUESTS={args.per_worker}",
        f"CONCURRENT_REQUESTS_PER_DOMAIN={args.global_per_host}",
        "LOG_LEVEL=WARNING",
        *args.set,
    ]
    head: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_at_start": os.getloadavg(),
        "pages_requested": args.pages,
        "delay_s": args.delay,
        "settings": settings,
    }
    replica, url = start_replica(args.pages, args.seed, ["--delay", str(args.delay)])
    runs: dict[int, list[dict[str, Any]]] = {n: [] for n in args.workers}
    try:
        if not args.no_warmup:
            with tempfile.TemporaryDirectory(prefix="xxgk-scale-warm-") as tmp:
                warm = run_workers(max(args.workers), url, Path(tmp), settings, args.timeout)
                print(f"warm-up: {json.dumps(warm)}", flush=True)
        for i in range(args.repeat):
            # Rotated order: no worker count always runs first (or right after the largest).
            order = args.workers[i % len(args.workers) :] + args.workers[: i % len(args.workers)]
            for n in order:
                os.sync()
                with tempfile.TemporaryDirectory(prefix=f"xxgk-scale-{n}-") as tmp:
                    result = run_workers(n, url, Path(tmp), settings, args.timeout)
                print(json.dumps(result), flush=True)
                runs[n].append(result)
    finally:
        stop(replica)
    summary: dict[str, Any] = {}
    for n, results in runs.items():
        summary[str(n)] = {
            "pages_per_s": spread([r["pages_per_s"] for r in results]),
            "crawl_pages_per_s": spread([r["crawl_pages_per_s"] or 0.0 for r in results]),
            "pages": spread([r["pages"] for r in results]),
            "wall_s": spread([r["wall_s"] for r in results]),
        }
    base = args.workers[0]
    for n in args.workers[1:]:
        if len(runs[n]) == len(runs[base]):
            # Speed-up per repeat: the n-worker run against the 1-worker run of the same repeat.
            ratios = [b["pages_per_s"] / a["pages_per_s"] for a, b in zip(runs[base], runs[n], strict=True)]
            crawl = [
                (b["crawl_pages_per_s"] or 0) / (a["crawl_pages_per_s"] or 1)
                for a, b in zip(runs[base], runs[n], strict=True)
            ]
            summary[str(n)]["speedup"] = spread([round(r, 3) for r in ratios])
            summary[str(n)]["crawl_speedup"] = spread([round(r, 3) for r in crawl])
    head["load_average_at_end"] = os.getloadavg()
    body = {**head, "summary": summary, "target": "2 workers >= 1.7 x 1 worker", "runs": runs}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(body, indent=1))
    for n in args.workers:
        s = summary[str(n)]
        extra = f"; speed-up {s['speedup']}, crawl part {s['crawl_speedup']}" if "speedup" in s else ""
        print(f"{n} worker(s): {s['pages_per_s']} pages/s, crawl part {s['crawl_pages_per_s']}{extra}")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
