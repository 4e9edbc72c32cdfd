"""The replica's document generator: determinism, the HTML/text invariant, consistent figures."""

from __future__ import annotations

import io
import os
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator

import lxml.etree
import lxml.html
import pypdf
import pytest

from replica.content import (
    KINDS,
    RARE_CHARS,
    STAT_KEYS,
    Body,
    Table,
    Unit,
    body_html,
    body_text,
    make_body,
    make_docx,
    make_pdf,
    make_png,
    make_xlsx,
    needs_gb18030,
    report_format,
    table_rows,
)
from replica.content.flat_tables import FLAT_STYLES
from replica.content.grid import place
from replica.content.script import to_traditional
from replica.content.standard_tables import COLUMNS, result_rows, section3_rows

UNITS = (
    Unit("站前街道", "四平市铁西区站前街道办事处", "street", "吉林省", "四平市", "铁西区"),
    Unit("住房和城乡建设局", "四平市铁西区住房和城乡建设局", "department", "吉林省", "四平市", "铁西区"),
    Unit("经济开发区管委会", "四平市铁东区经济开发区管理委员会", "zone", "吉林省", "四平市", "铁东区"),
    Unit("学苑街道", "阜新市细河区学苑街道办事处", "street", "辽宁省", "阜新市", "细河区"),
    Unit("四合镇", "阜新市细河区四合镇人民政府", "town", "辽宁省", "阜新市", "细河区"),
    Unit("卫生健康委员会", "阜新市细河区卫生健康委员会", "department", "辽宁省", "阜新市", "细河区"),
)
YEARS = range(2008, 2026)


def sample(kinds: tuple[str, ...] = KINDS, seeds: int = 2) -> Iterator[Body]:
    for seed in range(seeds):
        for unit in UNITS:
            for year in YEARS:
                for kind in kinds:
                    yield make_body(f"s{seed}", kind=kind, unit=unit, year=year)


def reports(seeds: int = 2) -> list[Body]:
    return list(sample(("report",), seeds))


# The features of a report in its clean form: HTML tables, usual numbering and title, simplified script.
_PLAIN = {
    "table:html",
    "numbering:plain",
    "numbering:parenthesised",
    "title:plain",
    "title:split",
    "script:simplified",
    "contacts:stated",
}


def plain_reports(seeds: int = 2) -> list[Body]:
    """Reports without a variant: what the tests of the clean form read."""
    cut = {"truncated_text", "missing_section", "malformed_date"}
    return [b for b in reports(seeds) if set(b.features) <= _PLAIN and not cut & set(b.anomalies)]


# -- a reference extractor written from the clean-text contract of docs/design.md -----------------

_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "tbody", "thead",
    "h1", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def reference_text(html: str) -> str:
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        line = _norm("".join(buf))
        buf.clear()
        if line:
            lines.append(line)

    def walk(el: lxml.html.HtmlElement) -> None:
        if el.tag == "tr":
            flush()
            cells = [_norm(c.text_content()) for c in el if c.tag in ("td", "th")]
            line = _norm(" | ".join(cells))
            if line:
                lines.append(line)
            return
        block = el.tag in _BLOCK_TAGS
        if block:
            flush()
        if el.text:
            buf.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                buf.append(child.tail)
        if block:
            flush()

    walk(root)
    flush()
    return "\n".join(lines)


# -- determinism and the key invariant -------------------------------------------------------------


def test_same_arguments_give_identical_output() -> None:
    for kind in KINDS:
        for year in (2012, 2020, 2024):
            a = make_body("x", kind=kind, unit=UNITS[1], year=year)
            b = make_body("x", kind=kind, unit=UNITS[1], year=year)
            assert a == b
            assert body_html(a) == body_html(b)
            assert make_docx(a) == make_docx(b)
    report = make_body("x", kind="report", unit=UNITS[0], year=2022)
    assert make_pdf(report) == make_pdf(make_body("x", kind="report", unit=UNITS[0], year=2022))
    assert make_png("a") == make_png("a") and make_png("a") != make_png("b")


