"""The web interface through Starlette's TestClient on the real app over a real crawl: search, facets,
the document page, the archived-page view, and safety (escaping, hostile references and queries, the
Host header, and an archive left untouched)."""

from __future__ import annotations

import functools
import hashlib
import html
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from conftest import REPO, Archive
from web_support import EDIT, HOSTILE_BODY, HOSTILE_TITLE, WebArchive
from webui.app import create_app
from webui.reader import tables_of

pytestmark = pytest.mark.crawl


@pytest.fixture(scope="module")
def client(web_archive: WebArchive) -> Iterator[TestClient]:
    app = create_app(web_archive.root, allowed_hosts=["testserver"])
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def latest(web_archive: WebArchive) -> dict[str, dict[str, Any]]:
    # The archive is only read by these tests: its JSON is read once, not in every test.
    return _latest(web_archive.root)


@functools.cache
def _latest(root: Path) -> dict[str, dict[str, Any]]:
    return Archive(root).latest_documents()


def hit_ids(page: str) -> list[str]:
    return re.findall(r'<li class="hit" data-id="([0-9a-f]{16})">', page)


def total(page: str) -> int:
    found = re.search(r'<strong id="total">(\d+)</strong>', page)
    assert found, page[:2000]
    return int(found.group(1))


def texts_containing(web_archive: WebArchive, word: str) -> set[str]:
    return {
        doc["id"]
        for doc in latest(web_archive).values()
        if word in (doc.get("title") or "") or word in (doc.get("text") or "")
    }


def test_a_two_character_query_finds_every_document_holding_it(
    client: TestClient, web_archive: WebArchive
) -> None:
    expected = texts_containing(web_archive, "站前")
    assert web_archive.seed_id in expected
    page = client.get("/", params={"q": "站前"}).text
    assert total(page) == len(expected)
    # the best 20, each one a document that holds the word, its hit marked
    assert set(hit_ids(page)) <= expected and len(hit_ids(page)) == min(20, len(expected))
    assert "<mark>站前</mark>" in page


def test_pages_go_through_every_hit_once(client: TestClient, web_archive: WebArchive) -> None:
    expected = texts_containing(web_archive, "复议")
    seen: list[str] = []
    page_no = 1
    while True:
        page = client.get("/", params={"q": "复议", "page": page_no}).text
        seen += hit_ids(page)
        if 'rel="next"' not in page:
            break
        page_no += 1
    assert page_no > 1
    assert len(seen) == len(set(seen)) and set(seen) == expected


def test_facets_count_and_narrow(client: TestClient, web_archive: WebArchive) -> None:
    docs = latest(web_archive).values()
    matching = [d for d in docs if "复议" in (d.get("title") or "") + (d.get("text") or "")]
    page = client.get("/", params={"q": "复议"}).text
    facet = re.search(r'data-facet="site">(.*?)</section>', page, re.S)
    assert facet
    counts = {
        html.unescape(m.group(1)): int(m.group(2))
        for m in re.finditer(r">([^<>]+)</a> <span class=\"count\">(\d+)</span>", facet.group(1))
    }
    sites = {d["site"] for d in matching}
    assert counts == {site: sum(d["site"] == site for d in matching) for site in sites}
    narrowed = client.get("/", params={"q": "复议", "site": "fuxin"}).text
    assert total(narrowed) == counts["fuxin"] < total(page)
    assert all(latest(web_archive)[i]["site"] == "fuxin" for i in hit_ids(narrowed))
    # the active facet shows with a link that removes it (and keeps the query)
    assert re.search(r'class="remove" href="\?q=%E5%A4%8D%E8%AE%AE"', narrowed)
    # year and type facets combine with the site
    year = max(d["report_year"] for d in matching if d["site"] == "fuxin" and d.get("report_year"))
    both = client.get("/", params={"q": "复议", "site": "fuxin", "year": year, "type": "annual_report"}).text
    expected = {
        d["id"]
        for d in matching
        if d["site"] == "fuxin" and d.get("report_year") == year and d.get("doc_type") == "annual_report"
    }
    assert set(hit_ids(both)) == expected and total(both) == len(expected)


def test_the_anomaly_facet_keeps_only_documents_with_anomalies(
    client: TestClient, web_archive: WebArchive
) -> None:
    page = client.get("/", params={"type": "annual_report", "anomalies": "1"}).text
    expected = {d["id"] for d in latest(web_archive).values() if d.get("anomalies")}
    assert total(page) == len(expected) > 0
    assert set(hit_ids(page)) <= expected


