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
# Bounds on every fault a small server throws (docs/faults.md). DOWNLOAD_TIMEOUT covers the whole
# download, not only the connection: a server that hangs or trickles a byte a second is cut off.
DOWNLOAD_TIMEOUT = 60
# Retries (crawler/retry.py): RETRY_TIMES for pages and files, more for list pages (a lost list page
# loses every page it lists), one for a DNS failure. A retry waits XXGK_RETRY_BACKOFF × 2^(n−1) s
# (at most XXGK_RETRY_BACKOFF_MAX, jittered) and at least what Retry-After asks, during which the
# whole host pauses; a Retry-After longer than XXGK_RETRY_AFTER_MAX gives the page up at once.
RETRY_TIMES = 2
XXGK_RETRY_TIMES_LIST = 4
XXGK_RETRY_BACKOFF = 2.0
XXGK_RETRY_BACKOFF_MAX = 120.0
XXGK_RETRY_AFTER_MAX = 600.0
# Size caps (crawler/guards.py), on the wire and after decompression (a gzip bomb stops at the cap):
# an HTML page larger than XXGK_PAGE_MAXSIZE is broken or hostile; files (PDF reports, scans) get
# DOWNLOAD_MAXSIZE.
XXGK_PAGE_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_MAXSIZE = 256 * 1024 * 1024
# A body shorter than its Content-Length is a failure (retried, then recorded as data_loss), never
# archived as if it were the page.
DOWNLOAD_FAIL_ON_DATALOSS = True
# Redirects: loops and off-site targets are refused at once (crawler/guards.py); a portal moving a
# page needs one or two hops, five is generous (RFC 9309 also follows five for robots.txt).
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# Real URLs are fetched from a replica when XXGK_HOST_MAP / XXGK_REPLICA say so (see handlers.py).
# A re-crawl asks "changed since?" for the pages the archive holds (If-None-Match / If-Modified-Since);
# an unchanged page costs a 304 with no body. XXGK_CONDITIONAL = False turns it off.
DOWNLOADER_MIDDLEWARES = {
    # robots.txt by RFC 9309: 5xx or unreachable disallows the host, 4xx allows all (crawler/robots.py).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.RobotsMiddleware": 100,
    # Per-kind size caps: pages XXGK_PAGE_MAXSIZE, files DOWNLOAD_MAXSIZE (crawler/guards.py).
    "crawler.guards.SizeCapMiddleware": 540,
    # Retries with backoff, Retry-After and a host pause (crawler/retry.py).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.retry.RetryMiddleware": 550,
    "crawler.conditional.ConditionalRequestMiddleware": 560,
    # Sees 3xx answers before RedirectMiddleware (600): loops and off-site redirects refused.
    "crawler.guards.RedirectGuardMiddleware": 610,
    # Next to the downloader: sees each exchange before the body is decoded (WARC capture).
    "crawler.exchange.ExchangeCaptureMiddleware": 950,
}
# One page, one URL: every request a spider yields (start requests too) is rewritten to its canonical
# URL (tracking parameters dropped, …/index.html as …/) before the duplicate filter sees it; next to
# the spider, so that the other spider middlewares see the canonical URL (docs/urls.md).
SPIDER_MIDDLEWARES = {
    "crawler.canonical.CanonicalUrlMiddleware": 950,
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
# Responses held by the scraper before the engine stops fetching (Scrapy's default: 5 MB). Each held
# response costs about five times its body on its way to a worker (decoded text, item, pickled job);
# at the default a fast crawl kept ~100 MB of them. 1 MB makes the crawl wait for the workers
# sooner instead (docs/benchmarks.md, "Crawl memory").
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
# Where the archive lives (`xxgk crawl --archive DIR` sets it).
XXGK_ARCHIVE = "archive"
# fsync every archived file: survives a power cut, not only a killed process. The replica and bench
# profiles switch it off; rename-into-place alone already protects against a killed crawler.
XXGK_FSYNC = True
