"""The worker pool: jobs run in other processes, answers come back matched, failures are reported."""

from __future__ import annotations

import asyncio
import operator
import os
from collections.abc import Awaitable, Callable

import pytest

from pipelines.workers import WorkerDiedError, WorkerPool


async def _with_pool(workers: int, body: Callable[[WorkerPool], Awaitable[None]]) -> None:
    pool = WorkerPool(workers)
    try:
        await body(pool)
    finally:
        await pool.aclose()


def test_jobs_run_in_another_process_and_answers_match_their_jobs() -> None:
    async def body(pool: WorkerPool) -> None:
        pids = await asyncio.gather(*(pool.run(os.getpid) for _ in range(3)))
        assert os.getpid() not in pids
        # Many jobs in flight at once (the pipe holds a queue): each answer reaches its own caller.
        products = await asyncio.gather(*(pool.run(operator.mul, n, 7) for n in range(200)))
        assert products == [n * 7 for n in range(200)]

    asyncio.run(_with_pool(2, body))


def test_exceptions_come_back_and_a_print_does_not_corrupt_the_answers() -> None:
    async def body(pool: WorkerPool) -> None:
        with pytest.raises(ZeroDivisionError):
            await pool.run(operator.truediv, 1, 0)
        await pool.run(print, "stray output from a library")  # would be read as an answer if not redirected
        assert await pool.run(operator.add, 2, 3) == 5

    asyncio.run(_with_pool(1, body))


def test_a_dead_worker_fails_its_job_and_a_fresh_one_takes_the_next() -> None:
    async def body(pool: WorkerPool) -> None:
        first = await pool.run(os.getpid)
        with pytest.raises(WorkerDiedError):
            await pool.run(os._exit, 3)
        second = await pool.run(os.getpid)
        assert second != first
        assert await pool.run(operator.add, 1, 1) == 2

    asyncio.run(_with_pool(1, body))


def test_no_workers_runs_inline() -> None:
    async def body(pool: WorkerPool) -> None:
        assert await pool.run(os.getpid) == os.getpid()

    asyncio.run(_with_pool(0, body))
