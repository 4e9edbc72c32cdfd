"""Worker processes for the CPU-bound, pure part of the pipeline (extraction, parsing, archiving).

Why processes: Scrapy runs callbacks and pipelines on one thread; lxml parsing, the parser's regexes
and the archive's gzip and JSON there would slow the whole crawl (downloads included) by their full
cost. They are pure functions of bytes, so they run in other processes for the price of pickling a
page and its outcome.

Why not ``concurrent.futures.ProcessPoolExecutor``: it keeps only ``workers + 1`` jobs in its pipe and
feeds the next one from a helper thread of the crawler's process. That thread needs the GIL, which the
busy crawler thread holds for up to a switch interval (5 ms) at a time, so the worker sat idle between
jobs and the crawl ended waiting for a backlog (measured: responses done at 9 s, archiving done at
12 s). Here jobs are written to each worker's stdin by the event loop itself, as many as are pending,
and outcomes are read back by the loop: no helper threads, and the worker always has its queue.

Protocol: length-prefixed pickles; a job is ``(id, "module:function", args)``, an answer ``(id, ok,
value)``. The worker writes answers to a private copy of its stdout, and its fd 1 goes to stderr, so
a stray ``print`` in a library cannot corrupt the stream. With ``workers=0`` everything runs inline.
"""

from __future__ import annotations

import asyncio
import ctypes
import importlib
import itertools
import os
import pickle
import signal
import struct
import sys
from collections.abc import Callable
from typing import Any, BinaryIO, TypeVar

T = TypeVar("T")

_HEADER = struct.Struct("!Q")
WORKER_NICENESS = 19
_PR_SET_PDEATHSIG = 1
#: The process that started this one (a worker compares it after asking to die with it).
_PARENT = os.getppid()


class WorkerDiedError(RuntimeError):
    """A worker process exited (killed, out of memory) while it had this job."""


def _frame(payload: Any) -> bytes:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _name_of(function: Callable[..., Any]) -> str:
    return f"{function.__module__}:{function.__qualname__}"


