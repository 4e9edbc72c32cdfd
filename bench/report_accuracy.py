"""Per-field accuracy of the report parser on a larger replica than the test suite's quality gate uses.

Usage: python bench/report_accuracy.py [--seed 1] [--pages 3000]

The gate (``tests/test_quality_gate.py``) scores ``Corpus(seed=1, pages=300)`` on every test run; this
scores any size, with the same cases and scoring (``tests/quality.py``): every detail page served and
parsed as the crawl does, and every report published as a file, against the generator's truth.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

# The gate's own harness, shared rather than copied; it lives with the tests (not a package module).
quality: Any = importlib.import_module("quality")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pages", type=int, default=3000)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    cases = [*quality.replica_cases(args.seed, args.pages), *quality.attachment_cases(args.seed, args.pages)]
    reports = sum(1 for c in cases if c.expected.get("doc_type") == "annual_report")
    print(f"{len(cases)} documents ({reports} reports), seed {args.seed}, pages {args.pages}")
    tallies = quality.score(cases)
    print(quality.report(tallies))
    misses = [f"  {name}: {miss}" for name, t in sorted(tallies.items()) for miss in t.misses]
    if misses:
        print("first misses per field:", *misses, sep="\n")
    print(f"({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
