"""Peak memory of a crawl of N replica pages, and what grows with N.

Usage:
    python bench/crawl_memory.py --pages 10000 100000 [--seed 1] [--recrawl] [-s NAME=VALUE ...]
    python bench/crawl_memory.py --trace 20000 60000     (where the bytes go: tracemalloc)

For each size, a replica of that many pages is served from its own process, and ``xxgk crawl
--replica URL --archive <tmp> --profile bench`` crawls it once, in a child process. Every 0.25 s
the benchmark samples the resident memory (RSS) of the crawler's process and of the whole tree
(the crawler and its worker processes at the same instant, with psutil); the kernel's ``ru_maxrss``
of the crawler (the larger of the crawler and its largest worker: wait4 reports both) comes at the
end. A small Scrapy extension (``MemoryProbe``, enabled through ``EXTENSIONS`` and the environment)
writes, every 0.25 s inside the crawler, what it holds: requests pending in the scheduler
(``scheduler/enqueued`` minus ``dequeued``, and the scheduler's own length), requests in the
downloader, responses in the scraper, jobs sent to the worker processes and not yet answered, and the
bytes waiting in their pipes. Those lines give the crawl's progress (responses received), so the RSS
is reported at 10/25/50/75/100 % of the pages and, separately, in the after-crawl stage.

``--recrawl`` crawls each archive a second time, as a scheduled re-crawl of an unchanged portal
does (the pages the archive holds are asked for conditionally), and measures that crawl too.

``--trace A B`` crawls a replica a little larger than B with tracemalloc on (one frame) and takes a
snapshot after A and after B responses (and counts live objects by type, objgraph-style); the
difference, divided by B - A, is what the crawler holds per page, by source line. tracemalloc
slows the crawl several times: its figures are bytes, not speed.

Output: bench/results/crawl_memory.json (or --out), one entry per size; archives are deleted after
each measurement (a 100,000-page archive takes a few GB).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import IO, Any, ClassVar

import psutil
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from twisted.internet.task import LoopingCall

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.crawl_speed import start_replica, stop_process  # noqa: E402

#: Environment variables that switch the probe on in the crawler's process (unset: NotConfigured).
PROBE_ENV = "XXGK_BENCH_PROBE"
TRACE_ENV = "XXGK_BENCH_TRACE"
TRACE_AT_ENV = "XXGK_BENCH_TRACE_AT"
PROBE_EXTENSION = "bench.crawl_memory.MemoryProbe"
MIB = 1024 * 1024
SHARES = (10, 25, 50, 75, 100)


# In the crawler's process -----------------------------------------------------------------------


class _Tracer:
    """Process-wide tracemalloc snapshots at response counts summed over every site's crawl (the
    three sites crawl side by side in one process).

    Tracing starts at ``start`` responses, not at once: tracemalloc slows the crawl several times,
    and what grows between the snapshots was allocated after ``start`` anyway. Objects in flight
    (queued requests, pages on their way to a worker) are in both snapshots in about equal numbers,
    so the difference is what stays per page. Tracing stops after the last snapshot."""

    def __init__(self, directory: Path, start: int, thresholds: list[int]) -> None:
        self.directory = directory
        self.start = start
        self.thresholds = sorted(thresholds)
        self.responses = 0
        self.crawlers: list[Crawler] = []
        directory.mkdir(parents=True, exist_ok=True)
        self.jobs: set[asyncio.Future[Any]] = set()

    def in_worker(self, label: str) -> None:
        """The same in every worker process, as a job queued behind the jobs it already has (a
        worker started later, for the after-crawl stage, is not traced)."""
        from pipelines import workers

        for pool, _users in workers._shared.values():
            for worker in pool._procs:
                args = (str(self.directory), label, self.responses)
                job = worker.send(next(pool._ids), workers._name_of(worker_trace), args)
                self.jobs.add(job)
                job.add_done_callback(self.jobs.discard)

    def response(self) -> None:
        self.responses += 1
        if self.responses == self.start:
            tracemalloc.start(1)
            self.in_worker("start")
        if self.thresholds and self.responses >= self.thresholds[0]:
            self.snapshot(self.thresholds.pop(0))
            if not self.thresholds:
                tracemalloc.stop()
                self.in_worker("stop")

    def snapshot(self, label: int) -> None:
        figures = _dump_snapshot(self.directory / f"snap-{label}")
        info = {"label": label, "responses": self.responses, **figures}
        info["holdings"] = [_holdings(c) for c in self.crawlers]
        (self.directory / f"snap-{label}.json").write_text(json.dumps(info, indent=1))
        self.in_worker(str(label))


def _dump_snapshot(stem: Path) -> dict[str, Any]:
    """After a collection, this process's tracemalloc snapshot into ``<stem>.pickle``; its traced
    bytes, RSS and live objects by type now."""
    gc.collect()
    snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    snap.dump(f"{stem}.pickle")
    return {
        "traced_bytes": tracemalloc.get_traced_memory()[0],
        "rss": psutil.Process().memory_info().rss,
        "gc_types": dict(Counter(type(o).__name__ for o in gc.get_objects()).most_common(60)),
    }


def worker_trace(directory: str, label: str, responses: int) -> dict[str, Any]:
    """In a worker process (run as a pool job): start tracemalloc (``label`` "start"), or dump a
    snapshot with the sizes of what the worker's archive store keeps per page."""
    if label == "start":
        tracemalloc.start(1)
        return {}
    if label == "stop":
        tracemalloc.stop()
        return {}
    if not tracemalloc.is_tracing():
        return {}  # a worker started after tracing began
    from pipelines import capture

    out = Path(directory)
    figures = _dump_snapshot(out / f"worker{os.getpid()}-{label}")
    held: dict[str, Any] = {}
    for store in capture._stores.values():
        parts = {
            "store._latest": store._latest,
            "store._dirs": store._dirs,
            "store._logs": store._logs,
            "store.raw._index": store.raw._index or {},
            "store.text._index": store.text._index or {},
        }
        for name, value in parts.items():
            held[name] = {"items": len(value), "bytes": deep_size(value)}
    info = {"label": label, "pid": os.getpid(), "responses_when_sent": responses, **figures, "holdings": held}
    (out / f"worker{os.getpid()}-{label}.json").write_text(json.dumps(info, indent=1))
    return info


