"""Re-crawls: an unchanged page adds no version (hit counters notwithstanding); a changed page adds one."""

from __future__ import annotations

from pathlib import Path

from conftest import Archive, crawl
from replica.corpus import Corpus
from replica.server import ReplicaServer

SEED_SIPING = "http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/201803/t20180320_205386.html"


def test_second_crawl_adds_no_version_and_a_change_adds_one(tmp_path: Path) -> None:
    corpus = Corpus(seed=7, pages=150)
    archive = Archive(tmp_path / "archive")
    with ReplicaServer(corpus) as server:
        crawl(archive.root, server, "siping", "fuxin", "-s", "XXGK_WARC=True")
        first = [p.name for p in archive.store.iter_documents()]
        assert first

        served_first = len(list(server.requests))
        result = crawl(archive.root, server, "siping", "fuxin", "-s", "XXGK_WARC=True")
        second = [p.name for p in archive.store.iter_documents()]
        recrawl = list(server.requests)[served_first:]
        # The re-crawl asked little: lists until nothing was new, a share of the pages held, each
        # conditionally (an unchanged page answered 304 with no body).
        assert len(recrawl) < served_first / 3, (len(recrawl), served_first)
        conditional = [r for r in recrawl if "If-None-Match" in r.headers or "If-Modified-Since" in r.headers]
        assert conditional and all(r.status == 304 for r in conditional)
        # Unchanged content on a re-crawl is a revisit record, not a second copy.
        from warcio.archiveiterator import ArchiveIterator

        kinds: list[str] = []
        for path in sorted((archive.root / "warc").glob("*.warc.gz")):
            with path.open("rb") as handle:
                kinds.extend(record.rec_type for record in ArchiveIterator(handle))
        assert kinds.count("revisit") >= len(conditional)
        assert second == first, "an unchanged re-crawl must not add versions"
        assert "unchanged" in result.stdout
        runs = sorted(archive.runs(), key=lambda run: run["run_id"])
        assert sum(run["documents"]["unchanged"] for run in runs[-2:]) > 0
        assert sum(run["documents"]["new"] + run["documents"]["changed"] for run in runs[-2:]) == 0

        fuxin_page = next(
            t.url for t in corpus.documents() if t.site == "fuxin" and t.kind != "attachment" and not t.fault
        )
        server.edit(SEED_SIPING, "补充说明：本报告于2018年3月20日更正。")
        server.edit(fuxin_page, "更正：联系电话已更新。")
        # --full asks for every page held (conditionally): the edited ones answer with new bytes.
        crawl(archive.root, server, "siping", "fuxin", "--full")

    for url, site, added in ((SEED_SIPING, "siping", "补充说明"), (fuxin_page, "fuxin", "更正")):
        versions = archive.versions(url, site)
        assert [v["version"] for v in versions] == [1, 2]
        assert versions[1]["previous_version"] == 1
        assert added in versions[1]["text"] and added not in versions[0]["text"]
    third = [p.name for p in archive.store.iter_documents()]
    assert len(third) == len(first) + 2


def test_a_page_gone_is_marked_withdrawn_never_deleted(tmp_path: Path) -> None:
    corpus = Corpus(seed=7, pages=150)
    archive = Archive(tmp_path / "archive")
    with ReplicaServer(corpus) as server:
        crawl(archive.root, server, "siping")
        gone = next(
            t.url for t in corpus.documents() if t.site == "siping" and t.kind == "report" and not t.fault
        )
        before = archive.versions(gone, "siping")
        server.remove(gone)
        result = crawl(archive.root, server, "siping", "--full")
    versions = archive.versions(gone, "siping")
    assert len(versions) == len(before) + 1
    latest = versions[-1]
    assert latest["withdrawn"]["status"] == 404 and latest["withdrawn"]["seen_at"]
    assert latest["text"] == before[-1]["text"]  # what the page said is kept
    assert latest["previous_version"] == before[-1]["version"]
    run = max(archive.runs(), key=lambda r: r["run_id"])
    assert run["documents"]["withdrawn"] == 1
    assert "crawl summary" in result.stdout


def test_a_moved_page_keeps_its_history(tmp_path: Path) -> None:
    corpus = Corpus(seed=7, pages=150)
    archive = Archive(tmp_path / "archive")
    with ReplicaServer(corpus) as server:
        crawl(archive.root, server, "siping")
        old = next(t for t in corpus.documents() if t.site == "siping" and t.kind == "report" and not t.fault)
        new_url = old.url.replace(".html", "_1.html")
        server.move(old.url, new_url)
        crawl(archive.root, server, "siping", "--full")
    moved = archive.latest(new_url, "siping")
    assert moved is not None, "the page at its new address was not archived"
    assert moved["redirected_from"] == [old.url]
    history = archive.versions(old.url, "siping")
    assert len(history) == 2 and history[-1]["moved_to"]["url"] == new_url
    assert history[-1]["text"] == history[0]["text"] == moved["text"]
