"""The site's run records (``runs/<run_id>.json``) read as crawls: which runs were "last time", and
how many crawls came before this one.

A one-process run is a crawl of its own. The workers of a shared crawl (``--redis``) each write a
record carrying the crawl's id (``"crawl"``) and its number under that id (``"crawl_number"``, the
Redis generation): together they are one crawl.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any


def _run_records(archive: Path, site: str) -> Iterator[dict[str, Any]]:
    for path in (archive / "runs").glob(f"*{site}*.json"):
        try:
            record = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue  # a record cut by a kill is no run to go by (`xxgk verify` reports it)
        if isinstance(record, dict) and record.get("site") == site and record.get("run_id"):
            yield record


def _span(record: Mapping[str, Any]) -> tuple[str, str]:
    started = str(record.get("started_at") or "")
    return started, str(record.get("finished_at") or started)


def last_runs(archive: Path, site: str, *, before: str | None = None) -> list[str]:
    """Run ids of the site's latest run: one id, or every run of the shared crawl it took part in
    (several workers of a distributed crawl, whose records carry the same ``"crawl"``).

    A crawl id names a crawl of some sites, and is used again by the next crawl of them (by default
    it is the site names); Redis numbers them (``"crawl_number"``), and the workers of one crawl are
    the records of that id and number. Records without a number: those of that id whose run times
    overlap, one with the next, around the latest. ``before`` (``YYYY-MM-DDTHH:MM:SSZ``, when this
    run started) leaves out the runs that ended after it: workers of the crawl under way, not "last
    time"."""
    records = [r for r in _run_records(archive, site) if before is None or _span(r)[1] <= before]
    if not records:
        return []
    latest = max(records, key=lambda r: (_span(r)[0], str(r["run_id"])))
    crawl = latest.get("crawl")
    if crawl is None:
        return [str(latest["run_id"])]
    number = latest.get("crawl_number")
    if number is not None:
        # Redis numbers the crawls of one id: the workers of the latest are exactly those records.
        return sorted(
            str(r["run_id"]) for r in records if (r.get("crawl"), r.get("crawl_number")) == (crawl, number)
        )
    same = sorted((r for r in records if r.get("crawl") == crawl), key=_span)
    # The overlapping runs around the latest: sorted by start, a run that starts after every
    # earlier one ended begins another crawl.
    group: list[dict[str, Any]] = []
    ends = ""
    for record in same:
        started, finished = _span(record)
        if group and started > ends:
            if any(r is latest for r in group):
                break
            group = []
        group.append(record)
        ends = max(ends, finished) if len(group) > 1 else finished
    return sorted(str(r["run_id"]) for r in group)


def crawls_before(archive: Path, site: str, current: tuple[str, int] | None = None) -> int:
    """How many crawls of ``site`` the archive has records of, not counting ``current`` (the
    shared crawl this worker takes part in: its peers may have written their records already).

    Why crawls and not records: the revisit rotation (``PortalSpider.due``) advances one turn per
    crawl; counted by records, a crawl of five workers advanced it five turns, so with a period of
    ten some pages were never revalidated. A record that does not parse counts as one crawl."""
    alone = 0
    shared: set[tuple[Any, Any]] = set()
    for path in (archive / "runs").glob(f"*-{site}.json"):
        try:
            record = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            alone += 1
            continue
        if isinstance(record, dict) and record.get("crawl") is not None:
            key = (record.get("crawl"), record.get("crawl_number"))
            if current is None or key != current:
                shared.add(key)
        else:
            alone += 1
    return alone + len(shared)
