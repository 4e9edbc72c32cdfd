"""Agency pages, their charts and the comparison of agencies (webui/agencies.py) on a real crawl of the
replica, through Starlette's TestClient on the real app: names grouped into agencies, the figures shown
against the reports' JSON, the SVG charts (offline, escaped, one point per year), and hostile or
malformed parameters (404/400, never a 500)."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from lxml import etree, html
from starlette.testclient import TestClient

from pipelines.parse.report.analysis import STAT_KEYS
from web_support import HOSTILE_TITLE, WebArchive
from webui.agency_data import (
    Report,
    ReportRow,
    agency_key,
    load_agencies,
    normalize_name,
    series,
    year_groups,
    year_ranges,
)
from webui.app import create_app
from webui.charts import bar_chart, line_chart

pytestmark = pytest.mark.crawl

SVG = "{http://www.w3.org/2000/svg}"
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
SIPING = "吉林省四平市铁西区"
XUEYUAN = "辽宁省阜新市细河区学苑街道"


@pytest.fixture(scope="module")
def client(web_archive: WebArchive) -> Iterator[TestClient]:
    with TestClient(
        create_app(web_archive.root, allowed_hosts=["testserver"]), raise_server_exceptions=False
    ) as c:
        yield c


def reports(root: Path, where: str, *params: Any) -> list[sqlite3.Row]:
    """Annual reports straight from the index (not through the code under test)."""
    conn = sqlite3.connect(f"{(root / 'index.sqlite').as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        sql = f"SELECT * FROM docs WHERE doc_type = 'annual_report' AND {where}"
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def zhanqian(root: Path) -> list[sqlite3.Row]:
    return reports(root, "site = 'siping' AND (unit = 'fgw_12305' OR agency LIKE '%站前街道%')")


def stats_of(root: Path, row: sqlite3.Row) -> dict[str, Any]:
    stats: dict[str, Any] = json.loads((root / row["path"]).read_text(encoding="utf-8"))["stats"]
    return stats


def shown(value: Any) -> str:
    return "—" if value is None else str(int(value) if float(value).is_integer() else value)


def expand(ranges: str) -> set[int]:
    """``2011–2015, 2017`` → the years."""
    years: set[int] = set()
    for part in ranges.split(","):
        first, _, last = part.strip().partition("–")
        years.update(range(int(first), int(last or first) + 1))
    return years


def query(url: str, name: str) -> str:
    return parse_qs(urlsplit(url).query)[name][0]


def external_urls(svg: bytes) -> set[str]:
    return {u.decode() for u in re.findall(rb"https?://[^\s\"'<>)]*", svg)} - NAMESPACES


def dots(svg: bytes, serie: int) -> list[str]:
    """The values printed at the points of one series of a pygal chart."""
    root = etree.fromstring(svg)
    values = []
    for group in root.iter(f"{SVG}g"):
        if f"serie-{serie}" in (group.get("class") or "").split():
            values += [d.text or "" for d in group.iter(f"{SVG}desc") if d.get("class") == "value"]
    return values


# --- the agency key, on the name variants the portals publish ---------------------------------------


def test_agency_key_merges_one_agencys_names() -> None:
    caizheng = {
        agency_key(n, SIPING, None)
        for n in ("财政局", "四平市铁西区财政局", "四平市鐵西區財政局", "铁西区财政局")
    }
    assert len(caizheng) == 1
    xueyuan = {
        agency_key(name, region, None)
        for name, region in [
            ("细河区学苑街道", XUEYUAN),
            ("阜新市细河区学苑街道办事处", XUEYUAN),
            ("阜新市細河區學苑街道辦事處", "辽宁省阜新市细河区學苑街道"),  # traditional in the region too
            ("学苑街道办事处", XUEYUAN),
        ]
    }
    assert len(xueyuan) == 1
    assert normalize_name("阜新市細河區學苑街道辦事處", XUEYUAN) == "学苑街道"
    # On a TRS site the unit folder is the agency, whatever the name says.
    assert agency_key("住建局", SIPING, "fgw_98017") == agency_key(
        "四平市铁西区住房和城乡建设局", SIPING, "fgw_98017"
    )


def test_agency_key_keeps_different_agencies_apart() -> None:
    def key(name: str, region: str = SIPING, unit: str | None = None) -> str | None:
        return agency_key(name, region, unit)

    assert key("财政局") != key("住房和城乡建设局")
    assert key("细河区学苑街道", XUEYUAN) != key("细河区北苑街道", "辽宁省阜新市细河区北苑街道")
    # The same bureau of two districts (a city-wide portal) stays two agencies.
    assert key("铁西区财政局") != key("铁东区财政局", "吉林省四平市铁东区")
    assert key("财政局") != key("财政局", "吉林省四平市铁东区")
    # Two towns' governments do not both become "人民政府"; a district's government stays itself.
    assert key("甲镇人民政府", "吉林省四平市铁西区甲镇") != key("乙镇人民政府", "吉林省四平市铁西区乙镇")
    assert key("四平市铁西区人民政府") != key("四平市铁西区财政局")
    # A street whose name holds 市 is not read as a city and cut down to "街道".
    assert normalize_name("新市街道办事处", "吉林省四平市铁西区新市街道") == "新市街道"
    assert key("四平市铁西区财政局", unit="fgw_1") != key("四平市铁西区财政局", unit="fgw_2")
    assert key("", unit=None) is None and key("  ", unit=None) is None


def test_index_agencies_group_the_real_name_variants(web_archive: WebArchive) -> None:
    agencies = load_agencies(web_archive.root)
    siping = [a for a in agencies if a.site == "siping"]
    finance = [a for a in siping if any("财政" in n or "財政" in n for n, _ in a.name_counts)]
    assert len(finance) == 1, [a.name for a in finance]
    rows = reports(web_archive.root, "site = 'siping' AND (agency LIKE '%财政局%' OR agency LIKE '%財政局%')")
    # The PDFs attached to the unit's pages carry no unit: they join it by their name.
    assert any(r["unit"] is None for r in rows)
    assert {r.id for r in finance[0].reports} == {r["id"] for r in rows}
    assert finance[0].name == "四平市铁西区财政局"
    assert {"财政局", "四平市鐵西區財政局"} <= set(finance[0].other_names)
    for agency in agencies:  # not over-merged: no agency mixes two bureaus or two streets
        names = " ".join(n for n, _ in agency.name_counts)
        assert not ("财政" in names and "住" in names)
        assert not ("学苑" in names and "北苑" in names)
    fuxin_xueyuan = [a for a in agencies if a.site == "fuxin" and "学苑" in a.name]
    assert len(fuxin_xueyuan) == 1
    assert "阜新市細河區學苑街道辦事處" in fuxin_xueyuan[0].other_names


def test_year_groups_prefer_the_page_and_a_silent_report_does_not_disagree() -> None:
    def report(ident: str, kind: str, year: int, **stats: float | None) -> Report:
        row = ReportRow(
            "siping", ident, kind, None, "财政局", SIPING, "fgw_1", year, None, None, 0, False, "x"
        )
        return Report(row, {key: stats.get(key) for key in STAT_KEYS})

    groups = year_groups(
        [
            report("b", "attachment", 2020, requests_received=5, proactive_total=None, litigation_count=2),
            report("a", "page", 2020, requests_received=5, proactive_total=40, litigation_count=1),
            report("c", "page", 2017, requests_received=None),
        ]
    )
    assert [g.year for g in groups] == [2020, 2017]
    first = groups[0]
    assert [r.row.id for r in first.reports] == ["a", "b"]  # the page before its attached PDF
    assert first.value("proactive_total") == 40 and first.values("proactive_total") == [40]
    assert first.values("litigation_count") == [1, 2]
    assert first.conflicts == ["litigation_count"]  # not proactive_total: the PDF is only silent on it
    years, main, other = series(groups, "requests_received")
    assert years == [2017, 2018, 2019, 2020]
    assert main == [None, None, None, 5]  # no report, or no figure: gaps, never zeros
    assert other == [None, None, None, None]
    assert series(groups, "litigation_count")[2] == [None, None, None, 2]
    assert year_ranges([2009, 2010, 2011, 2013, 2015, 2016]) == "2009–2011, 2013, 2015–2016"


# --- /agencies --------------------------------------------------------------------------------------


def test_agencies_page_lists_zhanqian_with_its_years(client: TestClient, web_archive: WebArchive) -> None:
    response = client.get("/agencies")
    assert response.status_code == 200
    page = html.fromstring(response.text)
    rows = page.xpath("//section[@data-site='siping']//tr[.//a[contains(., '站前街道')]]")
    assert len(rows) == 1
    row = rows[0]
    expected = zhanqian(web_archive.root)
    cells = row.xpath("./td")
    assert cells[1].text_content().strip() == str(len(expected))
    assert expand(cells[2].text_content()) == {r["report_year"] for r in expected}
    assert "站前街道" in cells[0].text_content()  # the short name it also published under
    link = row.xpath(".//a[@class='agency']/@href")[0]
    assert client.get(link).status_code == 200


# --- /agency ----------------------------------------------------------------------------------------


def test_agency_page_shows_each_reports_figures(client: TestClient, web_archive: WebArchive) -> None:
    response = client.get("/agency", params={"name": "站前街道", "site": "siping"})
    assert response.status_code == 200
    page = html.fromstring(response.text)
    expected = {r["id"]: r for r in zhanqian(web_archive.root)}
    rows = page.xpath("//table[@class='reports']//tr[contains(@class, 'report')]")
    assert {r.get("data-id") for r in rows} == set(expected)
    for row in rows:
        index_row = expected[row.get("data-id")]
        assert row.get("data-year") == str(index_row["report_year"])
        stats = stats_of(web_archive.root, index_row)
        cells = {td.get("data-stat"): td.text_content().strip() for td in row.xpath("./td[@data-stat]")}
        assert cells == {key: shown(stats[key]) for key in STAT_KEYS}
        doc = json.loads((web_archive.root / index_row["path"]).read_text(encoding="utf-8"))
        assert row.xpath("./td[@data-anomalies]")[0].text_content().strip() == str(len(doc["anomalies"]))
        assert row.xpath(".//a/@href")[0] == f"/doc/{index_row['id']}"
    # The report with the hostile title is this agency's: its title is text, never markup.
    assert HOSTILE_TITLE not in response.text
    assert "&lt;script&gt;alert(" in response.text
    assert not page.xpath("//script") and not page.xpath("//img[@onerror]")
    # Charts as images served by our route, and their numbers in a table; years without a report are gaps.
    srcs = page.xpath("//figure[@class='chart']/img/@src")
    assert {query(s, "figure") for s in srcs} == {
        "requests_received",
        "proactive_total",
        "reconsideration_count",
        "litigation_count",
    }
    years = {r["report_year"] for r in expected.values()}
    for tr in page.xpath("//table[@class='series']/tbody/tr"):
        has_report = int(tr.get("data-year")) in years
        assert bool(tr.xpath("./td[@class='none']")) is not has_report
    compare = page.xpath("//dd[@class='compare-links']/a/@href")
    assert len(compare) == len(years) and all(h.startswith("/compare?year=") for h in compare)


def test_agency_chart_is_offline_svg_with_a_point_per_year(
    client: TestClient, web_archive: WebArchive
) -> None:
    url = "/agency/chart.svg?" + f"name={quote('站前街道')}&site=siping&figure=requests_received"
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.headers["content-security-policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert response.headers["x-content-type-options"] == "nosniff"
    svg = response.content
    root = etree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert external_urls(svg) == set()
    assert not list(root.iter(f"{SVG}script")) and b"<script" not in svg and b"googleapis" not in svg
    # One point per year whose report states the figure, with that figure; none for the gaps.
    per_year: dict[int, Any] = {}
    for row in sorted(zhanqian(web_archive.root), key=lambda r: r["kind"] != "page"):
        value = stats_of(web_archive.root, row)["requests_received"]
        if value is not None:
            per_year.setdefault(row["report_year"], value)
    values = dots(svg, 0)
    assert len(values) == len(per_year)
    assert values == [shown(per_year[y]) for y in sorted(per_year)]
    labels = {t.text for t in root.iter(f"{SVG}text")}
    assert {str(y) for y in per_year} <= labels
    assert client.get(url).content == svg  # deterministic: no random id, no date


def test_charts_escape_labels_and_load_nothing() -> None:
    hostile = "<script>alert(1)</script>财政局"
    svg = bar_chart(f"收到申请数 {hostile}", [hostile, "四平市铁西区住房和城乡建设局"], [3, None])
    root = etree.fromstring(svg)
    assert not list(root.iter(f"{SVG}script"))
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert any((t.text or "").startswith("<script>alert(1)") for t in root.iter(f"{SVG}text"))
    assert any("(—)" in (t.text or "") for t in root.iter(f"{SVG}text"))  # no bar must not read as 0
    assert external_urls(svg) == set()
    line = line_chart(hostile, [2019, 2020, 2021], [(hostile, [1, None, 2.5])])
    assert dots(line, 0) == ["1", "2.5"]
    assert external_urls(line) == set() and not list(etree.fromstring(line).iter(f"{SVG}script"))


def test_reports_that_disagree_are_flagged(web_archive: WebArchive, tmp_path: Path) -> None:
    # A copy of the archive in which the PDF attached to a report states another figure than the page.
    root = tmp_path / "archive"
    shutil.copytree(web_archive.root / "documents", root / "documents")
    shutil.copy(web_archive.root / "index.sqlite", root / "index.sqlite")
    rows = zhanqian(root)
    year = next(r["report_year"] for r in rows if r["kind"] == "attachment")
    page_row = next(r for r in rows if r["report_year"] == year and r["kind"] == "page")
    pdf_row = next(r for r in rows if r["report_year"] == year and r["kind"] == "attachment")
    received = stats_of(root, page_row)["requests_received"]
    assert received is not None
    path = root / pdf_row["path"]
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["stats"]["requests_received"] = received + 7
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    with TestClient(create_app(root, allowed_hosts=["testserver"]), raise_server_exceptions=False) as c:
        page = html.fromstring(c.get("/agency", params={"name": "站前街道", "site": "siping"}).text)
        flagged = page.xpath(f"//table[@class='reports']//tr[@data-year='{year}']")
        assert {tr.get("data-id") for tr in flagged} == {page_row["id"], pdf_row["id"]}
        assert all("conflict" in tr.get("class") for tr in flagged)
        assert "disagree" in flagged[0].text_content()
        cell = page.xpath(f"//tr[@data-id='{pdf_row['id']}']/td[@data-stat='requests_received']")[0]
        assert "flag" in cell.get("class") and cell.text_content() == str(received + 7)
        series = page.xpath(
            f"//table[@class='series']//tr[@data-year='{year}']/td[@data-stat='requests_received']"
        )
        assert series[0].text_content() == f"{received} / {received + 7}"
        svg = c.get(
            f"/agency/chart.svg?name={quote('站前街道')}&site=siping&figure=requests_received"
        ).content
        assert dots(svg, 1) == [str(received + 7)]  # the second value, drawn apart
        others = page.xpath(f"//tr[contains(@class, 'report')][not(@data-year='{year}')]")
        assert others and not any("conflict" in tr.get("class") for tr in others)


def test_a_name_of_several_agencies_offers_the_choice(client: TestClient) -> None:
    response = client.get("/agency", params={"name": "住建局"})
    assert response.status_code == 200
    links = html.fromstring(response.text).xpath("//section[@class='choices']//a[@class='agency']/@href")
    assert {query(link, "site") for link in links} == {"siping", "tiedong"}
    for link in links:
        chosen = client.get(link)
        assert chosen.status_code == 200 and 'class="reports"' in chosen.text


# --- /compare ---------------------------------------------------------------------------------------


def test_compare_shows_two_agencies_figures_for_a_year(client: TestClient, web_archive: WebArchive) -> None:
    root = web_archive.root
    finance = reports(root, "site = 'siping' AND unit = 'fgw_98022' AND report_year = 2020 AND kind = 'page'")
    xueyuan = reports(
        root, "site = 'fuxin' AND agency LIKE '%学苑%' AND report_year = 2020 AND kind = 'page'"
    )
    assert len(finance) == 1 and len(xueyuan) == 1
    params = [("year", "2020"), ("agency", "siping:财政局"), ("agency", "fuxin:细河区学苑街道")]
    response = client.get("/compare", params=params)
    assert response.status_code == 200
    page = html.fromstring(response.text)
    rows = page.xpath("//table[@class='compare']/tbody/tr")
    assert [r.get("data-site") for r in rows] == ["siping", "fuxin"]
    for row, index_row in zip(rows, [finance[0], xueyuan[0]], strict=True):
        stats = stats_of(root, index_row)
        cells = {td.get("data-stat"): td.text_content().strip() for td in row.xpath("./td[@data-stat]")}
        assert cells == {key: shown(stats[key]) for key in STAT_KEYS}
        assert f"/doc/{index_row['id']}" in row.xpath(".//a/@href")
    # The form offers every agency with a report that year, and ticks the chosen ones.
    offered = page.xpath("//form[@class='compare-form']//input[@name='agency']")
    of_2020 = [a for a in load_agencies(root) if 2020 in a.years]
    assert {i.get("value") for i in offered} == {f"{a.site}:{a.name}" for a in of_2020}
    names = [row.xpath(".//a[@class='agency']")[0].text for row in rows]
    ticked = [i.get("value") for i in offered if i.get("checked") is not None]
    assert sorted(ticked) == sorted([f"siping:{names[0]}", f"fuxin:{names[1]}"])
    # The bar chart of a chosen figure: one bar per agency that states it, labelled with its name.
    chart = page.xpath("//figure[@class='chart']/img/@src")[0]
    assert "figure=requests_received" in chart
    svg = client.get(chart.replace("figure=requests_received", "figure=proactive_total")).content
    values = [stats_of(root, r)["proactive_total"] for r in (finance[0], xueyuan[0])]
    assert sorted(dots(svg, 0)) == sorted(shown(v) for v in values if v is not None)
    texts = " ".join(t.text or "" for t in etree.fromstring(svg).iter(f"{SVG}text"))
    assert "四平市铁西区财政局" in texts and "学苑街道" in texts
    assert external_urls(svg) == set()


def test_compare_without_agencies_takes_those_of_the_year(
    client: TestClient, web_archive: WebArchive
) -> None:
    response = client.get("/compare", params={"year": "2018"})
    assert response.status_code == 200
    page = html.fromstring(response.text)
    rows = page.xpath("//table[@class='compare']/tbody/tr")
    agencies = [a for a in load_agencies(web_archive.root) if 2018 in a.years]
    assert {(r.get("data-site"), r.get("data-key")) for r in rows} == {(a.site, a.key) for a in agencies}
    assert not page.xpath("//td[@class='none']")  # each has its report of 2018
    # Without a year: the latest year any agency reported for.
    latest = max(r["report_year"] for r in reports(web_archive.root, "report_year IS NOT NULL"))
    assert page.xpath("//select[@name='year']/option[1]/@value") == [str(latest)]
    assert f"compare · {latest}" in client.get("/compare").text


# --- hostile and malformed parameters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/agency?name=" + quote("不存在的机构"), 404),
        ("/agency?name=" + quote('<script>alert("x")</script>'), 404),
        ("/agency?name=" + quote("../../etc/passwd"), 404),
        ("/agency?name=" + quote("站前街道") + "&site=fuxin", 404),
        ("/agency?name=%00", 404),
        ("/agency?name=", 400),
        ("/agency?name=" + "x" * 300, 400),
        ("/agency?name=" + quote("站前街道") + "&site=" + quote("../../etc"), 400),
        ("/agency/chart.svg?name=" + quote("站前街道") + "&figure=" + quote("<script>"), 400),
        ("/agency/chart.svg?name=" + quote("../../etc/passwd") + "&figure=requests_received", 404),
        ("/agency/chart.svg?name=" + quote("住建局"), 400),
        ("/compare?year=20x0", 400),
        ("/compare?year=99999", 400),
        ("/compare?year=" + quote("2020'; DROP TABLE docs; --"), 400),
        ("/compare?year=2020&figure=" + quote("../../x"), 400),
        ("/compare/chart.svg?year=abcd", 400),
        ("/compare?year=2020&agency=" + quote("<script>alert(1)</script>"), 200),
        ("/compare?year=2020&agency=" + quote("../../etc/passwd"), 200),
    ],
)
def test_bad_parameters_are_refused_never_a_500(client: TestClient, url: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status, response.text[:500]
    assert "<script>alert" not in response.text
    if status >= 400:
        message = html.fromstring(response.text).xpath("//p[@class='message']")[0].text_content()
        assert message and "the server's log" not in message
    if "%3Cscript%3E" in url:
        assert "&lt;script&gt;" in response.text


def test_hostile_compare_agency_is_a_note_not_a_row(client: TestClient) -> None:
    response = client.get("/compare", params=[("year", "2020"), ("agency", "<script>alert(1)</script>")])
    page = html.fromstring(response.text)
    assert not page.xpath("//table[@class='compare']")
    notes = [p.text_content() for p in page.xpath("//p[contains(@class, 'note')]")]
    assert any("<script>alert(1)</script>" in n for n in notes)  # shown as text
    assert "&lt;script&gt;alert(1)" in response.text
