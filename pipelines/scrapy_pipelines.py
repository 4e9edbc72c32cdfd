"""Scrapy item pipelines: thin glue between the crawl and the pure extraction / parsing / archive code.

Spiders hand over raw responses (PageItem) and failures (FailureItem); ArchivePipeline sends each
response to a worker process that extracts, parses and archives it (``pipelines.capture``). A page
that cannot become a document leaves its raw bytes and a failure record, and the crawl goes on.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import FailureItem, PageItem
from crawler.sites import all_sites
from pipelines.capture import Capture, Outcome, archive_capture, derive_attachment, failure_record, store_for
from pipelines.workers import acquire_pool, release_pool

logger = logging.getLogger(__name__)

Item = PageItem | FailureItem


def _failure(item: PageItem, stage: str, reason: str, message: str) -> FailureItem:
    return FailureItem(
        url=item.url,
        site=item.site,
        stage=stage,
        reason=reason,
        message=message,
        status=item.status,
        referer=item.referer,
        fetched_at=item.fetched_at,
        body=item.body,
    )


def default_workers() -> int:
    """One worker per core but one (the crawler's), at least one, at most four."""
    return max(1, min(4, (os.cpu_count() or 2) - 1))


class ArchivePipeline:
    """Every response into the archive, through the one writer (``ArchiveStore``).

    Pages are extracted, parsed and archived by ``pipelines.capture.archive_capture`` in worker
    processes (``XXGK_PARSE_WORKERS``; 0 runs it inline); failures from the spider (downloads, HTTP
    errors) and the run record are written here.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        settings = crawler.settings
        self.archive = str(Path(settings.get("XXGK_ARCHIVE") or "archive"))
        self.fsync = settings.getbool("XXGK_FSYNC")
        self.store = store_for(self.archive, self.fsync)
        workers = settings.get("XXGK_PARSE_WORKERS")
        self.pool = acquire_pool(
            default_workers() if workers in (None, "") else int(workers), preload=("pipelines.capture",)
        )
        self.started_at = datetime.now(UTC)
        self.run_id: str = ""
        self._sites: dict[str, tuple[dict[str, Any] | None, dict[str, Any]]] = {}
        # Attachments whose documents are written after the crawl (see derive_attachments).
        self.defer_attachments = settings.getbool("XXGK_DEFER_ATTACHMENTS", True)
        self._deferred: list[tuple[Capture, str]] = []
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        name = spider.name if spider else "crawl"
        self.run_id = f"{self.started_at:%Y%m%dT%H%M%SZ}-{name}"
        self.stats.set_value("xxgk/run_id", self.run_id)
        self.stats.set_value("xxgk/archive", str(self.store.root.resolve()))
        self.pool.start()

    async def process_item(self, item: Item) -> Item:
        if isinstance(item, FailureItem):
            self._record_failure(item)
            return item
        profile, hints = self._site_data(item.site)
        capture = Capture(
            url=item.url,
            site=item.site,
            kind=item.kind,
            fetched_at=item.fetched_at,
            status=item.status,
            headers=item.headers,
            body=item.body,
            http_charset=item.http_charset,
            referer=item.referer,
            groups=item.groups,
            profile=profile,
            hints=hints,
            archive=self.archive,
            fsync=self.fsync,
            run_id=self.run_id,
        )
        try:
            outcome = await self.pool.run(archive_capture, capture, self.defer_attachments)
        except Exception as exc:  # a bug or a dead worker must not stop the crawl; the failure is recorded
            logger.exception("archiving failed for %s", item.url)
            self._record_failure(_failure(item, "archive", "archive_error", f"{type(exc).__name__}: {exc}"))
            return item
        if outcome.deferred:
            # The bytes are stored; the document is written after the crawl. Keep no body in memory.
            self._deferred.append((replace(capture, body=b""), outcome.deferred))
            return item
        self._count(outcome)
        return item

    def _count(self, outcome: Outcome) -> None:
        if outcome.failure:
            self._count_failure(outcome.failure)
        elif outcome.status:
            self.stats.inc_value(f"xxgk/{outcome.counter}/{outcome.status}")
        else:
            self.stats.inc_value(f"xxgk/{outcome.counter}")

    def _site_data(self, name: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """Extraction profile and parsing hints of a site, computed once per site."""
        if name not in self._sites:
            site = all_sites().get(name)
            self._sites[name] = (dict(site.extract), site.hints()) if site else (None, {})
        return self._sites[name]

    def _count_failure(self, reason: str) -> None:
        self.stats.inc_value("xxgk/failures")
        self.stats.inc_value(f"xxgk/failures/{reason}")

    def _record_failure(self, item: FailureItem) -> None:
        raw_sha = self.store.put_raw(item.body).sha256 if item.body is not None else None
        self._count_failure(item.reason)
        # The same fields as the failures the workers record (pipelines.capture.failure_record).
        record = {f.name: getattr(item, f.name) for f in fields(item) if f.name != "body"}
        self.store.record_failure(self.run_id, {**record, "raw_sha256": raw_sha})

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        """After the crawl: the deferred attachments' documents, then the run record."""
        try:
            await self.derive_attachments()
        finally:
            await release_pool(self.pool)  # waits for the workers' last jobs
            self.store.write_run(run_record(self.crawler, self.run_id, self.started_at, reason))
            self.store.close()

    async def derive_attachments(self) -> None:
        """Extract, parse and archive the attachments the crawl stored the bytes of.

        Why after the crawl: a report's PDF takes 30–50 ms to read (pypdf), ten times a page's whole
        pipeline; inline, on a busy machine, the worker fell behind and held the crawl back. Here the
        crawl is over (Scrapy's clock stopped before this signal handler runs), every worker takes
        part, and the run record counts the outcome. A crawl killed before this stage keeps the
        attachments' bytes and capture lines; their documents are written by the next crawl that
        fetches them. ``xxgk/derive/seconds`` in the stats says what the stage cost.
        """
        deferred, self._deferred = self._deferred, []
        if not deferred:
            return
        started = time.perf_counter()
        # The crawler's thread is idle now: its core can read files too.
        self.pool.grow(os.cpu_count() or 1)

        async def one(capture: Capture, sha: str) -> None:
            try:
                self._count(await self.pool.run(derive_attachment, capture, sha))
            except Exception as exc:  # one unreadable file must not stop the others
                logger.exception("archiving failed for %s", capture.url)
                self._count_failure("archive_error")
                record = failure_record(
                    capture, "archive", "archive_error", f"{type(exc).__name__}: {exc}", sha
                )
                self.store.record_failure(self.run_id, record)

        await asyncio.gather(*(one(capture, sha) for capture, sha in deferred))
        self.stats.set_value("xxgk/derive/attachments", len(deferred))
        self.stats.set_value("xxgk/derive/seconds", round(time.perf_counter() - started, 3))


def run_record(crawler: Crawler, run_id: str, started_at: datetime, reason: str) -> dict[str, Any]:
    """What a run did: the summary printed at the end and written to ``runs/<run_id>.json``."""
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    settings = crawler.settings

    def count(key: str) -> int:
        return int(stats.get(key, 0) or 0)

    return {
        "run_id": run_id,
        "site": crawler.spider.name if crawler.spider else None,
        "started_at": started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "finish_reason": reason,
        "settings": {
            "profile": settings.get("XXGK_PROFILE"),
            "replica": settings.get("XXGK_REPLICA") or None,
            "robotstxt_obey": settings.getbool("ROBOTSTXT_OBEY"),
            "concurrent_requests_per_domain": settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
            "download_delay": settings.getfloat("DOWNLOAD_DELAY"),
            "autothrottle": settings.getbool("AUTOTHROTTLE_ENABLED"),
            "user_agent": settings.get("USER_AGENT"),
        },
        "pages_fetched": count("response_received_count"),
        "bytes_downloaded": count("downloader/response_bytes"),
        "documents": {k: count(f"xxgk/documents/{k}") for k in ("new", "changed", "unchanged")},
        "attachments": {k: count(f"xxgk/attachments/{k}") for k in ("new", "changed", "unchanged")},
        "lists": count("xxgk/lists"),
        "failures": count("xxgk/failures"),
        "failures_by_reason": {
            key.split("/", 2)[2]: value
            for key, value in sorted(stats.items())
            if key.startswith("xxgk/failures/")
        },
    }
