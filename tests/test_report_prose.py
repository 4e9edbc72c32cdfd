"""Report fields from the prose (pipelines.parse.report) and document types (pipelines.parse.doctype).

The labelled set under tests/labelled/prose/ holds hand-made report bodies (``x.txt``) with what a
reader must find in them (``x.json``): both seeds, free-form variants, prose-only standard reports,
traditional-script copies and one case per prose anomaly.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pipelines.parse.doctype import (
    ANNUAL_REPORT,
    FUNCTIONS,
    GUIDE,
    NOTICE,
    OTHER,
    POLICY,
    classify_doc_type,
    find_report_year,
)
from pipelines.parse.report import STAT_KEYS, analyse_report, has_traditional, to_simplified
from pipelines.parse.report.annex import read_annex
from pipelines.parse.report.text import parse_number
from pipelines.parse.signature import find_signature
from pipelines.parse.textnorm import clean_lines

LABELLED = Path(__file__).resolve().parent / "labelled" / "prose"
# The anomaly codes this reader produces; the others (dates of signature and publication, tables)
# come from other parts of the parser.
PROSE_CODES = {
    "prose_table_mismatch",
    "contradictory_figures",
    "missing_section",
    "repeated_paragraph",
    "malformed_date",
}


def _body(text: str, title: str | None) -> list[str]:
    """Clean lines without the title lines and the signature, as the document parser hands them."""
    lines = clean_lines(text)
    if title and lines and lines[0].replace(" ", "") in title.replace(" ", ""):
        lines = lines[1:]
    signature = find_signature(lines)
    return lines[: signature.start] if signature is not None else lines


def _labelled() -> list[Path]:
    return sorted(LABELLED.glob("*.json"))


def _analyse(label: Path) -> tuple[Any, dict[str, Any]]:
    data = json.loads(label.read_text(encoding="utf-8"))
    given = data.get("input", {})
    lines = _body(label.with_suffix(".txt").read_text(encoding="utf-8"), data.get("title"))
    analysis = analyse_report(
        lines,
        report_year=data["report_year"],
        table_values=given.get("table_values", {}),
        table_evidence=given.get("table_evidence", {}),
        format_hint=given.get("format_hint"),
    )
    return analysis, data


def test_the_labelled_set_covers_what_the_brief_lists() -> None:
    names = {p.stem for p in _labelled()}
    assert {"seed-000", "seed-004"} <= names
    assert sum(n.startswith("traditional-") for n in names) >= 2
    assert sum(n.startswith("standard-prose") for n in names) >= 2
    codes = Counter(
        code
        for p in _labelled()
        for code in json.loads(p.read_text(encoding="utf-8"))["expected"]["anomalies"]
        if code in PROSE_CODES
    )
    assert set(codes) == PROSE_CODES


@pytest.mark.parametrize("label", _labelled(), ids=lambda p: p.stem)
def test_labelled_report(label: Path) -> None:
    analysis, data = _analyse(label)
    expected = data["expected"]
    assert analysis.format == expected["format"]
    assert analysis.stats == expected["stats"]
    assert set(analysis.evidence) == {k for k, v in analysis.stats.items() if v is not None}
    for stat, words in expected["evidence"].items():
        assert words in analysis.evidence[stat], stat
    assert analysis.period == expected["period"]
    # No contacts: None here, {} in the labels (the replica's and the quality gate's convention).
    assert (analysis.contacts or {}) == expected["contacts"]
    wanted = {c for c in expected["anomalies"] if c in PROSE_CODES}
    assert {a["code"] for a in analysis.anomalies} == wanted
    for found in analysis.anomalies:
        assert set(found) == {"code", "message", "evidence"}
        if found["code"] != "missing_section":
            assert isinstance(found["evidence"], str) and found["evidence"]


def test_labelled_doc_type_and_year() -> None:
    for label in _labelled():
        data = json.loads(label.read_text(encoding="utf-8"))
        lines = _body(label.with_suffix(".txt").read_text(encoding="utf-8"), data.get("title"))
        assert classify_doc_type(data["title"], lines) == ANNUAL_REPORT, label.stem
        assert find_report_year(data["title"], lines) == data["expected"]["report_year"], label.stem


# --- the seeds' particular readings --------------------------------------------------------------


def test_seed_000_keeps_the_years_figure_and_flags_the_cumulative_one() -> None:
    analysis, _ = _analyse(LABELLED / "seed-000.json")
    assert analysis.stats["proactive_total"] == 137
    (contradiction,) = [a for a in analysis.anomalies if a["code"] == "contradictory_figures"]
    assert "66" in str(contradiction["evidence"])


def test_seed_004_part_larger_than_whole_and_the_repeated_sentence() -> None:
    analysis, _ = _analyse(LABELLED / "seed-004.json")
    assert analysis.stats["proactive_total"] == 52
    by_code = {a["code"]: a for a in analysis.anomalies}
    assert "141" in str(by_code["contradictory_figures"]["evidence"])
    assert "信息公开形式还需进一步创新" in str(by_code["repeated_paragraph"]["evidence"])
    # 受理政府公开案件20件 are hotline cases: no request figure is read from them.
    assert analysis.stats["requests_received"] is None


def test_traditional_copy_reads_like_the_simplified_one() -> None:
    simplified, _ = _analyse(LABELLED / "seed-000.json")
    traditional, _ = _analyse(LABELLED / "traditional-seed-000.json")
    assert traditional.stats == simplified.stats
    assert traditional.period == simplified.period
    assert "條" in traditional.evidence["proactive_total"]  # evidence as written


# --- stats rules ---------------------------------------------------------------------------------


def test_table_values_win_and_fees_never_come_from_the_administrative_fee_row() -> None:
    values = {
        "二/行政事业性收费/本年收费金额": 30.5,
        "三/一/总计": 4,
        "三/三(三)1/总计": 1,
        "三/三(三)6/总计": 2,
        "四/行政复议/总计": 1,
        "四/未经复议直接起诉/总计": 2,
        "四/复议后起诉/总计": 1,
    }
    lines = ["一、总体情况", "全年收到政府信息公开申请4件。", "二、主动公开政府信息情况"]
    analysis = analyse_report(lines, report_year=2021, table_values=values)
    assert analysis.stats["fees_collected"] is None
    assert analysis.stats["requests_refused"] == 3
    assert analysis.stats["reconsideration_count"] == 1
    assert analysis.stats["litigation_count"] == 3
    assert analysis.stats["requests_received"] == 4
    assert not [a for a in analysis.anomalies if a["code"] == "prose_table_mismatch"]
    assert "三/三(三)6/总计" in analysis.evidence["requests_refused"]


def test_absence_statements_are_zero_with_their_sentence() -> None:
    lines = [
        "本年度，我局没有收到公民、法人或其他组织提出的政府信息公开申请。",
        "我局依申请公开政府信息未收取检索、复制、邮寄等费用。",
        "本年度未发生因政府信息公开申请行政复议、提起行政诉讼的情况。",
    ]
    analysis = analyse_report(lines, report_year=2014)
    assert analysis.stats["requests_received"] == 0
    assert analysis.stats["fees_collected"] == 0
    assert analysis.stats["reconsideration_count"] == 0
    assert analysis.stats["litigation_count"] == 0
    assert analysis.evidence["requests_received"] == lines[0]
    assert analysis.stats["proactive_total"] is None


def test_negations_that_are_not_statements_of_absence() -> None:
    lines = [
        "全年收到政府信息公开申请7件，无上年结转申请。",
        "对无正当理由大量反复申请的，依法不予处理。",
        "被申请行政复议1件，未经复议直接起诉0件。",
    ]
    analysis = analyse_report(lines, report_year=2020)
    assert analysis.stats["requests_received"] == 7
    assert analysis.stats["requests_carried_over"] == 0
    assert analysis.stats["reconsideration_count"] == 1
    assert not analysis.anomalies


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("137", 137),
        ("一百零五", 105),
        ("两万", 20_000),
        ("1.2万", 12_000),
        ("0.12万", 1200),
        ("3.5", 3.5),
        ("十二", 12),
    ],
)
def test_numbers(written: str, value: float) -> None:
    assert parse_number(written) == value


def test_annex_with_pipes_and_without_a_code_column() -> None:
    rows = ["附表", "指标名称 | 计量单位 | 本期实际", "主动公开信息数 | 条 | 88", "行政诉讼数 | 件 | 1"]
    found = read_annex(rows)
    assert {k: v.value for k, v in found.items()} == {"proactive_total": 88, "litigation_count": 1}


# --- format --------------------------------------------------------------------------------------


def test_format_is_structure_not_the_notice_cited() -> None:
    lines = [
        "本报告根据国办公开办函〔2019〕60号要求编制。",
        "一、总体情况",
        "二、主动公开政府信息情况",
        "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    assert analyse_report(lines, report_year=2019).format == "standard-2021"
    assert analyse_report(lines, report_year=2021, format_hint="standard-2019").format == "standard-2019"


def test_free_form_with_a_fee_section_is_not_standard() -> None:
    lines = [
        "一、概述",
        "二、主动公开政府信息情况",
        "三、依申请公开政府信息情况",
        "四、政府信息公开的收费及减免情况",
        "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
        "六、存在的主要问题及改进措施",
        "七、其他需要报告的事项",
    ]
    analysis = analyse_report(lines, report_year=2016)
    assert analysis.format == "free-form"
    assert not analysis.anomalies  # missing_section is a standard report's defect only


# --- traditional script --------------------------------------------------------------------------


def test_to_simplified() -> None:
    assert (
        to_simplified("細河區學苑街道2017年政府信息公開年度報告")
        == "细河区学苑街道2017年政府信息公开年度报告"
    )
    text = "主动公开政府信息137条"
    assert to_simplified(text) is text  # fast path: nothing to convert, the same object back
    assert not has_traditional(text)
    assert has_traditional("年報")
    assert to_simplified("") == ""


# --- hostile input -------------------------------------------------------------------------------


def test_hostile_input_never_raises() -> None:
    rng = random.Random(7)
    alphabet = "一二三四五六七八九十百千万零〇0123456789０１２.|｜、，。：:（）()年月日"
    alphabet += "条件元申请公开复议诉讼未无\ufffd\x00 "
    for _ in range(300):
        lines = [
            "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
            for _ in range(rng.randint(0, 12))
        ]
        analysis = analyse_report(lines, report_year=rng.choice([None, 2016, 2021]))
        assert set(analysis.stats) == set(STAT_KEYS)
    huge = [
        "主动公开政府信息" + "9" * 400 + "条。",
        "自99999999日起至0000年13月45日止。",
        "指标名称",
        "主动公开信息数",
    ]
    analysis = analyse_report(huge, report_year=None, table_lines=frozenset({99}))
    assert analysis.stats["proactive_total"] == int("9" * 400)
    assert "malformed_date" in {a["code"] for a in analysis.anomalies}


# --- document types ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "doc_type"),
    [
        ("铁西区站前街2017年政府信息公开工作年度报告", ANNUAL_REPORT),
        ("细河区学苑街道2013年信息公开年报", ANNUAL_REPORT),
        ("铁西区财政局2018年政府信息公开年度工作报告", ANNUAL_REPORT),
        ("铁西区财政局政府信息公开工作情况报告", ANNUAL_REPORT),
        ("細河區學苑街道2017年政府信息公開年報", ANNUAL_REPORT),
        ("某局关于2018年政府信息公开工作情况的报告", ANNUAL_REPORT),
        ("关于报送2018年政府信息公开年度报告的通知", NOTICE),
        ("关于做好2019年度政府信息公开工作年度报告编制发布工作的通知", NOTICE),
        ("关于2019年度政府信息公开工作年度报告的公告", NOTICE),
        ("关于報送2018年政府信息公開年度報告的通知", NOTICE),
        ("关于公开征求《某区物业管理办法（征求意见稿）》意见的公告", NOTICE),
        ("学苑街道政府信息公开指南", GUIDE),
        ("铁西区民政局机构职能", FUNCTIONS),
        ("站前街道主要职责", FUNCTIONS),
        ("关于印发《铁西区行政执法公示办法》的通知", POLICY),
        ("铁西区城市管理办法", POLICY),
        ("铁西区关于进一步加强政务公开工作的实施意见", POLICY),
        ("关于进一步规范政府信息公开年度报告的意见", POLICY),
        ("学苑街道开展政策宣传活动", OTHER),
    ],
)
def test_doc_type_from_title(title: str, doc_type: str) -> None:
    assert classify_doc_type(title) == doc_type


def test_doc_type_from_body_when_the_title_says_nothing() -> None:
    assert (
        classify_doc_type(None, ["根据《条例》，现将本街道2017年政府信息公开工作年度报告如下："])
        == ANNUAL_REPORT
    )
    assert classify_doc_type("2017年度报告", ["全年召开会议三次。"]) == OTHER
    # A notice about reports quotes their wording but opens on its addressees.
    about_reports = [
        "各乡镇人民政府、街道办事处，区政府各部门：",
        "现将做好2019年度政府信息公开工作年度报告编制工作有关事项通知如下：",
    ]
    assert classify_doc_type(None, about_reports) == NOTICE
    assert classify_doc_type(None, ["为做好春节期间安全稳定工作，现将有关事项通知如下："]) == NOTICE
    assert classify_doc_type(None, ["为方便公民、法人和其他组织获取政府信息，特编制本指南。"]) == GUIDE
    assert classify_doc_type(None, ["一、主要职责", "（一）贯彻执行国家有关法律法规。"]) == FUNCTIONS


def test_report_year_in_chinese_numerals_and_from_the_body() -> None:
    assert find_report_year("二〇一六年政府信息公开工作年度报告") == 2016
    assert find_report_year("二零一九年度政府信息公开年報") == 2019
    assert find_report_year("政府信息公开工作年度报告", ["2021年，在区委、区政府的正确领导下，…"]) == 2021
    assert find_report_year("政府信息公开工作年度报告", ["全年公开信息10条。"]) is None


# --- the replica's reports -----------------------------------------------------------------------


def test_replica_reports() -> None:
    """Every report of a small replica corpus: format and the nine stats against the generator's
    truth, the tables given as a perfect table reader would give them."""
    from replica.corpus import Corpus

    right: Counter[str] = Counter()
    total = 0
    for truth in Corpus(seed=1, pages=300).documents():
        if truth.kind != "report" or not truth.text or truth.report_format is None or truth.fault:
            continue
        lines = _body(truth.text, truth.title)
        pipes = frozenset(i for i, line in enumerate(lines) if "|" in line)
        analysis = analyse_report(
            lines, report_year=truth.report_year, table_values=truth.tables, table_lines=pipes
        )
        total += 1
        right["format"] += analysis.format == truth.report_format
        for key in STAT_KEYS:
            right[key] += analysis.stats[key] == truth.stats.get(key)
    assert total >= 30
    for name in ("format", *STAT_KEYS):
        assert right[name] / total >= 0.97, (name, right[name], total)


@pytest.mark.parametrize(
    ("sentence", "contacts"),
    [
        (
            "联系电话：（024）22345678，邮政编码：110000，地址：沈阳市和平区南京北街1号。",
            {"phone": "(024)22345678", "postcode": "110000", "address": "沈阳市和平区南京北街1号"},
        ),
        ("咨询电话024-22345678转8012。", {"phone": "024-22345678转8012"}),
        (
            "网址：www.example.gov.cn，电话13912345678。",
            {"phone": "13912345678", "web": "www.example.gov.cn"},
        ),
        (
            "网站地址http://www.example.gov.cn/xxgk，邮编１３６０００。",
            {"web": "http://www.example.gov.cn/xxgk", "postcode": "136000"},
        ),
        ("电话0434-32304591234。", None),  # too many digits: not a phone number
    ],
)
def test_contacts(sentence: str, contacts: dict[str, str] | None) -> None:
    assert analyse_report([sentence], report_year=2019).contacts == contacts
