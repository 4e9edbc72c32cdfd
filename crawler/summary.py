"""The end-of-crawl summary: what a person running `xxgk crawl` reads first.

Under the table, per site: how many pages were archived and how many failed, by reason, and how many
of the failed ones the next run asks for again (crawler.pickup) — every page fetched ends as one or
the other, so these lines account for the whole crawl.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from crawler.pickup import HeldInArchive, failures_to_retry

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
    lines.extend(pages_lines(results, archive))
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


def _count(stats: Mapping[str, Any], key: str) -> int:
    try:
        return int(stats.get(key, 0) or 0)
    except (TypeError, ValueError):
        return 0


def archived_count(stats: Mapping[str, Any]) -> int:
    """Pages and files that are documents after this run: new, changed or unchanged."""
    return sum(
        _count(stats, f"xxgk/{counter}/{status}")
        for counter in ("documents", "attachments")
        for status in ("new", "changed", "unchanged")
    )


def failures_by_reason(stats: Mapping[str, Any]) -> dict[str, int]:
    """The run's failures counted by reason (``xxgk/failures/<reason>``), most frequent first."""
    found = {
        key.removeprefix("xxgk/failures/"): _count(stats, key)
        for key in stats
        if key.startswith("xxgk/failures/")
    }
    return dict(sorted(((r, n) for r, n in found.items() if n), key=lambda rn: (-rn[1], rn[0])))


def _by_reason(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{reason} {n}" for reason, n in counts.items())


def pages_lines(results: Sequence[tuple[str, Mapping[str, Any]]], archive: Path) -> list[str]:
    """Per site: ``<site> pages: A archived, F failed (reason n, …)``, and when pages failed, how
    many of them the next run asks for again (the retryable ones the archive lacks: the run's
    failure log, read as crawler.pickup will read it)."""
    lines = []
    for name, stats in results:
        failed = _count(stats, "xxgk/failures")
        reasons = failures_by_reason(stats)
        line = f"{name} pages: {archived_count(stats)} archived, {failed} failed"
        lines.append(f"{line} ({_by_reason(reasons)})" if reasons else line)
        run_id = stats.get("xxgk/run_id")
        if not failed or not isinstance(run_id, str):
            continue
        again = failures_to_retry(archive, name, [run_id], HeldInArchive(archive, name))
        if not again:
            lines.append(f"{name} next run: asks again for 0 failed pages (none failed for a passing reason)")
            continue
        retry: dict[str, int] = {}
        for page in again:
            retry[page.reason] = retry.get(page.reason, 0) + 1
        ordered = dict(sorted(retry.items(), key=lambda rn: (-rn[1], rn[0])))
        pages = "page" if len(again) == 1 else "pages"
        lines.append(f"{name} next run: asks again for {len(again)} failed {pages} ({_by_reason(ordered)})")
    return lines


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
