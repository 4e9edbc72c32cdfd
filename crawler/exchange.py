"""The HTTP exchange as it crossed the wire, for the archive's WARC records.

Downloader middleware placed next to the downloader (``DOWNLOADER_MIDDLEWARES`` 950): it sees every
response before HttpCompressionMiddleware decodes the body, and before redirect, retry and robots.txt
handling consume it. It records the request line and headers, the status line, the headers and the
body as received. On with ``XXGK_WARC`` (NotConfigured otherwise).

Two ways to the archive:
- a page the spider keeps (a 200 or 304 to a detail, list or attachment request) carries its exchange
  in ``response.meta["xxgk_exchange"]``; the archive writes it with the page's document, because only
  there is it known whether the content is unchanged (a ``revisit``) and where the document points;
- every other answer — a redirect, a 404 or 500, an answer retried, robots.txt, a start or category
  page — no item will carry: it is sent at once with the ``exchange_received`` signal, and the archive
  writes it on its own (``ArchivePipeline.exchange_received``). So every exchange is kept.
"""

from __future__ import annotations

from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from crawler.archiving import archives

#: Signal sent with ``exchange`` (the dict below, body included) for an answer no page item carries.
exchange_received = object()

#: Answers the spider keeps as pages, by the kind of request (its ``xxgk_kind``).
CARRIED_STATUS = frozenset({200, 304})
CARRIED_KINDS = frozenset({"detail", "list", "attachment"})


def _pairs(headers: Any) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


def _request_headers(request: Request) -> list[tuple[str, str]]:
    """The request's headers as sent: Twisted's HTTP client adds ``Host`` (from the URL: the real
    host, also when the replica answers) when Scrapy did not set one."""
    pairs = _pairs(request.headers)
    if b"Host" not in request.headers:
        pairs.insert(0, ("Host", urlparse_cached(request).netloc))
    return pairs


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class ExchangeCaptureMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExchangeCaptureMiddleware:
        if not crawler.settings.getbool("XXGK_WARC", False):
            raise NotConfigured("XXGK_WARC is off")
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not archives(self.crawler.spider):
            return response  # scrapy shell: nothing is archived
        carried = response.status in CARRIED_STATUS and request.meta.get("xxgk_kind") in CARRIED_KINDS
        exchange = {
            "url": response.url,
            "method": request.method,
            "request_headers": _request_headers(request),
            "status": response.status,
            "reason": _reason(response.status),
            "protocol": getattr(response, "protocol", None) or "HTTP/1.1",
            "headers": _pairs(response.headers),
            # A carried page's item has the body; it differs only when the next middleware decodes it.
            "body": response.body if not carried or b"Content-Encoding" in response.headers else None,
        }
        if carried:
            request.meta["xxgk_exchange"] = exchange
        else:
            exchange["fetched_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            self.crawler.signals.send_catch_log(signal=exchange_received, exchange=exchange)
        return response
