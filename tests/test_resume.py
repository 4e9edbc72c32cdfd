"""Crash safety: a crawl stopped at any moment (SIGKILL, SIGTERM, SIGINT) and started again ends with
the archive an uninterrupted crawl makes — every document exactly once, no URL lost, nothing
half-written."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, Archive, crawl, run_xxgk
from replica.corpus import Corpus
from replica.server import ReplicaServer, RequestRecord


def _documents(archive: Archive) -> dict[str, list[str]]:
    """URL → content digests of its versions, in order."""
    found: dict[str, list[str]] = {}
    for path in archive.store.iter_documents():
        doc = json.loads(path.read_text("utf-8"))
        found.setdefault(doc["url"], []).append(doc["content_digest"])
    return found


def _interrupted(archive: Path, server: ReplicaServer, sig: int, after: float) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crawler.cli",
            "crawl",
            "siping",
            "--archive",
            str(archive),
            "--replica",
            server.url,
            "-s",
            "LOG_LEVEL=ERROR",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(after)
    proc.send_signal(sig)
    if sig != signal.SIGKILL:
        time.sleep(0.3)
        proc.send_signal(sig)  # a second SIGINT/SIGTERM: Scrapy stops at once instead of draining
    proc.wait(timeout=120)


def _resume(archive: Archive, server: ReplicaServer) -> list[RequestRecord]:
    """Leave the marker a killed run leaves, crawl again; the requests the resumed run made."""
    (archive.root / "jobs").mkdir(exist_ok=True)
    (archive.root / "jobs" / "siping.running").write_text("20261122T000000Z-siping")
    served = len(list(server.requests))
    crawl(archive.root, server, "siping")
    return list(server.requests)[served:]


def test_killed_crawls_resume_to_the_uninterrupted_archive(tmp_path: Path) -> None:
    corpus = Corpus(seed=3, pages=200)
    whole = Archive(tmp_path / "whole")
    cut = Archive(tmp_path / "cut")
    rng = random.Random(20261122)
    with ReplicaServer(corpus) as server:
        crawl(whole.root, server, "siping")
        for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGKILL, signal.SIGINT, signal.SIGKILL):
            _interrupted(cut.root, server, sig, rng.uniform(0.8, 3.0))
        result = crawl(cut.root, server, "siping")
    expected, got = _documents(whole), _documents(cut)
    assert set(got) == set(expected), (set(expected) - set(got), set(got) - set(expected))
    duplicated = {url: digests for url, digests in got.items() if len(digests) != 1}
    assert not duplicated, duplicated  # every document exactly once
    assert {u: d[0] for u, d in got.items()} == {u: d[0] for u, d in expected.items()}
    assert not (cut.root / "jobs" / "siping.running").exists()
    assert "crawl summary" in result.stdout
    for path in cut.root.rglob("*"):
        assert not path.name.endswith(".tmp"), path
    verified = run_xxgk("verify", "--archive", str(cut.root))
    assert verified.returncode == 0, verified.stdout[-3000:]
    assert os.path.exists(cut.root / "raw" / "index.jsonl")


def test_a_cut_off_crawl_is_resumed_across_every_list_page(tmp_path: Path) -> None:
    """The case a plain re-crawl gets wrong: a crawl cut off after the first page of a long list
    (its pages known) but before the pages listed further down. A re-crawl would stop at the first
    page that brings nothing new; the resumed run walks on and fetches what the archive lacks."""
    corpus = Corpus(seed=3, pages=200)
    archive = Archive(tmp_path / "archive")
    busy = [
        t
        for t in corpus.documents("siping")
        if t.url.startswith("http://txqxxgk.siping.gov.cn/zcbm/fgw_98017/tzgg/") and t.kind != "attachment"
    ]
    oldest = sorted(busy, key=lambda t: t.url_date or "")[:3]  # listed on the last list page
    assert len(busy) > 20 and oldest
    with ReplicaServer(corpus) as server:
        crawl(archive.root, server, "siping")
        # The state a kill leaves: these pages never archived, and the run's marker still there.
        for truth in oldest:
            for path in archive.store.iter_documents("siping"):
                if json.loads(path.read_text("utf-8"))["url"] == truth.url:
                    path.unlink()
        again = _resume(archive, server)
    for truth in oldest:
        assert archive.latest(truth.url, "siping") is not None, f"lost on resume: {truth.url}"
    # Resuming fetches what is missing, not everything again.
    details = [r for r in again if "/t20" in r.path]
    assert len(details) < len(busy), len(details)
    run = max(archive.runs(), key=lambda r: r["run_id"])
    assert run["documents"]["new"] == len(oldest)


@pytest.mark.parametrize("stop", ["SIGKILL", "SIGTERM"])
def test_files_of_pages_a_cut_off_run_archived_are_fetched_on_resume(tmp_path: Path, stop: str) -> None:
    """A run stopped after archiving a page but before fetching its files: the resumed run holds the
    page (and so neither fetches it nor finds its links), yet must fetch the files. A SIGKILL leaves
    no run record; a SIGTERM leaves one that says "shutdown", not "finished"."""
    corpus = Corpus(seed=3, pages=120)
    archive = Archive(tmp_path / "archive")
    with ReplicaServer(corpus) as server:
        crawl(archive.root, server, "siping")
        files = {
            doc["url"]: path
            for path in archive.store.iter_documents("siping")
            if (doc := json.loads(path.read_text("utf-8")))["kind"] == "attachment"
        }
        assert len(files) > 5
        # The state the kill leaves: pages archived, their files not, no run record, the marker.
        for path in files.values():
            path.unlink()
        for record in (archive.root / "runs").glob("*Z-siping.json"):
            if stop == "SIGKILL":
                record.unlink()
            else:
                run = json.loads(record.read_text("utf-8"))
                record.write_text(json.dumps({**run, "finish_reason": "shutdown"}), "utf-8")
        for log in (archive.root / "runs").glob("*-siping.captures.jsonl"):  # the files never fetched
            lines = log.read_text("utf-8").splitlines(keepends=True)
            log.write_text("".join(line for line in lines if '"kind": "attachment"' not in line), "utf-8")
        again = _resume(archive, server)
    for url in files:
        assert archive.latest(url, "siping") is not None, f"lost on resume: {url}"
    held = {doc["url"] for doc in archive.documents() if doc["kind"] == "page"}
    refetched = [r.path for r in again if f"http://{r.host}{r.path}" in held]
    assert not refetched, refetched  # the pages held were not asked for again: their files were


def test_a_resumed_run_removes_what_a_killed_write_left(tmp_path: Path) -> None:
    """A process killed inside a version file's write leaves its temporary copy (the version itself
    is whole or absent); the next run removes it, and the archive verifies clean."""
    archive = Archive(tmp_path / "archive")
    with ReplicaServer(Corpus(seed=3, pages=60)) as server:
        crawl(archive.root, server, "siping")
        version = archive.store.iter_documents("siping")[0]
        leftover = version.with_name(f".{version.name}.k1ll3d.tmp")
        leftover.write_text('{"url": "http://txqxxgk.siping.gov.cn/cut-off', "utf-8")
        assert run_xxgk("verify", "--archive", str(archive.root)).returncode == 1
        _resume(archive, server)
    assert not leftover.exists()
    verified = run_xxgk("verify", "--archive", str(archive.root))
    assert verified.returncode == 0, verified.stdout[-2000:]
