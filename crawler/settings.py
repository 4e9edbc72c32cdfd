"""Scrapy settings of the project. The defaults are for the real portals: small government servers."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    _VERSION = version("xxgk-archive")
except PackageNotFoundError:  # running from a checkout that was not installed
    _VERSION = "0.1.0"

BOT_NAME = "xxgk"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# Every site definition in crawler/sites/ becomes a spider.
SPIDER_LOADER_CLASS = "crawler.loader.SiteSpiderLoader"
COMMANDS_MODULE = "crawler.commands"

# Politeness for the real sites: identify ourselves, obey robots.txt, at most 2 requests at a time per
# host, at least 1 s between them, slower when the server slows down (AutoThrottle).
USER_AGENT = (
    f"xxgk-archive/{_VERSION} (+https://github.com/xxgk-archive/xxgk-archive; "
    "archiving government information-disclosure pages for research)"
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50%: requests do not arrive on a fixed beat
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
RETRY_TIMES = 2
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# Real URLs are fetched from a replica when XXGK_HOST_MAP / XXGK_REPLICA say so (see handlers.py).
# A re-crawl asks "changed since?" for the pages the archive holds (If-None-Match / If-Modified-Since);
# an unchanged page costs a 304 with no body. XXGK_CONDITIONAL = False turns it off.
DOWNLOADER_MIDDLEWARES = {
    "crawler.conditional.ConditionalRequestMiddleware": 560,
    # Next to the downloader: sees each exchange before the body is decoded (WARC capture).
    "crawler.exchange.ExchangeCaptureMiddleware": 950,
}
# Every exchange kept as WARC/1.1 records (warc/*.warc.gz, indexed in warc/index.cdxj; docs/warc.md).
# Its cost is measured by bench/crawl_speed.py --baseline nowarc (docs/benchmarks.md).
XXGK_WARC = True
# WARC files rotate once they pass this size (the customary 1 GiB); each worker process writes its own.
XXGK_WARC_MAX_BYTES = 1024 * 1024 * 1024
XXGK_CONDITIONAL = True
# On a re-crawl, lists are walked only until a page brings nothing new, and a rotating share of the
# pages held is revalidated each run (every page once in 1/share runs). XXGK_INCREMENTAL_LISTS = False
# (`xxgk crawl --full`) walks every list and asks for every page.
XXGK_INCREMENTAL_LISTS = True
XXGK_REVISIT_SHARE = 0.1

DOWNLOAD_HANDLERS = {
    "http": "crawler.handlers.HostMapDownloadHandler",
    "https": "crawler.handlers.HostMapDownloadHandler",
}
XXGK_HOST_MAP: dict[str, str] = {}
XXGK_REPLICA = ""
XXGK_PROFILE = "polite"

# One crawl at a time per archive: a flock on <archive>/.lock, taken when the spider opens
# (`xxgk crawl` takes it before starting; this covers `scrapy crawl`). XXGK_ARCHIVE_LOCK = False skips it.
EXTENSIONS = {
    "crawler.extensions.archive_lock.ArchiveLockExtension": 100,
}

ITEM_PIPELINES = {
    # extraction, parsing and archiving of every response, in worker processes
    "pipelines.scrapy_pipelines.ArchivePipeline": 900,
}
# Worker processes for extraction, parsing and archiving (empty: one per core but the crawler's,
# at most 4; 0: inline in the crawler).
XXGK_PARSE_WORKERS = ""
# Attachments (PDF, Word, Excel): bytes stored as they arrive, text extracted and parsed once the
# crawl is over, on every core. Reading a report's PDF costs ten times a page's whole pipeline, and
# inline it held a fast crawl back; False reads each attachment as it arrives.
XXGK_DEFER_ATTACHMENTS = True
# Items of one response processed concurrently. Scrapy's default (100) starts 100 asyncio tasks for
# every response whatever it yields; our pipelines await at most one worker call per item.
CONCURRENT_ITEMS = 16
# Where the archive lives (`xxgk crawl --archive DIR` sets it).
XXGK_ARCHIVE = "archive"
# fsync every archived file: survives a power cut, not only a killed process. The replica and bench
# profiles switch it off; rename-into-place alone already protects against a killed crawler.
XXGK_FSYNC = True
