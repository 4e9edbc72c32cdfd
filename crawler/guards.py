"""Guards against answers that would waste a crawl: pages too large, redirects that loop or leave.

Two downloader middlewares:

``SizeCapMiddleware`` sets each request's ``download_maxsize`` from its kind. A page (start,
category, unit, list, detail, and robots.txt) is HTML of a few hundred KiB: above
``XXGK_PAGE_MAXSIZE`` (16 MiB) it is a broken or hostile answer, and reading it would only cost
memory. Files (reports as PDF, spreadsheets, scans) may be large: ``DOWNLOAD_MAXSIZE`` (256 MiB).
Scrapy enforces the cap on the wire (by Content-Length, and while reading) and
HttpCompressionMiddleware enforces the same cap on the decompressed body (a gzip bomb stops there).
The failure is ``too_large``, never retried (``crawler/failures.py``).

``RedirectGuardMiddleware`` sees 3xx answers before Scrapy's RedirectMiddleware (it sits at 610,
and answers go through middlewares from the highest number down). A redirect to a URL already in
this chain (``redirect_urls`` and the request's URL, fragments dropped) fails at once as
``redirect_loop``: one round is proof enough, and following it to ``REDIRECT_MAX_TIMES`` would cost
the server four more requests. A redirect to a host outside the spider's ``allowed_domains`` fails
as ``redirect_offsite`` and is never requested (Scrapy's OffsiteMiddleware lets a retried request's
redirect through, since retries are ``dont_filter``). The record names the URL first asked for.
"""

from __future__ import annotations

from urllib.parse import urldefrag, urljoin

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.url import url_is_from_any_domain
from w3lib.url import safe_url_string

from crawler.failures import RedirectLoop, RedirectOffsite

#: Kinds of request that are HTML pages of the site (the spiders' ``xxgk_kind``).
PAGE_KINDS = frozenset({"start", "category", "unit", "list", "detail"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class SizeCapMiddleware:
    """Sets ``download_maxsize`` per request from its kind (unless the request set its own)."""

    def __init__(self, page_max: int, file_max: int) -> None:
        self.page_max = page_max
        self.file_max = file_max

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SizeCapMiddleware:
        settings = crawler.settings
        file_max = settings.getint("DOWNLOAD_MAXSIZE")
        page_max = settings.getint("XXGK_PAGE_MAXSIZE", file_max)
        if file_max and page_max:
            page_max = min(page_max, file_max)
        return cls(page_max or file_max, file_max)

    def process_request(self, request: Request) -> None:
        if "download_maxsize" in request.meta:
            return
        kind = request.meta.get("xxgk_kind")
        robots = kind is None and urlparse_cached(request).path == "/robots.txt"
        if kind in PAGE_KINDS or robots:
            request.meta["download_maxsize"] = self.page_max
            request.meta["xxgk_maxsize_setting"] = "XXGK_PAGE_MAXSIZE"
        else:
            request.meta["download_maxsize"] = self.file_max
            request.meta["xxgk_maxsize_setting"] = "DOWNLOAD_MAXSIZE"


def _unfragmented(url: str) -> str:
    return urldefrag(url)[0]


class RedirectGuardMiddleware:
    """Refuses redirect loops and off-site redirects before RedirectMiddleware follows them."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        return cls(crawler)

    def _target(self, request: Request, response: Response) -> str | None:
        """Where RedirectMiddleware would go (its own resolution of ``Location``), or None when it
        would not follow this answer."""
        meta = request.meta
        if response.status not in REDIRECT_STATUSES or b"Location" not in response.headers:
            return None
        spider = self.crawler.spider
        if (
            meta.get("dont_redirect")
            or response.status in getattr(spider, "handle_httpstatus_list", ())
            or response.status in meta.get("handle_httpstatus_list", ())
            or meta.get("handle_httpstatus_all")
        ):
            return None
        raw = response.headers[b"Location"] or b""
        location = safe_url_string(raw)
        if raw.startswith(b"//"):
            location = urlparse_cached(request).scheme + "://" + location.lstrip("/")
        return urljoin(request.url, location)

    def process_response(self, request: Request, response: Response) -> Response:
        target = self._target(request, response)
        if target is None:
            return response
        chain = [*(str(u) for u in request.meta.get("redirect_urls") or ()), request.url]
        first = chain[0]
        stats = self.crawler.stats
        if _unfragmented(target) in {_unfragmented(u) for u in chain}:
            if stats is not None:
                stats.inc_value("xxgk/redirect/loop")
            shown = " -> ".join([*chain, target])
            raise RedirectLoop(f"redirect loop ({response.status}): {shown}", url=first)
        domains = list(getattr(self.crawler.spider, "allowed_domains", None) or ())
        if domains and not url_is_from_any_domain(target, domains):
            if stats is not None:
                stats.inc_value("xxgk/redirect/offsite")
            raise RedirectOffsite(
                f"redirect ({response.status}) to {target}, outside the site's hosts "
                f"({', '.join(domains)}): not followed",
                url=first,
            )
        return response
