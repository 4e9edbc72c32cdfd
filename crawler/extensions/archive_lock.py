"""Hold the archive's lock for the whole crawl, so that two runs never write one archive at once.

``xxgk crawl`` takes the lock before Scrapy starts (and exits 3 when it is held); this extension
covers ``scrapy crawl`` and any other way of starting a crawler. In one process the lock is shared
(``pipelines.archive.lock``), so the crawlers of a multi-site ``xxgk crawl`` all pass. The workers of
a crawl on Redis (``XXGK_ARCHIVE_LOCK_SHARED``, set by ``--redis``) take it shared: they write the
archive together, and an embedded crawl still excludes them.
"""

from __future__ import annotations

import logging

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured

from crawler.archiving import archives
from pipelines.archive.lock import ArchiveLock, ArchiveLockedError

logger = logging.getLogger(__name__)

#: The reason a crawl is closed with when another process holds the archive.
LOCKED_REASON = "archive_locked"


class ArchiveLockExtension:
    """Takes ``<XXGK_ARCHIVE>/.lock`` when the spider opens; gives it back when the engine stops.

    ``XXGK_ARCHIVE_LOCK = False`` disables it (several processes may write one archive safely, see
    docs/design.md; the lock is for scheduled runs that must not overlap).
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("XXGK_ARCHIVE_LOCK", True):
            raise NotConfigured("XXGK_ARCHIVE_LOCK is off")
        self.crawler = crawler
        self.lock = ArchiveLock(
            settings.get("XXGK_ARCHIVE") or "archive",
            shared=settings.getbool("XXGK_ARCHIVE_LOCK_SHARED", False),
            crawl=settings.get("XXGK_REDIS_CRAWL") or None,
        )
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        # engine_stopped, not spider_closed: spider_closed handlers run side by side, and the archive
        # pipeline still writes the deferred attachments and the run record in its own.
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveLockExtension:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        if not archives(spider):
            return  # scrapy shell: looking at pages writes nothing, so it needs no lock
        try:
            self.lock.acquire()
        except ArchiveLockedError as exc:
            logger.error("%s; closing the spider", exc)
            if self.crawler.stats is not None:
                holder = exc.holder.describe() if exc.holder else "unknown"
                self.crawler.stats.set_value("xxgk/archive_locked_by", holder)
            # Scrapy (2.14+) honours CloseSpider raised by a spider_opened handler: the engine never
            # starts, so no request is sent.
            raise CloseSpider(LOCKED_REASON) from exc

    def engine_stopped(self) -> None:
        self.lock.release()
