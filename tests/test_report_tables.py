"""The standard-report table reader (`pipelines.parse.tables`): every flattening style, the replica's
reports through HTML and the extractor, the table anomalies, and hostile input.

The flattenings below are written from the table model of the replica (`Body.blocks`), the way
copies from Word, PDF or a CMS lay a table out; the expected values are always `Body.tables`, the
ground truth the tables were generated from. `python tests/test_report_tables.py` rewrites the labelled
files of tests/labelled/tables/ (a 2019 and a 2021 report per style and the anomaly variants).
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipelines.extract import extract_page
from pipelines.parse.tables import StandardTables, read_standard_tables
from replica.content import Body, Table, Unit, body_html, make_body
from replica.content.grid import table_rows
from replica.content.variants import FEATURES, NUMBERINGS, TABLE_STYLES
from replica.corpus import Corpus
from replica.pages import Responder

LABELLED = Path(__file__).resolve().parent / "labelled" / "tables"
SEEDS = Path(__file__).resolve().parent.parent / "replica" / "seeds"  # the two real pages

UNITS = (
    Unit("站前街道", "四平市铁西区站前街道办事处", "street", "吉林省", "四平市", "铁西区"),
    Unit("住房和城乡建设局", "四平市铁西区住房和城乡建设局", "department", "吉林省", "四平市", "铁西区"),
    Unit("经济开发区管委会", "四平市铁东区经济开发区管理委员会", "zone", "吉林省", "四平市", "铁东区"),
    Unit("四合镇", "阜新市细河区四合镇人民政府", "town", "辽宁省", "阜新市", "细河区"),
    Unit("卫生健康委员会", "阜新市细河区卫生健康委员会", "department", "辽宁省", "阜新市", "细河区"),
)
TABLE_CODES = ("table_identity_broken", "table_total_mismatch", "table_missing", "table_missing_column")


def standard_bodies(seeds: int = 3) -> Iterator[Body]:
    for seed in range(seeds):
        for unit in UNITS:
            for year in range(2019, 2026):
                yield make_body(f"t{seed}", kind="report", unit=unit, year=year)


# -- flattenings -----------------------------------------------------------------------------------


def _clean(text: str) -> str:
    return " ".join(text.split())


def _row_cells(table: Table) -> list[list[str]]:
    """Rows as HTML gives them: a spanned cell only in the row where it starts."""
    return [[_clean(c.text) for c in row] for row in table.rows]


def _pipes_outer(table: Table) -> list[str]:
    # The full grid with padding cells, outer pipes, as a Word table pasted as text.
    return ["| " + " | ".join(_clean(c) for c in row) + " |" for row in table_rows(table)]


def _pipes_bare(table: Table) -> list[str]:
    return ["|".join(c for c in row if c) for row in _row_cells(table) if any(row)]


def _cell_per_line(table: Table) -> list[str]:
    return [c for row in _row_cells(table) for c in row if c]


def _cell_per_line_blanks(table: Table) -> list[str]:
    # An empty cell keeps its (blank) line: the input is not clean text any more.
    return [_clean(c) for row in table_rows(table) for c in row]


def _alternating(table: Table) -> list[str]:
    out: list[str] = []
    for row in _row_cells(table):
        for cell in row:
            if cell:
                out.extend([cell, "|"])
    return out


def _split(cell: str, salt: int) -> list[str]:
    """A cell broken inside as a narrow Word column breaks it: 本年新 / 制作数量, 商业 企业."""
    if len(cell) == 4 and not cell.isascii():
        return [f"{cell[:2]} {cell[2:]}"]
    if len(cell) > 4 and not cell.lstrip("-").replace(".", "").isdigit():
        cut = 2 + salt % (len(cell) - 3)
        return [cell[:cut], cell[cut:]]
    return [cell]


def _split_cells(table: Table) -> list[str]:
    out: list[str] = []
    for i, cell in enumerate(_cell_per_line(table)):
        out.extend(_split(cell, i))
    return out


def _pdf_vertical(table: Table) -> list[str]:
    """PDF text: header cells one character per line, a value row as its label and numbers on one
    line separated by spaces (section 四's 15 numbers on one line)."""
    out: list[str] = []
    for row in table.rows:
        if row and all(c.header for c in row):
            out.extend(ch for c in row for ch in _clean(c.text) if not ch.isspace())
            continue
        cells = [_clean(c.text) for c in row if _clean(c.text)]
        out.append(" ".join(cells))
    return out


_FULL = str.maketrans("0123456789-.", "０１２３４５６７８９－．")


def _full_width_number(cell: str) -> str:
    plain = cell.lstrip("-")
    if not plain.replace(".", "").isdigit():
        return cell
    whole, _, frac = plain.partition(".")
    grouped = f"{int(whole):,}" + (f".{frac}" if frac else "")
    return ("－" if cell.startswith("-") else "") + grouped.translate(_FULL)


def _full_width(table: Table) -> list[str]:
    return [" | ".join(_full_width_number(c) for c in row) for row in _row_cells(table)]


Flattener = Callable[[Table], list[str]]
STYLES: dict[str, Flattener] = {
    "pipes-outer": _pipes_outer,
    "pipes-bare": _pipes_bare,
    "cell-per-line": _cell_per_line,
    "cell-per-line-blanks": _cell_per_line_blanks,
    "alternating": _alternating,
    "split-cells": _split_cells,
    "pdf-vertical": _pdf_vertical,
    "full-width": _full_width,
}


def flatten(body: Body, style: Flattener) -> list[str]:
    lines: list[str] = []
    for block in body.blocks:
        if isinstance(block, Table):
            lines.extend(style(block))
        elif _clean(block):
            lines.append(_clean(block))
    return lines


def html_lines(body: Body) -> list[str]:
    """The body as a CMS page and back through our extractor: real `a | b | c` rows."""
    page = (
        "<html><head><meta charset='utf-8'><title>t</title></head><body>"
        f"<div class='content'>{body_html(body)}</div></body></html>"
    )
    return extract_page("http://www.example.gov.cn/a.html", page.encode("utf-8")).text.split("\n")


def table_flaws(body: Body) -> list[str]:
    return [f for f in body.flaws if f.startswith(("row-sum:", "identity:"))]


def codes(result: StandardTables) -> list[str]:
    return sorted(str(a["code"]) for a in result.anomalies)


def truth_codes(body: Body) -> set[str]:
    return set(body.anomalies) & set(TABLE_CODES)


def check_against_truth(result: StandardTables, body: Body) -> None:
    """Everything but the values: anomalies, sections, format."""
    assert set(codes(result)) == truth_codes(body), (body.title, result.anomalies, body.anomalies)
    shown = tuple(s for s in ("二", "三", "四") if any(k.startswith(f"{s}/") for k in body.tables))
    assert result.sections_found == shown
    if body.tables:
        assert result.format_hint == body.report_format


def wrong_cells(result: StandardTables, truth: dict[str, int | float]) -> set[str]:
    differ = {k for k, v in truth.items() if k not in result.values or result.values[k] != v}
    return differ | (set(result.values) - set(truth))


# -- every style, every report ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def bodies() -> list[Body]:
    return list(standard_bodies())


@pytest.mark.parametrize("style", ["html", *STYLES])
def test_every_style_reads_every_cell(style: str, bodies: list[Body]) -> None:
    right = expected = 0
    spent = 0.0
    for body in bodies:
        lines = html_lines(body) if style == "html" else flatten(body, STYLES[style])
        start = time.perf_counter()
        result = read_standard_tables(lines)
        spent += time.perf_counter() - start
        wrong = wrong_cells(result, body.tables)
        expected += len(body.tables)
        right += len(body.tables) - len(wrong & set(body.tables))
        assert not wrong, (style, body.title, sorted(wrong)[:10])
        check_against_truth(result, body)
    print(f"\n{style}: {right}/{expected} cells, {spent / len(bodies) * 1000:.2f} ms per report")
    assert len(bodies) >= 100


def test_served_replica_reports_give_the_truth() -> None:
    """Real pages of the replica (HTML as served, any encoding) through the extractor."""
    corpus = Corpus(seed=1, pages=900)
    responder = Responder(corpus)
    read = 0
    styles: Counter[str] = Counter()
    for truth in corpus.documents():
        if truth.kind != "report" or truth.report_format in (None, "free-form") or truth.fault:
            continue
        found = corpus.find_url(truth.url)
        view = corpus.view(found) if found is not None and not isinstance(found, tuple) else None
        if view is None or view.body is None or view.doc.pdf_only:
            continue
        parts = urlsplit(truth.url)
        page = responder.respond(parts.netloc, parts.path + (f"?{parts.query}" if parts.query else ""))
        charset = page.content_type.partition("charset=")[2] or None
        lines = extract_page(truth.url, page.body, charset).text.split("\n")
        result = read_standard_tables(lines)
        assert not wrong_cells(result, view.body.tables), truth.url
        check_against_truth(result, view.body)
        read += 1
        styles[view.body.table_style or ""] += 1
    assert read >= 100
    print(f"\nserved reports read exactly: {read}, by table style {dict(styles)}")


def test_replica_styles_and_defects(bodies: list[Body]) -> None:
    """The replica's own renderings (table_style: html, flattened, prose, a table missing; some in
    traditional script) and its deliberate defects, each found where the flaw was put."""
    more = [make_body(f"f{i}", kind="report", unit=UNITS[i % 5], year=2019 + i % 7) for i in range(400)]
    seen: Counter[str] = Counter()
    right: Counter[str] = Counter()
    expected: Counter[str] = Counter()
    for body in [*bodies, *more]:
        result = read_standard_tables(html_lines(body))
        got = codes(result)
        style = body.table_style or "?"
        expected[style] += len(body.tables)
        right[style] += len(body.tables) - len(wrong_cells(result, body.tables) & set(body.tables))
        assert not wrong_cells(result, body.tables), (style, body.title)
        check_against_truth(result, body)
        for flaw in table_flaws(body):
            kind, _, where = flaw.partition(":")
            seen[kind] += 1
            if kind == "identity":
                broken = [a for a in result.anomalies if a["code"] == "table_identity_broken"]
                assert any(f"column {where}:" in str(a["message"]) for a in broken), (flaw, got)
            else:
                assert any(f"row {where}:" in str(a["message"]) for a in result.anomalies), (flaw, got)
        assert set(got) == truth_codes(body), (body.title, result.anomalies)
    assert seen["identity"] >= 3 and seen["row-sum"] >= 3, seen
    assert len(expected) >= 6, expected  # most replica styles were met
    print("\n" + ", ".join(f"{k}: {right[k]}/{expected[k]}" for k in sorted(expected)))


def _forced() -> list[list[str]]:
    """Every replica feature alone, and each table rendering with each heading numbering, in
    traditional script, and with each table defect."""
    styles = [t for t in TABLE_STYLES if t != "html"]
    combos = [[f] for f in FEATURES]
    combos += [[f"table:{t}", f"numbering:{n}"] for t in styles for n in NUMBERINGS if n != "plain"]
    combos += [[f"table:{t}", "script:traditional"] for t in styles]
    combos += [
        [f"table:{t}", f"anomaly:{a}"]
        for t in styles
        if t != "prose"
        for a in ("table_identity_broken", "table_total_mismatch")
    ]
    return combos


def test_replica_forced_variants() -> None:
    read = 0
    for i, force in enumerate(_forced()):
        for year in (2020, 2023):
            body = make_body(f"v{i}", kind="report", unit=UNITS[i % len(UNITS)], year=year, force=force)
            result = read_standard_tables(html_lines(body))
            assert not wrong_cells(result, body.tables), (force, year)
            check_against_truth(result, body)
            odd = {"anomaly:truncated_text", "anomaly:missing_section", "script:traditional"}
            if body.table_style == "prose":
                assert result.table_lines == frozenset()
            elif not odd & set(body.features):
                assert result.table_lines == _inside_table_sections(html_lines(body)), force
            read += 1
    assert read > 150


_SECTION_HEADS = (
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请情况",
    "行政复议",
    "存在的主要问题",
    "其他需要报告",
)


def _inside_table_sections(lines: Sequence[str]) -> set[int]:
    """Indices of the lines after the heading of 二 and before the heading of 五 (or 六) that are not
    themselves headings: in the replica's standard reports, the lines of the tables."""
    heads: list[tuple[int, int]] = []
    for i, line in enumerate(lines):
        text = "".join(line.split()).lstrip("【】一二三四五六、.,")
        found = next((k for k, w in enumerate(_SECTION_HEADS) if w in text[:30]), None)
        if found is not None and "|" not in line and (not heads or found > heads[-1][1]):
            heads.append((i, found))
    first = next(i for i, k in heads if k == 0)
    last = next((i for i, k in heads if k >= 3), len(lines))
    return set(range(first + 1, last)) - {i for i, _ in heads}


# -- labelled files --------------------------------------------------------------------------------


def _labelled() -> list[Path]:
    return sorted(LABELLED.glob("*.txt"))


def test_labelled_set_is_complete() -> None:
    names = {p.stem for p in _labelled()}
    for style in ["html", *STYLES]:
        assert {f"{style}-2019", f"{style}-2021"} <= names
    for code in TABLE_CODES:
        assert any(json.loads(p.with_suffix(".json").read_text("utf-8"))["anomalies"].count(code)
                   for p in _labelled()), code  # fmt: skip


@pytest.mark.parametrize("path", _labelled(), ids=lambda p: p.stem)
def test_labelled_variant(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text("utf-8"))
    result = read_standard_tables(path.read_text("utf-8").split("\n"))
    assert result.values == expected["values"]
    assert codes(result) == sorted(expected["anomalies"])
    assert result.format_hint == expected["format_hint"]
    for anomaly in result.anomalies:
        assert anomaly["evidence"], anomaly  # every table anomaly shows the row it is about


# -- details ---------------------------------------------------------------------------------------

REPORT_2021 = [
    "一、总体情况",
    "全年新收政府信息公开申请3件。",
    "二、主动公开政府信息情况",
    "第二十条第（一）项",
    "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数",
    "规章 | 0 | 0 | 0",
    "行政规范性文件 | 2 | 1 | 9",
    "第二十条第（八）项",
    "信息内容 | 本年收费金额（单位：万元）",
    "行政事业性收费 | １，２３４．５",
    "三、收到和处理政府信息公开申请情况",
    "一、本年新收政府信息公开申请数量 | 2 | 1 | 0 | 0 | 0 | 0 | 3",
    "三、本年度办理结果 | （一）予以公开 | 2 | 1 | 0 | 0 | 0 | 0 | 3",
    "四、政府信息公开行政复议、行政诉讼情况",
    "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计",
    "1 0 0 0 1 0 0 0 0 0 0 0 0 0 0",
    "五、存在的主要问题及改进情况",
    "无。",
]


def test_values_evidence_and_lines_of_a_small_report() -> None:
    result = read_standard_tables(REPORT_2021)
    assert result.values["二/行政事业性收费/本年收费金额"] == 1234.5
    assert result.values["二/行政规范性文件/本年废止件数"] == 1
    assert "二/规范性文件/本年制发件数" not in result.values
    assert result.values["三/三(一)/总计"] == 3 and result.values["四/行政复议/总计"] == 1
    assert result.evidence["三/一/商业企业"] == REPORT_2021[11]
    assert result.evidence["四/复议后起诉/总计"] == REPORT_2021[15]
    assert result.table_lines == frozenset([*range(3, 10), 11, 12, 14, 15])
    assert result.format_hint == "standard-2021"
    # Rows 二 and 三(总计) are absent: nothing is invented and no sum is checked against them.
    assert codes(result) == []


def test_section3_values_follow_the_value_order_not_the_header_order() -> None:
    lines = [
        "三、收到和处理政府信息公开申请情况",
        "自然人 | 法人或其他组织 | 总计",
        "商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他",
        "一、本年新收政府信息公开申请数量 | 1 | 2 | 3 | 4 | 5 | 6 | 21",
    ]
    values = read_standard_tables(lines).values
    assert [values[f"三/一/{c}"] for c in ("自然人", "商业企业", "其他", "总计")] == [1, 2, 6, 21]


def test_negative_and_split_values_of_section2() -> None:
    lines = [
        "二、行政机关主动公开政府信息情况",
        "信息内容",
        "上一年项目数量",
        "本年增/减",
        "处理决定数量",
        "行政",
        "许可",
        "12",
        "−3",
        "7",
        "其他对外管理服务事项 | 4 | +1 | 0",
    ]
    result = read_standard_tables(lines)
    assert result.values == {
        "二/行政许可/上一年项目数量": 12,
        "二/行政许可/本年增减": -3,
        "二/行政许可/处理决定数量": 7,
        "二/其他对外管理服务事项/上一年项目数量": 4,
        "二/其他对外管理服务事项/本年增减": 1,
        "二/其他对外管理服务事项/处理决定数量": 0,
    }
    assert result.evidence["二/行政许可/本年增减"] == "行政 许可 12 −3 7"
    assert result.format_hint == "standard-2019"


def test_dashes_units_and_detached_signs() -> None:
    lines = [
        "二、主动公开政府信息情况",
        "行政许可 | 5 | - 1 | 3件",  # a sign set apart from its number, a unit in the cell
        "行政处罚 12 — 7",  # PDF text: a dash for an empty cell among the numbers
        "政府集中采购 | 2 | 1,250.5万元",
    ]
    result = read_standard_tables(lines)
    assert result.values == {
        "二/行政许可/上一年项目数量": 5,
        "二/行政许可/本年增减": -1,
        "二/行政许可/处理决定数量": 3,
        "二/行政处罚/上一年项目数量": 12,
        "二/行政处罚/处理决定数量": 7,
        "二/政府集中采购/采购项目数量": 2,
        "二/政府集中采购/采购总金额": 1250.5,
    }
    assert codes(result) == ["table_missing_column"]
    assert result.anomalies[0]["evidence"] == lines[2] and "本年增减" in str(result.anomalies[0]["message"])


def test_a_blank_cell_is_not_filled_by_its_neighbour() -> None:
    lines = [
        "三、收到和处理政府信息公开申请情况",
        "二、上年结转政府信息公开申请数量 | | | 1 | | 0 | 0 | 0 | 0 | 1",
        "四、结转下年度继续办理 | 1 | 0 | 0 | 1",
    ]
    result = read_standard_tables(lines)
    assert result.values["三/二/自然人"] == 1 and result.values["三/二/科研机构"] == 0
    assert "三/二/商业企业" not in result.values
    assert not any(k.startswith("三/四/") for k in result.values)  # 4 numbers for 7 columns: none placed
    missing = [a for a in result.anomalies if a["code"] == "table_missing_column"]
    assert [a["evidence"] for a in missing] == [lines[1], lines[2]]
    assert "商业企业" in str(missing[0]["message"]) and "1, 0, 0, 1" in str(missing[1]["message"])


PROSE_REPORT = [
    "一、总体情况",
    "2021年，本机关主动公开政府信息120条。",
    "二、主动公开政府信息情况",
    "本年度制发行政规范性文件2件，现行有效9件。",
    "三、收到和处理政府信息公开申请情况",
    "本年度共收到政府信息公开申请3件，上年结转1件，均已办结。",
    "四、政府信息公开行政复议、行政诉讼情况",
    "本年度未发生政府信息公开行政复议、行政诉讼案件。",
    "五、存在的主要问题及改进情况",
    "一是公开内容不够全面。",
    "六、其他需要报告的事项",
    "无。",
]


def test_prose_sections_yield_no_values_and_no_anomaly() -> None:
    result = read_standard_tables(PROSE_REPORT)
    assert result.values == {} and result.anomalies == () and result.sections_found == ()
    assert result.table_lines == frozenset()


def test_a_section_without_table_or_figures_is_reported() -> None:
    lines = [
        "三、收到和处理政府信息公开申请情况",
        "详见下表",
        "四、政府信息公开行政复议、行政诉讼情况",
        "0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0",
    ]
    result = read_standard_tables(lines)
    assert codes(result) == ["table_missing"]
    assert result.anomalies[0]["evidence"] == lines[0]
    assert result.sections_found == ("四",) and len(result.values) == 15


def test_headings_are_found_by_their_words_not_their_numerals() -> None:
    lines = [
        "三、收到和处理政府信息公开申请情况",
        "一、本年新收政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1",
        "四、结转下年度继续办理 | 1 | 0 | 0 | 0 | 0 | 0 | 1",
        "四、因政府信息公开工作被申请行政复议提起行政诉讼情况",
        "行政复议 | 行政诉讼",
        "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
    ]
    result = read_standard_tables(lines)
    assert result.values["三/四/总计"] == 1 and result.values["四/复议后起诉/总计"] == 0
    assert result.sections_found == ("三", "四")


def test_glued_headings_and_traditional_script() -> None:
    lines = [
        "二、主動公開政府信息情況第二十條第（一）項 | | |",
        "信息內容 | 本年制發件數 | 本年廢止件數 | 現行有效件數",
        "規章 | 0 | 0 | 0",
        "行政規範性文件 | 3 | 0 | 5",
        "三、收到和處理政府信息公開申請情況詳見附表",
        "四、政府信息公開行政復議、行政訴訟情況",
        "0 0 0 0 0 0 0 0 0 0 0 0 1 0 1",
        "五、存在的主要問題及改進情況本年度存在的問題是……。",
        "2 | 3 | 4",
    ]
    result = read_standard_tables(lines)
    assert result.values["二/行政规范性文件/现行有效件数"] == 5
    assert result.values["四/复议后起诉/其他结果"] == 1 and len(result.values) == 6 + 15
    assert result.format_hint == "standard-2021"
    assert codes(result) == ["table_missing"]  # 三: only 详见附表 glued to its heading
    assert result.table_lines == frozenset({1, 2, 3, 6})


def test_free_form_reports_and_the_real_seeds_have_no_tables() -> None:
    """Free-form reports use some of the same headings (二、主动公开政府信息情况) over prose, with or
    without figures: nothing is read and nothing reported."""
    texts = [p.read_text("utf-8").split("\n") for p in sorted(SEEDS.glob("*.txt"))]
    assert len(texts) == 2
    for seed in range(3):
        for unit in UNITS:
            texts.extend(
                html_lines(make_body(f"q{seed}", kind="report", unit=unit, year=year))
                for year in range(2008, 2019)
            )
    for lines in texts:
        result = read_standard_tables(lines)
        assert result.values == {} and result.anomalies == (), result.anomalies


def test_a_sentence_pointing_at_a_missing_table_is_a_missing_table() -> None:
    lines = ["二、主动公开政府信息情况", "本年度主动公开情况详见下表。", "五、存在的主要问题及改进情况"]
    assert codes(read_standard_tables(lines)) == ["table_missing"]
    lines[1] = "本年度坚持以公开为常态、不公开为例外。"
    assert codes(read_standard_tables(lines)) == []


# -- hostile input ---------------------------------------------------------------------------------


def test_truncated_reports_never_raise_and_keep_what_was_read(bodies: list[Body]) -> None:
    rng = random.Random(7)
    for body in bodies[:40]:
        text = "\n".join(html_lines(body))
        for _ in range(15):
            cut = rng.randrange(len(text))
            lines = text[:cut].split("\n")
            result = read_standard_tables(lines)
            # Rows before the cut are read right; the row cut in two (its last number may be cut
            # short) is only checked not to add keys.
            for key, value in result.values.items():
                assert key in body.tables
                assert value == body.tables[key] or result.evidence[key].endswith(lines[-1]), key


def test_garbage_never_raises() -> None:
    rng = random.Random(3)
    alphabet = (
        "一二三四五六七八九十、（）()|.,-−０１２３４５６７８９0123456789 \t\u3000总计其他情况申请行政复议诉讼"
    )
    samples: list[Sequence[str]] = [
        [],
        [""],
        ["|"],
        ["| | |"],
        ["四、政府信息公开行政复议、行政诉讼情况", "9" * 400, "1e999 " * 20],
        [
            "三、收到和处理政府信息公开申请情况",
            "一、本年新收 | " + " | ".join(["99999999999999999999.5"] * 9),
        ],
        [bytes(range(256)).decode("latin-1"), "\ud800", "\x00|\x00"],
        ["三、收到和处理政府信息公开申请情况", "一、本年新收", None, "1 2 3 4 5 6 21", 7],  # type: ignore[list-item]
        ["二、主动公开政府信息情况"] + ["规章"] * 500 + ["1"] * 3000,
    ]
    for _ in range(200):
        samples.append(
            [
                "".join(rng.choice(alphabet) for _ in range(rng.randrange(60)))
                for _ in range(rng.randrange(30))
            ]
        )
    for lines in samples:
        result = read_standard_tables(lines)
        assert isinstance(result.values, dict)


# -- the labelled files ----------------------------------------------------------------------------


def _pick(fmt: str, clean: bool = True) -> Body:
    """A report of `fmt` with some non-zero figures in every table, for the labelled files."""
    for body in standard_bodies(6):
        if body.report_format != fmt or bool(table_flaws(body)) == clean or body.table_style != "html":
            continue  # the flattenings below start from the replica's <table>s
        if body.script != "simplified":
            continue
        t = body.tables
        if t["三/一/总计"] >= 3 and any(v for k, v in t.items() if k.startswith("二/") and v):
            return body
    raise LookupError(fmt)


def _write(
    name: str, lines: Sequence[str], values: dict[str, int | float], anomalies: list[str], fmt: str | None
) -> None:
    LABELLED.mkdir(parents=True, exist_ok=True)
    (LABELLED / f"{name}.txt").write_text("\n".join(lines), "utf-8")
    data = {"values": values, "anomalies": sorted(anomalies), "format_hint": fmt}
    (LABELLED / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")


def _replace(lines: list[str], old: str, new: str) -> list[str]:
    hits = [i for i, line in enumerate(lines) if line.startswith(old)]
    assert hits, old
    out = list(lines)
    out[hits[0]] = new
    return out


def _edit(row: str, index: int, delta: int | None) -> str:
    """`row` with its cell at `index` (from the end) raised by `delta`, or blanked when None."""
    cells = [c.strip() for c in row.split("|")]
    cells[index] = "" if delta is None else str(int(cells[index]) + delta)
    return " ".join(" | ".join(cells).split())


def write_labelled() -> None:
    for fmt in ("standard-2019", "standard-2021"):
        body = _pick(fmt)
        year = fmt[-4:]
        _write(f"html-{year}", html_lines(body), body.tables, [], fmt)
        for style, flattener in STYLES.items():
            _write(f"{style}-{year}", flatten(body, flattener), body.tables, [], fmt)
    body = _pick("standard-2021")
    lines = html_lines(body)
    t = dict(body.tables)
    row4 = next(line for line in lines if "结转下年度" in line)
    # identity: one more request carried into next year for 自然人 (and so its 总计)
    cells = _edit(_edit(row4, -7, 1), -1, 1).split(" | ")
    broken = {**t, "三/四/自然人": t["三/四/自然人"] + 1, "三/四/总计": t["三/四/总计"] + 1}
    _write("identity-broken", _replace(lines, row4, " | ".join(cells)), broken,
           ["table_identity_broken"] * 2, fmt)  # fmt: skip
    # a row whose 总计 is not the sum of its applicant columns (and so 三(总计)'s 总计 neither)
    row = next(line for line in lines if "予以公开" in line)
    cells = _edit(row, -1, 2).split(" | ")
    summed = {**t, "三/三(一)/总计": t["三/三(一)/总计"] + 2}
    _write("row-total-mismatch", _replace(lines, row, " | ".join(cells)), summed,
           ["table_total_mismatch"] * 2, fmt)  # fmt: skip
    # the 四 table: 行政复议's 总计 one more than its four results
    row = next(
        line for line in lines if line.count("|") == 14 and line.replace("|", "").replace(" ", "").isdigit()
    )
    cells = _edit(row, -11, 1).split(" | ")
    review = {**t, "四/行政复议/总计": t["四/行政复议/总计"] + 1}
    _write("review-total-mismatch", _replace(lines, row, " | ".join(cells)), review,
           ["table_total_mismatch"], fmt)  # fmt: skip
    # a blank cell in a pipe row: the others are read, the blank is reported
    row = next(line for line in lines if "本年新收" in line)
    cells = _edit(row, -6, None).split(" | ")
    blank = {k: v for k, v in t.items() if k != "三/一/商业企业"}
    _write("blank-cell", _replace(lines, row, " | ".join(cells)), blank, ["table_missing_column"], fmt)
    # a cell lost in a one-cell-per-line copy: the row is short and nothing of it is placed
    flat = flatten(body, _cell_per_line)
    at = next(i for i, cell in enumerate(flat) if "上年结转" in cell and cell.startswith("二"))
    short = [*flat[: at + 1], *flat[at + 2 :]]
    lost = {k: v for k, v in t.items() if not k.startswith("三/二/")}
    _write("lost-cell", short, lost, ["table_missing_column"], fmt)
    # the 三 table missing entirely: the section says 详见下表 and nothing else
    start = next(i for i, line in enumerate(lines) if "收到和处理" in line)
    end = next(i for i, line in enumerate(lines) if "诉讼情况" in line and "|" not in line)
    missing = [*lines[: start + 1], "详见下表", *lines[end:]]
    _write("table-missing", missing, {k: v for k, v in t.items() if not k.startswith("三/")},
           ["table_missing"], fmt)  # fmt: skip
    # six headings, all written as prose: nothing to read, nothing to report
    _write("prose-headings", PROSE_REPORT, {}, [], None)
    # the replica's own defects, as generated
    flawed = _pick("standard-2019", clean=False)
    flaws = table_flaws(flawed)
    result = read_standard_tables(html_lines(flawed))
    assert [f.split(":")[0] for f in flaws], flaws
    _write(f"replica-{flaws[0].split(':')[0]}", html_lines(flawed), flawed.tables, codes(result),
           "standard-2019")  # fmt: skip


if __name__ == "__main__":
    write_labelled()
    sys.exit(0)