class _Worker:
    """One worker process and the jobs it has been sent and not yet answered."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.reader = asyncio.ensure_future(self._read_answers())

    async def _read_answers(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            while True:
                header = await stdout.readexactly(_HEADER.size)
                (size,) = _HEADER.unpack(header)
                job_id, ok, value = pickle.loads(await stdout.readexactly(size))
                future = self.pending.pop(job_id, None)
                if future is not None and not future.done():
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the worker is gone: its pending jobs fail below
        finally:
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(WorkerDiedError(f"worker {self.process.pid} exited"))
            self.pending.clear()

    @property
    def alive(self) -> bool:
        return self.process.returncode is None and not self.reader.done()

    def send(self, job_id: int, name: str, args: tuple[Any, ...]) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[job_id] = future
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(_frame((job_id, name, args)))  # buffered by the transport; the loop writes it
        return future

    async def close(self) -> None:
        stdin = self.process.stdin
        if stdin is not None and not stdin.is_closing():
            stdin.close()  # end of jobs: the worker finishes what it has and exits
        await self.process.wait()
        await self.reader


class WorkerPool:
    """Runs pure, importable functions in worker processes; survives a worker that dies."""

    def __init__(self, workers: int, preload: tuple[str, ...] = ()) -> None:
        self.workers = max(0, workers)
        self.preload = preload
        self._procs: list[_Worker] = []
        self._ids = itertools.count()
        self._lock: asyncio.Lock | None = None
        self._starting: asyncio.Future[list[_Worker]] | None = None

    async def _spawn(self) -> _Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "pipelines.workers",
            *self.preload,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            # The worker runs from the crawler's directory with the crawler's import path.
            env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
        )
        return _Worker(process)

    async def _ensure(self) -> list[_Worker]:
        """The live workers, replacing dead ones (one spawner at a time, or two jobs arriving
        together would both start a process)."""
        if len(self._procs) == self.workers and all(w.alive for w in self._procs):
            return self._procs
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            self._procs = [w for w in self._procs if w.alive]
            while len(self._procs) < self.workers:
                self._procs.append(await self._spawn())
        return self._procs

    def grow(self, workers: int) -> None:
        """Use at least `workers` processes from now on (the crawl is over and its core is free)."""
        self.workers = max(self.workers, workers) if self.workers else 0

    def start(self) -> None:
        """Start the workers now, so that their imports overlap the crawl's first downloads."""
        if self.workers:
            self._starting = asyncio.ensure_future(self._ensure())

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in the least busy worker (inline when the pool has no workers).

        Raises what the function raised, or ``WorkerDiedError`` when the worker died with the job; a
        fresh worker takes the next job.
        """
        if self.workers == 0:
            return function(*args)
        procs = await self._ensure()
        worker = min(procs, key=lambda w: len(w.pending))
        result: T = await worker.send(next(self._ids), _name_of(function), args)
        return result

    async def aclose(self) -> None:
        """Let every worker finish its jobs, then stop it."""
        procs, self._procs = self._procs, []
        for worker in procs:
            await worker.close()


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


async def release_pool(pool: WorkerPool) -> bool:
    """Give a pool back; the last user waits for its workers to finish and stops them. Returns
    whether this was the last user: only then has every job of every user been done."""
    for key, (shared, users) in list(_shared.items()):
        if shared is pool:
            if users <= 1:
                del _shared[key]
                await pool.aclose()
                return True
            _shared[key] = (shared, users - 1)
            return False
    await pool.aclose()
    return True


# The worker side ----------------------------------------------------------------------------------


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def _resolve(name: str, cache: dict[str, Callable[..., Any]]) -> Callable[..., Any]:
    if name not in cache:
        module, _, attr = name.partition(":")
        target: Any = importlib.import_module(module)
        for part in attr.split("."):
            target = getattr(target, part)
        cache[name] = target
    return cache[name]


def _answer(job_id: int, function: Callable[..., Any], args: tuple[Any, ...]) -> bytes:
    try:
        return _frame((job_id, True, function(*args)))
    except Exception as exc:  # sent back to the caller, which decides what a failed job means
        try:
            return _frame((job_id, False, exc))
        except Exception:  # an exception that does not pickle still reaches the caller, as text
            return _frame((job_id, False, RuntimeError(f"{type(exc).__name__}: {exc}")))


def _die_with_parent() -> None:
    """Be killed when the crawler's process dies (Linux ``PR_SET_PDEATHSIG``).

    A crawl killed with SIGKILL must leave nothing running: a worker left alone would finish its
    queued jobs while the next run (whose lock the dead crawler no longer holds) repairs the WARC
    tails and writes the same documents. Killed at once instead, a worker leaves at most a torn last
    write, which the next run's repair expects. Elsewhere the worker still stops when its stdin
    closes, after its queued jobs."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return  # not Linux
    if os.getppid() != _PARENT:
        os._exit(0)  # the parent died before the request took effect


def worker_main(preload: list[str]) -> int:
    """Serve jobs from stdin until it closes."""
    _die_with_parent()
    # Below the crawler in the scheduler's eyes: when the cores are busy, fetching goes first and the
    # archive catches up (measured: the crawl kept more of its speed; docs/benchmarks.md).
    os.nice(WORKER_NICENESS)
    jobs = sys.stdin.buffer
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a print() in a library goes to stderr, not into the answers
    sys.stdout = sys.stderr
    for module in preload:
        importlib.import_module(module)
    cache: dict[str, Callable[..., Any]] = {}
    while True:
        header = _read_exactly(jobs, _HEADER.size)
        if header is None:
            return 0
        (size,) = _HEADER.unpack(header)
        body = _read_exactly(jobs, size)
        if body is None:
            return 0
        job_id, name, args = pickle.loads(body)
        try:
            function = _resolve(name, cache)
        except Exception as exc:
            answers.write(_frame((job_id, False, RuntimeError(f"cannot load {name}: {exc}"))))
        else:
            answers.write(_answer(job_id, function, args))
        answers.flush()


def _profiled(preload: list[str], directory: str) -> int:
    """``worker_main`` under cProfile, its stats written to ``directory/worker-<pid>.prof`` (set
    ``XXGK_WORKER_PROFILE`` to a directory: how the archive's per-page costs were found)."""
    import cProfile

    profiler = cProfile.Profile()
    try:
        return int(profiler.runcall(worker_main, preload))
    finally:
        os.makedirs(directory, exist_ok=True)
        profiler.dump_stats(os.path.join(directory, f"worker-{os.getpid()}.prof"))


if __name__ == "__main__":
    _profile_to = os.environ.get("XXGK_WORKER_PROFILE")
    raise SystemExit(_profiled(sys.argv[1:], _profile_to) if _profile_to else worker_main(sys.argv[1:]))