def test_browsing_without_a_query_lists_newest_first(client: TestClient, web_archive: WebArchive) -> None:
    page = client.get("/", params={"site": "siping"}).text
    assert total(page) == sum(d["site"] == "siping" for d in latest(web_archive).values())
    dates = re.findall(r"<time>([0-9-]+)</time>", page)
    assert dates == sorted(dates, reverse=True) and len(dates) >= 10


def test_the_document_page_shows_figures_tables_anomalies_and_sections(
    client: TestClient, web_archive: WebArchive
) -> None:
    doc = next(
        d for d in latest(web_archive).values() if d.get("stats") and d.get("anomalies") and d.get("tables")
    )
    page = client.get(f"/doc/{doc['id']}").text
    assert f"<h1>{html.escape(doc['title'], quote=False)}</h1>" in page
    for key, value in doc["stats"].items():
        row = re.search(rf'<tr data-stat="{key}"><th>[^<]*</th><td class="num">([^<]*)</td>', page)
        assert row, key
        assert row.group(1) == ("—" if value is None else str(value))
    assert [html.unescape(c) for c in re.findall(r'<li data-code="([^"]+)">', page)] == [
        a["code"] for a in doc["anomalies"]
    ]
    for anomaly in doc["anomalies"]:
        if anomaly.get("evidence"):
            assert html.escape(anomaly["evidence"], quote=False) in page
    # every table cell is shown in its section's table
    tables = tables_of(doc["tables"])
    sections = re.findall(r'<table class="report-table" data-section="([^"]+)">', page)
    assert sections == [t.section for t in tables]
    cells = sum(1 for t in tables for _, row in t.rows for v in row if v is not None)
    assert cells == len(doc["tables"])
    for section in doc.get("sections") or []:
        if section.get("title"):
            assert html.escape(section["title"], quote=False) in page
    assert f'href="{html.escape(doc["url"])}"' in page  # the original URL
    assert f'<iframe class="capture" sandbox src="/doc/{doc["id"]}/archived?v={doc["version"]}"' in page


def test_versions_and_their_diff(client: TestClient, web_archive: WebArchive) -> None:
    page = client.get(f"/doc/{web_archive.seed_id}").text
    assert re.findall(r'<a href="\?v=(\d+)">', page) == ["1", "2"]
    assert 'name="from"' in page
    diff = client.get(f"/doc/{web_archive.seed_id}", params={"from": 1, "to": 2}).text
    added = re.findall(r'<span class="add">([^<]*)</span>', diff)
    assert any(EDIT in line for line in added)
    old = client.get(f"/doc/{web_archive.seed_id}", params={"v": 1}).text
    assert 'data-version="1"' in old and EDIT not in old
    assert client.get(f"/doc/{web_archive.seed_id}", params={"v": 3}).status_code == 404


def test_the_archived_page_is_served_as_captured_and_sandboxed(
    client: TestClient, web_archive: WebArchive
) -> None:
    doc = latest(web_archive)[web_archive.hostile_id]
    answer = client.get(f"/doc/{doc['id']}/archived")
    assert answer.status_code == 200
    assert hashlib.sha256(answer.content).hexdigest() == doc["raw"]["sha256"]
    policy = answer.headers["content-security-policy"]
    assert policy.startswith("sandbox;") and "allow-scripts" not in policy and "default-src 'none'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    # an attachment is a download, never shown inline
    attachment = next(d for d in latest(web_archive).values() if d["kind"] == "attachment" and d.get("raw"))
    answer = client.get(f"/doc/{attachment['id']}/archived")
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert hashlib.sha256(answer.content).hexdigest() == attachment["raw"]["sha256"]


def test_crawled_markup_is_text_everywhere_it_shows(client: TestClient, web_archive: WebArchive) -> None:
    doc = latest(web_archive)[web_archive.hostile_id]
    assert doc["title"] == HOSTILE_TITLE and HOSTILE_BODY in doc["text"]
    pages = [
        client.get(f"/doc/{doc['id']}").text,
        client.get("/", params={"q": "onerror"}).text,
        client.get("/", params={"q": "xss"}).text,
        client.get("/", params={"q": '"><img src=x onerror=alert(1)>'}).text,
    ]
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page and "<script>document" not in page
        assert "&lt;script&gt;" in page
    assert web_archive.hostile_id in hit_ids(pages[1])