_DIGEST_SCRIPT = """
import hashlib
from replica.content import Unit, body_html, make_body
unit = Unit("学苑街道", "阜新市细河区学苑街道办事处", "street", "辽宁省", "阜新市", "细河区")
h = hashlib.sha256()
for kind in ("report", "notice", "functions", "guide", "policy"):
    for year in range(2008, 2026, 3):
        h.update(body_html(make_body("p", kind=kind, unit=unit, year=year)).encode())
print(h.hexdigest())
"""


def test_output_does_not_depend_on_the_process() -> None:
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        run = subprocess.run(
            [sys.executable, "-c", _DIGEST_SCRIPT], env=env, capture_output=True, text=True, check=True
        )
        digests.add(run.stdout.strip())
    assert len(digests) == 1


def test_arguments_change_the_document() -> None:
    texts = {body_text(make_body(f"s{i}", kind="report", unit=UNITS[0], year=2016)) for i in range(20)}
    assert len(texts) == 20
    assert make_body("s", kind="report", unit=UNITS[0], year=2016) != make_body(
        "s", kind="report", unit=UNITS[3], year=2016
    )


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        make_body("s", kind="annual", unit=UNITS[0], year=2020)


def test_body_text_is_what_the_html_yields() -> None:
    count = 0
    for body in sample(seeds=2):
        html = body_html(body)
        assert reference_text(html) == body_text(body), body.title
        count += 1
    assert count >= 1000


def test_body_text_lines_are_clean_paragraphs() -> None:
    for body in sample(seeds=1):
        text = body_text(body)
        for line in text.split("\n"):
            assert line and line == _norm(line)
        paragraphs = [b for b in body.blocks if isinstance(b, str)]
        assert all(p == _norm(p) for p in paragraphs)


def test_markup_characters_in_text_are_escaped() -> None:
    bodies = [b for b in sample(("report",), seeds=3) if "<" in body_text(b)]
    assert bodies
    for body in bodies:
        html = body_html(body)
        assert "&lt;" in html and "<20" not in html
        assert reference_text(html) == body_text(body)


def test_html_has_the_realistic_variants() -> None:
    htmls = [body_html(b) for b in sample(seeds=1)]
    for marker in (
        "\u3000\u3000",
        "&nbsp;",
        "text-indent:2em",
        'style="text-align:right"',
        'rowspan="22"',
        'rowspan="19"',
        'colspan="3"',
        "<th",
        "MsoNormal",
    ):
        assert any(marker in h for h in htmls), marker


# -- reports ---------------------------------------------------------------------------------------


def test_report_formats_follow_the_year() -> None:
    assert [report_format(y) for y in (2008, 2018, 2019, 2020, 2021, 2025)] == [
        "free-form", "free-form", "standard-2019", "standard-2019", "standard-2021", "standard-2021",
    ]  # fmt: skip
    for body in plain_reports(1):
        assert body.report_year is not None
        assert body.report_format == report_format(body.report_year)
        assert set(body.stats) == set(STAT_KEYS)
        assert str(body.report_year) in body.title
        assert body.title.endswith(("年度报告", "年报"))
        assert bool(body.tables) == (body.report_format != "free-form")


def test_titles_and_punctuation_vary() -> None:
    bodies = reports(3)
    tails = Counter("年报" if b.title.endswith("年报") else "年度报告" for b in bodies)
    assert tails["年报"] > 0 and tails["年度报告"] > tails["年报"]
    texts = [body_text(b) for b in bodies if b.report_format == "free-form"]
    assert any("，" in t for t in texts) and any("," in t and "，" not in t for t in texts)
    assert any(re.search(r"^[（(]一[）)]", t, re.M) for t in texts)
    assert any("㈠" in t for t in texts)


def test_signature_lines_close_the_document() -> None:
    cn_dates = 0
    for body in sample(seeds=1):
        text = body_text(body).split("\n")
        if body.signed_by is not None and body.signed_date is not None:
            assert text[-2] == body.signed_by
            y, m, d = (int(x) for x in body.signed_date.split("-"))
            written = text[-1]
            assert (
                written in (f"{y}年{m}月{d}日", f"{y}年{m:02d}月{d:02d}日")
                or "〇" in written
                or ("○" in written)
            )
            cn_dates += not written[0].isdigit()
        if body.kind == "report" and body.signed_by is not None:
            fulls = {u.full for u in UNITS}
            traditional = body.script == "traditional"
            assert body.signed_by in (set(map(to_traditional, fulls)) if traditional else fulls)
    assert cn_dates > 0


