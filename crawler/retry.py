"""Retries with exponential backoff and Retry-After, replacing Scrapy's RetryMiddleware.

A small government server that fails is usually overloaded: asking again at once, as Scrapy's
RetryMiddleware does, makes it worse. Here a retry waits, and the wait grows:

- backoff: ``XXGK_RETRY_BACKOFF`` × 2^(attempt−1), at most ``XXGK_RETRY_BACKOFF_MAX``, with
  "equal jitter" (half of it fixed, half random) so that the pages that failed together do not come
  back together. The retried request carries ``xxgk_not_before`` (epoch seconds) in its meta, and
  ``process_request`` sleeps until then (asyncio: the project runs on the asyncio reactor);
- ``Retry-After`` (seconds or an HTTP-date) on a 503 / 429 / any retried status: the retry waits at
  least that long, and the whole host pauses that long through the crawler's gate
  (``crawler/politeness.py``), so that every other request to the host waits too. The pause is set
  when the answer leaves the downloader (``response_downloaded``), before the host's slot takes its
  next request, so nothing slips in between. A Retry-After above ``XXGK_RETRY_AFTER_MAX`` means the
  page is given up at once (the host still pauses, for ``XXGK_RETRY_AFTER_MAX``);
- bounded effort: ``RETRY_TIMES`` retries for pages and files, ``XXGK_RETRY_TIMES_LIST`` for list
  pages (a lost list page loses every page it lists), one for a failed DNS lookup (a name that
  does not resolve will not resolve a second later either); ``max_retry_times`` in a request's
  meta overrides them, ``dont_retry`` turns retries off.

Retried on: the statuses of ``RETRY_HTTP_CODES`` and the network failures of
``crawler.failures.NETWORK_REASONS`` (timeouts, refused / reset / closed connections, bodies cut
short, DNS). Giving up hands the last answer (an ``HttpError`` in the errback) or exception on, with
``xxgk_retry_note`` in the request's meta ("gave up after 3 attempts (Retry-After 1 s
honoured)"), which the failure record's message carries.

Stats: ``xxgk/retry/count``, ``xxgk/retry/reason/<reason>``, ``xxgk/retry/gave_up``,
``xxgk/retry/retry_after_seconds`` (the Retry-After seconds honoured, summed).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from crawler.failures import NETWORK_REASONS, describe, http_reason
from crawler.politeness import HostGate, gate_for

logger = logging.getLogger(__name__)

#: Kinds of request that get ``XXGK_RETRY_TIMES_LIST`` retries.
LIST_KINDS = frozenset({"list"})


def parse_retry_after(value: bytes | str | None, date: bytes | str | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds, or an HTTP-date (measured
    from the answer's ``Date`` header when there is one, so that a server whose clock is off still
    gets the wait it asked for). None when absent or unreadable; never negative."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = datetime.now(UTC)
    if date is not None:
        try:
            sent = parsedate_to_datetime(date.decode("latin-1") if isinstance(date, bytes) else date)
        except (TypeError, ValueError, IndexError):
            sent = None
        if sent is not None:
            now = sent if sent.tzinfo is not None else sent.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """The wait before retry number ``attempt`` (1, 2, …): base × 2^(attempt−1), at most ``cap``,
    half of it fixed and half random ("equal jitter")."""
    if base <= 0:
        return 0.0
    full = min(cap, base * 2.0 ** max(0, attempt - 1))
    return full / 2 + rng.uniform(0, full / 2)


def _seconds(value: float) -> str:
    return f"{value:g}"


class RetryMiddleware:
    """Downloader middleware (in Scrapy's RetryMiddleware's place, 550)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("RETRY_ENABLED"):
            raise NotConfigured("RETRY_ENABLED is off")
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.retry_times = settings.getint("RETRY_TIMES")
        self.retry_times_list = settings.getint("XXGK_RETRY_TIMES_LIST", self.retry_times)
        self.retry_codes = frozenset(int(code) for code in settings.getlist("RETRY_HTTP_CODES"))
        self.priority_adjust = settings.getint("RETRY_PRIORITY_ADJUST")
        self.backoff = settings.getfloat("XXGK_RETRY_BACKOFF", 2.0)
        self.backoff_max = settings.getfloat("XXGK_RETRY_BACKOFF_MAX", 120.0)
        self.retry_after_max = settings.getfloat("XXGK_RETRY_AFTER_MAX", 600.0)
        self.rng = random.Random()
        self._gate: HostGate | None = None
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryMiddleware:
        return cls(crawler)

    @property
    def gate(self) -> HostGate:
        # Made on first use: the gate class may read settings only final once the crawler runs.
        if self._gate is None:
            self._gate = gate_for(self.crawler)
        return self._gate

    # Waiting ------------------------------------------------------------------------------------

    async def process_request(self, request: Request) -> None:
        not_before = request.meta.get("xxgk_not_before")
        if isinstance(not_before, int | float):
            wait = float(not_before) - time.time()
            if wait > 0:
                await asyncio.sleep(wait)

    # The host pause ----------------------------------------------------------------------------

    def _retry_after(self, response: Response) -> float | None:
        if response.status not in self.retry_codes:
            return None
        return parse_retry_after(response.headers.get(b"Retry-After"), response.headers.get(b"Date"))

    def response_downloaded(self, response: Response, request: Request, spider: Any = None) -> None:
        """Pause the host as soon as it says it is overloaded: this signal comes before the host's
        download slot is freed for its next request."""
        seconds = self._retry_after(response)
        if seconds is None or seconds <= 0:
            return
        host = urlparse_cached(request).hostname or ""
        self.gate.pause(host, min(seconds, self.retry_after_max))
        self.stats.inc_value("xxgk/retry/host_paused")

    # Deciding ----------------------------------------------------------------------------------

    def _limit(self, request: Request, reason: str) -> int:
        meta_limit = request.meta.get("max_retry_times")
        if meta_limit is not None:
            limit = int(meta_limit)
        elif request.meta.get("xxgk_kind") in LIST_KINDS:
            limit = self.retry_times_list
        else:
            limit = self.retry_times
        if reason == "dns":
            limit = min(limit, 1)
        return limit

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_codes:
            return response
        reason = http_reason(response.status)
        retry_after = self._retry_after(response)
        if retry_after is not None and retry_after > self.retry_after_max:
            attempts = int(request.meta.get("retry_times", 0)) + 1
            request.meta["xxgk_retry_note"] = (
                f"gave up at once after {attempts} attempt{'s' if attempts > 1 else ''}: Retry-After "
                f"{_seconds(retry_after)} s is more than XXGK_RETRY_AFTER_MAX "
                f"({_seconds(self.retry_after_max)} s)"
            )
            self.stats.inc_value("xxgk/retry/gave_up")
            self.stats.inc_value("xxgk/retry/retry_after_too_long")
            return response
        return self._retry(request, reason, retry_after) or response

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if request.meta.get("dont_retry"):
            return None
        reason = describe(exception, request.meta).reason
        if reason not in NETWORK_REASONS:
            return None
        return self._retry(request, reason, None)

    def _retry(self, request: Request, reason: str, retry_after: float | None) -> Request | None:
        done = int(request.meta.get("retry_times", 0))
        honoured: list[float] = list(request.meta.get("xxgk_retry_after", ()))
        if done + 1 > self._limit(request, reason):
            note = f"gave up after {done + 1} attempt{'s' if done else ''}"
            if honoured:
                waits = sorted(set(honoured))
                note += f" (Retry-After {', '.join(_seconds(w) for w in waits)} s honoured)"
            request.meta["xxgk_retry_note"] = note
            self.stats.inc_value("xxgk/retry/gave_up")
            logger.warning("gave up on %s (%s): %s", request.url, reason, note)
            return None
        delay = backoff_delay(done + 1, self.backoff, self.backoff_max, self.rng)
        if retry_after is not None:
            delay = max(delay, retry_after)
            honoured.append(retry_after)
            # Whole seconds: Retry-After is given in them (an HTTP-date's rounding is no matter).
            self.stats.inc_value("xxgk/retry/retry_after_seconds", round(retry_after))
        retried = request.copy()
        retried.meta["retry_times"] = done + 1
        retried.meta["xxgk_retry_after"] = honoured
        retried.meta["xxgk_retry_reasons"] = [*request.meta.get("xxgk_retry_reasons", ()), reason]
        retried.meta["xxgk_not_before"] = time.time() + delay
        retried.meta.pop("xxgk_retry_note", None)
        # The same URL again: the dupefilter must let it through.
        retried.dont_filter = True
        retried.priority = request.priority + int(request.meta.get("priority_adjust", self.priority_adjust))
        self.stats.inc_value("xxgk/retry/count")
        self.stats.inc_value(f"xxgk/retry/reason/{reason}")
        logger.debug("retrying %s in %.2f s (%s, attempt %d)", request.url, delay, reason, done + 2)
        return retried
