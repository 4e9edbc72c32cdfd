"""One crawl at a time per archive: an advisory ``flock`` on ``<archive>/.lock``.

Why flock rather than a pid file: the kernel drops the lock when its holder dies, however it dies
(SIGKILL, OOM killer, power cut), so a stale lock never needs cleaning up; a pid file would have to
guess whether its pid is still ours. The file also records who holds the lock (pid, host, start time)
for the message the next run prints; that record is informational, the flock decides.

Several crawls in one process (``xxgk crawl`` of several sites, each a Scrapy crawler with the lock
extension) share one lock: flock conflicts between two descriptors of one process, so the process
keeps one descriptor per archive and counts its holders.

The workers of a shared crawl (``xxgk crawl --redis``, docs/distributed.md) take the lock *shared*
(``LOCK_SH``): they write one archive together (the store is safe for several writers), while an
embedded crawl, which takes it exclusive, still excludes them and is excluded by them.

``index_lock`` serializes the updates of the archive's indexes (``warc/index.cdxj`` and the search
index): several workers end their runs at about the same time, and each brings both up to date.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

__all__ = [
    "INDEX_LOCK_NAME",
    "LOCK_NAME",
    "ArchiveLock",
    "ArchiveLockedError",
    "LockHolder",
    "index_lock",
    "lock_holder",
]

LOCK_NAME = ".lock"
INDEX_LOCK_NAME = ".index.lock"


@dataclass(frozen=True)
class LockHolder:
    """Who holds an archive's lock, as its lock file says (fields None when unreadable)."""

    pid: int | None
    host: str | None
    started: str | None
    #: Held shared by the workers of a crawl on Redis (the record names the last one to arrive).
    shared: bool = False
    crawl: str | None = None

    def describe(self) -> str:
        pid = self.pid if self.pid is not None else "?"
        host = self.host or "?"
        since = f" since {self.started}" if self.started else ""
        if self.shared:
            crawl = f" {self.crawl}" if self.crawl else ""
            return f"the workers of shared crawl{crawl} (pid {pid} on {host}{since}, maybe others)"
        return f"pid {pid} on {host}{since}"


class ArchiveLockedError(RuntimeError):
    """Another process holds the archive's lock."""

    def __init__(self, path: Path, holder: LockHolder | None) -> None:
        self.path = path
        self.holder = holder
        who = holder.describe() if holder else "another process"
        super().__init__(f"archive {path.parent} is locked by {who} ({path})")


@dataclass
class _Held:
    fd: int
    count: int
    pid: int  # a forked child inherits the registry but must not think it holds the lock
    shared: bool = False


_registry: dict[str, _Held] = {}
_registry_guard = threading.Lock()


def _read_holder(fd: int) -> LockHolder | None:
    """The holder recorded in an open lock file; None when it records nothing readable yet (a holder
    between its flock and its write, or a file truncated by its last holder)."""
    try:
        data = os.pread(fd, 4096, 0)
        record = json.loads(data.decode("utf-8", "replace"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    pid, host, started = record.get("pid"), record.get("host"), record.get("started")
    crawl = record.get("crawl")
    return LockHolder(
        pid if isinstance(pid, int) else None,
        host if isinstance(host, str) else None,
        started if isinstance(started, str) else None,
        shared=record.get("shared") is True,
        crawl=crawl if isinstance(crawl, str) else None,
    )


def lock_holder(archive: Path | str) -> LockHolder | None:
    """Who holds the lock of ``archive`` now, or None when nobody does. Creates nothing: a read-only
    archive (a copy being verified) can be asked too."""
    path = Path(archive) / LOCK_NAME
    key = os.path.realpath(path)
    with _registry_guard:
        held = _registry.get(key)
        if held is not None and held.pid == os.getpid():
            return _read_holder(held.fd)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        try:
            # flock on a read-only descriptor works on Linux; taken and dropped at once.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd) or LockHolder(None, None, None)
        except OSError:
            return None
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


class ArchiveLock:
    """The write lock of one archive directory; non-blocking, re-entrant within a process.

    ``acquire`` raises :class:`ArchiveLockedError` naming the holder when another process holds it.
    Use as a context manager, or pair ``acquire`` and ``release``. ``shared``: taken ``LOCK_SH``
    (the workers of a crawl on Redis, ``crawl`` naming it in the record), which other shared
    holders pass and an exclusive one does not. A process holds one mode: the first ``acquire``
    of the process decides it.
    """

    def __init__(self, archive: Path | str, *, shared: bool = False, crawl: str | None = None) -> None:
        self.archive = Path(archive)
        self.path = self.archive / LOCK_NAME
        self.shared = shared
        self.crawl = crawl
        self._acquired = False

    @property
    def acquired(self) -> bool:
        """Whether this object holds (its share of) the lock."""
        return self._acquired

    def acquire(self) -> None:
        if self._acquired:
            return
        self.archive.mkdir(parents=True, exist_ok=True)
        key = os.path.realpath(self.path)
        with _registry_guard:
            held = _registry.get(key)
            if held is not None and held.pid == os.getpid():
                held.count += 1
                self._acquired = True
                return
            # O_CLOEXEC: worker processes (exec'd children) must not inherit the lock and keep it
            # after the crawl that took it has ended.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, (fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise ArchiveLockedError(self.path, holder) from None
            except BaseException:
                os.close(fd)
                raise
            record: dict[str, object] = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "started": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            if self.shared:
                record.update(shared=True, crawl=self.crawl)
            # The previous holder may have died leaving its record: replace it. Shared holders
            # overwrite each other's (one record, padded so that a shorter one leaves no tail).
            data = (json.dumps(record) + "\n").encode("utf-8")
            if self.shared:
                os.pwrite(fd, data.ljust(512, b" "), 0)
            else:
                os.ftruncate(fd, 0)
                os.pwrite(fd, data, 0)
            _registry[key] = _Held(fd, 1, os.getpid(), self.shared)
            self._acquired = True

    def release(self) -> None:
        """Give up this object's share; the last share of the process unlocks the file."""
        if not self._acquired:
            return
        self._acquired = False
        key = os.path.realpath(self.path)
        with _registry_guard:
            held = _registry.get(key)
            if held is None or held.pid != os.getpid():
                return
            held.count -= 1
            if held.count > 0:
                return
            del _registry[key]
            # Emptied before unlocking, so that a free lock never names a past holder. The file
            # stays: unlinking it would let two processes lock two different inodes of one name.
            # A shared holder empties it only when it is the last one: it can then take the lock
            # exclusive (a conversion that may drop the shared lock first; either way it unlocks).
            try:
                if not held.shared:
                    os.ftruncate(held.fd, 0)
                else:
                    try:
                        fcntl.flock(held.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except OSError:
                        pass  # other workers still hold it
                    else:
                        os.ftruncate(held.fd, 0)
            finally:
                os.close(held.fd)  # closing the last descriptor drops the flock

    def holder(self) -> LockHolder | None:
        """Who holds this archive's lock now (None when free)."""
        return lock_holder(self.archive)

    def __enter__(self) -> ArchiveLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


@contextmanager
def index_lock(archive: Path | str) -> Iterator[None]:
    """Hold ``<archive>/.index.lock`` (a blocking exclusive flock) while the indexes are updated:
    the workers of a shared crawl update them one after the other, and the last one to finish leaves
    both complete. An embedded crawl takes it too (a cheap no-op when alone)."""
    path = Path(archive) / INDEX_LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
