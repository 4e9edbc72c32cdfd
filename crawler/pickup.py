"""The pages the next run asks for again: those that failed last time for a reason that may pass.

A page that answered 503, timed out or was cut off is not gone: the next run requests it again from
its start (``PortalSpider.start``), wherever it is listed. Without that, a re-crawl would find it only
by walking to its list page, which an incremental walk stops short of (a page that failed last run
does not count as new: ``PortalSpider.seen_before``). Pure over the archive's files: the run records
(``runs/<run_id>.json``) and failure logs (``failures/<run_id>.jsonl``), nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass
from pathlib import Path

from crawler.runs import last_runs
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
