"""Which format a report follows (free-form, standard-2019, standard-2021), from its structure, and
which of the six standard sections it has. The notice a report cites is never looked at: some
2021-format reports cite the 2019 notice."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ..headings import parse_heading
from .text import is_table_row, match_key

FREE_FORM = "free-form"
STANDARD_2019 = "standard-2019"
STANDARD_2021 = "standard-2021"
FORMATS = (FREE_FORM, STANDARD_2019, STANDARD_2021)

# The six sections of the standard form, by their words (with the variants reports use).
SECTIONS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("一", "总体情况", re.compile(r"总体情况|总体概况|概述|基本情况")),
    ("二", "主动公开政府信息情况", re.compile(r"主动公开")),
    ("三", "收到和处理政府信息公开申请情况", re.compile(r"收到和处理|依申请公开|申请(?:的)?(?:办理)?情况")),
    ("四", "政府信息公开行政复议、行政诉讼情况", re.compile(r"复议|诉讼")),
    ("五", "存在的主要问题及改进情况", re.compile(r"主要问题|存在的问题|问题及改进|改进情况|不足")),
    ("六", "其他需要报告的事项", re.compile(r"其他需要报告|其他事项")),
)
# Section titles as they begin (a glued heading is matched only at its start).
_SECTION_STARTS = tuple(
    re.compile(p)
    for p in (
        r"(?:政府信息公开的?)?(?:总体情况|总体概况|概述|基本情况)",
        r"(?:行政机关)?主动公开",
        r"收到和处理|依申请公开",
        r"(?:政府信息公开)?(?:行政复议|因政府信息公开)",
        r"(?:存在的)?(?:主要)?问题",
        r"其他需要报告",
        # not a standard section, but the mark of a free-form report
        r"(?:政府信息公开的?)?收费",
    )
)
_GLUED_HEAD = re.compile(r"(?:【[一二三四五六七八九十]{1,3}】|[一二三四五六七八九十]{1,3}[、.])")
GLUED_WINDOW = 16
_STANDARD_THREE = re.compile(r"收到和处理")
_FEES = re.compile(r"收费")
MAX_HEADING = 40
# An unnumbered line is taken for a heading only when it reads like one.
_UNNUMBERED_END = re.compile(r"(?:情况|事项|概述|措施|打算)$")

# Words only the tables (or the prose copying them) of one format use.
_MARKERS_2021 = (
    "本年制发件数",
    "本年废止件数",
    "现行有效件数",
    "本年处理决定数量",
    "本年收费金额",
    "其他处理",
    "(七)总计",
)
_MARKERS_2019 = (
    "本年新制作数量",
    "本年新公开数量",
    "对外公开总数量",
    "上一年项目数量",
    "采购总金额",
    "采购项目数量",
    "(六)总计",
)
_TABLE_WORDS = (
    "第二十条第",
    "本年新收政府信息公开申请数量",
    "上年结转政府信息公开申请数量",
    "结转下年度继续办理",
    "结果维持",
)


def report_headings(lines: Sequence[str], skip: frozenset[int] = frozenset()) -> list[tuple[int, str]]:
    """(line index, compact title) of the lines that read as top-level headings."""
    found: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        if i in skip or is_table_row(line):
            continue
        heading = parse_heading(line)
        if heading is not None and heading.level == 1 and heading.title:
            found.append((i, match_key(heading.title)))
            continue
        key = match_key(line)
        glued = _GLUED_HEAD.match(key)
        if heading is None and glued:
            # A heading glued to its paragraph (一、总体情况2021年，…): only its first words can
            # be the title, and only the words of a standard section are looked for.
            head = key[glued.end() : glued.end() + GLUED_WINDOW]
            if any(words.match(head) for words in _SECTION_STARTS):
                found.append((i, head))
            continue
        if heading is None and len(key) <= MAX_HEADING and _UNNUMBERED_END.search(key):
            found.append((i, key))
    return found


def present_sections(headings: Sequence[tuple[int, str]]) -> dict[str, int]:
    """Standard section numeral -> line index of the heading that names it. A heading names the
    first section whose words it has and that is not taken yet, in order."""
    found: dict[str, int] = {}
    for line, title in headings:
        for numeral, _name, words in SECTIONS:
            if numeral not in found and words.search(title):
                found[numeral] = line
                break
    return found


def detect_format(
    lines: Sequence[str],
    headings: Sequence[tuple[int, str]],
    *,
    report_year: int | None,
    table_values: Mapping[str, int | float],
    format_hint: str | None,
) -> str:
    """free-form, standard-2019 or standard-2021 from the structure of the report."""
    keys = list(table_values)
    # One string to search: a marker never spans two lines once they are joined by a newline.
    text = "\n".join(match_key(line) for line in lines)
    tables = bool(keys) or format_hint in (STANDARD_2019, STANDARD_2021)
    tables = tables or any(w in text for w in _TABLE_WORDS)
    titles = [t for _, t in headings]
    present = present_sections(headings)
    prose_standard = any(_STANDARD_THREE.search(t) for t in titles) or (
        len(present) == len(SECTIONS) and not any(_FEES.search(t) for t in titles)
    )
    if not tables and not prose_standard:
        return FREE_FORM
    if format_hint in (STANDARD_2019, STANDARD_2021):
        return format_hint
    score = _score(keys) if keys else 0
    if score == 0:
        score = sum(m in text for m in _MARKERS_2021) - sum(m in text for m in _MARKERS_2019)
    if score > 0:
        return STANDARD_2021
    if score < 0:
        return STANDARD_2019
    # Six prose sections and nothing of the tables: the form in force for the report's year.
    return STANDARD_2021 if report_year is not None and report_year >= 2021 else STANDARD_2019


def _score(keys: Sequence[str]) -> int:
    """+1 when the table keys are of the 2021 form only, -1 when of the 2019 form only, else 0."""
    joined = "\n".join(keys)
    newer = "三/三(六)" in joined or any(m in joined for m in _MARKERS_2021)
    older = "其他对外管理服务事项" in joined or any(m in joined for m in _MARKERS_2019)
    return int(newer) - int(older)
