"""Download handler that fetches real portal URLs from a replica, keeping the real URLs everywhere.

Why a download handler rather than rewriting requests in a middleware: a rewritten request would go back
through the scheduler (dupefilter, politeness slots keyed on 127.0.0.1) and the spider would see replica
URLs. Here the request, the response and everything archived keep the real URL; only the socket goes to
the replica, with the real ``Host`` header so that the replica knows which portal is asked for. With no
host map (the default), this handler is exactly Scrapy's HTTP/1.1 handler.

Settings:
    XXGK_HOST_MAP: dict host → base URL (``{"www.fxxh.gov.cn": "http://127.0.0.1:8000"}``)
    XXGK_REPLICA:  one base URL that every host of every site definition maps to
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Response

from crawler.politeness import gate_for
from crawler.sites import all_sites

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def host_map_from_settings(
    host_map: dict[str, str] | None, replica: str | None
) -> dict[str, tuple[str, str]]:
    """Normalise the settings to host → (scheme, netloc) of the address to connect to."""
    mapping: dict[str, str] = {}
    if replica:
        for site in all_sites().values():
            for host in site.hosts:
                mapping[host] = replica
    mapping.update(host_map or {})
    result: dict[str, tuple[str, str]] = {}
    for host, base in mapping.items():
        parts = urlsplit(base if "://" in base else f"http://{base}")
        result[host] = (parts.scheme or "http", parts.netloc)
    return result


class HostMapDownloadHandler(HTTP11DownloadHandler):
    """HTTP(S) handler that connects mapped hosts to another address (the replica)."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self._gate = gate_for(crawler)
        # Twisted re-sends a request that failed on a reused keep-alive connection, unseen by Scrapy's
        # retry middleware: a server that resets got up to twice the bounded number of attempts.
        # crawler/retry.py counts and spaces every attempt; the pool must not add its own.
        self._pool.retryAutomatically = False
        self._map = host_map_from_settings(settings.getdict("XXGK_HOST_MAP"), settings.get("XXGK_REPLICA"))

    async def download_request(self, request: Request) -> Response:
        # Last stop before the wire: the host's gate (crawler/politeness.py) spaces requests of every
        # worker and holds a host that asked for a pause.
        host = urlsplit(request.url).hostname or ""
        await self._gate.enter(host)
        try:
            return await self._download(request)
        finally:
            self._gate.leave(host)

    async def _download(self, request: Request) -> Response:
        parts = urlsplit(request.url)
        target = self._map.get(parts.hostname or "")
        if target is None:
            return await super().download_request(request)
        scheme, netloc = target
        mapped_url = urlunsplit((scheme, netloc, parts.path, parts.query, ""))
        host_header = parts.netloc
        mapped = request.replace(url=mapped_url)
        mapped.headers[b"Host"] = host_header.encode("idna") if not host_header.isascii() else host_header
        response = await super().download_request(mapped)
        # AutoThrottle reads the latency from the original request's meta.
        if "download_latency" in mapped.meta:
            request.meta["download_latency"] = mapped.meta["download_latency"]
        return response.replace(url=request.url)

    async def close(self) -> None:
        await super().close()
        self._gate.close()