@pytest.mark.parametrize(
    "path",
    [
        "/doc/../../etc/passwd",
        "/doc/..%2F..%2Fetc%2Fpasswd",
        "/doc/%2Fetc%2Fpasswd",
        "/doc/..%5C..%5Cwindows",
        "/doc/0123456789abcdef%00",
        "/doc/" + quote("file:///etc/passwd", safe=""),
        "/doc/" + quote("../documents/siping", safe="") + "/archived",
        "/static/../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
    ],
)
def test_references_cannot_reach_files_outside_the_archive(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code in (400, 404)
    assert "root:" not in answer.text


def test_a_well_formed_id_of_nothing_is_a_404_page(client: TestClient) -> None:
    answer = client.get("/doc/0123456789abcdef")
    assert answer.status_code == 404
    assert "no document 0123456789abcdef" in answer.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": '"'}, "nothing to search for"),
        ({"q": "*"}, "nothing to search for"),
        ({"q": "NEAR("}, None),
        ({"q": "复议 OR"}, None),
        ({"q": "'); DROP TABLE docs; --"}, None),
        ({"q": "复议", "year": "20x0"}, "year must be a number"),
        ({"q": "复议", "since": "yesterday"}, "not a date"),
        ({"q": "复议", "page": "0"}, "page must be a number"),
        ({"q": "复议", "page": "99999"}, "page must be a number"),
    ],
)
def test_bad_queries_are_a_clear_message_not_a_500(
    client: TestClient, params: dict[str, str], message: str | None
) -> None:
    answer = client.get("/", params=params)
    assert answer.status_code in (200, 400)
    if message:
        assert answer.status_code == 400
        assert message in html.unescape(answer.text)
    # whatever reached FTS5 as text: the index is intact
    assert total(client.get("/", params={"q": "复议"}).text) > 0


def test_another_host_name_is_refused(client: TestClient) -> None:
    # DNS rebinding: a page of evil.example that resolves its name to 127.0.0.1 gets nothing.
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400


def test_our_pages_allow_no_script_and_nothing_from_elsewhere(
    client: TestClient, web_archive: WebArchive
) -> None:
    for path in ("/", f"/doc/{web_archive.seed_id}", "/?q=%E5%A4%8D%E8%AE%AE"):
        answer = client.get(path)
        policy = answer.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", _own_markup(answer.text)), path


def _own_markup(page: str) -> str:
    """The page without the links to the original URLs (the one place a remote address belongs)."""
    return re.sub(r'<a class="original" href="[^"]*"', "", page)


def _snapshot(root: Path) -> dict[str, tuple[int, float, str]]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {
        str(p.relative_to(root)): (
            p.stat().st_size,
            p.stat().st_mtime,
            hashlib.sha256(p.read_bytes()).hexdigest(),
        )
        for p in files
    }


