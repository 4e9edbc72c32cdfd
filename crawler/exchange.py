"""The HTTP exchange as it crossed the wire, for the archive's WARC records.

Downloader middleware placed next to the downloader (``DOWNLOADER_MIDDLEWARES`` 950): it sees every
response before HttpCompressionMiddleware decodes the body, and records the request line and headers,
the status line, the headers and the body as received in ``response.meta["xxgk_exchange"]``. The
spider hands it on with the page; the archive writes it (``pipelines/capture.py``). On with
``XXGK_WARC = True`` (NotConfigured otherwise).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response


def _pairs(headers: Any) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class ExchangeCaptureMiddleware:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExchangeCaptureMiddleware:
        if not crawler.settings.getbool("XXGK_WARC", False):
            raise NotConfigured("XXGK_WARC is off")
        return cls()

    def process_response(self, request: Request, response: Response) -> Response:
        encoded = b"Content-Encoding" in response.headers
        request.meta["xxgk_exchange"] = {
            "url": response.url,
            "method": request.method,
            "request_headers": _pairs(request.headers),
            "status": response.status,
            "reason": _reason(response.status),
            "protocol": getattr(response, "protocol", None) or "HTTP/1.1",
            "headers": _pairs(response.headers),
            # Only a body the next middleware will decode differs from what the page item carries.
            "body": response.body if encoded else None,
        }
        return response
