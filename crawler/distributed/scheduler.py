"""The Redis scheduler: every worker of a crawl takes its requests from one shared frontier.

scrapy-redis's scheduler, with what a crawl that must lose nothing needs (docs/distributed.md):

- **Leases.** ``next_request`` takes a request into this worker's in-flight hash (``queue.py``), and
  it is acknowledged only when it leaves the engine's ``_slot.inprogress``: that set holds a request
  from the start of its download until its callback's items went through the item pipelines, so by
  then its page is archived and the requests it yielded are in the frontier. A worker killed before
  that leaves the request in its hash, and the request goes back to the queue once the worker's
  heartbeat expires (``registry.py``). Retries and redirects are new requests: they go through the
  shared queue like any other.
- **Completion.** A crawl is complete when the queue is empty and no live worker holds a request in
  flight (or still reads its start requests). A worker whose own work ran out raises
  ``DontCloseSpider`` from ``spider_idle`` while peers still work, so that it picks up what they
  yield; the first worker to find the crawl complete marks it done, and every worker then closes.
- **Nudges.** The engine asks an idle scheduler again only every 5 s; a LoopingCall wakes it when
  Redis has work (and when it is idle, so that completion is seen at once).
- **No hoarding.** Scrapy's engine takes requests until ``CONCURRENT_REQUESTS`` are in its
  downloader, where they wait for the host's slot; taken from a shared queue, they would wait in one
  worker while others idle. A worker takes a request only while its downloader holds fewer than
  ``CONCURRENT_REQUESTS_PER_DOMAIN`` per host of the site (``XXGK_REDIS_PREFETCH``).
- **Stopping.** A worker stopped by SIGTERM / SIGINT (the spider closes with ``shutdown``) puts back
  what it still holds at once (``close``).
- **Next crawl.** A worker that starts after a crawl was completed starts the next one (``JOIN``
  resets the finished crawl's queue and seen set, atomically: two workers starting together do not
  both reset).
- **Attachments.** An attachment whose document is written after the crawl (``XXGK_DEFER_ATTACHMENTS``)
  stays "parked" under the worker until the pipeline says the documents are written
  (``derived``); a worker killed before that leaves it parked, and it is fetched again.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any

import redis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from crawler.distributed import FRONTIER_ATTRIBUTE, serializer
from crawler.distributed.dupefilter import FingerprintDupeFilter
from crawler.distributed.queue import LeasedQueue
from crawler.distributed.registry import (
    CRAWL_SETTING,
    URL_SETTING,
    WorkerRegistry,
    acquire_registry,
    lease_seconds,
    redis_client,
    release_registry,
)

logger = logging.getLogger(__name__)

#: How often an idle worker looks at Redis (seconds).
POLL_SETTING = "XXGK_REDIS_POLL_SECONDS"
#: At most this many requests of the site in this worker's downloader (0: the default,
#: CONCURRENT_REQUESTS_PER_DOMAIN per host of the site).
PREFETCH_SETTING = "XXGK_REDIS_PREFETCH"


class _AckingSet(set[Request]):
    """The engine's ``_slot.inprogress`` set, telling the scheduler when a request leaves it."""

    def __init__(self, items: set[Request], on_remove: Any) -> None:
        super().__init__(items)
        self._on_remove = on_remove

    def remove(self, element: Request) -> None:
        super().remove(element)
        self._on_remove(element)

    def discard(self, element: object) -> None:
        present = element in self
        super().discard(element)
        if present:
            self._on_remove(element)


