"""The end-of-crawl summary: what a person running `xxgk crawl` reads first."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

COLUMNS = (
    ("site", None),
    ("pages", "response_received_count"),
    ("new", "xxgk/documents/new"),
    ("changed", "xxgk/documents/changed"),
    ("unchanged", "xxgk/documents/unchanged"),
    ("attachments", None),
    ("failures", "xxgk/failures"),
    ("finish", "finish_reason"),
)


def _width(text: str) -> int:
    # CJK characters take two terminal cells; align on cells, not on characters.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap


def summary_rows(results: Sequence[tuple[str, Mapping[str, Any]]]) -> list[list[str]]:
    rows = []
    for name, stats in results:
        row = []
        for column, key in COLUMNS:
            if column == "site":
                row.append(name)
            elif column == "attachments":
                row.append(
                    str(
                        sum(
                            int(stats.get(f"xxgk/attachments/{k}", 0) or 0)
                            for k in ("new", "changed", "unchanged")
                        )
                    )
                )
            else:
                assert key is not None
                row.append(str(stats.get(key, 0 if column != "finish" else "?")))
        rows.append(row)
    return rows


def format_summary(results: Sequence[tuple[str, Mapping[str, Any]]], archive: Path) -> str:
    header = [column for column, _key in COLUMNS]
    rows = summary_rows(results)
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["", "crawl summary"]
    for row in [header, *rows]:
        lines.append(
            "  ".join(_pad(cell, widths[i], right=0 < i < len(header) - 1) for i, cell in enumerate(row))
        )
    failures = sum(int(stats.get("xxgk/failures", 0) or 0) for _n, stats in results)
    derived = sum(int(stats.get("xxgk/derive/attachments", 0) or 0) for _n, stats in results)
    if derived:
        seconds = sum(float(stats.get("xxgk/derive/seconds", 0.0) or 0.0) for _n, stats in results)
        lines.append(f"attachments read after the crawl (PDF, Word, Excel): {derived} in {seconds:.1f} s")
    lines.append(f"archive: {archive.resolve()}")
    if failures:
        lines.append(f"failures recorded in {archive.resolve() / 'failures'}")
    lines.extend(health_lines(results))
    return "\n".join(lines)


def health_problems(stats: Mapping[str, Any]) -> list[str]:
    """The site-health problems a crawl's stats carry (``xxgk/health/problems``), one line each."""
    found = stats.get("xxgk/health/problems")
    if not isinstance(found, (list, tuple)):
        return []
    return [str(problem) for problem in found]


def health_lines(results: Sequence[tuple[str, Mapping[str, Any]]]) -> list[str]:
    """What looked wrong with the sites (pipelines.health), under the summary: nothing when healthy.

    Why printed: a site whose template changed, or that answers with a challenge page, does not
    fail; these lines (and the exit status) are how the person reading cron's mail learns of it."""
    problems = [(name, line) for name, stats in results for line in health_problems(stats)]
    if not problems:
        return []
    out = [f"SITE HEALTH: {len(problems)} problem(s)"]
    out.extend(f"  {name}: {line}" for name, line in problems)
    return out