_tracer: _Tracer | None = None


def deep_size(obj: Any, seen: set[int] | None = None, depth: int = 8) -> int:
    """Bytes of ``obj`` and what it holds (containers, dataclasses, objects' attributes), each object
    counted once; shared objects reached again count nothing."""
    seen = set() if seen is None else seen
    if id(obj) in seen or depth < 0:
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj, 0)
    if isinstance(obj, str | bytes | bytearray | int | float | bool | type(None)):
        return size
    if isinstance(obj, dict):
        return size + sum(
            deep_size(k, seen, depth - 1) + deep_size(v, seen, depth - 1) for k, v in obj.items()
        )
    if isinstance(obj, list | tuple | set | frozenset):
        return size + sum(deep_size(x, seen, depth - 1) for x in obj)
    attrs = getattr(obj, "__dict__", None)
    if isinstance(attrs, dict):
        size += deep_size(attrs, seen, depth - 1)
    for slot in getattr(type(obj), "__slots__", ()):
        if hasattr(obj, slot):
            size += deep_size(getattr(obj, slot), seen, depth - 1)
    return size


def _pipeline(crawler: Crawler) -> Any:
    engine = crawler.engine
    scraper = getattr(engine, "scraper", None)
    itemproc = getattr(scraper, "itemproc", None)
    for component in getattr(itemproc, "middlewares", ()):
        if type(component).__name__ == "ArchivePipeline":
            return component
    return None


