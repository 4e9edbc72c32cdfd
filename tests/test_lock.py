"""The archive lock: one run per archive, shared inside a process, freed when its holder ends or dies.

Holders are real child processes: flock is per open file, so only another process shows a conflict.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO, crawl, run_xxgk
from pipelines.archive.lock import ArchiveLock, ArchiveLockedError, lock_holder
from pipelines.archive.verify import verify_archive
from replica.corpus import Corpus
from replica.server import ReplicaServer

_HOLDER = """
import sys, time
from pipelines.archive.lock import ArchiveLock
lock = ArchiveLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
time.sleep(600)
"""

_PROBE = """
import sys
from pipelines.archive.lock import ArchiveLock, ArchiveLockedError
lock = ArchiveLock(sys.argv[1])
try:
    lock.acquire()
except ArchiveLockedError as exc:
    print("locked", exc.holder.pid if exc.holder else None)
else:
    lock.release()
    print("free")
"""


def _probe(archive: Path) -> str:
    """Whether another process could take the lock now ("free") or who it found ("locked <pid>")."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(archive)], cwd=REPO, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A child process holding the lock of ``tmp_path / "archive"``."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(tmp_path / "archive")],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_lock_records_holder_and_is_shared_within_a_process(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    first, second = ArchiveLock(archive), ArchiveLock(archive)
    first.acquire()
    record = json.loads((archive / ".lock").read_text("utf-8"))
    assert record["pid"] == os.getpid() and record["host"] and record["started"].endswith("Z")
    second.acquire()  # the same process: shared, not a conflict
    assert _probe(archive) == f"locked {os.getpid()}"
    first.release()
    assert _probe(archive) == f"locked {os.getpid()}"  # the second share still holds it
    second.release()
    assert _probe(archive) == "free"
    assert (archive / ".lock").read_bytes() == b""  # a free lock names nobody
    assert lock_holder(archive) is None


def test_held_lock_names_its_holder(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    archive = tmp_path / "archive"
    with pytest.raises(ArchiveLockedError) as caught:
        ArchiveLock(archive).acquire()
    assert caught.value.holder is not None and caught.value.holder.pid == holder.pid
    assert f"pid {holder.pid} on " in str(caught.value)
    found = lock_holder(archive)
    assert found is not None and found.pid == holder.pid


def test_lock_of_a_killed_holder_is_taken_over(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    archive = tmp_path / "archive"
    assert _probe(archive) == f"locked {holder.pid}"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    # The dead holder's record is still in the file; the kernel dropped its flock.
    assert json.loads((archive / ".lock").read_text("utf-8"))["pid"] == holder.pid
    with ArchiveLock(archive):
        assert json.loads((archive / ".lock").read_text("utf-8"))["pid"] == os.getpid()
    assert _probe(archive) == "free"


@pytest.mark.crawl
def test_crawl_on_a_locked_archive_exits_3_without_writing(
    tmp_path: Path, corpus: Corpus, holder: subprocess.Popen[str]
) -> None:
    archive = tmp_path / "archive"
    before = _files(archive)
    with ReplicaServer(corpus) as server:
        result = run_xxgk("crawl", "--archive", str(archive), "--replica", server.url, timeout=120)
        assert len(server.requests) == 0
    assert result.returncode == 3, result.stderr[-2000:]
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("xxgk crawl: archive ") and f"locked by pid {holder.pid} on " in line
    assert _files(archive) == before  # nothing written, the holder's record untouched


@pytest.mark.crawl
def test_scrapy_crawl_on_a_locked_archive_closes_with_archive_locked(
    tmp_path: Path, corpus: Corpus, holder: subprocess.Popen[str]
) -> None:
    archive = tmp_path / "archive"
    with ReplicaServer(corpus) as server:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "scrapy",
                "crawl",
                "siping",
                "-s",
                f"XXGK_ARCHIVE={archive}",
                "-s",
                f"XXGK_REPLICA={server.url}",
                "-s",
                "XXGK_PROFILE=replica",
                "-s",
                "LOG_LEVEL=INFO",
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert len(server.requests) == 0, result.stderr[-3000:]
    assert "'finish_reason': 'archive_locked'" in result.stderr, result.stderr[-3000:]
    assert f"locked by pid {holder.pid}" in result.stderr
    # Nothing at all: no page, blob, log, run record or resume state in the archive another run holds.
    written = set(_files(archive)) - {".lock"}
    assert written == set(), written


@pytest.mark.crawl
def test_lock_is_shared_by_the_sites_of_one_crawl_and_released_at_the_end(
    tmp_path: Path, corpus: Corpus
) -> None:
    archive = tmp_path / "archive"
    with ReplicaServer(corpus) as server:
        result = crawl(archive, server)  # every site: three crawlers in one process, one lock
    assert result.stdout.count("finished") >= 3, result.stdout
    assert "archive_locked" not in result.stdout + result.stderr
    assert _probe(archive) == "free" and (archive / ".lock").read_bytes() == b""
    report = verify_archive(archive)
    assert report.ok, [p.line() for p in report.errors[:20]]
    assert run_xxgk("verify", "--archive", str(archive)).returncode == 0
