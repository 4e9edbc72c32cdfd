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


_OWNER = """
import asyncio, os, sys, time
from pipelines.workers import WorkerPool

async def main():
    pool = WorkerPool(2)
    await asyncio.gather(*(pool.run(os.getpid) for _ in range(4)))
    print(" ".join(str(w.process.pid) for w in pool._procs), flush=True)
    # A worker busy with a queued job when its crawler dies: it must not finish it.
    for _ in range(8):
        asyncio.ensure_future(pool.run(time.sleep, 30))
    await asyncio.sleep(60)

asyncio.run(main())
"""


@pytest.mark.skipif(not os.path.exists("/proc"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_die_with_a_killed_crawler() -> None:
    """A crawl killed with SIGKILL leaves no worker running on into the next run."""
    import signal
    import subprocess
    import sys
    import time

    owner = subprocess.Popen([sys.executable, "-c", _OWNER], stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None
    pids = [int(pid) for pid in owner.stdout.readline().split()]
    assert len(pids) == 2 and all(os.path.exists(f"/proc/{pid}") for pid in pids)
    owner.send_signal(signal.SIGKILL)
    owner.wait(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids), "a worker outlived its crawler"


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for init to reap it is dead)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False
