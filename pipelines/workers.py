"""A pool of worker processes for the CPU-bound, pure part of the pipeline (extraction and parsing).

Why: Scrapy runs callbacks and pipelines on one thread; lxml parsing and the parser's regexes there
would slow the whole crawl (downloads included) by their full cost. Extraction and parsing are pure
functions of bytes, so they move to other processes for the price of pickling a page and its result.
With ``workers=0`` everything runs inline (the same code, no processes).
"""

from __future__ import annotations

import asyncio
import importlib
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")


class WorkerPool:
    """Runs pure functions in worker processes; survives a worker that dies."""

    def __init__(self, workers: int, preload: tuple[str, ...] = ()) -> None:
        self.workers = max(0, workers)
        self.preload = preload
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # spawn, not fork: the crawler process runs an event loop and threads.
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, initializer=_preload, initargs=(self.preload,)
            )
        return self._executor

    def start(self) -> None:
        """Start the workers now, so that their imports overlap the crawl's first downloads."""
        if self.workers:
            pool = self._pool()
            for _ in range(self.workers):
                pool.submit(_noop)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a worker (inline when the pool has no workers)."""
        if self.workers == 0:
            return function(*args)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool(), function, *args)
        except BrokenProcessPool:
            # A worker died (killed, out of memory): start a fresh pool for the next pages and let
            # the caller record this page as failed.
            self.close(wait=False)
            raise

    def close(self, wait: bool = True) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=not wait)
            self._executor = None


def _preload(modules: tuple[str, ...]) -> None:
    for name in modules:
        importlib.import_module(name)


def _noop() -> None:
    return None


_shared: dict[tuple[int, tuple[str, ...]], tuple[WorkerPool, int]] = {}


def acquire_pool(workers: int, preload: tuple[str, ...] = ()) -> WorkerPool:
    """The process-wide pool for this size: crawls running side by side in one process (one per
    site) share its workers instead of each starting its own and fighting over the cores."""
    key = (workers, preload)
    pool, users = _shared.get(key, (None, 0))
    if pool is None:
        pool = WorkerPool(workers, preload)
    _shared[key] = (pool, users + 1)
    return pool


def release_pool(pool: WorkerPool) -> None:
    """Give a pool back; the last user closes it."""
    for key, (shared, users) in list(_shared.items()):
        if shared is pool:
            if users <= 1:
                del _shared[key]
                pool.close()
            else:
                _shared[key] = (shared, users - 1)
            return
    pool.close()
