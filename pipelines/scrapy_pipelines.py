"""Scrapy item pipelines: thin glue between the crawl and the pure extraction / parsing / archive code.

Order (settings.ITEM_PIPELINES): document (extraction and parsing, 100) → archive (900). A page
that cannot become a document is turned into a FailureItem on the way, so that the archive
pipeline — the only writer — records it with its raw bytes and the crawl goes on.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import FailureItem, PageItem
from crawler.sites import Site, all_sites
from pipelines.archive.record import attachment_document, page_document, schema_errors
from pipelines.archive.store import ArchiveStore, compress_raw
from pipelines.page import process_page
from pipelines.workers import WorkerPool

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


class _StatsPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    @property
    def site(self) -> Site | None:
        spider: Spider | None = self.crawler.spider
        site = getattr(spider, "site", None)
        return site if isinstance(site, Site) else None


class DocumentPipeline(_StatsPipeline):
    """Detail pages: bytes → clean text and chrome fields → document fields, in worker processes.

    ``XXGK_PARSE_WORKERS`` sets the number of worker processes (0: inline in the crawler).
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        workers = crawler.settings.get("XXGK_PARSE_WORKERS")
        self.pool = WorkerPool(
            default_workers() if workers in (None, "") else int(workers), preload=("pipelines.page",)
        )

    def open_spider(self) -> None:
        self.pool.start()

    async def process_item(self, item: Item) -> Item:
        if not isinstance(item, PageItem) or item.kind != "detail":
            return item
        site = self.site or all_sites().get(item.site)
        profile = dict(site.extract) if site else None
        hints = site.hints() if site else {}
        try:
            result = await self.pool.run(process_page, item.url, item.body, item.http_charset, profile, hints)
        except Exception as exc:  # a bug or a dead worker must not stop the crawl; the failure is recorded
            logger.exception("extraction or parsing failed for %s", item.url)
            return _failure(item, "parse", "parse_error", f"{type(exc).__name__}: {exc}")
        if result.failure:
            return _failure(item, "extract", result.failure, "; ".join(result.extracted.problems))
        item.extracted, item.parsed, item.compressed = result.extracted, result.parsed, result.raw
        return item

    def close_spider(self) -> None:
        self.pool.close()


def default_workers() -> int:
    """One worker per core but one (the crawler's), at least one, at most four."""
    return max(1, min(4, (os.cpu_count() or 2) - 1))


class ArchivePipeline(_StatsPipeline):
    """The one writer: raw bytes, clean text, document versions, failures and the run record."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.store = ArchiveStore(
            Path(settings.get("XXGK_ARCHIVE") or "archive"), fsync=settings.getbool("XXGK_FSYNC")
        )
        self.started_at = datetime.now(UTC)
        self.run_id: str = ""
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        name = spider.name if spider else "crawl"
        self.run_id = f"{self.started_at:%Y%m%dT%H%M%SZ}-{name}"
        self.stats.set_value("xxgk/run_id", self.run_id)
        self.stats.set_value("xxgk/archive", str(self.store.root.resolve()))

    def process_item(self, item: Item) -> Item:
        if isinstance(item, FailureItem):
            self._record_failure(item)
        elif item.kind == "list":
            raw = self.store.put_raw(item.body)
            self._capture(item, raw.sha256)
            self.stats.inc_value("xxgk/lists")
        elif item.kind == "attachment":
            raw = self.store.put_raw(item.body)
            self._capture(item, raw.sha256)
            doc = attachment_document(
                url=item.url,
                site=item.site,
                fetched_at=item.fetched_at,
                status=item.status,
                headers=item.headers,
                referer=item.referer,
                raw=raw,
            )
            self._save(doc, "attachments", item)
        elif item.parsed is not None:
            raw = self.store.put_compressed(item.compressed or compress_raw(item.body))
            self._capture(item, raw.sha256)
            text_ref = self.store.put_text(item.extracted.text)
            doc = page_document(
                url=item.url,
                site=item.site,
                fetched_at=item.fetched_at,
                status=item.status,
                headers=item.headers,
                referer=item.referer,
                groups=item.groups,
                raw=raw,
                text_ref=text_ref,
                extracted=item.extracted,
                parsed=item.parsed,
            )
            self._save(doc, "documents", item)
        return item

    def _capture(self, item: PageItem, sha256: str) -> None:
        self.store.record_capture(
            self.run_id,
            {
                "url": item.url,
                "kind": item.kind,
                "status": item.status,
                "sha256": sha256,
                "fetched_at": item.fetched_at,
                "size": len(item.body),
            },
        )

    def _save(self, doc: dict[str, Any], counter: str, item: PageItem) -> None:
        errors = schema_errors(doc)
        if errors:
            # Never archive a document that does not match the schema; keep its bytes and say why.
            self._record_failure(_failure(item, "archive", "schema_invalid", "; ".join(errors[:5])))
            return
        status, _version = self.store.save_document(doc)
        self.stats.inc_value(f"xxgk/{counter}/{status}")

    def _record_failure(self, item: FailureItem) -> None:
        raw_sha = item.raw_sha256
        if item.body is not None:
            raw_sha = self.store.put_raw(item.body).sha256
        self.stats.inc_value("xxgk/failures")
        self.stats.inc_value(f"xxgk/failures/{item.reason}")
        self.store.record_failure(
            self.run_id,
            {
                "url": item.url,
                "site": item.site,
                "stage": item.stage,
                "reason": item.reason,
                "message": item.message,
                "status": item.status,
                "referer": item.referer,
                "raw_sha256": raw_sha,
                "fetched_at": item.fetched_at,
            },
        )

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.store.write_run(run_record(self.crawler, self.run_id, self.started_at, reason))
        self.store.close()


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