def test_the_server_never_writes_to_the_archive(web_archive: WebArchive, tmp_path: Path) -> None:
    """Every kind of page served, through the real command on a real socket, and not one file of
    the archive created, changed or touched (the index included: readers open it read-only)."""
    before = _snapshot(web_archive.root)
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "browse", "--archive", str(web_archive.root), "--port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"read-only at (http://127\.0\.0\.1:\d+/)", line)
        assert found, line + (proc.stderr.read() if proc.stderr else "")
        base = found.group(1)
        import urllib.error
        import urllib.request

        paths = [
            "",
            "?q=%E5%A4%8D%E8%AE%AE&site=siping",
            "?q=%22",
            f"doc/{web_archive.seed_id}?from=1&to=2",
            f"doc/{web_archive.hostile_id}/archived",
            "doc/0123456789abcdef",
            "agencies",
            "compare",
            "static/style.css",
        ]
        statuses = []
        for path in paths:
            try:
                with urllib.request.urlopen(base + path, timeout=30) as answer:
                    statuses.append(answer.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
        assert statuses[:5] == [200, 200, 400, 200, 200] and statuses[5] == 404
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    time.sleep(0.1)
    assert _snapshot(web_archive.root) == before


def test_browse_refuses_a_directory_that_is_no_archive(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "browse", "--archive", str(tmp_path), "--port", "0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "holds no archive" in result.stderr


def test_search_results_carry_what_the_json_says(client: TestClient, web_archive: WebArchive) -> None:
    page = client.get("/", params={"q": "站前街道", "type": "annual_report"}).text
    docs = latest(web_archive)
    for ident in hit_ids(page):
        item = re.search(rf'data-id="{ident}">\s*<a class="title" href="/doc/{ident}">([^<]*)</a>', page)
        assert item and html.unescape(item.group(1)) == docs[ident]["title"]
    assert json.dumps(sorted(hit_ids(page))) != "[]"


def test_export_downloads_the_filtered_documents(client: TestClient, web_archive: WebArchive) -> None:
    import csv
    import io

    answer = client.get("/export", params={"site": "fuxin", "type": "annual_report", "reports": "1"})
    assert answer.status_code == 200 and answer.headers["content-disposition"].startswith("attachment;")
    table = list(csv.DictReader(io.StringIO(answer.text)))
    reports = {
        d["id"]: d
        for d in latest(web_archive).values()
        if d["site"] == "fuxin" and d.get("doc_type") == "annual_report"
    }
    assert {row["id"] for row in table} == set(reports)
    for row in table:
        received = reports[row["id"]]["stats"].get("requests_received")
        assert row["requests_received"] == ("" if received is None else str(received))
    lines = client.get("/export", params={"site": "fuxin", "as": "jsonl"}).text.splitlines()
    assert {json.loads(line)["id"] for line in lines} == {
        d["id"] for d in latest(web_archive).values() if d["site"] == "fuxin"
    }
    assert client.get("/export", params={"as": "xml"}).status_code == 400


def test_an_original_url_in_the_search_box_opens_its_document(
    client: TestClient, web_archive: WebArchive
) -> None:
    answer = client.get("/", params={"q": web_archive.hostile_url}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/doc/{web_archive.hostile_id}"
    missing = client.get("/", params={"q": "http://txqxxgk.siping.gov.cn/nothing.html"})
    assert missing.status_code == 404 and "no document" in missing.text


@pytest.mark.parametrize("query", ["复议", "站前", ""])
def test_both_ways_of_counting_facets_agree(web_archive: WebArchive, query: str) -> None:
    from pipelines.index.schema import index_path
    from pipelines.index.search import Filters
    from pipelines.index.tokens import phrase
    from webui.reader import facet_counts

    path = index_path(web_archive.root)
    match = phrase(query) if query else None
    for filters in (Filters(), Filters(site="siping"), Filters(doc_type="annual_report", since="2018-01-01")):
        scanned = facet_counts(path, match, filters, many=True)
        looked_up = facet_counts(path, match, filters, many=False)
        assert scanned == looked_up and sum(n for _, n in scanned["site"]) > 0


def test_without_an_index_documents_still_show_and_search_says_what_to_do(
    web_archive: WebArchive, tmp_path: Path
) -> None:
    import shutil

    bare = tmp_path / "archive"
    shutil.copytree(web_archive.root, bare, ignore=shutil.ignore_patterns("index.sqlite*"))
    with TestClient(create_app(bare, allowed_hosts=["testserver"]), raise_server_exceptions=False) as c:
        answer = c.get("/", params={"q": "复议"})
        assert answer.status_code == 503 and "xxgk index --archive" in html.unescape(answer.text)
        assert c.get("/agencies").status_code == 503
        page = c.get(f"/doc/{web_archive.seed_id}")
        assert page.status_code == 200 and EDIT in page.text


def test_an_agency_facet_keeps_exactly_that_agency(client: TestClient, web_archive: WebArchive) -> None:
    """Its count and its results agree, though other agencies' names contain it (财政局 is part of
    四平市铁西区财政局)."""
    docs = [d for d in latest(web_archive).values() if d.get("doc_type") == "annual_report"]
    names = {d.get("agency") for d in docs if d.get("agency")}
    short = next(n for n in sorted(names) if any(n != m and n in m for m in names))
    page = client.get("/", params={"type": "annual_report"}).text
    facet = re.search(r'data-facet="agency">(.*?)</section>', page, re.S)
    assert facet
    link = re.search(
        rf'href="([^"]*)">{re.escape(short)}</a> <span class="count">(\d+)</span>', facet.group(1)
    )
    assert link, short
    narrowed = client.get("/" + html.unescape(link.group(1))).text
    expected = {d["id"] for d in docs if d.get("agency") == short}
    assert total(narrowed) == int(link.group(2)) == len(expected)
    assert set(hit_ids(narrowed)) <= expected
