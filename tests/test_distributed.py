"""Distributed crawling on Redis (docs/distributed.md): workers are real ``xxgk crawl --redis``
processes against a real redis-server (tests/redis_support.py) and an in-process replica.

- politeness: three workers keep one delay per host together (the replica's arrival times);
- consistency: three workers write the archive an embedded crawl writes (each document once),
  ``xxgk verify`` passes, and both indexes cover everything;
- crash safety: a worker SIGKILLed mid-crawl loses nothing (its leases expire and go back), with
  and without a restarted worker; a worker stopped by SIGTERM puts back what it held at once, and
  the next worker resumes the crawl;
- the crawl after a completed one starts anew (conditional requests); an unreachable Redis is a
  one-line usage error; workers share the archive's lock, which an embedded crawl excludes;
- requests cross Redis as JSON, never pickle.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, Archive, crawl, run_xxgk
from crawler.distributed import serializer
from pipelines.archive.cdxj import cdxj_lines
from pipelines.index import index_path
from redis_support import RedisServer, redis_server, redis_url
from replica.corpus import Corpus
from replica.server import ReplicaServer

__all__ = ["redis_server", "redis_url"]  # fixtures used by name

pytestmark = [pytest.mark.crawl, pytest.mark.slow]

#: A worker's lease: a killed worker's requests come back after this (the default is 10 s).
LEASE = "3"


@dataclass
class Worker:
    """A running ``xxgk crawl --redis`` process and its log file."""

    process: subprocess.Popen[str]
    log: Path

    def wait(self, timeout: float = 180) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            raise AssertionError(f"worker did not finish in {timeout} s:\n{self.tail()}") from None

    def tail(self) -> str:
        return self.log.read_text("utf-8", "replace")[-4000:]


def start_worker(
    archive: Path, server: ReplicaServer, url: str, logs: Path, *args: str, sites: tuple[str, ...] = ()
) -> Worker:
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"worker-{time.monotonic_ns()}.log"
    handle = log.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crawler.cli",
            "crawl",
            *sites,
            "--archive",
            str(archive),
            "--replica",
            server.url,
            "--redis",
            url,
            "-s",
            "LOG_LEVEL=INFO",
            "-s",
            f"XXGK_REDIS_LEASE_SECONDS={LEASE}",
            *args,
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=handle,
        stderr=subprocess.STDOUT,
        text=True,
    )
    handle.close()
    return Worker(process, log)


def finished(workers: list[Worker]) -> None:
    for worker in workers:
        status = worker.wait()
        assert status == 0, f"worker exited {status}:\n{worker.tail()}"


def verify(archive: Path) -> None:
    result = run_xxgk("verify", "--archive", str(archive))
    assert result.returncode == 0, result.stdout[-3000:]


def versions_by_id(archive: Path) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for doc in Archive(archive).documents():
        found[doc["id"]].append(doc["version"])
    return found


def texts(archive: Path) -> dict[str, str | None]:
    return {ident: doc.get("text") for ident, doc in Archive(archive).latest_documents().items()}


# --- the replica and an embedded crawl of it, shared by the consistency and crash tests ------------


@dataclass
class Reference:
    server: ReplicaServer
    corpus: Corpus
    archive: Path


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reference]:
    """A replica of ~120 pages and the archive an embedded crawl of its siping site makes."""
    corpus = Corpus(seed=11, pages=120)
    with ReplicaServer(corpus) as server:
        archive = tmp_path_factory.mktemp("embedded")
        crawl(archive, server, "siping")
        yield Reference(server, corpus, archive)


# --- politeness ---------------------------------------------------------------------------------


def test_three_workers_are_as_gentle_as_one(tmp_path: Path, redis_url: str) -> None:
    polite = (
        "-s",
        "DOWNLOAD_DELAY=1",
        "-s",
        "CONCURRENT_REQUESTS_PER_DOMAIN=1",
        "-s",
        "DOWNLOAD_DELAY_JITTER=0",
    )
    small = ("-a", "units=fgw_12305", "-a", "columns=ndbg")
    archive = tmp_path / "archive"
    with ReplicaServer(Corpus(seed=5, pages=60)) as server:
        workers = [
            start_worker(archive, server, redis_url, tmp_path / "logs", *polite, *small, sites=("siping",))
            for _ in range(3)
        ]
        finished(workers)
        requests = server.requests.snapshot()
    arrivals: dict[str, list[float]] = defaultdict(list)
    for request in requests:
        arrivals[request.host].append(request.at)
    assert arrivals and sum(len(a) for a in arrivals.values()) >= 15
    for host, times in arrivals.items():
        times.sort()
        gaps = [b - a for a, b in itertools.pairwise(times)]
        # One request per second to the host from the three workers together. The gate spaces the
        # moments requests leave by 1 s exactly (Redis's clock); what the replica logs is their
        # arrival, later by the time a busy machine takes to schedule the worker and the replica's
        # thread. A request that arrived late (seen: 0.27 s, with both cores loaded) makes the
        # interval before it long and the one after it short by as much. So: every interval is at
        # least 0.9 s unless the one before it was long by as much (the arrival between them was
        # late, not early), none is below 0.5 s (no two requests sent together), and the mean is
        # at least 0.98 s (three uncoordinated workers would average 0.33 s).
        shown = (host, [round(g, 3) for g in gaps])
        assert min(gaps) >= 0.5, shown
        assert all(g >= 0.9 or (k > 0 and gaps[k - 1] + g >= 1.9) for k, g in enumerate(gaps)), shown
        assert (times[-1] - times[0]) / len(gaps) >= 0.98, shown
    # The work was shared: every worker archived pages (its own run record and captures log).
    runs = Archive(archive).runs()
    assert len(runs) == 3 and len({run["worker"] for run in runs}) == 3
    for run in runs:
        captures = archive / "runs" / f"{run['run_id']}.captures.jsonl"
        assert captures.exists() and captures.read_text().count("\n") >= 1, run["run_id"]
        assert run["crawl"] == "siping" and run["crawl_number"] == 1
        assert run["settings"]["download_delay"] == 1.0
        assert run["health"]["compared_with_earlier_runs"] is False


# --- one archive, consistent -------------------------------------------------------------------


def test_workers_write_the_archive_an_embedded_crawl_writes(
    tmp_path: Path, redis_url: str, reference: Reference
) -> None:
    archive = tmp_path / "archive"
    workers = [
        start_worker(archive, reference.server, redis_url, tmp_path / "logs", sites=("siping",))
        for _ in range(3)
    ]
    finished(workers)
    verify(archive)
    # Every document once: one id, one version (no page archived twice, no version lost), and the
    # same documents, with the same texts, as the embedded crawl's.
    versions = versions_by_id(archive)
    assert versions and all(v == [1] for v in versions.values()), {
        k: v for k, v in versions.items() if v != [1]
    }
    assert texts(archive) == texts(reference.archive)
    # Every page of the site the replica serves without a planted fault is there.
    truth = {t.url for t in reference.corpus.documents(site="siping") if not t.fault}
    archived_urls = {doc["url"] for doc in Archive(archive).latest_documents().values()}
    assert truth and not truth - archived_urls, sorted(truth - archived_urls)[:5]
    # The work was shared.
    runs = Archive(archive).runs()
    assert len(runs) == 3 and all(run["finish_reason"] == "finished" for run in runs)
    assert sum(1 for run in runs if run["documents"]["new"]) >= 2
    # The search index holds every document.
    with sqlite3.connect(index_path(archive)) as conn:
        indexed = {ident for (ident,) in conn.execute("SELECT id FROM docs")}
    assert indexed == set(versions)
    # warc/index.cdxj has a line for every record of every WARC file (the workers' files too), and
    # every document's capture is among them.
    warcs = sorted((archive / "warc").glob("*.warc.gz"))
    # At least the two workers that archived documents wrote files (a worker started late on a busy
    # machine may find the frontier empty and write none).
    assert len(warcs) >= 2
    expected = sorted(line for path in warcs for line in cdxj_lines(path)[0])
    index = (archive / "warc" / "index.cdxj").read_text().splitlines()
    assert index == expected
    pointers = {
        (json.loads(line.split(" ", 2)[2])["filename"], int(json.loads(line.split(" ", 2)[2])["offset"]))
        for line in index
    }
    for doc in Archive(archive).latest_documents().values():
        warc = doc["warc"]
        assert (Path(warc["path"]).name, warc["offset"]) in pointers, doc["url"]


# --- crash safety ------------------------------------------------------------------------------


def _captures(archive: Path) -> dict[str, int]:
    return {
        path.name: path.read_text("utf-8", "replace").count("\n")
        for path in (archive / "runs").glob("*.captures.jsonl")
    }


def _wait_for(condition: Any, what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("restart", [False, True], ids=["survivor-finishes", "killed-worker-restarted"])
def test_a_killed_worker_loses_nothing(
    tmp_path: Path, redis_url: str, reference: Reference, restart: bool
) -> None:
    archive = tmp_path / "archive"
    logs = tmp_path / "logs"
    # A short delay makes the crawl last long enough to kill a worker in the middle of it.
    slow = ("-s", "DOWNLOAD_DELAY=0.03", "-s", "DOWNLOAD_DELAY_JITTER=0")
    doomed = start_worker(archive, reference.server, redis_url, logs, *slow, sites=("siping",))
    # Its captures log is the first one; the survivor's comes after.
    first = _wait_for(lambda: list(_captures(archive)), "the first worker's captures")[0]
    survivor = start_worker(archive, reference.server, redis_url, logs, *slow, sites=("siping",))
    _wait_for(lambda: _captures(archive).get(first, 0) >= 20, "20 captures by the first worker")
    doomed.process.send_signal(signal.SIGKILL)
    doomed.process.wait(10)
    workers = [survivor]
    if restart:
        workers.append(start_worker(archive, reference.server, redis_url, logs, *slow, sites=("siping",)))
    finished(workers)
    assert _captures(archive)[first] < sum(_captures(archive).values())
    verify(archive)
    # Every page the embedded crawl archived is archived, once.
    versions = versions_by_id(archive)
    assert set(versions) == set(versions_by_id(reference.archive))
    assert texts(archive) == texts(reference.archive)
    assert all(v == [1] for v in versions.values())
    with sqlite3.connect(index_path(archive)) as conn:
        assert {ident for (ident,) in conn.execute("SELECT id FROM docs")} == set(versions)
    # The killed worker's WARC files are indexed as far as their last whole record (a torn tail
    # cut by the survivor's repair), with every other worker's.
    warcs = sorted((archive / "warc").glob("*.warc.gz"))
    expected = sorted(line for path in warcs for line in cdxj_lines(path)[0])
    assert (archive / "warc" / "index.cdxj").read_text().splitlines() == expected
    runs = Archive(archive).runs()
    assert len(runs) == len(workers)  # the killed worker wrote no run record
    stats_log = "".join(w.log.read_text("utf-8", "replace") for w in workers)
    assert "'xxgk/redis/requeued'" in stats_log  # the dead worker's leases went back


def test_a_stopped_worker_puts_back_what_it_held(
    tmp_path: Path, redis_server: RedisServer, redis_url: str, reference: Reference
) -> None:
    archive = tmp_path / "archive"
    logs = tmp_path / "logs"
    slow = ("-s", "DOWNLOAD_DELAY=0.1", "-s", "DOWNLOAD_DELAY_JITTER=0")
    served = len(reference.server.requests.snapshot())
    stopped = start_worker(archive, reference.server, redis_url, logs, *slow, sites=("siping",))
    # Stopped after 20 requests reached the replica, well before the last (the site takes about 130,
    # 0.1 s apart). Counting captures instead stopped it too late on a busy machine: the
    # niced archive worker wrote them long after the fetches, and the queue was already empty.
    _wait_for(lambda: len(reference.server.requests.snapshot()) - served >= 20, "20 requests")
    stopped.process.send_signal(signal.SIGTERM)
    assert stopped.wait() == 1  # a crawl that did not finish
    # Nothing is held any more (no in-flight hash, no heartbeat): the rest waits in the queue.
    keys = redis_server.command("KEYS", "xxgk:siping:*")
    assert b"site:siping:queue" in keys and b"inflight" not in keys and b"alive" not in keys, keys
    assert int(redis_server.command("ZCARD", "xxgk:siping:site:siping:queue")[1:].strip()) > 0
    # The next worker resumes the cut-off crawl (the same crawl number) and completes it.
    finished([start_worker(archive, reference.server, redis_url, logs, sites=("siping",))])
    runs = sorted(Archive(archive).runs(), key=lambda run: run["run_id"])
    assert [(run["finish_reason"], run["crawl_number"]) for run in runs] == [("shutdown", 1), ("finished", 1)]
    verify(archive)
    assert texts(archive) == texts(reference.archive)
    assert all(v == [1] for v in versions_by_id(archive).values())


# --- the next crawl; a Redis that is not there --------------------------------------------------


def test_a_worker_after_a_completed_crawl_starts_the_next(tmp_path: Path, redis_url: str) -> None:
    archive = tmp_path / "archive"
    small = ("-a", "units=fgw_12305", "-a", "columns=ndbg")
    with ReplicaServer(Corpus(seed=5, pages=60)) as server:
        finished([start_worker(archive, server, redis_url, tmp_path / "logs", *small, sites=("siping",))])
        first = {r.path for r in server.requests.snapshot() if r.status == 200}
        server.requests.clear()
        # --full: every page held is asked for again (conditionally), not only a rotating share.
        finished(
            [start_worker(archive, server, redis_url, tmp_path / "logs", "--full", *small, sites=("siping",))]
        )
        again = server.requests.snapshot()
    # Not "everything seen": the second crawl asked again, conditionally, and the replica said 304.
    assert any(r.status == 304 for r in again)
    assert {r.path for r in again if r.path != "/robots.txt"} & first
    runs = sorted(Archive(archive).runs(), key=lambda run: run["run_id"])
    assert [run["crawl_number"] for run in runs] == [1, 2]
    assert runs[1]["documents"]["unchanged"] >= 1 and runs[1]["documents"]["new"] == 0
    verify(archive)


def test_an_unreachable_redis_is_a_one_line_usage_error(tmp_path: Path) -> None:
    from pipelines.archive.lock import lock_holder

    with socket_closed_port() as port:
        result = run_xxgk(
            "crawl", "siping", "--archive", str(tmp_path / "a"), "--redis", f"redis://127.0.0.1:{port}/0"
        )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach Redis at redis://127.0.0.1:" in lines[0], result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "a").exists()
    assert lock_holder(tmp_path / "a") is None
    bad = run_xxgk("crawl", "--archive", str(tmp_path / "a"), "--crawl-id", "x")
    assert bad.returncode == 2 and bad.stderr.strip() == "xxgk crawl: --crawl-id needs --redis"


class socket_closed_port:
    """A port of 127.0.0.1 that nothing listens on (bound, then closed)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        return port

    def __exit__(self, *exc: object) -> None:
        return None