class RedisScheduler(Scheduler):  # type: ignore[misc]
    """The frontier of one site of a shared crawl (one per crawler; see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.url = str(settings.get(URL_SETTING))
        self.crawl = str(settings.get(CRAWL_SETTING))
        super().__init__(redis_client(self.url), persist=True, serializer=serializer)
        self.crawler = crawler
        self.stats = crawler.stats
        self.lease = lease_seconds(settings)
        self.poll_seconds = max(0.05, settings.getfloat(POLL_SETTING, 0.5))
        self.debug = settings.getbool("DUPEFILTER_DEBUG")
        self.prefetch = settings.getint(PREFETCH_SETTING, 0)
        self.generation = 0
        self.registry: WorkerRegistry | None = None
        self.queue: LeasedQueue
        self.df: FingerprintDupeFilter
        self._leased: dict[Request, str] = {}
        # Requests that cannot be put into Redis (see serializer) or met a Redis error: crawled
        # by this worker, not shared (and not crash-safe).
        self._local: deque[Request] = deque()
        self._park_urls: set[str] = set()
        # Fingerprints this worker knows to be in the shared seen set (it put them there, or Redis
        # said so): the seen set only grows during a crawl, so asking again is a wasted round trip
        # (a list page links mostly pages already seen).
        self._seen: set[str] = set()
        self._unacked: list[tuple[str, bool]] = []
        self._parked = 0
        self._derived = False
        self._loop: Any = None
        self._next_requeue = 0.0
        self._waiting_logged = False
        self._watching = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisScheduler:
        return cls(crawler)

    # Scrapy's scheduler interface ------------------------------------------------------------

    def open(self, spider: Spider) -> None:
        self.spider = spider
        if self.prefetch <= 0:
            hosts = len(getattr(spider, "allowed_domains", None) or ()) or 1
            per_host = self.crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") or 8
            self.prefetch = per_host * hosts
        self.registry = acquire_registry(self.url, self.crawl, self.lease)
        self.queue = LeasedQueue(self.server, spider, self.registry)
        self.df = FingerprintDupeFilter(
            self.server,
            key=self.queue.site_prefix + "seen",
            fingerprinter=self.crawler.request_fingerprinter,
            debug=self.debug,
        )
        self.generation, moved = self.queue.join()
        self._count("xxgk/redis/requeued", moved)
        self.stats.set_value("xxgk/redis/crawl", self.crawl)
        self.stats.set_value("xxgk/redis/generation", self.generation)
        self.stats.set_value("xxgk/redis/worker", self.registry.worker)
        logger.info(
            "worker %s joined crawl %r of %s (crawl number %d, %d requests queued)",
            self.registry.worker,
            self.crawl,
            spider.name,
            self.generation,
            len(self.queue),
            extra={"spider": spider},
        )
        setattr(self.crawler, FRONTIER_ATTRIBUTE, self)
        self._watch_inprogress()
        self.crawler.signals.connect(self._spider_idle, signal=signals.spider_idle)
        self.crawler.signals.connect(self._engine_stopped, signal=signals.engine_stopped)
        self._next_requeue = time.monotonic() + self.lease
        self._loop = task.LoopingCall(self._poll)
        self._loop.start(self.poll_seconds, now=False)

    def close(self, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self._retry_acks()
        try:
            back = self.queue.give_back()
        except redis.RedisError as exc:
            logger.warning("could not put back the requests in flight (%s): they return at lease expiry", exc)
        else:
            self._count("xxgk/redis/given_back", back)
        if self._local:
            # Unshareable requests die with the process: say how many were not crawled.
            logger.warning("%d requests that could not be shared were not crawled", len(self._local))
            self._count("xxgk/redis/local_dropped", len(self._local))
        self.stats.set_value("xxgk/redis/round_trips/frontier", self.queue.round_trips)
        if self.registry is not None:
            self.stats.set_value("xxgk/redis/round_trips/heartbeat", self.registry.beats)

    def enqueue_request(self, request: Request) -> bool:
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        if fingerprint in self._seen:
            self.df.log(request, self.spider)
            self._count("dupefilter/filtered")
            return False
        try:
            data = self.queue.encode(request)
        except (TypeError, ValueError) as exc:
            return self._keep_local(request, fingerprint, f"it cannot be shared ({exc})")
        try:
            added = self.queue.push_new(data, fingerprint, -request.priority)
        except redis.RedisError as exc:
            return self._keep_local(request, "", f"Redis failed ({exc})")
        if fingerprint:
            self._seen.add(fingerprint)
        if not added:
            self.df.log(request, self.spider)
            self._count("dupefilter/filtered")
            return False
        self._count("scheduler/enqueued")
        self._count("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self._local:
            self._count("scheduler/dequeued")
            return self._local.popleft()
        if len(getattr(self.crawler.engine.downloader, "active", ())) >= self.prefetch:
            return None  # enough waiting here already; the rest is for whichever worker is free
        for _ in range(8):
            try:
                member = self.queue.pop_member()
            except redis.RedisError as exc:
                logger.warning("Redis failed taking a request (%s); trying again", exc)
                return None
            if member is None:
                return None
            try:
                request = self.queue.decode(member)
            except Exception:
                # Written by another version of the code (a callback this one lacks), or damaged:
                # no worker of this version can crawl it. Every worker must run the same version.
                logger.exception("dropped a request this worker cannot read: %.300s", member)
                self._count("xxgk/redis/unreadable")
                self._acknowledge(member, parked=False)
                continue
            self._leased[request] = member
            self._count("scheduler/dequeued")
            self._count("scheduler/dequeued/redis")
            return request
        return None

    def has_pending_requests(self) -> bool:
        if self._local:
            return True
        try:
            return len(self.queue) > 0
        except redis.RedisError:
            return False

    def __len__(self) -> int:
        return len(self._local) + len(self.queue)

    # What the archive pipeline and the start middleware tell ----------------------------------

    def park(self, url: str) -> None:
        """The request of ``url`` (being processed) is an attachment whose document is written
        after the crawl: when it finishes, keep it parked rather than acknowledge it."""
        self._park_urls.add(url)

    def derived(self) -> None:
        """The after-crawl stage wrote the documents of every parked attachment."""
        self._derived = True
        try:
            self.queue.release_parked()
        except redis.RedisError as exc:
            logger.warning("could not release the parked attachments (%s); they will be fetched again", exc)

    def starting(self, on: bool) -> None:
        """This worker reads its start requests (``on``), or has read them all."""
        try:
            self.queue.starting(on)
        except redis.RedisError as exc:
            logger.warning("Redis failed marking the start requests (%s)", exc)

    # Internals -------------------------------------------------------------------------------

    def _count(self, key: str, value: int = 1) -> None:
        if value and self.stats is not None:
            self.stats.inc_value(key, value)

    def _keep_local(self, request: Request, fingerprint: str, why: str) -> bool:
        if fingerprint:
            try:
                if self.df.request_seen(request):
                    return False
            except redis.RedisError:
                pass
        logger.warning("kept %s in this worker: %s", request, why)
        self._count("xxgk/redis/kept_local")
        self._local.append(request)
        return True

    def _watch_inprogress(self) -> None:
        """Acknowledge requests as they leave the engine's ``_slot.inprogress``.

        A private attribute of Scrapy's engine (2.13–2.19): no signal says when Scrapy is done with
        a request (``response_received`` comes before the callback, ``item_scraped`` per item).
        Looked up with getattr; without it the poll compares the set instead (``_sweep``)."""
        slot = getattr(self.crawler.engine, "_slot", None)
        inprogress = getattr(slot, "inprogress", None)
        if isinstance(inprogress, set) and not isinstance(inprogress, _AckingSet):
            slot.inprogress = _AckingSet(inprogress, self._left)  # type: ignore[union-attr]
            self._watching = True
        else:
            logger.warning("the engine has no _slot.inprogress set: acknowledging by polling")

    def _left(self, request: Request) -> None:
        member = self._leased.pop(request, None)
        if member is None:
            return  # not from the frontier (robots.txt through engine.download, …)
        parked = request.url in self._park_urls
        if parked:
            self._park_urls.discard(request.url)
            self._parked += 1
        self._acknowledge(member, parked=parked)

    def _acknowledge(self, member: str, *, parked: bool) -> None:
        try:
            if parked:
                self.queue.park(member)
            else:
                self.queue.ack(member)
        except redis.RedisError as exc:
            # Until acknowledged, the request counts as in flight: the crawl cannot complete.
            logger.warning("Redis failed acknowledging a request (%s); trying again", exc)
            self._unacked.append((member, parked))

    def _retry_acks(self) -> None:
        pending, self._unacked = self._unacked, []
        for member, parked in pending:
            self._acknowledge(member, parked=parked)

    def _sweep(self) -> None:
        """Without the watched set: acknowledge what the engine no longer holds."""
        slot = getattr(self.crawler.engine, "_slot", None)
        inprogress = getattr(slot, "inprogress", None)
        if inprogress is None:
            return
        for request in [r for r in self._leased if r not in inprogress]:
            self._left(request)

    def _poll(self) -> None:
        try:
            self._retry_acks()
            if not self._watching:
                self._sweep()
            now = time.monotonic()
            if now >= self._next_requeue:
                self._next_requeue = now + self.lease
                self._count("xxgk/redis/requeued", self.queue.requeue_dead())
            # The engine's slot and its nextcall are private (Scrapy 2.13–2.19); nextcall.schedule()
            # is how the engine wakes itself, and without it an idle worker would look at the
            # frontier again only on the engine's 5-second heartbeat.
            slot = getattr(self.crawler.engine, "_slot", None)
            nextcall = getattr(slot, "nextcall", None)
            if nextcall is None:
                return
            if self._local or not self._leased or len(self.queue) > 0:
                nextcall.schedule()
        except redis.RedisError as exc:
            logger.warning("Redis failed (%s); trying again", exc)

    def _spider_idle(self, spider: Spider) -> None:
        """Close only when the whole crawl is complete, not when this worker's work ran out."""
        if self._local:
            raise DontCloseSpider
        try:
            verdict, moved = self.queue.check(self.generation)
        except redis.RedisError as exc:
            logger.warning("Redis failed checking for completion (%s); waiting", exc)
            raise DontCloseSpider from exc
        self._count("xxgk/redis/requeued", moved)
        if verdict == "done":
            logger.info("the shared crawl of %s is complete", spider.name, extra={"spider": spider})
            return
        if not self._waiting_logged:
            self._waiting_logged = True
            logger.info(
                "no request for this worker now: waiting while other workers crawl", extra={"spider": spider}
            )
        raise DontCloseSpider

    def _engine_stopped(self) -> None:
        try:
            if self._derived or not self._parked:
                self.queue.release_parked()
        except redis.RedisError as exc:
            logger.warning("could not release the parked attachments (%s)", exc)
        if self.registry is not None:
            release_registry(self.registry)
            self.registry = None
