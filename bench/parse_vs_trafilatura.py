"""Documents per second: our full parse against trafilatura's text extraction, on the same pages, in one run.

Usage: python bench/parse_vs_trafilatura.py [--seed 1] [--pages 2000] [--repeat 3] [--reports-only]

"Ours" is everything the archive derives from a page's bytes: ``extract_page`` (decoding, chrome
stripping, clean text, attachments) and ``parse_extracted`` (fields, sections, the report's tables,
stats with evidence and checks). "trafilatura" is ``trafilatura.extract`` alone, text only, with its
defaults (no comments, no tables turned off, favouring neither precision nor recall). The two are
timed page by page, alternately, so that the machine's noise falls on both; each page keeps the best
of ``--repeat`` passes. Issue target: ours at least twice as fast.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the project's packages sit beside bench/
    sys.path.insert(0, str(ROOT))

from bench.extract_parse_speed import DetailPage, detail_pages, is_fatal  # noqa: E402
from pipelines.extract import extract_page  # noqa: E402
from pipelines.page import parse_extracted  # noqa: E402


def ours(page: DetailPage) -> None:
    extracted = extract_page(page.url, page.body, page.charset, page.profile)
    if not is_fatal(extracted):
        parse_extracted(extracted, page.hints)


def theirs(page: DetailPage) -> None:
    import trafilatura

    trafilatura.extract(page.body, url=page.url)


def timed_pass(pages: list[DetailPage]) -> tuple[list[float], list[float]]:
    clock = time.perf_counter
    mine: list[float] = []
    other: list[float] = []
    for page in pages:
        start = clock()
        ours(page)
        mine.append(clock() - start)
        start = clock()
        theirs(page)
        other.append(clock() - start)
    return mine, other


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--reports-only", action="store_true", help="only pages naming 年度报告 (the heaviest parse)"
    )
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")  # trafilatura warns about pages it finds too short
    pages = list(detail_pages(args.seed, args.pages))
    if args.reports_only:
        pages = [p for p in pages if "年度报告" in p.body.decode(p.charset or "utf-8", "ignore")]
    print(f"{len(pages)} detail pages (seed {args.seed}{', reports only' if args.reports_only else ''})")
    timed_pass(pages)  # warm-up: imports, caches, compiled patterns on both sides
    runs = [timed_pass(pages) for _ in range(args.repeat)]
    mine = [min(times) for times in zip(*(r[0] for r in runs), strict=True)]
    other = [min(times) for times in zip(*(r[1] for r in runs), strict=True)]
    for name, times in (("ours (extract + full parse)", mine), ("trafilatura.extract (text only)", other)):
        ms = [t * 1000 for t in times]
        print(
            f"{name:32} {len(ms) / sum(times):8.0f} docs/s  mean {statistics.fmean(ms):.3f} ms  "
            f"median {statistics.median(ms):.3f} ms  p90 {statistics.quantiles(ms, n=10)[-1]:.3f} ms"
        )
    ratio = sum(other) / sum(mine)
    print(f"speed ratio ours/trafilatura: {ratio:.2f}x (target >= 2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