def test_report_signing_dates() -> None:
    early = late = 0
    for body in plain_reports(3):
        if body.signed_date is None:
            continue
        assert body.report_year is not None
        signed_year = int(body.signed_date[:4])
        inside = signed_year == body.report_year
        assert ("signed-in-report-year" in body.flaws) == inside
        assert signed_year in (body.report_year, body.report_year + 1)
        early += inside
        late += not inside
    assert 0 < early < late / 5
    unsigned = [b for b in plain_reports(1) if b.signed_by is None]
    assert unsigned and all(b.signed_date is None for b in unsigned)


def _tables(body: Body) -> list[Table]:
    return [b for b in body.blocks if isinstance(b, Table)]


def _section3(body: Body) -> Table:
    return next(t for t in _tables(body) if "勾稽关系" in t.rows[0][0].text)


def _section3_values(body: Body) -> dict[str, list[int]]:
    assert body.report_format is not None
    table = _section3(body)
    rows = table.rows[2:]
    keys = section3_rows(body.report_format)
    assert len(rows) == len(keys)
    return {key: [int(c.text) for c in row[-7:]] for key, row in zip(keys, rows, strict=True)}


def test_section3_frame_matches_the_formats() -> None:
    body21 = next(b for b in plain_reports(1) if b.report_format == "standard-2021")
    body19 = next(b for b in plain_reports(1) if b.report_format == "standard-2019")
    for body, total_label, rows in ((body21, "（七）总计", 25), (body19, "（六）总计", 22)):
        table = _section3(body)
        labels = "".join(c.text for row in table.rows for c in row)
        assert len(table.rows) == 2 + rows
        assert [c.text for c in table.rows[0][1:]] == ["自然人", "法人或其他组织", "总计"]
        assert [c.text for c in table.rows[1]] == [
            "商业企业",
            "科研机构",
            "社会公益组织",
            "法律服务机构",
            "其他",
        ]
        assert total_label in labels.replace("(", "（").replace(")", "）")
        assert all(len(row) - 7 in (1, 2) for row in table.rows[2:])
        assert place(table)[2] == 10
    assert "其他处理" in "".join(c.text for r in _section3(body21).rows for c in r)
    assert "其他处理" not in "".join(c.text for r in _section3(body19).rows for c in r)


def test_section3_identity_and_row_sums() -> None:
    checked = flawed = 0
    for body in plain_reports(8):
        if body.report_format == "free-form":
            continue
        assert body.report_format is not None
        values = _section3_values(body)
        for key, vals in values.items():
            for col, v in zip(COLUMNS, vals, strict=True):
                assert body.tables[f"三/{key}/{col}"] == v
        row_flaws = {f.split(":")[1] for f in body.flaws if f.startswith("row-sum:")}
        identity_flaw = any(f.startswith("identity:") for f in body.flaws)
        for key, vals in values.items():
            assert (sum(vals[:6]) == vals[6]) == (key not in row_flaws), (body.title, key)
        results = [r for r in result_rows(body.report_format) if r != "三(总计)"]
        for c in range(7):
            if c == 6 and row_flaws:
                continue
            if c < 6:
                assert values["三(总计)"][c] == sum(values[r][c] for r in results)
            lhs = values["一"][c] + values["二"][c]
            rhs = values["三(总计)"][c] + values["四"][c]
            assert (lhs == rhs) or identity_flaw
        if identity_flaw:
            assert any(
                values["一"][c] + values["二"][c] != values["三(总计)"][c] + values["四"][c] for c in range(6)
            )
        flawed += bool(row_flaws or identity_flaw)
        checked += 1
    assert checked > 120
    assert 0 < flawed < checked * 0.12


