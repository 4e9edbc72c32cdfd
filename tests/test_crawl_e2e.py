"""End to end: crawl the replica of every portal and check the archive against the replica's truth."""

from __future__ import annotations

import re
from typing import Any

from conftest import SEEDS, Crawled
from pipelines.archive.record import schema_errors

SEED_SIPING = "http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/201803/t20180320_205386.html"
CHROME_LINES = re.compile(
    r"^(登录\s*注册|发布日期|点击数|日期[:：]|浏览量|责任编辑|文字大小|打印|关闭|当前位置|主办|网站标识码)"
)


# What the archive must say for each fault the replica injects.
FAULT_REASONS = {
    "404": "http_404",
    "500": "http_500",
    "empty": "empty_body",
    "no_title": "no_title",
    "undecodable": "decode_replacements",
    "not_html": "not_html",
}


def seed_lines(name: str, after: str | None = None) -> list[str]:
    lines = [" ".join(line.split()) for line in (SEEDS / name).read_text("utf-8").splitlines()]
    if after is not None:
        lines = lines[next(i for i, line in enumerate(lines) if line.startswith(after)) + 1 :]
    return [line for line in lines if line]


def truth_by_url(crawled: Crawled) -> dict[str, Any]:
    return {truth.url: truth for truth in crawled.corpus.documents()}


def test_crawl_prints_summary_and_finishes(crawled: Crawled) -> None:
    out = crawled.result.stdout
    assert "crawl summary" in out
    for site in ("siping", "fuxin", "tiedong"):
        assert re.search(rf"^{site}\s+\d+", out, re.MULTILINE), out
    assert "finished" in out
    assert re.search(r"^attachments read after the crawl \(PDF, Word, Excel\): [1-9]\d* in ", out, re.M), out
    runs = crawled.archive.runs()
    assert {run["site"] for run in runs} == {"siping", "fuxin", "tiedong"}
    assert all(run["finish_reason"] == "finished" and run["pages_fetched"] > 0 for run in runs)


def test_siping_seed_archived_verbatim(crawled: Crawled) -> None:
    doc = crawled.archive.latest(SEED_SIPING, "siping")
    assert doc is not None, "seed 000 was not archived"
    expected = seed_lines("000_86e897f74c26ea25.txt", after="发布日期")
    assert doc["text"].split("\n") == expected
    assert not any(CHROME_LINES.match(line) for line in doc["text"].split("\n"))
    assert doc["title"] == "铁西区站前街2017年政府信息公开工作年度报告"
    assert doc["publish_date"] == "2018-03-19"
    assert doc["agency"] == "四平市铁西区站前街道办事处"
    assert doc["report_year"] == 2017
    assert doc["doc_type"] == "annual_report"
    assert doc["signed_by"] == "四平市铁西区站前街道办事处"
    assert doc["signed_date"] == "2017-03-18"
    assert doc["region"]["street"] == "站前街道"
    assert doc["region"]["district"] == "铁西区"
    # What the chrome said is kept as fields: the click count is script-filled, so there is none.
    assert doc["chrome"]["breadcrumb"] == ["首页", "街道办事处", "站前街道", "年度报告"]
    assert doc["chrome"]["publish_date"].startswith("2018-03-19")
    assert doc["chrome"]["views"] is None
    assert [s["number"] for s in doc["sections"]][:7] == ["一", "二", "三", "四", "五", "六", "七"]


def test_fuxin_seed_archived_verbatim(crawled: Crawled) -> None:
    seeds = [t for t in crawled.corpus.documents() if t.site == "fuxin" and "学苑街道2017" in (t.title or "")]
    assert len(seeds) == 1
    doc = crawled.archive.latest(seeds[0].url, "fuxin")
    assert doc is not None
    assert doc["url"].startswith("https://www.fxxh.gov.cn/content/2018/")
    assert doc["text"].split("\n") == seed_lines("004_06686d2d0afa0829.txt")
    assert doc["title"] == "细河区学苑街道2017年政府信息公开年度报告"
    assert doc["agency"] == "细河区学苑街道"
    assert doc["report_year"] == 2017
    assert doc["signed_by"] is None
    assert doc["chrome"]["source"] == "细河区学苑街道"
    assert isinstance(doc["chrome"]["views"], int)
    assert isinstance(doc["chrome"]["editor"], str) and doc["chrome"]["editor"]
    assert not any(CHROME_LINES.match(line) for line in doc["text"].split("\n"))
    assert doc["publish_date"] == seeds[0].publish_date