def _holdings(crawler: Crawler) -> dict[str, Any]:
    """Sizes (items and bytes) of what a crawl keeps per page, read at a snapshot."""
    out: dict[str, Any] = {"site": crawler.spider.name if crawler.spider else None}
    pipeline = _pipeline(crawler)
    if pipeline is not None:
        for name in ("sections", "_list_groups", "_deferred", "_exchanges"):
            value = getattr(pipeline, name, None)
            if value is not None:
                out[f"pipeline.{name}"] = {"items": len(value), "bytes": deep_size(value)}
    spider = crawler.spider
    if spider is not None:
        for name, value in vars(spider).items():
            if isinstance(value, dict | set | frozenset | list) and len(value) > 10:
                out[f"spider.{name}"] = {"items": len(value), "bytes": deep_size(value)}
    scheduler = crawler.engine.scheduler if crawler.engine is not None else None
    dupefilter = getattr(scheduler, "df", None)
    fingerprints = getattr(dupefilter, "_fingerprints", None) or getattr(dupefilter, "fingerprints", None)
    if fingerprints is not None:
        out["dupefilter.fingerprints"] = {"items": len(fingerprints), "bytes": deep_size(fingerprints)}
    if scheduler is not None:
        out["scheduler.pending"] = len(scheduler)  # type: ignore[arg-type]
    if crawler.stats is not None:
        stats = crawler.stats.get_stats()
        out["stats"] = {"items": len(stats), "bytes": deep_size(stats)}
    return out


def _pool_backlog() -> tuple[int, int]:
    """Jobs sent to the worker processes and not answered, and the bytes not yet written to their
    pipes (pickled pages waiting in the crawler's memory)."""
    from pipelines import workers

    jobs = buffered = 0
    for pool, _users in workers._shared.values():
        for worker in pool._procs:
            jobs += len(worker.pending)
            stdin = worker.process.stdin
            transport = getattr(stdin, "transport", None)
            if transport is not None:
                buffered += transport.get_write_buffer_size()
    return jobs, buffered