def test_standard_stats_are_the_written_totals() -> None:
    for body in plain_reports(2):
        if body.report_format == "free-form":
            continue
        assert body.report_format is not None
        lines = body_text(body).split("\n")
        s, t = body.stats, body.tables
        row_one = next(x for x in lines if x.startswith("一、本年新收政府信息公开申请数量"))
        assert row_one.endswith(f"| {s['requests_received']}")
        assert s["requests_received"] == t["三/一/总计"]
        assert s["requests_carried_over"] == t["三/二/总计"]
        assert s["requests_granted"] == t["三/三(一)/总计"]
        assert s["requests_partly_granted"] == t["三/三(二)/总计"]
        assert s["requests_refused"] == sum(t[f"三/三(三){i}/总计"] for i in range(1, 9))
        fifteen = next(x for x in lines if re.fullmatch(r"-?\d+( \| -?\d+){14}", x))
        numbers = [int(x) for x in fifteen.split(" | ")]
        assert s["reconsideration_count"] == numbers[4] == t["四/行政复议/总计"]
        assert s["litigation_count"] == numbers[9] + numbers[14]
        for group in range(3):
            assert sum(numbers[group * 5 : group * 5 + 4]) == numbers[group * 5 + 4]
        text = body_text(body)
        if s["proactive_total"] is not None:
            assert f"主动公开政府信息{s['proactive_total']}条" in text
        if s["fees_collected"] == 0:
            assert "未收取" in text
        if "prose-table-mismatch:requests_received" not in body.flaws and s["requests_received"]:
            assert f"申请{s['requests_received']}件" in text


def test_section2_tables_follow_the_format() -> None:
    for body in plain_reports(1):
        if body.report_format == "free-form":
            continue
        table = _tables(body)[0]
        text = "".join(c.text for r in table.rows for c in r)
        assert place(table)[2] == 4
        if body.report_format == "standard-2021":
            assert "本年制发件数" in text and "行政规范性文件" in text and "第二十条第（九）项" not in text
            assert isinstance(body.tables["二/行政事业性收费/本年收费金额"], (int, float))
        else:
            assert "本年增/减" in text and "政府集中采购" in text
            assert "二/行政许可/本年增减" in body.tables
    values = [v for b in plain_reports(2) for k, v in b.tables.items() if k.startswith("二/")]
    assert any(isinstance(v, float) for v in values) and any(isinstance(v, int) and v < 0 for v in values)


def test_every_table_is_a_full_rectangle() -> None:
    for body in sample(seeds=1):
        for table in _tables(body):
            placed, height, width = place(table)
            covered = sum(p.cell.rowspan * p.cell.colspan for p in placed)
            assert covered == height * width
            assert all(c.text for row in table.rows for c in row)  # empty cells are ambiguous in text


_NEGATIVE_REQUEST = ("未产生依申请公开", "未收到依申请公开", "没有收到", "申请0件")


def test_freeform_stats_are_stated_in_the_text() -> None:
    seen: Counter[str] = Counter()
    for body in plain_reports(3):
        if body.report_format != "free-form":
            continue
        text = body_text(body)
        s = body.stats
        assert not body.tables
        annex = "本期实际" in text
        if s["proactive_total"] is not None:
            n = s["proactive_total"]
            assert re.search(rf"(公开[^。]*?|发布信息){n}条", text) or (
                annex and f"主动公开信息数 | 条 | 1 | {n}" in text
            )
            seen["proactive"] += 1
        received = s["requests_received"]
        if received == 0:
            assert any(p in text for p in _NEGATIVE_REQUEST) or annex
            seen["no-requests"] += 1
        elif received is not None:
            assert f"申请{received}件" in text
            seen["requests"] += 1
        for key, word in (("requests_granted", "予以公开"), ("requests_partly_granted", "部分公开")):
            if s[key] is not None:
                assert f"{word}{s[key]}件" in text
        if s["requests_refused"] is not None:
            assert f"不予公开{s['requests_refused']}件" in text
        if s["requests_carried_over"] is not None:
            assert f"结转申请{s['requests_carried_over']}件" in text
        if s["fees_collected"] == 0:
            assert "未收取" in text
        elif s["fees_collected"] is not None:
            assert f"{s['fees_collected']}元" in text
        if s["reconsideration_count"] == 0 and s["litigation_count"] == 0 and not annex:
            assert re.search("(未发生|没有发生|行政复议0件)", text)
        elif s["reconsideration_count"]:
            assert re.search(rf"行政复议{s['reconsideration_count']}[件起]", text) or annex
        if "contradictory-proactive-figures" in body.flaws:
            seen["contradiction"] += 1
    assert seen["proactive"] and seen["no-requests"] and seen["requests"] and seen["contradiction"]


