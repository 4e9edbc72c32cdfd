"""Shared fixtures: a real replica server on an ephemeral port, and real crawls of it in subprocesses.

Crawls run in child processes because a Twisted reactor cannot be restarted inside one process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from pipelines.archive.store import ArchiveStore, doc_id
from replica.corpus import Corpus
from replica.server import ReplicaServer

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO.parent / "shared" / "samples" / "html"
SEEDS = REPO / "replica" / "seeds"
DEFAULT_PAGES = 300


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"real HTML samples not found at {SAMPLES} (../shared is not beside the repo)")
    return SAMPLES


def fetch(server: ReplicaServer, url: str) -> bytes:
    """GET a real URL from the replica, as the crawler's host-map handler does."""
    parts = urlsplit(url)
    target = server.url + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = urllib.request.Request(target, headers={"Host": parts.netloc})
    with urllib.request.urlopen(request, timeout=10) as response:
        body: bytes = response.read()
    return body


def run_xxgk(*args: str, timeout: float = 300, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """Run the `xxgk` command as a user would (a child process), capturing its output."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class Archive:
    """An archive on disk with helpers to find what the tests look for."""

    root: Path

    @property
    def store(self) -> ArchiveStore:
        return ArchiveStore(self.root, fsync=False)

    def versions(self, url: str, site: str) -> list[dict[str, Any]]:
        store = self.store
        ident = doc_id(url)
        return [store.load_version(site, ident, v) for v in store.versions(site, ident)]

    def latest(self, url: str, site: str) -> dict[str, Any] | None:
        versions = self.versions(url, site)
        return versions[-1] if versions else None

    def documents(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text("utf-8")) for p in self.store.iter_documents()]

    def latest_documents(self) -> dict[str, dict[str, Any]]:
        """The latest version of every document, by id, from the JSON (the source of truth)."""
        found: dict[str, dict[str, Any]] = {}
        for doc in self.documents():
            if doc["version"] > found.get(doc["id"], {}).get("version", 0):
                found[doc["id"]] = doc
        return found

    def failures(self) -> list[dict[str, Any]]:
        return [
            json.loads(line)
            for path in sorted((self.root / "failures").glob("*.jsonl"))
            for line in path.read_text("utf-8").splitlines()
            if line.strip()
        ]

    def captures(self) -> list[dict[str, Any]]:
        return [
            json.loads(line)
            for path in sorted((self.root / "runs").glob("*.captures.jsonl"))
            for line in path.read_text("utf-8").splitlines()
            if line.strip()
        ]

    def runs(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text("utf-8")) for p in sorted((self.root / "runs").glob("*Z-*.json"))]


@dataclass
class Crawled:
    archive: Archive
    server: ReplicaServer
    corpus: Corpus
    result: subprocess.CompletedProcess[str]


def crawl(archive: Path, server: ReplicaServer, *extra: str) -> subprocess.CompletedProcess[str]:
    result = run_xxgk(
        "crawl",
        *extra,
        "--archive",
        str(archive),
        "--replica",
        server.url,
        "-s",
        "LOG_LEVEL=WARNING",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return result


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return Corpus(seed=1, pages=DEFAULT_PAGES)


@pytest.fixture(scope="session")
def server(corpus: Corpus) -> Iterator[ReplicaServer]:
    with ReplicaServer(corpus) as srv:
        yield srv


@pytest.fixture(scope="session")
def crawled(tmp_path_factory: pytest.TempPathFactory, corpus: Corpus) -> Iterator[Crawled]:
    """One full crawl of every site of the default replica, shared by the read-only tests.

    It has a server of its own, so that the server's request log holds this crawl's requests only.
    """
    root = tmp_path_factory.mktemp("archive")
    with ReplicaServer(corpus) as server:
        result = crawl(root, server)
        yield Crawled(Archive(root), server, corpus, result)


_SESSION_STARTED: list[float] = []


def pytest_sessionstart(session: Any) -> None:
    _SESSION_STARTED.append(time.time())


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the quality gate's per-field accuracy when this run measured it."""
    artifact = REPO / "test-artifacts" / "quality.txt"
    started = _SESSION_STARTED[0] if _SESSION_STARTED else 0.0
    if artifact.exists() and artifact.stat().st_mtime >= started - 1:
        terminalreporter.section("extraction quality (tests/test_quality_gate.py)")
        terminalreporter.write(artifact.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def small_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crawl of a small replica (every site, 120 pages), indexed, for the tests that only read an
    archive (search, export): crawled once per test process, not once per module."""
    root = tmp_path_factory.mktemp("small")
    with ReplicaServer(Corpus(seed=4, pages=120)) as server:
        crawl(root, server)
    return root


@pytest.fixture(scope="session")
def web_archive(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The archive the web interface's tests read (tests/web_support.py), one per test process."""
    from web_support import build_web_archive

    return build_web_archive(tmp_path_factory.mktemp("web"))
