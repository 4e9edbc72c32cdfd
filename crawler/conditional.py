"""Conditional requests for pages the archive already holds (``If-None-Match`` / ``If-Modified-Since``).

A scheduled re-crawl should cost the portal little: an unchanged page is answered ``304 Not Modified``
with no body. Downloader middleware, switched off with ``XXGK_CONDITIONAL = False`` (NotConfigured).
The 304 reaches the spider (``handle_httpstatus_list``), which hands it on as an unchanged capture.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.known import Validators, known_pages


class ConditionalRequestMiddleware:
    def __init__(self, crawler: Crawler, archive: str) -> None:
        self.crawler = crawler
        self.archive = archive
        self._known: dict[str, dict[str, Validators]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        if not crawler.settings.getbool("XXGK_CONDITIONAL", True):
            raise NotConfigured("XXGK_CONDITIONAL is off")
        return cls(crawler, str(crawler.settings.get("XXGK_ARCHIVE") or "archive"))

    def _validators(self) -> dict[str, Validators]:
        spider = self.crawler.spider
        # A portal spider has read them already (it walks lists by them): one read per crawl.
        validators = getattr(spider, "validators", None)
        if isinstance(validators, dict):
            return validators
        site = str(getattr(getattr(spider, "site", None), "name", "") or "")
        if site not in self._known:
            self._known[site] = known_pages(self.archive, site or None)
        return self._known[site]

    def process_request(self, request: Request) -> None:
        asked_for = request.meta.get("xxgk_conditional_for")
        if asked_for is not None and asked_for != request.url:
            # A redirect copied the validators of the old address onto the new one: they are not
            # its validators, and a 304 would leave the moved page unarchived.
            for name in (b"If-None-Match", b"If-Modified-Since"):
                if name in request.headers:
                    del request.headers[name]
            del request.meta["xxgk_conditional_for"]
        if request.method != "GET" or request.meta.get("xxgk_unconditional"):
            return
        validators = self._validators().get(request.url)
        if validators is None or not (validators.etag or validators.last_modified):
            return
        if validators.etag:
            request.headers.setdefault(b"If-None-Match", validators.etag.encode("latin-1"))
        if validators.last_modified:
            request.headers.setdefault(b"If-Modified-Since", validators.last_modified.encode("latin-1"))
        request.meta["xxgk_conditional_for"] = request.url
        allowed = list(request.meta.get("handle_httpstatus_list", []))
        if 304 not in allowed:
            request.meta["handle_httpstatus_list"] = [*allowed, 304]
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("xxgk/conditional/requests")