def test_freeform_parts_vary_in_order_and_number() -> None:
    orders = set()
    counts = set()
    for body in plain_reports(3):
        if body.report_format != "free-form":
            continue
        headings = [
            b for b in body.blocks if isinstance(b, str) and re.match("^[一二三四五六七八九十]+、", b)
        ]
        counts.add(len(headings))
        fee = next((i for i, h in enumerate(headings) if "收费" in h and "复议" not in h), None)
        review = next((i for i, h in enumerate(headings) if "复议" in h and "收费" not in h), None)
        if fee is not None and review is not None:
            orders.add(fee < review)
    assert orders == {True, False}
    assert max(counts) - min(counts) >= 4


# -- other kinds -----------------------------------------------------------------------------------


def test_other_kinds_are_not_reports() -> None:
    signed = Counter[str]()
    unsigned = Counter[str]()
    report_notices = 0
    for body in sample(("notice", "functions", "guide", "policy"), seeds=2):
        assert body.report_year is None and body.report_format is None
        assert body.stats == {} and body.tables == {} and body.flaws == ()
        (signed if body.signed_by else unsigned)[body.kind] += 1
        if "年度报告" in body.title:
            assert body.kind == "notice" and body.title.startswith("关于")
            report_notices += 1
    assert report_notices > 5
    for kind in ("notice", "functions", "guide", "policy"):
        assert signed[kind] > 0 and unsigned[kind] > 0, kind


def test_guide_follows_the_rules_of_its_year() -> None:
    old = body_text(make_body("g", kind="guide", unit=UNITS[0], year=2012))
    new = body_text(make_body("g", kind="guide", unit=UNITS[0], year=2022))
    assert "15个工作日" in old and "成本费用" in old
    assert "20个工作日" in new and "不收取费用" in new


# -- encodings -------------------------------------------------------------------------------------


def test_needs_gb18030() -> None:
    assert needs_gb18030("王堃") and needs_gb18030("二〇一八年")
    assert not needs_gb18030("王坤，二○一八年“三安全一稳定”〔2019〕（一）")
    for ch in RARE_CHARS:
        assert needs_gb18030(ch)


def test_rare_characters_in_a_share_of_documents() -> None:
    # traditional-script copies are outside GB2312 whatever names they hold
    bodies = [b for b in sample(seeds=2) if b.script == "simplified"]
    rare = 0
    for body in bodies:
        text = body.title + "\n" + body_text(body)
        has_rare = any(ch in text for ch in RARE_CHARS + "〇")
        assert needs_gb18030(text) == has_rare
        rare += any(ch in text for ch in RARE_CHARS)
    assert 0.01 * len(bodies) < rare < 0.25 * len(bodies)


# -- attachments -----------------------------------------------------------------------------------


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize(("year", "seed"), [(2013, "p1"), (2020, "p2"), (2023, "p3")])
def test_pdf_text_is_extractable(year: int, seed: str) -> None:
    body = make_body(seed, kind="report", unit=UNITS[1], year=year)
    data = make_pdf(body)
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(data))
    extracted = _squash("".join(page.extract_text() for page in reader.pages))
    assert _squash(body.title) in extracted
    for block in body.blocks:
        if isinstance(block, str):
            assert _squash(block) in extracted, block
    figure = body.stats["requests_received"] if year > 2018 else body.stats["proactive_total"]
    if figure is not None:
        assert str(figure) in extracted


def test_pdf_keeps_characters_outside_gb2312() -> None:
    body = next(b for b in sample(("notice",), seeds=2) if any(ch in body_text(b) for ch in RARE_CHARS))
    extracted = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(make_pdf(body))).pages)
    assert any(ch in extracted for ch in RARE_CHARS)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def test_docx_is_a_wordprocessing_package() -> None:
    body = make_body("d", kind="report", unit=UNITS[0], year=2022, force=("table:html",))
    with zipfile.ZipFile(io.BytesIO(make_docx(body))) as archive:
        names = set(archive.namelist())
        assert {"[Content_Types].xml", "_rels/.rels", "word/document.xml"} <= names
        for name in names:
            lxml.etree.fromstring(archive.read(name))
        doc = lxml.etree.fromstring(archive.read("word/document.xml"))
    paragraphs = ["".join(t.text or "" for t in p.iter(f"{_W}t")) for p in doc.iter(f"{_W}p")]
    assert paragraphs[0] == body.title
    for block in body.blocks:
        if isinstance(block, str):
            assert block in paragraphs
    tables = doc.findall(f".//{_W}tbl")
    assert len(tables) == 3
    for tbl in tables:
        width = len(tbl.findall(f"{_W}tblGrid/{_W}gridCol"))
        for tr in tbl.findall(f"{_W}tr"):
            assert sum(_grid_span(tc) for tc in tr.findall(f"{_W}tc")) == width