def test_every_generated_page_archived_with_true_fields(crawled: Crawled) -> None:
    mismatches: list[str] = []
    checked = 0
    for truth in crawled.corpus.documents():
        if truth.fault or truth.kind == "attachment":
            continue
        doc = crawled.archive.latest(truth.url, truth.site)
        if doc is None:
            mismatches.append(f"missing {truth.url}")
            continue
        checked += 1
        for field in (
            "title",
            "publish_date",
            "agency",
            "doc_type",
            "report_year",
            "signed_by",
            "signed_date",
            "text",
        ):
            if doc[field] != getattr(truth, field):
                mismatches.append(f"{truth.url} {field}: {doc[field]!r} != {getattr(truth, field)!r}")
        for key, value in truth.region.items():
            if doc["region"].get(key) != value:
                mismatches.append(f"{truth.url} region.{key}: {doc['region'].get(key)!r} != {value!r}")
    assert checked > 100
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches[:40])


def test_every_list_page_followed(crawled: Crawled) -> None:
    captured = {c["url"] for c in crawled.archive.captures() if c["kind"] == "list"}
    for site in ("siping", "fuxin", "tiedong"):
        expected = set(crawled.corpus.list_pages(site))
        assert expected, site
        assert expected <= captured, sorted(expected - captured)[:10]
    assert any("index_1.html" in url for url in captured)
    assert any("pageNo=2" in url for url in captured)


def test_gb18030_pages_decoded(crawled: Crawled) -> None:
    gb_pages = [t for t in crawled.corpus.documents() if t.encoding == "gb18030" and not t.fault]
    assert gb_pages, "the corpus should serve GB18030 pages declared gb2312"
    for truth in gb_pages:
        doc = crawled.archive.latest(truth.url, truth.site)
        assert doc is not None
        assert doc["encoding"]["declared"] in ("gb2312", "gbk", "gb18030")
        assert doc["encoding"]["used"] == "gb18030"
        assert doc["encoding"]["replacements"] == 0
        assert doc["text"] == truth.text


def test_faults_recorded_not_archived(crawled: Crawled) -> None:
    faults = [t for t in crawled.corpus.documents() if t.fault]
    assert {t.fault for t in faults} >= {
        "404",
        "500",
        "empty",
        "no_title",
        "undecodable",
        "not_html",
    }
    failures = {f["url"]: f for f in crawled.archive.failures()}
    for truth in faults:
        assert truth.url in failures, f"no failure record for {truth.fault} {truth.url}"
        assert crawled.archive.latest(truth.url, truth.site) is None, f"partial document for {truth.url}"
        record = failures[truth.url]
        assert record["reason"] == FAULT_REASONS[truth.fault], (truth.url, record)
        if truth.fault in ("404", "500"):
            assert record["status"] == int(truth.fault)
        else:
            # The bytes that could not be made a document are kept: nothing is lost.
            assert record["raw_sha256"]
            crawled.archive.store.read_raw(record["raw_sha256"])
    runs = crawled.archive.runs()
    assert sum(run["failures"] for run in runs) >= len(faults)


def test_attachments_kept(crawled: Crawled) -> None:
    attachments = [t for t in crawled.corpus.documents() if t.kind == "attachment" and not t.fault]
    assert attachments
    exts = set()
    for truth in attachments:
        doc = crawled.archive.latest(truth.url, truth.site)
        assert doc is not None, f"attachment not archived: {truth.url}"
        assert doc["kind"] == "attachment"
        assert doc["raw"]["sha256"] == truth.sha256
        exts.add(truth.url.rsplit(".", 1)[-1].lower())
    assert "pdf" in exts
    pages_with_attachments = [
        t for t in crawled.corpus.documents() if t.attachments and not t.fault and t.kind != "attachment"
    ]
    for truth in pages_with_attachments[:20]:
        doc = crawled.archive.latest(truth.url, truth.site)
        assert doc is not None
        assert set(truth.attachments) <= {a["url"] for a in doc["attachments"]}


def test_archive_records_real_urls_and_matches_schema(crawled: Crawled) -> None:
    documents = crawled.archive.documents()
    assert len(documents) > 100
    for doc in documents:
        assert schema_errors(doc) == [], doc["url"]
        assert "127.0.0.1" not in doc["url"]
        assert doc["url"].startswith(
            (
                "http://txqxxgk.siping.gov.cn/",
                "https://www.fxxh.gov.cn/",
                "http://tdqxxgk.siping.gov.cn/",
            )
        )
        raw = crawled.archive.store.read_raw(doc["raw"]["sha256"])
        assert len(raw) == doc["raw"]["size"]
        if doc["kind"] == "page":
            assert crawled.archive.store.read_text(doc["text_file"]["sha256"]) == doc["text"]
    for path in crawled.archive.root.rglob("*"):
        assert not path.name.endswith(".tmp"), f"temporary file left behind: {path}"


