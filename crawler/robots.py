"""robots.txt as RFC 9309 says, in place of Scrapy's RobotsTxtMiddleware.

Scrapy parses whatever body the robots.txt request brought back, whatever its status, and allows
everything when the request failed. RFC 9309 §2.3.1 distinguishes:

- 2xx: the rules apply;
- 4xx "unavailable" (404, 403, 410…): there are no rules, everything is allowed (§2.3.1.3);
- 5xx, 429, or no answer at all (timeout, refused, reset, DNS) "unreachable", after the retries
  ``crawler/retry.py`` made: the crawler MUST assume the whole host is disallowed (§2.3.1.4), here
  for the rest of this crawl. A server too sick to say what it allows is too sick to be crawled.
  (429 is a 4xx but means "overloaded", so it is treated as unreachable, as Google does.)
- a redirect chain that fails (a loop, off-site, more than ``REDIRECT_MAX_TIMES``): the RFC lets a
  crawler treat it as unavailable (§2.3.1.2), so everything is allowed.

Every request held back becomes a failure record through the request's errback:
``robots_disallowed`` (the rules forbid it) or ``robots_unavailable`` (the host's robots.txt could
not be read), with a message saying which. Stats: ``xxgk/robots/disallowed``,
``xxgk/robots/unavailable`` (requests held back), ``xxgk/robots/unreachable_hosts``.
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from twisted.internet.defer import Deferred

from crawler.failures import RobotsDisallowed, RobotsUnavailable, describe, status_line

logger = logging.getLogger(__name__)


def unreachable_status(status: int) -> bool:
    """Whether a robots.txt answer with this status means "unreachable" (full disallow)."""
    return status >= 500 or status == 429


def unavailable_status(status: int) -> bool:
    """Whether it means "unavailable" (no rules: allow all)."""
    return 400 <= status < 500 and status != 429


class UnreachableRobots(RobotParser):
    """The rules of a host whose robots.txt could not be read: nothing is allowed."""

    def __init__(self, host: str, why: str) -> None:
        self.host = host
        self.why = why

    @classmethod
    def from_crawler(cls, crawler: Crawler, robotstxt_body: bytes) -> UnreachableRobots:
        return cls("", "robots.txt unreachable")

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return False


class RobotsMiddleware(RobotsTxtMiddleware):
    """RobotsTxtMiddleware with RFC 9309's status rules and failure records for what it holds back."""

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        status = response.status
        if unreachable_status(status):
            note = response.request.meta.get("xxgk_retry_note") if response.request is not None else None
            why = f"robots.txt answered {status_line(status)}" + (f" ({note})" if note else "")
            self._stats.inc_value("robotstxt/response_count")
            self._stats.inc_value(f"robotstxt/response_status_count/{status}")
            self._unreachable(netloc, why)
            return
        if unavailable_status(status):
            # No rules: parse an empty file rather than the site's 404 page.
            response = response.replace(body=b"")
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest):
            # A redirect chain that went wrong: "unavailable" (RFC 9309 §2.3.1.2), allow all.
            super()._robots_error(exc, netloc)
            return
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        described = describe(exc)
        self._unreachable(
            netloc, f"robots.txt could not be fetched ({described.reason}: {described.message})"
        )

    def _unreachable(self, netloc: str, why: str) -> None:
        logger.warning("%s: %s; RFC 9309 §2.3.1.4: the whole host is disallowed for this crawl", netloc, why)
        self._stats.inc_value("xxgk/robots/unreachable_hosts")
        parser = UnreachableRobots(netloc, why)
        waiting = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(waiting, Deferred):
            waiting.callback(parser)

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        if rp is None:
            return
        if isinstance(rp, UnreachableRobots):
            self._stats.inc_value("xxgk/robots/unavailable")
            raise RobotsUnavailable(
                f"{rp.why}: RFC 9309 §2.3.1.4 treats {rp.host} as fully disallowed for this crawl"
            )
        useragent: str | bytes | None = self._robotstxt_useragent
        if not useragent:
            useragent = request.headers.get(b"User-Agent", self._default_useragent)
            assert useragent is not None
        if not rp.allowed(request.url, useragent):
            self._stats.inc_value("robotstxt/forbidden")
            self._stats.inc_value("xxgk/robots/disallowed")
            name = useragent.decode("latin-1") if isinstance(useragent, bytes) else useragent
            raise RobotsDisallowed(f"robots.txt disallows {request.url} for {name.split('/')[0]}")
