"""Distributed crawling on Redis: many worker processes, one frontier, one duplicate filter, one
politeness, one archive (``xxgk crawl --redis redis://HOST:PORT/DB``; docs/distributed.md).

- ``settings.py``: what ``--redis`` changes in a crawl's settings, and the add-on that does it;
- ``scheduler.py``: the Redis scheduler (leases, acknowledgements, completion, engine nudges);
- ``queue.py``, ``dupefilter.py``, ``serializer.py``: the frontier, on scrapy-redis's classes;
- ``scripts.py``: the frontier's Lua scripts (each step other workers must not see half-done);
- ``registry.py``: the Redis connection, the worker id and its heartbeat;
- ``gate.py``: ``RedisGate``, per-host delay, concurrency and pauses for all workers together;
- ``start.py``: a spider middleware telling peers that a worker still reads its start requests;
- ``repair.py``: what a killed worker left in the archive, told apart from what live ones write.

Nothing here is imported by an embedded crawl (no ``--redis``), which stays as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.distributed.scheduler import RedisScheduler

#: Where the Redis scheduler of a crawler is kept, for the pipeline and the start middleware.
FRONTIER_ATTRIBUTE = "_xxgk_frontier"


def frontier_of(crawler: Any) -> RedisScheduler | None:
    """The crawler's Redis scheduler once open, or None (an embedded crawl)."""
    return getattr(crawler, FRONTIER_ATTRIBUTE, None)


def redis_mode(settings: Any) -> bool:
    """Whether the crawl is one worker of a shared crawl (``--redis``)."""
    return bool(settings.get("XXGK_REDIS_URL"))