def test_workers_share_the_archive_lock_an_embedded_crawl_excludes(
    tmp_path: Path, redis_server: RedisServer, redis_url: str
) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    hold = (
        "import sys, time; from pipelines.archive.lock import ArchiveLock; "
        "ArchiveLock(sys.argv[1], shared=sys.argv[2] == 'shared', crawl='c').acquire(); "
        "print('held', flush=True); time.sleep(60)"
    )
    for mode, option, expected in (
        ("shared", (), "the workers of shared crawl c"),
        ("exclusive", ("--redis", redis_url), "pid"),
    ):
        holder = subprocess.Popen(
            [sys.executable, "-c", hold, str(archive), mode], cwd=REPO, stdout=subprocess.PIPE, text=True
        )
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            result = run_xxgk("crawl", "siping", "--archive", str(archive), *option)
        finally:
            holder.kill()
            holder.wait(10)
        # An embedded crawl stops at workers' shared lock, a worker at an embedded crawl's lock.
        assert result.returncode == 3, result.stderr[-2000:]
        assert expected in result.stderr


# --- the frontier's serializer: JSON, never pickle ---------------------------------------------


def test_requests_cross_redis_as_json_with_bytes_tagged() -> None:
    from scrapy import Request
    from scrapy.utils.request import request_from_dict

    request = Request(
        "http://txqxxgk.siping.gov.cn/zsts/?a=1",
        headers={"If-None-Match": b'"\xff"'},
        body=b"\x00\x01",
        meta={"xxgk_groups": {"unit": "fgw_1"}, "\u0000": "a key that looks like a tag", "n": (1, 2)},
        cb_kwargs={"kind": "list"},
        priority=3,
        dont_filter=True,
    )
    data = serializer.dumps(request.to_dict())
    assert data.isascii() and json.loads(data)  # plain JSON: nothing a worker would execute
    back = request_from_dict(serializer.loads(data))
    assert back.url == request.url and back.body == b"\x00\x01" and back.priority == 3 and back.dont_filter
    assert back.headers.getlist("If-None-Match") == [b'"\xff"']
    assert back.meta == {
        "xxgk_groups": {"unit": "fgw_1"},
        "\u0000": "a key that looks like a tag",
        "n": [1, 2],
    }
    with pytest.raises(TypeError):
        serializer.dumps({"meta": {"a set": {1, 2}}})
