"""Tells the other workers that this one still reads its spider's start requests.

Why: a crawl is complete when the queue is empty and nothing is in flight, but a worker that is
still iterating ``start()`` (re-crawls yield every page due for revalidation, which takes a while
on a large archive) may yet add requests. While it does, its in-flight hash holds a marker
(``scripts.STARTING``), and no worker declares the crawl complete.

Outermost spider middleware (``--redis`` installs it at order 10): it sees the start requests as
the engine receives them, after every other middleware.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrapy.crawler import Crawler

from crawler.distributed import frontier_of


class StartTracker:
    """Marks the worker "starting" from the first start request to the last."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StartTracker:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        # Looked up on the first iteration: the engine opens the scheduler after it asked the
        # middlewares for the start iterator, before it reads from it.
        frontier = frontier_of(self.crawler)
        if frontier is not None:
            frontier.starting(True)
        try:
            async for item_or_request in start:
                yield item_or_request
        finally:
            if frontier is not None:
                frontier.starting(False)
