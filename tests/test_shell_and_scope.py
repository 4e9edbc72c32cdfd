"""`scrapy shell` with the project's helpers, and crawls limited by spider arguments."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO, Archive, crawl
from replica.corpus import Corpus
from replica.server import ReplicaServer

SEED_SIPING = "http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/201803/t20180320_205386.html"


def test_scrapy_shell_offers_project_helpers(server: ReplicaServer, tmp_path: Path) -> None:
    code = "(parse()['title'], parse()['agency'], clean().splitlines()[-1], site.name)"
    archive = tmp_path / "archive"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "shell",
            SEED_SIPING,
            "-c",
            code,
            "-s",
            f"XXGK_REPLICA={server.url}",
            "-s",
            "LOG_LEVEL=ERROR",
            "-s",
            f"XXGK_ARCHIVE={archive}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "铁西区站前街2017年政府信息公开工作年度报告" in result.stdout
    assert "四平市铁西区站前街道办事处" in result.stdout
    assert "2017年3月18日" in result.stdout
    assert "'siping'" in result.stdout
    # Looking at a page is not archiving it: no WARC record, no run marker, nothing.
    written = [p for p in archive.rglob("*") if p.is_file()] if archive.exists() else []
    assert not written, written


def test_crawl_limited_to_a_unit_and_column(tmp_path: Path, corpus: Corpus) -> None:
    archive = Archive(tmp_path / "archive")
    with ReplicaServer(corpus) as server:  # its own server: its request log is this crawl's alone
        crawl(archive.root, server, "siping", "-a", "units=fgw_12305", "-a", "columns=ndbg")
    pages = [d for d in archive.documents() if d["kind"] == "page"]
    assert pages, "the unit's reports should be archived"
    assert {d["location"]["unit"] for d in pages} == {"fgw_12305"}
    assert {d["location"]["column"] for d in pages} == {"ndbg"}
    assert SEED_SIPING in {d["url"] for d in pages}
    fetched = [r.path for r in server.requests if "/fgw_" in r.path]
    assert fetched and all("/fgw_12305/" in path or path.count("/") <= 3 for path in fetched)


def test_plain_scrapy_crawl_of_a_twin_site_definition(tmp_path: Path, server: ReplicaServer) -> None:
    """`scrapy crawl tiedong` works, and the twin portal needed a definition file, not code."""
    archive = Archive(tmp_path / "archive")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "tiedong",
            "-s",
            f"XXGK_REPLICA={server.url}",
            "-s",
            "XXGK_PROFILE=replica",
            "-s",
            f"XXGK_ARCHIVE={archive.root}",
            "-s",
            "LOG_LEVEL=WARNING",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    truths = [t for t in server.corpus.documents("tiedong") if t.kind != "attachment" and not t.fault]
    assert truths
    for truth in truths:
        doc = archive.latest(truth.url, "tiedong")
        assert doc is not None, truth.url
        assert doc["url"].startswith("http://tdqxxgk.siping.gov.cn/")
        assert doc["region"]["district"] == "铁东区"
        assert doc["text"] == truth.text
    [run] = archive.runs()
    assert run["site"] == "tiedong" and run["finish_reason"] == "finished"
    assert run["settings"]["profile"] == "replica"
