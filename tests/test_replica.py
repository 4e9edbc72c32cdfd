"""The replica portal: seeds served verbatim, lists, truth, encodings, HTTP caching, faults, scale."""

from __future__ import annotations

import email.utils
import hashlib
import html
import http.client
import random
import re
import signal
import subprocess
import sys
import tracemalloc
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import html as lxml_html

from replica.content import needs_gb18030
from replica.content.variants import FEATURES
from replica.corpus import Corpus, DocTruth
from replica.pages import Responder
from replica.server import ReplicaServer

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "replica" / "seeds"
SEED_000 = "http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/201803/t20180320_205386.html"
SEED_004 = "https://www.fxxh.gov.cn/content/2018/664187.html"
HOSTS = ("txqxxgk.siping.gov.cn", "www.fxxh.gov.cn", "tdqxxgk.siping.gov.cn")


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes

    def text(self, encoding: str = "utf-8") -> str:
        return self.body.decode(encoding)


def fetch(server: ReplicaServer, url: str, headers: dict[str, str] | None = None) -> Fetched:
    """GET a real URL from the replica: the replica's address, the real host in the Host header."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = urllib.request.Request(server.url + target, headers={"Host": parts.netloc, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Fetched(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Fetched(error.code, dict(error.headers), error.read())


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    # Not the session corpus of conftest: these tests edit pages and request disallowed paths.
    return Corpus(seed=1, pages=300)


@pytest.fixture(scope="module")
def server(corpus: Corpus) -> Iterator[ReplicaServer]:
    with ReplicaServer(corpus) as srv:
        yield srv


@pytest.fixture(scope="module")
def truths(corpus: Corpus) -> list[DocTruth]:
    return list(corpus.documents())


def strings(doc: lxml_html.HtmlElement, xpath: str) -> list[str]:
    """An XPath result of attribute values or text, as strings."""
    result = doc.xpath(xpath)
    assert isinstance(result, list)
    return [str(value) for value in result]


def group(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match is not None, pattern
    return match[1]


def pages_of(truths: list[DocTruth]) -> list[DocTruth]:
    return [t for t in truths if t.kind != "attachment"]


# --- a clean-text reader per docs/design.md, to compare served bodies with the truth -------------

_BLOCKS = {"p", "div", "br", "li", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section"}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def clean_text(element: lxml_html.HtmlElement) -> str:
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = _squash("".join(current))
        if line:
            lines.append(line)
        current.clear()

    def walk(node: lxml_html.HtmlElement) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag == "tr":
            flush()
            cells = [_squash(c.text_content()) for c in node if c.tag in ("td", "th")]
            lines.append(_squash(" | ".join(cells)))
        elif tag not in ("script", "style") and tag:
            block = tag in _BLOCKS
            if block:
                flush()
            current.append(node.text or "")
            for child in node:
                walk(child)
            if block:
                flush()
        if node.tail:
            current.append(node.tail)

    current.append(element.text or "")
    for child in element:
        walk(child)
    flush()
    return "\n".join(line for line in lines if line)


def body_element(doc: lxml_html.HtmlElement, site: str) -> lxml_html.HtmlElement:
    css = "div.Detailcontent_inner" if site == "fuxin" else "div.TRS_Editor"
    found = doc.cssselect(css)
    assert len(found) == 1, css
    return found[0]


# --- seeds -----------------------------------------------------------------------------------


def seed_body_lines(name: str, after: str | None = None) -> list[str]:
    lines = (SEEDS / name).read_text("utf-8").split("\n")
    if after:
        lines = lines[next(i for i, line in enumerate(lines) if line.startswith(after)) + 1 :]
    return [line for line in lines if line]


def assert_in_order(page: str, lines: list[str]) -> None:
    at = 0
    for line in lines:
        found = page.find(line, at)
        assert found >= 0, f"line not served verbatim (in order): {line[:40]!r}"
        at = found + len(line)


def test_seed_000_served_verbatim(server: ReplicaServer, corpus: Corpus) -> None:
    got = fetch(server, SEED_000)
    assert got.status == 200
    assert got.headers["Content-Type"] == "text/html; charset=utf-8"
    page = html.unescape(got.text())
    lines = seed_body_lines("000_86e897f74c26ea25.txt", after="发布日期")
    assert lines[0] == "四平市铁西区站前街2017年政府信息公开工作年度报告"
    assert_in_order(page, lines)
    doc = lxml_html.fromstring(got.body)
    assert doc.findtext(".//h1") == "铁西区站前街2017年政府信息公开工作年度报告"
    assert "发布日期:2018-03-19\xa0\xa0\xa0\xa0点击数:" in "".join(strings(doc, "//text()"))
    assert [a.text for a in doc.cssselect("div.top a")] == ["登录", "注册"]
    assert [a.text for a in doc.cssselect("div.position a.CurrChnlCls")] == [
        "首页",
        "街道办事处",
        "站前街道",
        "年度报告",
    ]
    signature = [p for p in body_element(doc, "siping") if "站前街道办事处" in (p.text or "")]
    assert signature and signature[0].get("style") == "text-align: right;"
    truth = corpus.truth(SEED_000)
    assert truth is not None and truth.seed == "000_86e897f74c26ea25"
    assert truth.text == "\n".join(c for c in (_squash(x) for x in lines) if c)
    assert truth.text == clean_text(body_element(doc, "siping"))
    assert (truth.publish_date, truth.url_date, truth.agency) == (
        "2018-03-19",
        "2018-03-20",
        "四平市铁西区站前街道办事处",
    )
    assert (truth.signed_date, truth.report_year, truth.report_format) == ("2017-03-18", 2017, "free-form")
    assert truth.region == {
        "province": "吉林省",
        "city": "四平市",
        "district": "铁西区",
        "street": "站前街道",
    }


def test_seed_004_served_verbatim(server: ReplicaServer, corpus: Corpus) -> None:
    assert corpus.seed_urls()["004_06686d2d0afa0829"] == SEED_004
    got = fetch(server, SEED_004)
    assert got.status == 200
    lines = seed_body_lines("004_06686d2d0afa0829.txt")
    assert_in_order(html.unescape(got.text()), lines)
    doc = lxml_html.fromstring(got.body)
    meta = {m.get("name"): m.get("content") for m in doc.iter("meta") if m.get("name")}
    assert meta["ArticleTitle"] == "细河区学苑街道2017年政府信息公开年度报告"
    assert meta["ContentSource"] == "细河区学苑街道"
    info = _squash("".join(strings(doc, '//div[@class="Detailcontent_info"]//text()')))
    assert re.fullmatch(r"日期: 2018-03-28 浏览量:\d+ 来源:细河区学苑街道 责任编辑:\S+ 文字大小:大中小", info)
    truth = corpus.truth(SEED_004)
    assert truth is not None
    assert truth.text == clean_text(body_element(doc, "fuxin"))
    assert truth.text.split("\n") == [_squash(x) for x in lines if _squash(x)]
    assert (truth.agency, truth.signed_by, truth.url_date) == ("细河区学苑街道", None, "2018")
    assert truth.region["street"] == "学苑街道"


def test_seeds_in_their_units_report_lists(server: ReplicaServer) -> None:
    siping = fetch(server, "http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/").text()
    assert (
        'href="./201803/t20180320_205386.html" title="铁西区站前街2017年政府信息公开工作年度报告"' in siping
    )
    assert '<span class="date">2018-03-19</span>' in siping
    fuxin = fetch(server, "https://www.fxxh.gov.cn/").text()
    first = re.search(r'<h3>学苑街道</h3><ul><li><a href="(/channel/list/\d+\.html)">年度报告', fuxin)
    assert first is not None
    listing = fetch(server, "https://www.fxxh.gov.cn" + first[1]).text()
    assert '<a href="/content/2018/664187.html" title="细河区学苑街道2017年政府信息公开年度报告"' in listing


# --- lists -------------------------------------------------------------------------------------


def test_lists_paginate_consistently_and_reach_every_document_once(
    server: ReplicaServer, corpus: Corpus, truths: list[DocTruth]
) -> None:
    seen: Counter[str] = Counter()
    paged = {"trs": 0, "jtopcms": 0}
    for site in corpus.sites:
        for url in corpus.list_pages(site):
            got = fetch(server, url)
            assert got.status == 200, url
            page = got.text()
            doc = lxml_html.fromstring(got.body)
            if site == "fuxin":
                links = strings(doc, '//*[@class="xxgk_rul xxgk_rul_auto"]//li//a/@href')
                total = int(
                    group(r"共 (\d+) 页", " ".join(strings(doc, '//div[@class="page-inner"]//text()')))
                )
                number = int(group(r"pageNo=(\d+)", url)) if "pageNo" in url else 1
                assert len(links) <= 15 and (number == total or len(links) == 15)
                following = strings(doc, '//ul[@class="pagination"]/li[last()-1]/a/@href')
                if number < total:
                    assert following == [
                        url.split("?")[0].removeprefix("https://www.fxxh.gov.cn") + f"?pageNo={number + 1}"
                    ]
                    paged["jtopcms"] += 1
                else:
                    assert following == []
            else:
                call = re.findall(r'createPageHTML\((\d+), (\d+), "index", "html"\);', page)
                assert len(call) == 1, url
                total, index = int(call[0][0]), int(call[0][1])
                name = url.rsplit("/", 1)[1]
                assert name == ("" if index == 0 else f"index_{index}.html")
                links = strings(doc, '//ul[@class="list"]/li/a/@href')
                assert len(links) <= 20 and (index == total - 1 or len(links) == 20)
                # The other pages exist only in the script: no static link to them.
                assert not re.search(r'href="index_\d+\.html"', page)
                paged["trs"] += total > 1 and index == 0
            seen.update(urljoin(url, href) for href in links)
    assert paged["trs"] > 0 and paged["jtopcms"] > 0, "the default corpus must have paged lists"
    assert max(seen.values()) == 1, [u for u, n in seen.items() if n > 1][:5]
    assert set(seen) == {t.url for t in pages_of(truths)}
    assert server.errors == []


def test_trs_column_directory_serves_its_index(server: ReplicaServer) -> None:
    directory = fetch(server, "http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/")
    index = fetch(server, "http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/index.html")
    assert directory.status == index.status == 200 and directory.body == index.body
    home = fetch(server, "http://txqxxgk.siping.gov.cn/").text()
    assert 'href="./zsts/"' in home and 'href="./zcbm/"' in home
    category = fetch(server, "http://txqxxgk.siping.gov.cn/zsts/").text()
    assert '<a href="./fgw_12305/" title="站前街道">站前街道</a>' in category
    unit = fetch(server, "http://txqxxgk.siping.gov.cn/zsts/fgw_12305/").text()
    assert '<a href="./ndbg/" title="年度报告">年度报告</a>' in unit


# --- truth against the served pages ----------------------------------------------------------


def test_truth_agrees_with_served_pages(server: ReplicaServer, truths: list[DocTruth]) -> None:
    checked = Counter[str]()
    for truth in pages_of(truths):
        if truth.fault in ("404", "500", "empty", "not_html"):
            continue
        got = fetch(server, truth.url)
        assert got.status == 200, truth.url
        assert truth.encoding is not None
        text = got.body.decode(truth.encoding, errors="replace")
        doc = lxml_html.fromstring(text)
        assert clean_text(body_element(doc, truth.site)) == truth.text, truth.url
        if truth.title is not None:
            assert _squash(doc.findtext(".//h1") or "") == truth.title
            assert strings(doc, '//meta[@name="ArticleTitle"]/@content') == [truth.title]
        shown = "".join(strings(doc, "//text()"))
        assert (
            f"发布日期:{truth.publish_date}" if truth.site != "fuxin" else f"日期: {truth.publish_date}"
        ) in shown
        assert truth.agency and truth.agency in shown
        hrefs = {urljoin(truth.url, h) for h in strings(doc, "//a/@href")}
        assert set(truth.attachments) <= hrefs
        assert set(truth.images) <= {urljoin(truth.url, s) for s in strings(doc, "//img/@src")}
        checked[truth.site] += 1
    assert min(checked.values()) > 10 and set(checked) == {"siping", "fuxin", "tiedong"}
    assert server.errors == []


def test_attachments_served_with_their_hashes(server: ReplicaServer, truths: list[DocTruth]) -> None:
    attachments = [t for t in truths if t.kind == "attachment"]
    assert {t.url.rsplit(".", 1)[1] for t in attachments} >= {"pdf", "doc", "docx", "xls", "xlsx", "png"}
    for truth in attachments:
        got = fetch(server, truth.url)
        assert got.status == 200
        assert got.headers["Content-Type"] == truth.content_type
        assert hashlib.sha256(got.body).hexdigest() == truth.sha256
        assert truth.parent is not None
    assert any(fetch(server, t.url).body[:4] == b"%PDF" for t in attachments if t.url.endswith(".pdf"))
    assert any(re.search(r"/P0\d{20}\.pdf$", t.url) for t in attachments)
    assert any(
        re.fullmatch(r"https://www\.fxxh\.gov\.cn/xhq/file/\d{4}-\d\d-\d\d/[0-9a-f]{32}\.\w+", t.url)
        for t in attachments
    )


def test_pdf_only_reports_point_to_the_report(truths: list[DocTruth]) -> None:
    only = [
        t
        for t in truths
        if t.doc_type == "annual_report" and t.kind == "report" and t.text and t.text.startswith("详见附件")
    ]
    assert only, "some reports are published only as an attached PDF"
    by_url = {t.url: t for t in truths}
    for page in only:
        pdf = by_url[page.attachments[0]]
        assert pdf.doc_type == "annual_report" and pdf.report_year == page.report_year
        assert pdf.text and len(pdf.text) > 200


def test_report_formats_follow_the_year(truths: list[DocTruth]) -> None:
    formats = {(t.report_year, t.report_format) for t in truths if t.kind == "report" and t.report_format}
    assert {f for _, f in formats} == {"free-form", "standard-2019", "standard-2021"}
    assert all((y <= 2018) == (f == "free-form") for y, f in formats if y is not None)


def test_docids_grow_with_creation_day(truths: list[DocTruth]) -> None:
    for sites in (("siping", "tiedong"), ("fuxin",)):
        pages = [t for t in pages_of(truths) if t.site in sites]
        assert len({t.docid for t in pages}) == len(pages)
        by_id = sorted(pages, key=lambda t: t.docid or 0)
        if sites[0] == "siping":
            dates = [t.url_date or "" for t in by_id]
            assert dates == sorted(dates)
            assert any(t.publish_date != t.url_date for t in pages), (
                "发布日期 differs from the URL date on some pages"
            )


# --- encodings -------------------------------------------------------------------------------


def test_gb18030_pages_declared_gb2312(server: ReplicaServer, truths: list[DocTruth]) -> None:
    gb = [t for t in pages_of(truths) if t.encoding == "gb18030"]
    assert gb and all(t.site in ("siping", "tiedong") for t in gb)
    outside = 0
    for truth in gb:
        got = fetch(server, truth.url)
        assert got.headers["Content-Type"] == "text/html; charset=gb2312"
        assert b'content="text/html; charset=gb2312"' in got.body
        text = got.body.decode("gb18030")  # strict
        assert truth.title is None or truth.title in text
        if truth.text and needs_gb18030(truth.text):
            outside += 1
            with pytest.raises(UnicodeDecodeError):
                got.body.decode("gb2312")
    assert outside >= 1, "a GB18030 page must carry characters outside GB2312"


# --- HTTP ------------------------------------------------------------------------------------


def test_conditional_requests_answer_304(server: ReplicaServer) -> None:
    first = fetch(server, SEED_000)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert email.utils.parsedate_to_datetime(modified).date().isoformat() == "2018-03-20"
    again = fetch(server, SEED_000, {"If-None-Match": etag})
    assert again.status == 304 and again.body == b"" and again.headers["ETag"] == etag
    assert fetch(server, SEED_000, {"If-Modified-Since": modified}).status == 304
    assert fetch(server, SEED_000, {"If-None-Match": '"other"'}).status == 200
    listing = fetch(server, "http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/index.html")
    assert (
        fetch(
            server,
            "http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/index.html",
            {"If-None-Match": listing.headers["ETag"]},
        ).status
        == 304
    )
    dynamic = fetch(server, SEED_004)
    assert "ETag" not in dynamic.headers and "Last-Modified" in dynamic.headers
    assert fetch(server, SEED_004, {"If-Modified-Since": dynamic.headers["Last-Modified"]}).status == 304
    logged = [r for r in server.requests if r.headers.get("If-None-Match") == etag]
    assert logged and logged[0].status == 304 and logged[0].host == "txqxxgk.siping.gov.cn"


def test_fuxin_view_count_grows_on_every_fetch(server: ReplicaServer) -> None:
    counts = [int(group(r"浏览量:(\d+)", fetch(server, SEED_004).text())) for _ in range(3)]
    assert counts[1] == counts[0] + 1 and counts[2] == counts[1] + 1
    assert fetch(server, SEED_000).body == fetch(server, SEED_000).body


def test_keep_alive_serves_many_requests_on_one_connection(server: ReplicaServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    etag = ""
    for i in range(200):
        # Every tenth request is conditional: a 304 has no body and keeps the connection usable.
        conditional = {"If-None-Match": etag} if etag and i % 10 == 0 else {}
        conn.request("GET", urlsplit(SEED_000).path, headers={"Host": "txqxxgk.siping.gov.cn", **conditional})
        response = conn.getresponse()
        body = response.read()
        assert not response.will_close
        if conditional:
            assert response.status == 304 and body == b""
        else:
            assert response.status == 200 and len(body) == int(response.headers["Content-Length"])
            etag = response.headers["ETag"]
    conn.close()


def test_robots_disallow_a_linked_path(server: ReplicaServer) -> None:
    for host, linked in (
        ("txqxxgk.siping.gov.cn", "/was5/web/search"),
        ("www.fxxh.gov.cn", "/search.thtml"),
        ("tdqxxgk.siping.gov.cn", "/was5/web/search"),
    ):
        scheme = "https" if host == "www.fxxh.gov.cn" else "http"
        robots = fetch(server, f"{scheme}://{host}/robots.txt")
        assert robots.status == 200 and robots.headers["Content-Type"].startswith("text/plain")
        assert robots.text().splitlines()[0] == "User-agent: *"
        assert f"Disallow: {linked}" in robots.text().splitlines()
        home = fetch(server, f"{scheme}://{host}/").text()
        assert f'href="{linked}' in home
        assert fetch(server, f"{scheme}://{host}{linked}").status == 200


def test_unknown_paths_and_hosts(server: ReplicaServer) -> None:
    assert fetch(server, "http://txqxxgk.siping.gov.cn/zsts/fgw_99999/").status == 404
    assert (
        fetch(server, "http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/201803/t20180320_205387.html").status
        == 404
    )
    assert (
        fetch(server, "http://txqxxgk.siping.gov.cn/zcbm/fgw_12305/ndbg/201803/t20180320_205386.html").status
        == 404
    )
    assert fetch(server, "https://www.fxxh.gov.cn/content/2017/664187.html").status == 404
    assert fetch(server, "https://www.fxxh.gov.cn/channel/list/2001.html?pageNo=99").status == 404
    assert fetch(server, "http://elsewhere.example/").status == 404
    landing = fetch(server, server.url + "/")
    assert landing.status == 200 and all(host in landing.text() for host in HOSTS)


# --- faults ----------------------------------------------------------------------------------


def test_faults_answer_as_declared(server: ReplicaServer, truths: list[DocTruth]) -> None:
    faults = [t for t in truths if t.fault]
    assert Counter(t.fault for t in faults).keys() == {
        "404",
        "500",
        "empty",
        "no_title",
        "undecodable",
        "not_html",
    }
    for truth in faults:
        got = fetch(server, truth.url)
        if truth.fault in ("404", "500"):
            assert got.status == int(truth.fault)
            assert fetch(server, truth.url).status == int(truth.fault)  # always, not by chance
            continue
        assert got.status == 200
        if truth.fault == "empty":
            assert got.body == b"" and got.headers["Content-Length"] == "0"
        elif truth.fault == "not_html":
            assert got.headers["Content-Type"] == "application/octet-stream"
            assert b"<html" not in got.body.lower() and len(got.body) > 100
        elif truth.fault == "no_title":
            page = got.body.decode(truth.encoding or "utf-8")
            assert "<h1" not in page and "<title></title>" in page and "ArticleTitle" not in page
            assert truth.title is None and truth.text
        else:
            declared = group(r"charset=([\w-]+)", got.headers["Content-Type"])
            with pytest.raises(UnicodeDecodeError):
                got.body.decode(declared)
            assert truth.text == clean_text(
                body_element(lxml_html.fromstring(got.body.decode(declared, "replace")), truth.site)
            )


# --- changes for re-crawls -------------------------------------------------------------------


def test_edit_and_remove_change_what_is_served() -> None:
    corpus = Corpus(seed=5, pages=120)
    fuxin_page = next(
        t.url for t in corpus.documents() if t.site == "fuxin" and t.kind != "attachment" and not t.fault
    )
    with ReplicaServer(corpus) as server:
        before = fetch(server, SEED_000)
        server.edit(SEED_000, "补充说明：本报告于2018年3月20日更正。")
        after = fetch(server, SEED_000)
        assert after.body != before.body and "补充说明：本报告于2018年3月20日更正。" in after.text()
        assert after.headers["ETag"] != before.headers["ETag"]
        assert email.utils.parsedate_to_datetime(
            after.headers["Last-Modified"]
        ) > email.utils.parsedate_to_datetime(before.headers["Last-Modified"])
        assert fetch(server, SEED_000, {"If-None-Match": before.headers["ETag"]}).status == 200
        truth = corpus.truth(SEED_000)
        assert truth is not None and truth.edited and truth.text
        assert truth.text.endswith("\n补充说明：本报告于2018年3月20日更正。")

        server.edit(fuxin_page, ["更正：联系电话已更新。", "特此说明。"])
        page = fetch(server, fuxin_page).text()
        assert page.index("更正：联系电话已更新。") < page.index("特此说明。")

        server.remove(fuxin_page)
        assert fetch(server, fuxin_page).status == 404
        removed = corpus.truth(fuxin_page)
        assert removed is not None and removed.removed


# --- scale and determinism -------------------------------------------------------------------


def test_100k_corpus_builds_lazily_and_resolves_random_urls() -> None:
    # Lazily: building holds the plan, not the pages (a size, not a time: tests assert no clock;
    # the build time is in docs/benchmarks.md, "The replica at 100,000 pages").
    tracemalloc.start()
    corpus = Corpus(seed=3, pages=100_000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 20 << 20
    assert len(corpus.units("siping")) > 1000 and len(corpus.units("fuxin")) > 1000
    responder = Responder(corpus)
    rng = random.Random(0)
    for site in ("siping", "fuxin", "tiedong"):
        for _ in range(5):
            spec = rng.choice(list(corpus.units(site)))
            plan = corpus.plan(site, spec.index)
            doc = rng.choice(plan.docs)
            url = corpus.doc_url(doc)
            assert corpus.find_url(url) == doc
            parts = urlsplit(url)
            page = responder.respond(parts.netloc, parts.path)
            assert page.status == {"404": 404, "500": 500}.get(doc.fault or "", 200), url
            listing = responder.respond(parts.netloc, corpus.list_page_path(spec, doc.column, 0))
            assert listing.status == 200


def test_same_seed_same_bytes() -> None:
    urls = ["http://txqxxgk.siping.gov.cn/", "http://txqxxgk.siping.gov.cn/zcbm/", "https://www.fxxh.gov.cn/"]
    bodies = []
    for seed in (3, 3, 4):
        corpus = Corpus(seed=seed, pages=150)
        picked = [corpus.doc_url(d) for plan in corpus.plans("siping") for d in plan.docs][::5]
        picked += [corpus.doc_url(d) for plan in corpus.plans("fuxin") for d in plan.docs][::5]
        with ReplicaServer(corpus) as server:
            fetched = {u: fetch(server, u) for u in urls + picked + corpus.list_pages("fuxin")[:3]}
        bodies.append(
            {u: re.sub(rb"\xe6\xb5\x8f\xe8\xa7\x88\xe9\x87\x8f:\d+", b"", f.body) for u, f in fetched.items()}
        )
    assert bodies[0] == bodies[1]
    assert bodies[0] != bodies[2]


# --- command line ----------------------------------------------------------------------------


def test_cli_prints_one_line_and_stops_on_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "replica", "--port", "0", "--pages", "120", "--seed", "2"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.fullmatch(
            r"replica serving (http://127\.0\.0\.1:(\d+)) \(sites: txqxxgk\.siping\.gov\.cn, "
            r"www\.fxxh\.gov\.cn, tdqxxgk\.siping\.gov\.cn; pages≈120; seed=2\)\n",
            line,
        )
        assert match, line
        request = urllib.request.Request(match[1] + "/robots.txt", headers={"Host": "www.fxxh.gov.cn"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert b"Disallow: /search.thtml" in response.read()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --- report variants and anomalies (issue 3) ------------------------------------------------------


def _realised(truth: DocTruth) -> set[str]:
    """The forceable features a report truth shows: its variant features and its anomaly codes."""
    return set(truth.features) | {f"anomaly:{code}" for code in truth.anomalies}


@pytest.mark.parametrize("site", ["siping", "fuxin"])
def test_every_variant_and_anomaly_on_each_target_site(truths: list[DocTruth], site: str) -> None:
    pages = [t for t in truths if t.site == site and t.kind == "report"]
    shown: set[str] = set()
    for truth in pages:
        shown |= _realised(truth)
    assert set(FEATURES) <= shown, sorted(set(FEATURES) - shown)
    codes = {code for t in pages for code in t.anomalies}
    assert {"table_missing", "published_after_deadline"} <= codes
    # most reports are still clean
    clean = [t for t in pages if not t.anomalies]
    assert len(clean) > len(pages) / 3


def test_variant_truth_matches_the_served_text(server: ReplicaServer, truths: list[DocTruth]) -> None:
    reports = [t for t in truths if t.kind == "report" and t.features and not t.fault and t.seed is None]
    checked = 0
    for truth in reports:
        if truth.script == "traditional":
            assert truth.text and truth.title and "公開" in truth.text
            assert all(k.isascii() or "公开" not in k for k in truth.tables)
            checked += 1
        if "truncated_text" in truth.anomalies:
            assert truth.signed_by is None and truth.text and not truth.text.endswith("。")
            checked += 1
        if "published_after_deadline" in truth.anomalies:
            assert truth.report_year is not None and truth.publish_date is not None
            assert truth.publish_date > f"{truth.report_year + 1}-03-31"
            page = fetch(server, truth.url)
            assert page.status == 200 and truth.publish_date.encode() in page.body
            checked += 1
        if truth.table_style == "vertical":
            assert truth.text and "勾" in truth.text.split("\n") and truth.tables
            checked += 1
        if truth.table_style in ("prose", None):
            assert not any(k.startswith("三/") for k in truth.tables) or truth.table_style is None
    assert checked >= 6


def test_doc_types_are_the_finer_types(truths: list[DocTruth]) -> None:
    pages = [t for t in truths if t.kind not in ("attachment", "image")]
    assert {t.doc_type for t in pages} == {"annual_report", "notice", "functions", "guide", "policy"}
    assert all(t.doc_type == ("annual_report" if t.kind == "report" else t.kind) for t in pages)
    about_reports = [t for t in pages if t.kind == "notice" and t.title and "年度报告" in t.title]
    assert about_reports and all(t.doc_type == "notice" and t.report_year is None for t in about_reports)
    unusual = [
        t
        for t in pages
        if t.kind == "report" and t.title and t.title.endswith(("年度工作报告", "工作情况报告"))
    ]
    assert unusual and all(t.doc_type == "annual_report" for t in unusual)


def test_seed_anomalies_are_the_known_flaws(corpus: Corpus) -> None:
    urls = corpus.seed_urls()
    t000 = corpus.truth(urls["000_86e897f74c26ea25"])
    t004 = corpus.truth(urls["004_06686d2d0afa0829"])
    assert t000 is not None and t004 is not None
    assert t000.anomalies == ("contradictory_figures", "signed_before_period_end")
    assert t004.anomalies == ("contradictory_figures", "repeated_paragraph")


def test_forced_variants_do_not_depend_on_the_order_of_requests() -> None:
    first, second = Corpus(seed=1, pages=300), Corpus(seed=1, pages=300)
    # the second corpus is first asked about its last unit's newest page, the first one in order
    last = list(second.plans("fuxin"))[-1].docs[-1]
    asked = second.truth(second.doc_url(last))
    early = {t.url: t for t in first.documents("fuxin")}
    assert asked is not None and early[asked.url] == asked
    assert all(early[t.url] == t for t in second.documents("fuxin"))
    assert first.forced_features("siping") == second.forced_features("siping")