def _grid_span(tc: lxml.etree._Element) -> int:
    span = tc.find(f"{_W}tcPr/{_W}gridSpan")
    return 1 if span is None else int(span.get(f"{_W}val", "1"))


_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def test_xlsx_round_trips_the_rows() -> None:
    body = make_body("x", kind="report", unit=UNITS[1], year=2021, force=("table:html",))
    rows = table_rows(_section3(body))
    data = make_xlsx(rows)
    assert data == make_xlsx(rows)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        assert {
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/worksheets/sheet1.xml",
        } <= names
        sheet = lxml.etree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    read: list[list[str]] = []
    for row in sheet.iter(f"{_S}row"):
        cells = {}
        for c in row.iter(f"{_S}c"):
            col = re.match(r"[A-Z]+", c.get("r", "")).group()  # type: ignore[union-attr]
            value = c.findtext(f"{_S}v") if c.get("t") != "inlineStr" else c.findtext(f"{_S}is/{_S}t")
            cells[ord(col) - 65] = value or ""
        read.append([cells.get(i, "") for i in range(len(rows[0]))])
    assert read == rows
    assert rows[2][0] == "一、本年新收政府信息公开申请数量" and rows[2][-1] == str(
        body.stats["requests_received"]
    )


def test_png_is_valid() -> None:
    data = make_png("chart-1")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, payload = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + payload) & 0xFFFFFFFF == crc
        chunks[kind] = payload
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, color) == (8, 2)
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + 3 * width)
    assert b"IEND" in chunks


# -- variants: table renderings, numbering, titles, script, anomalies ------------------------------

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _between(lines: list[str], start: str, end: str) -> list[str]:
    """The lines after the first heading starting with `start`, up to the heading starting with
    `end` (section headings, not the table's own 一、…四、 rows: those say 申请 or 办理)."""

    def heading(line: str, prefix: str) -> bool:
        return line.startswith(prefix) and ("情况" in line or "事项" in line)

    first = next(i for i, x in enumerate(lines) if heading(x, start))
    last = next(i for i, x in enumerate(lines) if i > first and heading(x, end))
    return lines[first + 1 : last]


def _numbers(lines: list[str]) -> list[float]:
    tokens = [t for line in lines for t in re.split(r"[|\s]+", line)]
    return [float(t) for t in tokens if _NUMBER.fullmatch(t)]


@pytest.mark.parametrize("style", FLAT_STYLES)
@pytest.mark.parametrize("year", [2020, 2023])
def test_flattened_tables_keep_every_value_in_order(style: str, year: int) -> None:
    for seed in ("a", "b"):
        body = make_body(seed, kind="report", unit=UNITS[1], year=year, force=(f"table:{style}",))
        assert body.table_style == style and body.report_format is not None
        assert not _tables(body)
        three = [
            float(body.tables[f"三/{row}/{col}"])
            for row in section3_rows(body.report_format)
            for col in COLUMNS
        ]
        lines = body_text(body).split("\n")
        assert _numbers(_between(lines, "三、", "四、")) == three
        four = [float(v) for k, v in body.tables.items() if k.startswith("四/")]
        section4 = _between(lines, "四、", "五、")
        assert _numbers(section4) == four
        two = [float(v) for k, v in body.tables.items() if k.startswith("二/")]
        assert sorted(_numbers(_between(lines, "二、", "三、"))) == sorted(two)
        if style == "vertical":
            assert " ".join(str(int(v)) for v in four) in section4
            assert "勾" in lines  # a header cell, one character per line
        if style == "pipes":
            assert any(x.startswith("| ") and x.endswith(" |") and "| |" in x for x in lines)
        if style == "cell-pipe-lines":
            assert lines.count("|") > 100
    split = make_body("a", kind="report", unit=UNITS[1], year=2020, force=("table:split-cells",))
    lines = body_text(split).split("\n")
    assert "本年新制作数量" not in lines and "商业企业" not in lines


