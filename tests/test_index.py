"""The search index (pipelines/index): built by crawls, rebuilt by `xxgk index`, the same either way."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import Archive, crawl, run_xxgk
from pipelines.index import rebuild, search, update
from pipelines.index.build import latest_versions
from pipelines.index.schema import index_path
from replica.corpus import Corpus
from replica.server import ReplicaServer

pytestmark = pytest.mark.crawl

EDIT = "补充说明：本页已由索引更新测试修改。"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Archive, ReplicaServer, Corpus]]:
    """One small crawl of every site; the crawl itself made the index (ArchivePipeline.spider_closed)."""
    corpus = Corpus(seed=3, pages=120)
    root = tmp_path_factory.mktemp("indexed")
    with ReplicaServer(corpus) as server:
        crawl(root, server)
        yield Archive(root), server, corpus


def rows(archive: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Every row of ``docs`` with its FTS texts, keyed by (site, id); rowids left out (they are
    allocation order, not content)."""
    conn = sqlite3.connect(index_path(archive))
    conn.row_factory = sqlite3.Row
    try:
        found = conn.execute(
            "SELECT d.*, f.title AS fts_title, f.body AS fts_body FROM docs d "
            "JOIN docs_fts f ON f.rowid = d.rowid"
        ).fetchall()
        (count,) = conn.execute("SELECT count(*) FROM docs_fts").fetchone()
    finally:
        conn.close()
    assert count == len(found), "every FTS row belongs to a document row"
    return {
        (row["site"], row["id"]): {k: row[k] for k in row.keys() if k != "rowid"}  # noqa: SIM118
        for row in found
    }


def latest_documents(archive: Archive) -> dict[tuple[str, str], dict[str, Any]]:
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for path in archive.store.iter_documents():  # sorted: a later version comes after
        doc = json.loads(path.read_text("utf-8"))
        latest[(doc["site"], doc["id"])] = doc
    return latest


def test_a_crawl_leaves_an_index_of_every_latest_version(site: tuple[Archive, ReplicaServer, Corpus]) -> None:
    archive, _server, _corpus = site
    indexed = rows(archive.root)
    documents = latest_documents(archive)
    assert len(documents) > 50
    assert indexed.keys() == documents.keys()
    for key, doc in documents.items():
        row = indexed[key]
        assert row["url"] == doc["url"]
        assert row["title"] == doc.get("title")
        assert row["agency"] == doc.get("agency")
        assert row["doc_type"] == doc.get("doc_type")
        assert row["report_year"] == doc.get("report_year")
        assert row["format"] == doc.get("format")
        assert row["has_anomaly"] == int(bool(doc.get("anomalies")))
        assert row["publish_date"] == doc.get("publish_date")
        assert row["versions"] == doc["version"]
        assert json.loads((archive.root / row["path"]).read_text("utf-8"))["version"] == doc["version"]
    reports = [r for r in indexed.values() if r["doc_type"] == "annual_report"]
    assert reports and all(r["report_year"] for r in reports)
    assert any(r["has_anomaly"] for r in reports)
    assert {r["site"] for r in indexed.values()} == {"siping", "fuxin", "tiedong"}


def test_incremental_updates_give_the_rows_of_a_rebuild(
    site: tuple[Archive, ReplicaServer, Corpus], tmp_path: Path
) -> None:
    archive, _server, _corpus = site
    files = archive.store.iter_documents()
    copy = tmp_path / "copy"

    def bring(paths: list[Path]) -> list[Path]:
        copied = []
        for path in paths:
            target = copy / path.relative_to(archive.root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            copied.append(target)
        return copied

    # A third first (the first update finds no index and builds one), a third named by path, the
    # rest found by comparing version numbers.
    third = len(files) // 3
    bring(files[:third])
    (copy / "documents").mkdir(parents=True, exist_ok=True)
    first = update(copy)
    assert first.rebuilt and first.added == len(latest_versions(copy))
    named = update(copy, bring(files[third : 2 * third]))
    assert not named.rebuilt and named.indexed > 0
    bring(files[2 * third :])
    found = update(copy)
    assert not found.rebuilt and found.indexed > 0
    assert update(copy).indexed == 0, "an index that is current has nothing to do"
    incremental = rows(copy)

    rebuilt = rebuild(copy)
    assert rebuilt.skipped == 0
    assert rows(copy) == incremental
    # Paths are relative to the archive: the crawl's own index has the same rows too.
    assert rows(archive.root) == incremental


Site = tuple[Archive, ReplicaServer, Corpus]


def test_xxgk_index_rebuilds_from_scratch(site: Site, tmp_path: Path) -> None:
    archive, _server, _corpus = site
    copy = tmp_path / "copy"
    shutil.copytree(archive.root / "documents", copy / "documents")
    result = run_xxgk("index", "--archive", str(copy))
    assert result.returncode == 0, result.stderr
    count = len(latest_versions(copy))
    assert f"indexed {count} documents into {copy / 'index.sqlite'}" in result.stdout
    assert rows(copy) == rows(archive.root)
    # Again over an existing index (and its write-ahead log): the same rows, no stale log replayed.
    hits, _ = search(copy, "信息公开")
    assert hits
    again = run_xxgk("index", "--archive", str(copy))
    assert again.returncode == 0, again.stderr
    assert rows(copy) == rows(archive.root)
    assert not (copy / "index.sqlite.tmp").exists()

    empty = run_xxgk("index", "--archive", str(tmp_path / "nothing"))
    assert empty.returncode == 2 and "holds no documents" in empty.stderr


def test_an_index_that_cannot_be_written_never_fails_the_crawl(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    # A directory where the index file should be: every attempt to open it fails.
    (root / "index.sqlite").mkdir(parents=True)
    with ReplicaServer(Corpus(seed=3, pages=60)) as server:
        result = crawl(root, server, "tiedong")  # asserts exit status 0
    assert "the search index could not be updated" in result.stderr
    assert Archive(root).store.iter_documents(), "the documents were archived all the same"


def test_a_recrawl_updates_the_edited_document(site: tuple[Archive, ReplicaServer, Corpus]) -> None:
    """Last in this module: it edits the shared corpus."""
    archive, server, corpus = site
    edited = next(
        t.url for t in corpus.documents() if t.site == "siping" and t.kind != "attachment" and not t.fault
    )
    everything = rows(archive.root)
    before = {k: v for k, v in everything.items() if v["url"] == edited}
    assert len(before) == 1 and next(iter(before.values()))["versions"] == 1
    assert search(archive.root, "索引更新测试")[1] == 0
    server.edit(edited, EDIT)
    crawl(archive.root, server, "siping", "--full")
    after = rows(archive.root)
    (key,) = before
    assert after[key]["versions"] == 2
    assert after[key]["path"].endswith(".v0002.json")
    assert after[key]["fts_body"] != before[key]["fts_body"]
    hits, total = search(archive.root, "索引更新测试")
    assert total == 1 and hits[0].row["url"] == edited
    assert "«索引更新测试»" in hits[0].marked()
    # The other documents did not change, nor did their rows.
    assert {k: v for k, v in after.items() if k != key} == {k: v for k, v in everything.items() if k != key}
