"""Time extraction and parsing per page on the replica's detail pages, as the crawl's workers run them.

Usage: python bench/extract_parse_speed.py [--seed 1] [--pages 2000] [--repeat 3] [--profile FILE]

The corpus's detail pages are rendered in process by the replica's own responder (the bytes a crawl
receives, live hit counters included), then each page goes through ``extract_page`` with its site's
profile and HTTP charset, and ``parse_document`` with the site's hints, exactly as
``pipelines.page.process_page`` calls them. Each page is timed on its own (``time.perf_counter``);
the best of ``--repeat`` passes is kept per page, so that a scheduler hiccup does not count. Pages with
a fatal extraction problem are not parsed (the crawl does not parse them either).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the project's packages sit beside bench/
    sys.path.insert(0, str(ROOT))

from crawler.http import charset_from_content_type  # noqa: E402
from crawler.sites import site_for_url  # noqa: E402
from pipelines.extract import ExtractedPage, extract_page  # noqa: E402
from pipelines.page import FATAL_PROBLEMS, parse_extracted  # noqa: E402
from replica.corpus import Corpus  # noqa: E402
from replica.pages import Responder  # noqa: E402


@dataclass(frozen=True)
class DetailPage:
    """One detail page as a crawl receives it, with what its site definition passes along."""

    url: str
    body: bytes
    charset: str | None
    profile: Mapping[str, Any] | None
    hints: Mapping[str, Any]


def detail_pages(seed: int = 1, pages: int = 2000) -> Iterator[DetailPage]:
    """Every detail page of a replica corpus that answers 200, in corpus order."""
    corpus = Corpus(seed=seed, pages=pages)
    responder = Responder(corpus)
    for truth in corpus.documents():
        if truth.kind in ("attachment", "image"):
            continue
        parts = urlsplit(truth.url)
        served = responder.respond(parts.netloc, parts.path + (f"?{parts.query}" if parts.query else ""))
        if served.status != 200:
            continue
        body = served.body
        if served.views is not None:  # a live hit counter: prefix + count + suffix
            body = served.views[0] + str(served.views[2]).encode() + served.views[1]
        site = site_for_url(truth.url)
        yield DetailPage(
            url=truth.url,
            body=body,
            charset=charset_from_content_type(served.content_type),
            profile=dict(site.extract) if site else None,
            hints=site.hints() if site else {},
        )


def is_fatal(page: ExtractedPage) -> bool:
    return any(p.split(":")[0] in FATAL_PROBLEMS for p in page.problems)


def run(pages: list[DetailPage]) -> tuple[list[float], list[float]]:
    """Seconds of extract_page per page, and of parsing per parsed page."""
    extract_times: list[float] = []
    parse_times: list[float] = []
    clock = time.perf_counter
    for page in pages:
        start = clock()
        extracted = extract_page(page.url, page.body, page.charset, page.profile)
        extract_times.append(clock() - start)
        if is_fatal(extracted):
            continue
        start = clock()
        parse_extracted(extracted, page.hints)
        parse_times.append(clock() - start)
    return extract_times, parse_times


def _best(runs: list[list[float]]) -> list[float]:
    return [min(times) for times in zip(*runs, strict=True)]


def _line(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"{name:8} {len(ms):5d} pages  mean {statistics.fmean(ms):.3f} ms  "
        f"median {statistics.median(ms):.3f} ms  p90 {statistics.quantiles(ms, n=10)[-1]:.3f} ms"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the corpus; best per page")
    parser.add_argument("--profile", type=Path, help="also write cProfile stats of one pass here")
    args = parser.parse_args(argv)

    pages = list(detail_pages(args.seed, args.pages))
    mean_kb = statistics.fmean(len(p.body) for p in pages) / 1024
    print(f"{len(pages)} detail pages (seed {args.seed}, mean {mean_kb:.1f} KB)")
    run(pages)  # warm-up: imports, compiled profiles and regexes, the fold table, caches
    extract_runs, parse_runs = [], []
    for _ in range(args.repeat):
        extract_times, parse_times = run(pages)
        extract_runs.append(extract_times)
        parse_runs.append(parse_times)
    print(_line("extract", _best(extract_runs)))
    print(_line("parse", _best(parse_runs)))
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(run, pages)
        profiler.dump_stats(str(args.profile))
        pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