def test_prose_only_reports_state_their_figures_without_tables() -> None:
    for year in (2019, 2022):
        body = make_body("p", kind="report", unit=UNITS[1], year=year, force=("table:prose",))
        text = body_text(body)
        assert body.table_style == "prose" and body.tables == {} and not _tables(body)
        assert "|" not in text and "table_missing" not in body.anomalies
        s = body.stats
        text = text.replace(",", "，")  # some reports are written with half-width punctuation
        assert (
            f"新收政府信息公开申请{s['requests_received']}件，上年结转{s['requests_carried_over']}件" in text
        )
        assert f"予以公开{s['requests_granted']}件，部分公开{s['requests_partly_granted']}件" in text
        assert f"行政复议{s['reconsideration_count']}件，被提起行政诉讼{s['litigation_count']}件" in text
        for heading in ("一、总体情况", "三、收到和处理政府信息公开申请情况", "六、其他需要报告的事项"):
            assert heading in text.split("\n")


def test_a_missing_table_leaves_no_truth_for_it() -> None:
    sections = set()
    for seed in "abcdef":
        body = make_body(seed, kind="report", unit=UNITS[1], year=2021, force=("table:missing",))
        shown = {k.split("/")[0] for k in body.tables}
        missing = {"二", "四"} - shown
        assert len(missing) == 1 and "三" in shown and "table_missing" in body.anomalies
        assert len(_tables(body)) == 2
        if missing == {"四"}:
            assert body.stats["reconsideration_count"] is None and body.stats["litigation_count"] is None
        sections |= missing
    assert sections == {"二", "四"}


@pytest.mark.parametrize(
    ("numbering", "pattern"),
    [
        ("bracket", r"【一】(总体情况|概述|情况概述|总体情况|基本情况|政府信息公开的总体情况|主动公开.*)"),
        ("spaced", r"[一二] 、.+"),
        ("glued", r"[一二三四五六七]、[^。]{2,30}?(情况|概述|事项|打算|措施)[^。]*?[，。].*"),
        ("circled", r"①.+"),
        ("parenthesised", r"㈠.+"),
    ],
)
def test_numbering_variants(numbering: str, pattern: str) -> None:
    for unit, year in ((UNITS[0], 2014), (UNITS[1], 2021)):
        body = make_body("n", kind="report", unit=unit, year=year, force=(f"numbering:{numbering}",))
        lines = body_text(body).split("\n")
        assert any(re.fullmatch(pattern, line) for line in lines), (numbering, year, lines[:8])
        if numbering in ("bracket", "spaced"):
            assert not any(re.match(r"[一二三四五六七]、(总体情况|概述|主动公开)", x) for x in lines)


def test_title_forms() -> None:
    year = 2020
    titles = {
        form: make_body("t", kind="report", unit=UNITS[0], year=year, force=(f"title:{form}",))
        for form in ("no-year", "no-agency", "nianbao", "work-report", "situation-report", "split")
    }
    assert str(year) not in titles["no-year"].title and "站前" in titles["no-year"].title
    assert titles["no-agency"].title.startswith(str(year))
    assert titles["nianbao"].title.endswith("年报")
    assert titles["work-report"].title.endswith("年度工作报告")
    assert titles["situation-report"].title.endswith("工作情况报告")
    split = titles["split"]
    first, second = body_text(split).split("\n")[:2]
    assert first + second == split.title and second.startswith(str(year))
    assert all(b.report_year == year for b in titles.values())


def test_traditional_copy_keeps_the_simplified_figures() -> None:
    for year in (2015, 2021):
        plain = make_body("c", kind="report", unit=UNITS[1], year=year, force=("script:simplified",))
        copy = make_body("c", kind="report", unit=UNITS[1], year=year, force=("script:traditional",))
        assert copy.script == "traditional" and plain.script == "simplified"
        assert body_text(copy) == to_traditional(body_text(plain)) != body_text(plain)
        assert copy.title == to_traditional(plain.title) and "公開" in copy.title
        assert copy.stats == plain.stats and copy.tables == plain.tables
        assert copy.report_year == plain.report_year and copy.signed_date == plain.signed_date
        assert copy.signed_by == to_traditional(UNITS[1].full)