class MemoryProbe:
    """Writes, every 0.25 s, what the crawl holds (one JSON line per site's crawl) to the file named
    by ``XXGK_BENCH_PROBE``; with ``XXGK_BENCH_TRACE`` also takes tracemalloc snapshots. Absent
    variables: NotConfigured (the extension is for this benchmark only)."""

    _files: ClassVar[dict[str, IO[str]]] = {}

    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler = crawler
        if path not in self._files:
            self._files[path] = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        self.out = self._files[path]
        self.loop = LoopingCall(self.sample)
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)
        crawler.signals.connect(self.idle, signal=signals.spider_idle)
        global _tracer
        trace_dir = os.environ.get(TRACE_ENV)
        if trace_dir:
            if _tracer is None:
                start, *at = [int(x) for x in os.environ.get(TRACE_AT_ENV, "").split(",") if x]
                _tracer = _Tracer(Path(trace_dir), start, at)
            _tracer.crawlers.append(crawler)
            crawler.signals.connect(self.response, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MemoryProbe:
        path = os.environ.get(PROBE_ENV)
        if not path:
            raise NotConfigured(f"{PROBE_ENV} not set")
        return cls(crawler, path)

    def opened(self, spider: Spider) -> None:
        self.loop.start(0.25, now=True)

    def response(self, response: Response, request: Any, spider: Spider) -> None:
        if _tracer is not None:
            _tracer.response()

    def idle(self, spider: Spider) -> None:
        self.sample(event="idle")

    def closed(self, spider: Spider, reason: str) -> None:
        self.sample(event="closed")
        if self.loop.running:
            self.loop.stop()

    def sample(self, event: str = "") -> None:
        crawler = self.crawler
        stats = crawler.stats.get_stats() if crawler.stats is not None else {}
        engine = crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        downloader = getattr(engine, "downloader", None)
        scraper_slot = getattr(getattr(engine, "scraper", None), "slot", None)
        jobs, buffered = _pool_backlog()
        line = {
            "t": time.time(),
            "site": crawler.spider.name if crawler.spider else None,
            "responses": int(stats.get("response_received_count", 0)),
            "enqueued": int(stats.get("scheduler/enqueued", 0)),
            "dequeued": int(stats.get("scheduler/dequeued", 0)),
            "scheduler_len": len(scheduler) if scheduler is not None else None,  # type: ignore[arg-type]
            "downloading": len(getattr(downloader, "active", ())),
            "scraping": len(getattr(scraper_slot, "active", ())) if scraper_slot is not None else 0,
            "worker_jobs": jobs,
            "pipe_bytes": buffered,
            "items": int(stats.get("item_scraped_count", 0)),
        }
        if event:
            line["event"] = event
        self.out.write(json.dumps(line) + "\n")


# In the benchmark's process ---------------------------------------------------------------------


def _tree_rss(proc: psutil.Process) -> tuple[int, int, int, int]:
    """RSS of the process, of it and its descendants at the same instant, how many descendants there
    are, and the largest one's RSS."""
    own = proc.memory_info().rss
    total, count, largest = own, 0, 0
    for child in proc.children(recursive=True):
        try:
            rss = child.memory_info().rss
        except psutil.Error:
            continue
        total += rss
        count += 1
        largest = max(largest, rss)
    return own, total, count, largest


def crawl_command(url: str, archive: Path, settings: list[str]) -> list[str]:
    """``xxgk crawl`` of the replica with the bench profile and the probe among the extensions."""
    from crawler import settings as project_settings

    extensions = {**project_settings.EXTENSIONS, PROBE_EXTENSION: 0}
    command = [
        sys.executable,
        "-m",
        "crawler.cli",
        "crawl",
        "--replica",
        url,
        "--archive",
        str(archive),
        "--profile",
        "bench",
        "-s",
        f"EXTENSIONS={json.dumps(extensions)}",
    ]
    for setting in settings:
        command += ["-s", setting]
    return command


def measure(
    url: str,
    archive: Path,
    settings: list[str],
    interval: float = 0.25,
    env: dict[str, str] | None = None,
    ok_status: tuple[int, ...] = (0, 4),
) -> dict[str, Any]:
    """Crawl once in a child process while sampling its memory; the figures of that crawl. An exit
    status outside ``ok_status`` (default: finished, or finished with a site health warning) stops
    the benchmark with the end of the crawl's log."""
    probe = archive.with_name(archive.name + ".probe.jsonl")
    log = archive.with_name(archive.name + ".log")
    probe.unlink(missing_ok=True)
    # An archive crawled before (a second run) keeps its earlier run records: only new ones count.
    earlier = set((archive / "runs").glob("*Z-*.json"))
    environment = {**os.environ, PROBE_ENV: str(probe), **(env or {})}
    samples: list[dict[str, Any]] = []
    started = time.time()
    with open(log, "wb") as out:
        child = subprocess.Popen(
            crawl_command(url, archive, settings), cwd=ROOT, env=environment, stdout=out, stderr=out
        )
        proc = psutil.Process(child.pid)
        status, usage = 0, None
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            try:
                own, tree, workers, largest = _tree_rss(proc)
            except psutil.Error:
                pass
            else:
                samples.append(
                    {
                        "t": time.time(),
                        "crawler": own,
                        "tree": tree,
                        "workers": workers,
                        "worker_max": largest,
                    }
                )
            time.sleep(interval)
    child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.time() - started
    if child.returncode not in ok_status:
        tail = log.read_text(errors="replace")[-3000:]
        raise SystemExit(f"crawl failed with status {child.returncode}:\n{tail}")
    lines = [json.loads(x) for x in probe.read_text().splitlines()] if probe.exists() else []
    new_runs = sorted(set((archive / "runs").glob("*Z-*.json")) - earlier)
    return summarise(archive, new_runs, samples, lines, elapsed, usage, child.returncode)


def _progress_at(lines: list[dict[str, Any]], t: float) -> dict[str, int]:
    """Responses, pending requests and worker backlog summed over the sites, as of time ``t``."""
    latest: dict[str, dict[str, Any]] = {}
    last: dict[str, Any] = {}
    for line in lines:
        if line["t"] > t:
            break
        latest[str(line["site"])] = last = line
    keys = ("responses", "enqueued", "dequeued", "worker_jobs", "pipe_bytes", "downloading", "scraping")
    # Worker jobs and pipe bytes belong to the process's one shared pool: every site reports them,
    # and a site whose crawl closed early stops reporting, so the latest line of any site says.
    shared = ("worker_jobs", "pipe_bytes")
    out = {k: sum(int(v.get(k) or 0) for v in latest.values()) for k in keys if k not in shared}
    for k in shared:
        out[k] = int(last.get(k) or 0)
    out["pending"] = out["enqueued"] - out["dequeued"]
    return out


def summarise(
    archive: Path,
    run_paths: list[Path],
    samples: list[dict[str, Any]],
    lines: list[dict[str, Any]],
    elapsed: float,
    usage: Any,
    status: int,
) -> dict[str, Any]:
    lines.sort(key=lambda x: x["t"])
    runs = [json.loads(p.read_text()) for p in run_paths]
    pages = sum(int(r.get("pages_fetched", 0)) for r in runs)
    documents = sum(sum(r.get("documents", {}).values()) for r in runs)
    attachments = sum(sum(r.get("attachments", {}).values()) for r in runs)
    failures = sum(int(r.get("failures", 0)) for r in runs)
    for sample in samples:
        sample.update(_progress_at(lines, sample["t"]))
    final = max((s.get("responses", 0) for s in samples), default=0) or pages
    # The crawl's end: the first sample at which every response had arrived; after it, the after-crawl
    # stage (attachments' documents, WARC and search indexes, run records).
    crawl_end = next((s["t"] for s in samples if s.get("responses", 0) >= final), samples[-1]["t"])
    during = [s for s in samples if s["t"] <= crawl_end]
    after = [s for s in samples if s["t"] > crawl_end]
    by_share = {}
    for share in SHARES:
        goal = final * share / 100
        at = next((s for s in samples if s.get("responses", 0) >= goal), samples[-1])
        by_share[f"{share}%"] = {
            "responses": at.get("responses", 0),
            "seconds": round(at["t"] - samples[0]["t"], 1),
            "crawler_rss_mib": round(at["crawler"] / MIB, 1),
            "tree_rss_mib": round(at["tree"] / MIB, 1),
            "pending_requests": at.get("pending", 0),
            "worker_jobs": at.get("worker_jobs", 0),
        }
    peak_crawler = max(samples, key=lambda s: s["crawler"])
    peak_tree = max(samples, key=lambda s: s["tree"])
    peak_pending = max(samples, key=lambda s: s.get("pending", 0))
    return {
        "exit_status": status,
        "run_ids": [str(r.get("run_id")) for r in runs],
        "failures_by_reason": dict(
            sum((Counter(r.get("failures_by_reason") or {}) for r in runs), Counter()).most_common()
        ),
        "pages_fetched": pages,
        "documents": documents,
        "attachments": attachments,
        "failures": failures,
        "elapsed_s": round(elapsed, 1),
        "crawl_s": round(crawl_end - samples[0]["t"], 1),
        "after_crawl_s": round(samples[-1]["t"] - crawl_end, 1),
        "pages_per_s_wall": round(pages / elapsed, 1),
        "peak_crawler_rss_mib": round(peak_crawler["crawler"] / MIB, 1),
        "peak_crawler_at_responses": peak_crawler.get("responses", 0),
        "peak_crawler_at_s": round(peak_crawler["t"] - samples[0]["t"], 1),
        "peak_tree_rss_mib": round(peak_tree["tree"] / MIB, 1),
        "peak_tree_workers": peak_tree["workers"],
        "peak_tree_at_responses": peak_tree.get("responses", 0),
        "peak_tree_at_s": round(peak_tree["t"] - samples[0]["t"], 1),
        "peak_crawler_rss_during_crawl_mib": round(max(s["crawler"] for s in during) / MIB, 1),
        "peak_tree_rss_during_crawl_mib": round(max(s["tree"] for s in during) / MIB, 1),
        "peak_crawler_rss_after_crawl_mib": round(max((s["crawler"] for s in after), default=0) / MIB, 1),
        "peak_tree_rss_after_crawl_mib": round(max((s["tree"] for s in after), default=0) / MIB, 1),
        "ru_maxrss_mib": round(usage.ru_maxrss / 1024, 1) if usage is not None else None,
        "peak_pending_requests": peak_pending.get("pending", 0),
        "peak_pending_at_responses": peak_pending.get("responses", 0),
        "peak_worker_jobs": max((s.get("worker_jobs", 0) for s in samples), default=0),
        "peak_pipe_mib": round(max((s.get("pipe_bytes", 0) for s in samples), default=0) / MIB, 1),
        "peak_worker_rss_mib": round(max(s["worker_max"] for s in samples) / MIB, 1),
        "rss_by_share": by_share,
        "samples": len(samples),
        # About 60 points of the crawl, to draw: seconds, responses, MiB of crawler / tree / largest
        # worker, pending requests, unanswered worker jobs.
        "series": [
            [
                round(s["t"] - samples[0]["t"], 1),
                s.get("responses", 0),
                round(s["crawler"] / MIB, 1),
                round(s["tree"] / MIB, 1),
                round(s["worker_max"] / MIB, 1),
                s.get("pending", 0),
                s.get("worker_jobs", 0),
            ]
            for s in samples[:: max(1, len(samples) // 60)] + samples[-1:]
        ],
        "archive_mib": round(_du(archive) / MIB, 1),
    }


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_sizes(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for pages in args.pages:
        replica, url = start_replica(pages, args.seed)
        work = Path(tempfile.mkdtemp(prefix=f"xxgk-mem-{pages}-", dir=args.workdir))
        try:
            result = measure(url, work / "archive", args.set or [], args.interval)
            if args.recrawl:
                # The scheduled re-crawl of the same, unchanged portal: every page is known, with
                # its validators (crawler/known.py), and asked for conditionally.
                result["recrawl"] = measure(url, work / "archive", args.set or [], args.interval)
        finally:
            stop_process(replica)
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
        result["replica_pages"] = pages
        for label, figures in (("crawl", result), ("re-crawl", result.get("recrawl"))):
            if figures is None:
                continue
            brief = {k: v for k, v in figures.items() if k not in ("rss_by_share", "series", "recrawl")}
            print(label, json.dumps(brief), flush=True)
            for share, at in figures["rss_by_share"].items():
                print(f"  {share}: {json.dumps(at)}", flush=True)
        results[str(pages)] = result
    return results


def run_trace(args: argparse.Namespace) -> dict[str, Any]:
    """One crawl with tracemalloc, snapshots at the two response counts; what grew between them."""
    first, second = args.trace
    replica, url = start_replica(int(second * 1.1), args.seed)
    work = Path(tempfile.mkdtemp(prefix="xxgk-trace-", dir=args.workdir))
    snaps = work / "snapshots"
    # Tracing from a little before the first snapshot (see _Tracer).
    env = {TRACE_ENV: str(snaps), TRACE_AT_ENV: f"{max(1, first - args.lead)},{first},{second}"}
    try:
        result = measure(url, work / "archive", args.set or [], args.interval, env=env)
        growth = compare_snapshots(snaps, first, second, args.top)
    finally:
        stop_process(replica)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    result.pop("rss_by_share", None)
    result.pop("series", None)
    return {"crawl": result, **growth}


def compare_snapshots(directory: Path, first: int, second: int, top: int) -> dict[str, Any]:
    """Bytes per page that grew between the two snapshots, by source line and by structure, in the
    crawler's process and in its worker."""
    out: dict[str, Any] = {"crawler": _compare(directory, "snap", first, second, "responses", top)}
    for path in sorted(directory.glob(f"worker*-{second}.json")):
        prefix = path.name.split("-", 1)[0]
        if (directory / f"{prefix}-{first}.json").exists():
            out[prefix] = _compare(directory, prefix, first, second, "responses_when_sent", top)
    return out


def _compare(directory: Path, prefix: str, first: int, second: int, count: str, top: int) -> dict[str, Any]:
    old = tracemalloc.Snapshot.load(str(directory / f"{prefix}-{first}.pickle"))
    new = tracemalloc.Snapshot.load(str(directory / f"{prefix}-{second}.pickle"))
    info_old = json.loads((directory / f"{prefix}-{first}.json").read_text())
    info_new = json.loads((directory / f"{prefix}-{second}.json").read_text())
    pages = max(1, info_new[count] - info_old[count])
    lines = []
    for stat in new.compare_to(old, "lineno")[:top]:
        frame = stat.traceback[0]
        lines.append(
            {
                "where": f"{_short(frame.filename)}:{frame.lineno}",
                "grew_bytes": stat.size_diff,
                "bytes_per_page": round(stat.size_diff / pages, 1),
                "blocks_grew": stat.count_diff,
                "held_bytes": stat.size,
            }
        )
    by_file = [
        {
            "file": _short(stat.traceback[0].filename),
            "grew_bytes": stat.size_diff,
            "bytes_per_page": round(stat.size_diff / pages, 1),
        }
        for stat in new.compare_to(old, "filename")[:top]
    ]
    holdings_old, holdings_new = info_old["holdings"], info_new["holdings"]
    if isinstance(holdings_new, dict):  # the worker's: one store
        holdings_old, holdings_new = [holdings_old], [holdings_new]
    structures: dict[str, Any] = {}
    totals: dict[str, list[int]] = {}
    for held_old, held_new in zip(holdings_old, holdings_new, strict=True):
        site = held_new.get("site", "")
        for key, value in held_new.items():
            if isinstance(value, dict) and "bytes" in value:
                before = held_old.get(key, {"bytes": 0, "items": 0})
                structures[f"{site} {key}".strip()] = {
                    "items": [before["items"], value["items"]],
                    "bytes": [before["bytes"], value["bytes"]],
                }
                pair = totals.setdefault(key, [0, 0])
                pair[0] += before["bytes"]
                pair[1] += value["bytes"]
    types = {
        name: [info_old["gc_types"].get(name, 0), n]
        for name, n in info_new["gc_types"].items()
        if n - info_old["gc_types"].get(name, 0) > 1000
    }
    return {
        "snapshots": {
            str(first): {k: info_old[k] for k in (count, "traced_bytes", "rss")},
            str(second): {k: info_new[k] for k in (count, "traced_bytes", "rss")},
        },
        "pages_between": pages,
        "traced_bytes_per_page": round((info_new["traced_bytes"] - info_old["traced_bytes"]) / pages, 1),
        "rss_bytes_per_page": round((info_new["rss"] - info_old["rss"]) / pages, 1),
        "structures_bytes_per_page": {k: round((b - a) / pages, 1) for k, (a, b) in sorted(totals.items())},
        "structures": structures,
        "gc_types_grown": types,
        "top_lines": lines,
        "top_files": by_file,
    }


def _short(filename: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/", "lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between RSS samples")
    parser.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="crawl setting")
    parser.add_argument(
        "--trace", type=int, nargs=2, metavar=("A", "B"), help="tracemalloc at A and B responses"
    )
    parser.add_argument("--lead", type=int, default=2000, help="responses traced before the first snapshot")
    parser.add_argument("--top", type=int, default=40, help="lines of the tracemalloc comparison kept")
    parser.add_argument("--label", default="", help="what this run measures (kept in the results)")
    parser.add_argument("--workdir", default=None, help="where archives go (default: the temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the archives")
    parser.add_argument(
        "--recrawl", action="store_true", help="crawl each archive a second time and measure that too"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "crawl_memory.json")
    args = parser.parse_args()
    head = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_at_start": os.getloadavg(),
        "settings": args.set or [],
        "label": args.label,
    }
    if args.trace:
        body: dict[str, Any] = {"trace": run_trace(args)}
        print(json.dumps(body["trace"], indent=1, ensure_ascii=False))
    else:
        sizes = run_sizes(args)
        body = {"sizes": sizes}
        peaks = [sizes[str(p)]["peak_tree_rss_mib"] for p in args.pages]
        if len(peaks) == 2:
            body["tree_peak_ratio_large_to_small"] = round(peaks[1] / peaks[0], 3)
            body["crawler_peak_ratio_large_to_small"] = round(
                sizes[str(args.pages[1])]["peak_crawler_rss_mib"]
                / sizes[str(args.pages[0])]["peak_crawler_rss_mib"],
                3,
            )
        body["median_peak_tree_rss_mib"] = statistics.median(peaks)
        if args.recrawl and len(peaks) == 2:
            again = [sizes[str(p)]["recrawl"]["peak_tree_rss_mib"] for p in args.pages]
            body["recrawl_tree_peak_ratio_large_to_small"] = round(again[1] / again[0], 3)
    head["load_average_at_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**head, **body}, indent=1, ensure_ascii=False))
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