def test_robots_txt_obeyed_and_user_agent_honest(crawled: Crawled) -> None:
    requests = list(crawled.server.requests)
    assert any(r.path == "/robots.txt" for r in requests)
    disallowed = [r for r in requests if r.path.startswith(("/was5/", "/search.thtml"))]
    assert disallowed == [], disallowed[:5]
    agents = {r.headers.get("User-Agent", "") for r in requests if r.path != "/robots.txt"}
    assert all("xxgk-archive" in agent for agent in agents), agents


def _codes(doc: dict[str, Any]) -> list[str]:
    """The kinds of flaw found (a flaw may be found in several rows or columns: one entry each)."""
    return sorted({str(a["code"]) for a in doc["anomalies"]})


def test_reports_archived_as_data(crawled: Crawled) -> None:
    """Issue 3 end to end: every archived report carries its figures (with evidence), its tables and
    its planted flaws, as the replica's truth has them — every flattening style and anomaly included."""
    mismatches: list[str] = []
    styles: set[str] = set()
    codes: set[str] = set()
    for truth in crawled.corpus.documents():
        if truth.fault or truth.kind != "report" or truth.removed or truth.text == "详见附件":
            continue
        doc = crawled.archive.latest(truth.url, truth.site)
        if doc is None or truth.report_format is None:
            continue
        styles.add(str(truth.table_style))
        codes.update(truth.anomalies)
        if doc["format"] != truth.report_format:
            mismatches.append(f"{truth.url} format: {doc['format']!r} != {truth.report_format!r}")
        if doc["stats"] != truth.stats:
            mismatches.append(f"{truth.url} stats: {doc['stats']} != {truth.stats}")
        for key, value in doc["stats"].items():
            if value is not None and not doc["evidence"].get(key):
                mismatches.append(f"{truth.url} stats.{key} has no evidence")
        if doc["tables"] != truth.tables:
            mismatches.append(f"{truth.url} tables differ in {set(doc['tables']) ^ set(truth.tables)}")
        if _codes(doc) != sorted(truth.anomalies):
            mismatches.append(f"{truth.url} anomalies: {_codes(doc)} != {sorted(truth.anomalies)}")
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches[:30])
    # The crawl saw every table rendering and every kind of flaw the replica plants.
    assert {"html", "pipes", "cell-lines", "cell-pipe-lines", "split-cells", "vertical", "missing"} <= styles
    assert {
        "table_identity_broken",
        "table_total_mismatch",
        "prose_table_mismatch",
        "contradictory_figures",
        "repeated_paragraph",
        "malformed_date",
        "missing_section",
        "truncated_text",
    } <= codes


def test_reports_published_as_files_parsed_from_the_file(crawled: Crawled) -> None:
    """A report whose page says only 详见附件 is read from its PDF/DOCX: the file's document says it is
    the report, which file its text came from, and holds the report's figures."""
    checked = 0
    for truth in crawled.corpus.documents():
        if truth.kind != "attachment" or truth.doc_type != "annual_report":
            continue
        doc = crawled.archive.latest(truth.url, truth.site)
        assert doc is not None, f"report file not archived: {truth.url}"
        assert doc["text_source"]["url"] == truth.url
        assert doc["doc_type"] == "annual_report" and doc["report_year"] == truth.report_year
        assert doc["stats"] == truth.stats, truth.url
        assert doc["signed_by"] == truth.signed_by
        assert crawled.archive.store.read_text(doc["text_file"]["sha256"]) == doc["text"]
        checked += 1
    assert checked >= 5


def test_every_exchange_archived_as_warc(tmp_path: Any) -> None:
    """Issue 4: each page's document points at its WARC response record, which holds the real URL, the
    exact status line and the bytes as received; warcio's own check passes; the CDXJ index lists it."""
    import subprocess
    import sys
    from pathlib import Path

    from warcio.archiveiterator import ArchiveIterator

    from conftest import Archive, crawl
    from replica.corpus import Corpus
    from replica.server import ReplicaServer

    archive = Archive(tmp_path / "archive")
    with ReplicaServer(Corpus(seed=1, pages=300)) as server:
        crawl(archive.root, server, "siping", "-s", "XXGK_WARC=True")
    checked = 0
    for doc in archive.documents():
        if doc["kind"] != "page":
            continue
        pointer = doc["warc"]
        with open(archive.root / pointer["path"], "rb") as handle:
            handle.seek(pointer["offset"])
            record = next(iter(ArchiveIterator(handle)))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Target-URI") == doc["url"]
            assert record.http_headers.statusline == "200 OK"
            assert record.content_stream().read() == archive.store.read_raw(doc["raw"]["sha256"])
        checked += 1
    assert checked > 50
    warcs = sorted((archive.root / "warc").glob("*.warc.gz"))
    warcio = Path(sys.executable).parent / "warcio"
    result = subprocess.run([str(warcio), "check", *map(str, warcs)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    index = (archive.root / "warc" / "index.cdxj").read_text("utf-8")
    assert "txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/201803/t20180320_205386.html" in index
