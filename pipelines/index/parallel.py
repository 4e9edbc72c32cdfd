"""Running a few calls at once on the process's cores: one search's shards (search.py).

sqlite3 releases the GIL while a statement runs, so threads rank on every core. Two threads rank
about 1.2-1.5 times as fast as one, not twice: bm25() looks up each row's length with a statement of
its own, which allocates memory, and SQLite as Debian builds it counts every allocation under one
lock for the process. Two processes reach 1.6-1.8 times, but would cost a one-shot `xxgk search`
more to start than they save.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

__all__ = ["cores", "run_all"]

T = TypeVar("T")

_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def cores() -> int:
    return max(1, os.cpu_count() or 1)


def _shared_pool() -> ThreadPoolExecutor:
    # One pool for the process, made on first use: a pool per search would start threads on every
    # query, and importing the module (every CLI command does) should start none.
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=cores(), thread_name_prefix="xxgk-search")
        return _pool


def _forget_pool() -> None:
    # A forked child has none of the parent's threads: it makes its own pool when it searches.
    global _pool, _lock
    _pool, _lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool)


def run_all(calls: Sequence[Callable[[], T]]) -> list[T]:
    """The results of ``calls`` in their order; the first runs in this thread, the rest in the pool.

    The calling thread works instead of waiting, so a search still progresses when other searches
    (a web server's threads) keep the pool busy. An exception in any call is raised here, but only
    once every call has finished: none is left running on a connection its caller is closing.
    """
    if not calls:
        return []
    futures = [_shared_pool().submit(call) for call in calls[1:]]
    try:
        first = calls[0]()
    finally:
        wait(futures)
    return [first, *(future.result() for future in futures)]
