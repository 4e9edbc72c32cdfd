"""Index build and search latency over 100,000 replica documents (docs/benchmarks.md, docs/browse.md).

Usage: python bench/index_search.py [--docs 100000] [--pages 1000] [--rounds 20] [--keep DIR [--reuse-index]]
                                   [--shards N]

1. Crawls a replica of ``--pages`` pages (every site, replica profile) into a fresh archive: real
   documents, as the crawler writes them (pages, attachments, annual reports with their tables).
2. Multiplies them to ``--docs`` version files: copy k of a document gets the URL ``<url>?copy=k`` (so
   its own id and path) and a body made of its own paragraphs plus a run of paragraphs of another
   document, so posting lists and texts vary between copies; every other field is the original's.
3. Times ``rebuild`` (documents/s), then ``search`` (limit 20, with the total count and snippets, as
   ``xxgk search`` runs it) for one-, two- and four-character queries, ``--rounds`` times each.
   ``--reuse-index`` skips step 3's build when the kept index is of the current schema (searches
   only); ``--shards N`` ranks every search in N rowid ranges (default: as ``xxgk search`` does).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.crawl_speed import start_replica  # noqa: E402
from pipelines.archive.store import doc_id  # noqa: E402
from pipelines.index import index_path, rebuild, search  # noqa: E402
from pipelines.index.schema import SCHEMA_VERSION, connect  # noqa: E402

QUERIES = {
    1: ["复", "诉", "站", "局", "年"],
    2: ["复议", "诉讼", "站前", "财政", "公开"],
    4: ["行政复议", "信息公开", "政府信息", "站前街道", "年度报告"],
}


def crawl(pages: int, archive: Path) -> list[dict[str, Any]]:
    import subprocess

    proc, replica = start_replica(pages, 1)
    try:
        cmd = [sys.executable, "-m", "crawler.cli", "crawl", "--archive", str(archive), "--replica", replica]
        subprocess.run([*cmd, "-s", "LOG_LEVEL=ERROR"], cwd=ROOT, check=True, capture_output=True)
    finally:
        proc.terminate()
        proc.wait()
    latest: dict[str, dict[str, Any]] = {}
    for path in sorted((archive / "documents").glob("*/*/*.v*.json")):
        doc = json.loads(path.read_text("utf-8"))
        latest[doc["id"]] = doc
    return list(latest.values())


def multiply(sources: list[dict[str, Any]], count: int, archive: Path) -> None:
    rng = random.Random(1)
    dirs: set[Path] = set()
    for k in range(count):
        source = sources[k % len(sources)]
        other = sources[rng.randrange(len(sources))]
        doc = dict(source)
        doc["url"] = f"{source['url']}?copy={k}"
        doc["id"] = doc_id(doc["url"])
        lines = (other.get("text") or "").splitlines()
        start = rng.randrange(len(lines)) if lines else 0
        doc["text"] = "\n".join([*(source.get("text") or "").splitlines(), *lines[start : start + 8]])
        folder = archive / "documents" / doc["site"] / doc["id"][:2]
        if folder not in dirs:
            folder.mkdir(parents=True, exist_ok=True)
            dirs.add(folder)
        (folder / f"{doc['id']}.v{doc['version']:04d}.json").write_text(
            json.dumps(doc, ensure_ascii=False), encoding="utf-8"
        )


def build(archive: Path) -> None:
    started = time.perf_counter()
    built = rebuild(archive)
    seconds = time.perf_counter() - started
    size = index_path(archive).stat().st_size
    print(
        f"index build: {built.indexed} documents in {seconds:.1f} s = {built.indexed / seconds:.0f} "
        f"documents/s; index.sqlite {size / 1e6:.0f} MB",
        flush=True,
    )


def current_index(archive: Path) -> bool:
    path = index_path(archive)
    if not path.exists():
        return False
    conn = connect(path, readonly=True)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    return row is not None and row[0] == SCHEMA_VERSION


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--keep",
        help="work in this directory and keep it; documents already there are reused "
        "(default: a temporary directory)",
    )
    parser.add_argument(
        "--reuse-index",
        action="store_true",
        help="with --keep: search the index already there, when it is of the current schema",
    )
    parser.add_argument("--shards", type=int, help="rank in this many rowid ranges (default: as xxgk does)")
    args = parser.parse_args(argv)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="xxgk-index-bench-"))
    try:
        archive = work / "archive"
        if (archive / "documents").is_dir():
            print(f"reusing the documents of {archive}", flush=True)
        else:
            started = time.perf_counter()
            sources = crawl(args.pages, work / "crawled")
            print(f"crawled {len(sources)} documents in {time.perf_counter() - started:.1f} s", flush=True)
            started = time.perf_counter()
            multiply(sources, args.docs, archive)
            print(f"wrote {args.docs} document files in {time.perf_counter() - started:.1f} s", flush=True)
        if args.reuse_index and current_index(archive):
            print(f"reusing the index of {archive}", flush=True)
        else:
            build(archive)
        for length, queries in QUERIES.items():
            per_query: dict[str, list[float]] = {query: [] for query in queries}
            totals: dict[str, int] = {}
            search(archive, queries[0], shards=args.shards)  # page cache warm, as after the first query
            for _round in range(args.rounds):
                for query in queries:
                    started = time.perf_counter()
                    _hits, totals[query] = search(archive, query, shards=args.shards)
                    per_query[query].append((time.perf_counter() - started) * 1000)
            timings = [t for values in per_query.values() for t in values]
            detail = ", ".join(
                f"{q} {totals[q]} matches {statistics.median(v):.0f} ms" for q, v in per_query.items()
            )
            print(
                f"{length}-character queries: median {statistics.median(timings):.1f} ms, "
                f"p95 {percentile(timings, 0.95):.1f} ms, max {max(timings):.1f} ms "
                f"({len(timings)} searches; {detail})",
                flush=True,
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