def _forced(code: str, year: int, seed: str = "f") -> Body:
    return make_body(seed, kind="report", unit=UNITS[1], year=year, force=(f"anomaly:{code}",))


def test_forced_anomalies_are_written_and_recorded() -> None:
    for year in (2014, 2020, 2022):
        standard = year >= 2019
        body = _forced("malformed_date", year)
        assert f"自{year}11日起" in body_text(body) and "malformed_date" in body.anomalies
        assert body.period == {"start": None, "end": f"{year}-12-31"}
        body = _forced("truncated_text", year)
        text = body_text(body)
        assert body.signed_by is None and body.signed_date is None and "truncated_text" in body.anomalies
        assert not text.endswith(("。", "日")) and "其他需要报告的事项" not in text.split("\n")[-1]
        body = _forced("signed_before_period_end", year)
        assert body.signed_date is not None and body.signed_date < f"{year}-12-31"
        assert "signed_before_period_end" in body.anomalies
        if standard:
            body = _forced("missing_section", year)
            lines = body_text(body).split("\n")
            present = [h for h in ("五、存在的主要问题及改进情况", "六、其他需要报告的事项") if h in lines]
            assert len(present) == 1 and "missing_section" in body.anomalies
            body = _forced("prose_table_mismatch", year)
            said = re.search(r"(?:收到|新收)政府信息公开申请(\d+)件", body_text(body))
            assert said and int(said.group(1)) != body.tables["三/一/总计"]
            assert body.stats["requests_received"] == body.tables["三/一/总计"]
            assert "prose_table_mismatch" in body.anomalies
            for code in ("table_identity_broken", "table_total_mismatch"):
                assert code in _forced(code, year).anomalies
        else:
            body = _forced("contradictory_figures", year)
            assert "累计公开政府信息" in body_text(body) and "contradictory_figures" in body.anomalies
            body = _forced("repeated_paragraph", year)
            lines = body_text(body).split("\n")
            assert len(lines) > len(set(lines)) and "repeated_paragraph" in body.anomalies


def test_table_anomalies_follow_the_written_figures() -> None:
    checked = 0
    for body in reports(4):
        if body.table_style != "html" or body.report_format == "free-form":
            continue
        assert body.report_format is not None
        t = body.tables
        rows = section3_rows(body.report_format)
        results = [r for r in result_rows(body.report_format) if r != "三(总计)"]
        identity = any(
            t[f"三/一/{c}"] + t[f"三/二/{c}"] != t[f"三/三(总计)/{c}"] + t[f"三/四/{c}"] for c in COLUMNS
        )
        totals = any(sum(t[f"三/{r}/{c}"] for c in COLUMNS[:6]) != t[f"三/{r}/总计"] for r in rows) or any(
            sum(t[f"三/{r}/{c}"] for r in results) != t[f"三/三(总计)/{c}"] for c in COLUMNS
        )
        assert ("table_identity_broken" in body.anomalies) == identity
        assert ("table_total_mismatch" in body.anomalies) == totals
        checked += 1
    assert checked > 100


def test_most_reports_are_clean_and_variants_rare() -> None:
    bodies = reports(6)
    standard = [b for b in bodies if b.report_format != "free-form"]
    assert sum(not b.anomalies for b in bodies) > 0.75 * len(bodies)
    assert sum(b.table_style == "html" for b in standard) > 0.7 * len(standard)
    assert 0 < sum(b.script == "traditional" for b in bodies) < 0.1 * len(bodies)
    assert {b.table_style for b in standard} > {"html", "prose"}


def test_period_and_contacts_are_what_the_text_states() -> None:
    stated = 0
    for body in reports(2):
        text = body_text(body)
        if body.script == "traditional":
            continue
        if body.period and body.period["start"]:
            y, m, d = (int(x) for x in body.period["start"].split("-"))
            assert f"统计期限自{y}年{m}月{d}日起至{y}年12月31日止" in text
            stated += 1
        for value in body.contacts.values():
            assert value in text
        if "联系电话" in text or "电话：" in text:
            assert "phone" in body.contacts
    assert stated > 20
