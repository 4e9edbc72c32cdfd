"""The gate every request to a host passes just before it goes on the wire.

Why a gate in the download handler and not only Scrapy's slots: a slot's delay and concurrency are
one process's; several workers of one crawl (``--redis``) must be as gentle together as one crawler,
and a server that says "come back in 30 s" (``Retry-After``) must get 30 s from every request of
every worker, not only from the request that was told. The handler (``crawler/handlers.py``) waits in
``enter`` right before sending, so no later queue can bunch requests that the gate spaced out.

- ``LocalGate`` (one process): Scrapy's slots keep the delay; the gate holds the per-host
  concurrency (see its docstring for why) and holds back a host that asked for a pause.
- ``crawler.distributed.gate.RedisGate`` (``--redis``): delay, concurrency and pauses for all workers
  together, through Redis.

``gate_for(crawler)`` returns the crawler's one gate; components that learn of a pause (the retry
middleware reading ``Retry-After``) call ``pause`` on it.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Protocol

from scrapy.utils.misc import load_object

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

#: Where the gate of a crawler is kept (one per crawler, made on first use).
_ATTRIBUTE = "_xxgk_gate"


class HostGate(Protocol):
    async def enter(self, host: str) -> None:
        """Wait until a request may be sent to ``host``; every ``enter`` is followed by one ``leave``."""

    def leave(self, host: str) -> None:
        """The request that entered has its answer (or failed)."""

    def pause(self, host: str, seconds: float) -> None:
        """Send nothing to ``host`` for ``seconds`` from now (a longer pause already set stands)."""

    def close(self) -> None:
        """Release what the gate holds (connections, leases)."""


class LocalGate:
    """One process: the per-host concurrency and the pauses a host asked for.

    Scrapy's download slots keep the delay between requests. They should keep the concurrency too,
    but Scrapy 2.19 on the asyncio reactor starts every queued request of a slot at once when the
    slot has no delay (``Downloader._process_queue`` schedules the downloads as tasks, so none is
    "transferring" yet when it counts the free places): with ``DOWNLOAD_DELAY = 0`` a limit of one
    request per host let 17 of 23 requests overlap. The gate holds the limit whatever the slots do.
    """

    def __init__(self, per_host: int = 0) -> None:
        self._per_host = per_host  # 0: no limit of the gate's own
        self._until: dict[str, float] = {}
        self._slots: dict[str, asyncio.Semaphore] = {}

    async def enter(self, host: str) -> None:
        if self._per_host > 0:
            slot = self._slots.get(host)
            if slot is None:
                slot = self._slots[host] = asyncio.Semaphore(self._per_host)
            await slot.acquire()
        while (wait := self._until.get(host, 0.0) - time.monotonic()) > 0:
            await asyncio.sleep(wait)

    def leave(self, host: str) -> None:
        slot = self._slots.get(host)
        if slot is not None:
            slot.release()

    def pause(self, host: str, seconds: float) -> None:
        until = time.monotonic() + max(0.0, seconds)
        if until > self._until.get(host, 0.0):
            self._until[host] = until

    def close(self) -> None:
        self._until.clear()


def gate_for(crawler: Crawler) -> HostGate:
    """The crawler's gate: ``XXGK_HOST_GATE`` (an import path of a class with ``from_crawler``) when
    set — ``--redis`` sets it to the Redis gate — else a ``LocalGate`` holding
    ``CONCURRENT_REQUESTS_PER_DOMAIN``."""
    gate: HostGate | None = getattr(crawler, _ATTRIBUTE, None)
    if gate is None:
        path = crawler.settings.get("XXGK_HOST_GATE")
        per_host = crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        gate = load_object(path).from_crawler(crawler) if path else LocalGate(per_host)
        setattr(crawler, _ATTRIBUTE, gate)
    return gate
