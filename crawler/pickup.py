"""The pages the next run asks for again: those that failed last time for a reason that may pass.

A page that answered 503, timed out or was cut off is not gone: the next run requests it again from
its start (``PortalSpider.start``), wherever it is listed. Without that, a re-crawl would find it only
by walking to its list page, which an incremental walk stops short of (a page that failed last run
does not count as new: ``PortalSpider.seen_before``). Pure over the archive's files: the run records
(``runs/<run_id>.json``) and failure logs (``failures/<run_id>.jsonl``), nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.archive.files import read_log


def retryable() -> Callable[[str], bool]:
    """Whether a failure of a reason is worth asking again next run: crawler.failures decides (the
    RETRYABLE_REASONS, and any 5xx). Imported when needed: it loads Scrapy and Twisted, which the
    `xxgk` commands that only print a summary or read an archive do not otherwise need."""
    from crawler.failures import retryable as decide

    return decide


@dataclass(frozen=True)
class Failed:
    """A page to ask for again: where it was found, and why it failed last time."""

    url: str
    referer: str | None
    reason: str


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
    it is the site names): the workers of one crawl are the records of that id whose run times
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


def failed_to_retry(
    archive: Path, site: str, held: Container[str], *, before: str | None = None
) -> list[Failed]:
    """The pages of ``site`` that failed in its latest run (or shared crawl) for a retryable reason
    and that the archive does not hold (``held``: URLs with a document), one per URL, in the order
    they failed. A page both held and failed (a revisit answering 503) is not asked for: the
    archive has it, and its turn to be revisited comes again. ``before``: see :func:`last_runs`."""
    return failures_to_retry(archive, site, last_runs(archive, site, before=before), held)


def failures_to_retry(archive: Path, site: str, run_ids: Iterable[str], held: Container[str]) -> list[Failed]:
    """What :func:`failed_to_retry` reads, for the runs named: the retryable failures of ``site`` in
    their failure logs whose URL ``held`` does not contain, one per URL."""
    passing = retryable()
    found: dict[str, Failed] = {}
    for run_id in run_ids:
        for record in read_log(archive / "failures" / f"{run_id}.jsonl"):
            url, reason = record.get("url"), record.get("reason")
            if not isinstance(url, str) or not isinstance(reason, str) or url in found:
                continue
            if record.get("site") not in (None, site) or not passing(reason) or url in held:
                continue
            referer = record.get("referer")
            found[url] = Failed(url, referer if isinstance(referer, str) else None, reason)
    return list(found.values())


class HeldInArchive(Container[str]):
    """The URLs the archive holds a document for, asked one at a time (a file's existence): for
    a handful of failed URLs, cheaper than reading every document (crawler.known)."""

    def __init__(self, archive: Path, site: str) -> None:
        from pipelines.archive.store import ArchiveStore, doc_id

        self._store = ArchiveStore(archive, fsync=False)
        self._doc_id = doc_id
        self._site = site

    def __contains__(self, url: object) -> bool:
        if not isinstance(url, str):
            return False
        return self._store.version_path(self._site, self._doc_id(url), 1).exists()
