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


def test_scrapy_shell_offers_project_helpers(server: ReplicaServer) -> None:
    code = "(parse()['title'], parse()['agency'], clean().splitlines()[-1], site.name)"
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
