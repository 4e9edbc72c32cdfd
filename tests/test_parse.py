"""Tests of pipelines.parse: the two seeds end to end, then each piece on its tricky inputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import jsonschema_rs
import pytest

from pipelines.parse import (
    ANNUAL_REPORT,
    DOCUMENT_KEYS,
    NOTICE,
    OTHER,
    POLICY,
    PUBLISHED_AFTER_DEADLINE,
    PUBLISHED_BEFORE_PERIOD_END,
    SIGNED_BEFORE_PERIOD_END,
    agency_from_title,
    build_sections,
    classify_doc_type,
    cn_to_int,
    cn_year,
    derive_title,
    find_dates,
    find_report_year,
    find_signature,
    normalize_date,
    normalize_street,
    parse_document,
    parse_heading,
    resolve_region,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "replica" / "seeds"
DOCUMENT_SCHEMA = ROOT / "pipelines" / "archive" / "document.schema.json"
SEED_000 = SEEDS / "000_86e897f74c26ea25.txt"
SEED_004 = SEEDS / "004_06686d2d0afa0829.txt"
TITLE_000 = "铁西区站前街2017年政府信息公开工作年度报告"
TITLE_004 = "细河区学苑街道2017年政府信息公开年度报告"


def seed_000_body() -> str:
    lines = SEED_000.read_text(encoding="utf-8").splitlines()
    after = next(i for i, line in enumerate(lines) if "发布日期" in line) + 1
    return "\n".join(lines[after:])


def sections_of(doc: dict[str, object]) -> list[dict[str, Any]]:
    sections = doc["sections"]
    assert isinstance(sections, list)
    return sections


def tree(lines: list[str]) -> list[dict[str, Any]]:
    # The sections are plain dicts typed dict[str, object]; tests read their values freely.
    return cast(list[dict[str, Any]], build_sections(lines))


def titles(sections: list[dict[str, Any]]) -> list[str | None]:
    return [s["title"] for s in sections]


# --- seed 000: 四平市铁西区站前街道, signed, signed before the year ended ---------------------


@pytest.fixture(scope="module")
def doc_000() -> dict[str, object]:
    return parse_document(seed_000_body(), title=TITLE_000, publish_date="2018-03-19")


def test_seed_000_fields(doc_000: dict[str, object]) -> None:
    assert set(doc_000) == set(DOCUMENT_KEYS)
    assert doc_000["title"] == TITLE_000
    assert doc_000["publish_date"] == "2018-03-19"
    assert doc_000["publish_date_raw"] == "2018-03-19"
    assert doc_000["agency"] == "四平市铁西区站前街道办事处"
    assert doc_000["region"] == {
        "province": "吉林省",
        "city": "四平市",
        "district": "铁西区",
        "street": "站前街道",
    }
    assert doc_000["doc_type"] == ANNUAL_REPORT
    assert doc_000["report_year"] == 2017
    assert doc_000["signed_by"] == "四平市铁西区站前街道办事处"
    assert doc_000["signed_date"] == "2017-03-18"
    assert doc_000["signed_date_raw"] == "2017年3月18日"
    # The year's figure is the 137 items; absences (未产生, 未收取, 未发生) are zeros with evidence.
    assert doc_000["stats"] == {
        "proactive_total": 137,
        "requests_received": 0,
        "requests_carried_over": None,
        "requests_granted": None,
        "requests_partly_granted": None,
        "requests_refused": None,
        "fees_collected": 0,
        "reconsideration_count": 0,
        "litigation_count": 0,
    }
    evidence = doc_000["evidence"]
    assert isinstance(evidence, dict)
    assert "137条" in evidence["proactive_total"]
    assert "未产生依申请公开" in evidence["requests_received"]
    assert "未收取" in evidence["fees_collected"]
    assert doc_000["format"] == "free-form"
    assert doc_000["period"] == {"start": "2017-01-01", "end": "2017-12-31"}
    assert doc_000["contacts"] == {
        "phone": "0434-3230459",
        "postcode": "136000",
        "address": "四平市铁西区南邮电街1196号",
        "web": "http://txqxxgk.siping.gov.cn/zsts",
    }
    assert doc_000["tables"] == {}


def test_seed_000_signed_before_period_end(doc_000: dict[str, object]) -> None:
    anomalies = doc_000["anomalies"]
    assert isinstance(anomalies, list)
    # Signed before the year it reports on ended; and 137 items in the year against 66 for 2013–2017.
    assert [a["code"] for a in anomalies] == [SIGNED_BEFORE_PERIOD_END, "contradictory_figures"]
    assert anomalies[0]["evidence"] == "2017年3月18日"
    assert "66" in str(anomalies[1]["evidence"]) or "66" in str(anomalies[1]["message"])
    assert "2017" in anomalies[0]["message"]


def test_seed_000_sections(doc_000: dict[str, object]) -> None:
    sections = sections_of(doc_000)
    assert [s["number"] for s in sections] == list("一二三四五六七")
    assert {s["level"] for s in sections} == {1}
    assert titles(sections) == [
        "情况概述",
        "主动公开政府信息的情况",
        "依申请公开政府信息的情况",
        "政府信息公开的收费情况",
        "因政府信息公开申请行政复议、提起诉讼和申诉情况",
        "政府信息公开工作重点任务分工",
        "存在的主要问题和2018年工作打算",
    ]
    one = sections[0]
    assert one["text"].startswith("为进一步规范我街道办事处信息公开工作")
    assert [c["marker"] for c in one["children"]] == ["(一)", "(二)", "(三)", "(四)", "(五)"]
    assert titles(one["children"]) == [
        "加强组织领导",
        "健全信息公开工作制度",
        "完善平台系统多样形式政务信息公开",
        "严格落实依规公开信息",
        "强化各项监督机制",
    ]
    assert {c["level"] for c in one["children"]} == {2}
    # The glued heading's sentence goes to the text, not the title.
    assert one["children"][0]["text"].startswith("我街不断加大对政府信息公开工作的组织领导力度")
    assert "发布信息137条" in one["children"][2]["text"]
    assert sections[1]["text"] == "2013-2017年,全街累计公开政府信息66条(如下图)。"
    seven = sections[6]
    assert seven["text"] == ""
    assert titles(seven["children"]) == ["存在的主要问题", "2018年工作打算"]
    # The signature is not part of the last section.
    last_text = seven["children"][1]["text"]
    assert last_text.startswith("2018年,我街将重点做好以下几项工作")
    assert "办事处" not in last_text.splitlines()[-1][-10:]
    assert "2017年3月18日" not in last_text


def test_parsed_fields_follow_the_archive_schema(doc_000: dict[str, object]) -> None:
    schema = json.loads(DOCUMENT_SCHEMA.read_text(encoding="utf-8"))
    fields_only = {
        "type": "object",
        "properties": {k: v for k, v in schema["properties"].items() if k in DOCUMENT_KEYS},
        "$defs": schema["$defs"],
    }
    untitled = parse_document(SEED_004.read_text(encoding="utf-8"), publish_date="2018-04-02")
    for doc in (doc_000, untitled):
        jsonschema_rs.validate(fields_only, doc)
    assert set(DOCUMENT_KEYS) <= set(schema["properties"])


def test_seed_000_with_chrome_lines_still_in_text() -> None:
    # The seed as given: `登录 注册` and `发布日期:…点击数:` are never taken for the title.
    doc = parse_document(SEED_000.read_text(encoding="utf-8"))
    assert doc["title"] == TITLE_000
    assert doc["report_year"] == 2017
    assert doc["doc_type"] == ANNUAL_REPORT
    assert doc["signed_date"] == "2017-03-18"
    assert len(sections_of(doc)) == 7


# --- seed 004: 细河区学苑街道, title split over two lines, no signature ------------------------


@pytest.fixture(scope="module")
def doc_004() -> dict[str, object]:
    return parse_document(SEED_004.read_text(encoding="utf-8"))


def test_seed_004_fields(doc_004: dict[str, object]) -> None:
    assert doc_004["title"] == TITLE_004
    assert doc_004["report_year"] == 2017
    assert doc_004["doc_type"] == ANNUAL_REPORT
    assert doc_004["agency"] == "细河区学苑街道"
    assert doc_004["region"] == {
        "province": "辽宁省",
        "city": "阜新市",
        "district": "细河区",
        "street": "学苑街道",
    }
    assert doc_004["signed_by"] is None
    assert doc_004["signed_date"] is None
    assert doc_004["signed_date_raw"] is None
    assert doc_004["publish_date"] is None
    assert doc_004["stats"]["proactive_total"] == 52  # type: ignore[index]
    # 52 items "of which" 141; and a sentence of section 七 said twice.
    assert [a["code"] for a in doc_004["anomalies"]] == [  # type: ignore[attr-defined]
        "contradictory_figures",
        "repeated_paragraph",
    ]


def test_seed_004_sections(doc_004: dict[str, object]) -> None:
    sections = sections_of(doc_004)
    assert [s["number"] for s in sections] == list("一二三四五六七")
    assert titles(sections) == [
        "政府信息公开的总体情况",
        "主动公开政府信息情况",
        "重点领域政府信息公开工作情况",
        "推进“互联网+政务服务”工作情况",
        "开展政策解读情况",  # follows its previous paragraph with no blank line
        "公开工作详细情况",
        "制度机制建设情况",  # written with a trailing space
    ]
    assert sections[3]["text"].startswith("一是充分开展政民互动")
    assert "五、" not in sections[3]["text"]
    assert sections[4]["text"].startswith("5月15日，在人民公园门前设置宣传点")
    # Both paragraphs after 七、 belong to it.
    assert len(sections[6]["text"].splitlines()) == 2
    assert titles(sections[0]["children"]) == [
        "进一步加强组织领导建设",
        "多措并举完善政府信息公开的建设",
    ]
    two = sections[1]["children"]
    assert [c["number"] for c in two] == ["一", "二", "三"]
    assert two[0]["title"] == "主动公开政府信息类别"
    assert two[0]["text"].startswith("机构职能类：领导分工")
    # (二)'s first sentence is too long for a title: kept as an untitled numbered paragraph.
    assert two[1]["title"] == ""
    assert two[1]["text"].startswith("通过网站、报刊、政务公开栏、微信公众号等方式主动公开相关信息52条。")
    assert two[2]["title"] == "主动公开信息的具体举措"


def test_seed_004_agency_from_chrome_source() -> None:
    doc = parse_document(
        SEED_004.read_text(encoding="utf-8"),
        publish_date="2014-03-31",
        chrome={"source": "细河区学苑街道", "editor": "张庆鹏", "views": 127},
    )
    assert doc["agency"] == "细河区学苑街道"
    assert doc["publish_date"] == "2014-03-31"
    # A 2017 report shown as published 2014-03-31 is flagged, not corrected.
    anomalies = doc["anomalies"]
    assert isinstance(anomalies, list)
    assert anomalies[0]["code"] == PUBLISHED_BEFORE_PERIOD_END


# --- agency, region, street -----------------------------------------------------------------


BODY = "一、概述\n本单位全年主动公开信息10条。"


def test_agency_order() -> None:
    chrome: dict[str, object] = {
        "source": "铁西区住建局",
        "breadcrumb": ["首页", "街道办事处", "站前街道", "年度报告"],
    }
    hints: dict[str, object] = {"unit_name": "站前街道", "agency_breadcrumb_level": 2}
    signed = BODY + "\n四平市铁西区站前街道办事处\n2018年1月20日"
    assert parse_document(signed, title=TITLE_000, chrome=chrome)["agency"] == ("四平市铁西区站前街道办事处")
    assert parse_document(BODY, title=TITLE_000, chrome=chrome, hints=hints)["agency"] == ("铁西区住建局")
    no_source = {"breadcrumb": chrome["breadcrumb"]}
    assert parse_document(BODY, title=TITLE_000, chrome=no_source, hints=hints)["agency"] == ("站前街道")
    assert parse_document(BODY, title=TITLE_000, hints={"unit_name": "站前街道办事处"})["agency"] == (
        "站前街道办事处"
    )
    assert parse_document(BODY, title=TITLE_000)["agency"] == "铁西区站前街"


def test_generic_source_is_not_an_agency() -> None:
    doc = parse_document(BODY, title=TITLE_004, chrome={"source": "本站"})
    assert doc["agency"] == "细河区学苑街道"


def test_agency_from_title() -> None:
    assert agency_from_title(TITLE_004) == "细河区学苑街道"
    assert agency_from_title("2017年度铁西区住建局政府信息公开工作年度报告") == "铁西区住建局"
    assert agency_from_title("铁西区财政局政府信息公开工作年度报告") == "铁西区财政局"
    assert agency_from_title("2017年政府信息公开年度报告") is None
    assert agency_from_title(None) is None


def test_region_from_hints_wins() -> None:
    hints: dict[str, object] = {
        "region": {"province": "吉林省", "city": "四平市", "district": "铁西区"},
        "unit_name": "站前街道",
    }
    doc = parse_document(BODY, title="2017年政府信息公开工作年度报告", hints=hints)
    assert doc["region"] == {
        "province": "吉林省",
        "city": "四平市",
        "district": "铁西区",
        "street": "站前街道",
    }


def test_region_of_a_department() -> None:
    region = resolve_region(None, ["四平市铁西区住房和城乡建设局"], titles=[])
    assert region == {"province": "吉林省", "city": "四平市", "district": "铁西区", "street": None}
    market = resolve_region(None, ["铁西区市场监督管理局"])
    assert market["city"] == "四平市"
    assert market["street"] is None


def test_region_generic_prefixes() -> None:
    region = resolve_region(None, ["河北省石家庄市长安区建北街道办事处"])
    assert region == {
        "province": "河北省",
        "city": "石家庄市",
        "district": "长安区",
        "street": "建北街道",
    }


@pytest.mark.parametrize(
    ("name", "street"),
    [
        ("四平市铁西区站前街道办事处", "站前街道"),
        ("学苑街道", "学苑街道"),
        ("细河区学苑街道", "学苑街道"),
        ("阜新市细河区四合镇人民政府", "四合镇"),
        ("彰武县大德乡政府", "大德乡"),
        ("铁西区住建局", None),
        ("乡村振兴局", None),
        ("城镇化工作办公室", None),
        ("站前街道社区卫生服务中心", None),
        ("", None),
    ],
)
def test_normalize_street(name: str, street: str | None) -> None:
    assert normalize_street(name) == street


def test_bare_jie_only_when_clearly_a_street() -> None:
    assert normalize_street(TITLE_000, allow_bare_jie=True) == "站前街道"
    assert normalize_street(TITLE_000) is None
    # No region prefix: 中央大街 is a street of shops, not a 街道.
    assert normalize_street("中央大街2017年政府信息公开年度报告", allow_bare_jie=True) is None


# --- numerals and dates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一百三十七", 137),
        ("十二", 12),
        ("二十", 20),
        ("一百零五", 105),
        ("一千零一十", 1010),
        ("两万零五", 20005),
        ("十万", 100_000),
        ("二〇一七", 2017),
        ("二零一七", 2017),
        ("一二三", 123),
        ("137", 137),
        ("１３７", 137),
        ("3万2千", 32_000),
        ("廿三", 23),
        ("壹佰贰拾", 120),
        ("一二十", None),
        ("十十", None),
        ("百千", None),
        ("abc", None),
        ("", None),
    ],
)
def test_cn_to_int(text: str, value: int | None) -> None:
    assert cn_to_int(text) == value


@pytest.mark.parametrize(
    ("text", "year"),
    [("二〇一七", 2017), ("二零一六年", 2016), ("２０１８", 2018), ("2019", 2019), ("一八", None)],
)
def test_cn_year(text: str, year: int | None) -> None:
    assert cn_year(text) == year


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2018-03-19", "2018-03-19"),
        ("2018-3-19 10:22", "2018-03-19"),
        ("2018年3月19日", "2018-03-19"),
        ("2018/03/19", "2018-03-19"),
        ("2018.3.9", "2018-03-09"),
        ("2018 年 3 月 19 日", "2018-03-19"),
        ("二〇一八年三月十八日", "2018-03-18"),
        ("二〇一六年十二月三十一日", "2016-12-31"),
        ("二零一七年一月五号", "2017-01-05"),
        ("２０１８年３月１９日", "2018-03-19"),
        ("２０１８－０３－１９", "2018-03-19"),
        ("日期: 2014-03-31 浏览量:127", "2014-03-31"),
        ("20180319", "2018-03-19"),
        ("自202111日起", None),
        ("2018-02-30", None),
        ("2018年13月1日", None),
        ("2018年3月", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_date(raw: str | None, iso: str | None) -> None:
    assert normalize_date(raw) == iso


def test_find_dates_in_a_period() -> None:
    found = find_dates("统计期限自2017年1月1日起至2017年12月31日止")
    assert [d.iso for d in found] == ["2017-01-01", "2017-12-31"]
    text = "签发：２０１８年３月１９日"
    d = find_dates(text)[0]
    assert text[d.start : d.end] == "２０１８年３月１９日"


# --- headings and sections ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "level", "number", "title", "text"),
    [
        ("一、情况概述", 1, "一", "情况概述", ""),
        ("十一、其他需要报告的事项", 1, "十一", "其他需要报告的事项", ""),
        ("一 、概 述", 1, "一", "概述", ""),
        ("【二】主动公开情况", 1, "二", "主动公开情况", ""),
        ("三．依申请公开情况", 1, "三", "依申请公开情况", ""),
        ("（一）加强组织领导。我街不断加大力度", 2, "一", "加强组织领导", "我街不断加大力度"),
        ("(二)健全制度", 2, "二", "健全制度", ""),
        ("㈢完善平台", 2, "三", "完善平台", ""),
        ("（一）主动公开政府信息类别：机构职能类", 2, "一", "主动公开政府信息类别", "机构职能类"),
        ("1.提高认识", 3, "1", "提高认识", ""),
        ("2、加强培训。全年培训3次。", 3, "2", "加强培训", "全年培训3次。"),
        ("3．完善机制", 3, "3", "完善机制", ""),
        ("(1)专人负责", 4, "1", "专人负责", ""),
        ("（2）定期检查", 4, "2", "定期检查", ""),
        ("③及时更新", 4, "3", "及时更新", ""),
        ("⑷按时报送", 4, "4", "按时报送", ""),
    ],
)
def test_heading_styles(line: str, level: int, number: str, title: str, text: str) -> None:
    heading = parse_heading(line)
    assert heading is not None
    assert (heading.level, heading.number, heading.title, heading.text) == (
        level,
        number,
        title,
        text,
    )


@pytest.mark.parametrize(
    "line",
    [
        "一是政务公开事项内容涉及部门多、工作量大。",
        "一、本年新收政府信息公开申请数量 | 3 | 0 | 0 | 0 | 0 | 0 | 3",
        "|二、上年结转政府信息公开申请数量|0|",
        "一、2017年，在区委、区政府的正确领导下，学苑街道认真贯彻落实《条例》精神，明确政府信息公开工作任务",
        "1.5万元用于信息化建设",
        "2017年，未收取政府信息公开费用。",
        "一、",
    ],
)
def test_not_headings(line: str) -> None:
    assert parse_heading(line) is None


def test_sections_tree_of_four_levels() -> None:
    lines = [
        "前言段落。",
        "一、总体情况",
        "总体段落。",
        "（一）加强领导。领导段落。",
        "1.成立小组",
        "小组段落。",
        "（1）专人负责",
        "②定期检查",
        "2.完善制度",
        "（二）完善平台",
        "二、其他需要报告的事项",
        "无。",
    ]
    sections = tree(lines)
    assert titles(sections) == ["总体情况", "其他需要报告的事项"]
    one = sections[0]
    assert one["text"] == "总体段落。"
    lead = one["children"][0]
    assert (lead["title"], lead["text"]) == ("加强领导", "领导段落。")
    assert titles(lead["children"]) == ["成立小组", "完善制度"]
    group = lead["children"][0]
    assert group["text"] == "小组段落。"
    assert [(c["level"], c["number"], c["title"]) for c in group["children"]] == [
        (4, "1", "专人负责"),
        (4, "2", "定期检查"),
    ]
    assert titles(one["children"]) == ["加强领导", "完善平台"]
    assert sections[1]["text"] == "无。"


def test_flattened_standard_table_rows_are_not_sections() -> None:
    lines = [
        "三、收到和处理政府信息公开申请情况",
        "一、本年新收政府信息公开申请数量",
        "3",
        "三、本年度办理结果",
        "（一）予以公开",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "1.属于国家秘密",
        "（七）总计",
        "四、结转下年度继续办理",
        "四、政府信息公开行政复议、行政诉讼情况",
        "七、其他",
    ]
    sections = tree(lines)
    assert titles(sections) == [
        "收到和处理政府信息公开申请情况",
        "政府信息公开行政复议、行政诉讼情况",
        "其他",
    ]
    assert sections[0]["children"] == []
    assert "一、本年新收政府信息公开申请数量" in sections[0]["text"]


def test_long_numbered_paragraph_needs_its_sequence() -> None:
    long_first = "（二）通过网站、报刊、政务公开栏、微信公众号等方式主动公开相关信息五十二条。其余。"
    assert parse_heading(long_first) is None
    alone = tree(["一、概述", long_first])
    assert alone[0]["children"] == []
    after_one = tree(["一、概述", "（一）类别", long_first])
    assert [c["title"] for c in after_one[0]["children"]] == ["类别", ""]


# --- title, signature -----------------------------------------------------------------------


def test_derive_title_joins_split_lines_only() -> None:
    lines = [
        "细河区学苑街道",
        "2017年政府信息公开年度报告",
        "2017年学苑街道政务公开工作在区委领导下，",
    ]
    assert derive_title(lines) == (TITLE_004, 2)
    prose = ["细河区学苑街道", "2017年学苑街道政务公开工作在区委、区政府的正确领导下，取得了成效。"]
    assert derive_title(prose) == ("细河区学苑街道", 1)
    assert derive_title(["登录 注册", TITLE_000, "发布日期:2018-03-19 点击数:"]) == (TITLE_000, 2)
    assert derive_title(["发布日期:2018-03-19 点击数:", "一、情况概述"]) == (None, 1)


@pytest.mark.parametrize(
    ("tail", "signed_by", "date"),
    [
        (
            ["四平市铁西区站前街道办事处", "2017年3月18日"],
            "四平市铁西区站前街道办事处",
            "2017-03-18",
        ),
        (["铁西区财政局", "二〇一八年一月十八日"], "铁西区财政局", "2018-01-18"),
        (
            ["四平市铁西区", "站前街道办事处", "2018-03-19"],
            "四平市铁西区站前街道办事处",
            "2018-03-19",
        ),
        (
            ["中共某某街道工作委员会", "某某街道办事处", "2018年3月19日"],
            "中共某某街道工作委员会 某某街道办事处",
            "2018-03-19",
        ),
        (["细河区人民政府办公室 2018/1/5"], "细河区人民政府办公室", "2018-01-05"),
    ],
)
def test_signature(tail: list[str], signed_by: str, date: str) -> None:
    signature = find_signature(["一、概述", "全年公开信息10条。", *tail])
    assert signature is not None
    assert (signature.signed_by, signature.date, signature.start) == (signed_by, date, 2)


@pytest.mark.parametrize(
    "tail",
    [
        ["截至2017年12月31日，全年公开信息10条。"],
        ["七、制度机制建设情况"],
    ],
)
def test_no_signature(tail: list[str]) -> None:
    assert find_signature(["一、概述", *tail]) is None


@pytest.mark.parametrize(
    "tail",
    [
        ["2017年3月18日"],
        ["全年公开信息10条，由办公室负责。", "2017年3月18日"],  # prose, not a name
        ["2017年3月18日", "附件：1.统计表.xlsx"],  # files listed after the date
    ],
)
def test_closing_date_alone_is_a_signing_date_without_signer(tail: list[str]) -> None:
    signature = find_signature(["一、概述", *tail])
    assert signature is not None
    assert (signature.signed_by, signature.issuer, signature.date) == (None, None, "2017-03-18")


def test_signature_before_attachment_lines() -> None:
    lines = ["一、概述", "正文。", "阜新市细河区学苑街道办事处", "二〇一五年三月九日", "附件：报告.pdf"]
    signature = find_signature(lines)
    assert signature is not None
    assert (signature.signed_by, signature.date, signature.start) == (
        "阜新市细河区学苑街道办事处",
        "2015-03-09",
        2,
    )


def test_two_bodies_sign_the_issuer_is_the_last() -> None:
    text = BODY + "\n中共某某街道工作委员会\n某某街道办事处\n2018年3月19日"
    assert parse_document(text, title=TITLE_004)["agency"] == "某某街道办事处"


# --- doc_type, report_year, anomalies -------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "doc_type"),
    [
        (TITLE_000, ANNUAL_REPORT),
        ("细河区学苑街道2013年信息公开年报", ANNUAL_REPORT),
        ("铁西区财政局2018年政府信息公开年度工作报告", ANNUAL_REPORT),
        ("铁西区财政局政府信息公开工作情况报告", ANNUAL_REPORT),
        ("某局关于2018年政府信息公开工作情况的报告", ANNUAL_REPORT),
        ("二〇一六年政府 信息公开 工作年度报告", ANNUAL_REPORT),
        # About reports, not reports: typed by what they are (issue 3).
        ("关于做好2019年度政府信息公开工作年度报告编制工作的通知", NOTICE),
        ("转发市政府办公室关于做好政府信息公开年度报告工作的通知", NOTICE),
        ("关于报送2018年政府信息公开年度报告的函", NOTICE),
        ("关于进一步规范政府信息公开年度报告的意见", POLICY),
        ("学苑街道开展政策宣传活动", OTHER),
    ],
)
def test_doc_type_from_title(title: str, doc_type: str) -> None:
    assert classify_doc_type(title) == doc_type


def test_doc_type_from_body_when_title_missing_or_ambiguous() -> None:
    opening = ["根据《条例》，现将本街道2017年政府信息公开工作年度报告如下："]
    assert classify_doc_type(None, opening) == ANNUAL_REPORT
    assert classify_doc_type("2017年度报告", ["本报告由概述、主动公开情况组成。"]) == ANNUAL_REPORT
    assert classify_doc_type("2017年度报告", ["全年召开会议三次。"]) == OTHER
    # A notice stays a notice whatever its body quotes.
    notice = "关于做好2017年度政府信息公开工作年度报告编制工作的通知"
    assert classify_doc_type(notice, opening) == NOTICE


def test_report_year_sources() -> None:
    assert find_report_year("二〇一六年政府信息公开工作年度报告") == 2016
    assert find_report_year("某局2018年度政府信息公开年报") == 2018
    period = ["本年度报告中所列数据的统计期限自二〇一七年一月一日起至二〇一七年十二月三十一日止。"]
    assert find_report_year("政府信息公开工作年度报告", period) == 2017
    opening = ["现将本局2019年政府信息公开工作情况报告如下："]
    assert find_report_year(None, opening) == 2019
    assert find_report_year("政府信息公开工作年度报告", ["全年公开信息10条。"]) is None
    # Not a plausible report year: the body's period is used instead.
    assert find_report_year("1901年政府信息公开年度报告", period) == 2017


def test_notice_has_no_report_year_nor_anomalies() -> None:
    doc = parse_document(
        "各街道：请于2020年1月31日前报送。",
        title="关于做好2019年度政府信息公开工作年度报告编制工作的通知",
        publish_date="2019-12-01",
    )
    assert doc["doc_type"] == NOTICE
    assert doc["report_year"] is None
    assert doc["anomalies"] == []


def test_published_after_deadline() -> None:
    doc = parse_document(BODY, title=TITLE_004, chrome={"publish_date": "2018年4月2日 09:00"})
    assert doc["publish_date"] == "2018-04-02"
    assert doc["publish_date_raw"] == "2018年4月2日 09:00"
    anomalies = doc["anomalies"]
    assert isinstance(anomalies, list)
    assert [a["code"] for a in anomalies] == [PUBLISHED_AFTER_DEADLINE]
    assert anomalies[0]["evidence"] == "2018年4月2日 09:00"


def test_on_time_report_has_no_anomaly() -> None:
    text = BODY + "\n细河区学苑街道办事处\n2018年3月1日"
    doc = parse_document(text, title=TITLE_004, publish_date="２０１８－０３－０２")
    assert doc["publish_date"] == "2018-03-02"
    assert doc["anomalies"] == []


def test_malformed_publish_date_is_kept_raw_only() -> None:
    doc = parse_document(BODY, title=TITLE_004, publish_date="自202111日起")
    assert doc["publish_date"] is None
    assert doc["publish_date_raw"] == "自202111日起"


def test_glued_part_headings_and_flattened_table_rows() -> None:
    """一、总体情况 glued to its paragraph is the part's heading; the rows 一、… 四、 of the 三 table,
    flattened one cell per line, are table text and not parts of the report."""
    body = [
        "一、总体情况2020年，我局认真贯彻落实《条例》。",
        "二、主动公开政府信息情况",
        "本年主动公开信息12条。",
        "三、收到和处理政府信息公开申请情况",
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
        "自然人",
        "一、本年新收政府信息公开申请数量",
        "1",
        "0",
        "0",
        "0",
        "0",
        "0",
        "1",
        "二、上年结转政府信息公开申请数量",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "四、政府信息公开行政复议、行政诉讼情况",
        "无。",
    ]
    doc = parse_document("\n".join(body), title="某局2020年政府信息公开工作年度报告")
    parts = [(s["number"], s["title"]) for s in sections_of(doc)]
    assert parts == [
        ("一", "总体情况"),
        ("二", "主动公开政府信息情况"),
        ("三", "收到和处理政府信息公开申请情况"),
        ("四", "政府信息公开行政复议、行政诉讼情况"),
    ]
    assert sections_of(doc)[0]["text"].startswith("2020年，我局")
