"""Is a document an annual disclosure report, and for which year."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .numerals import CN_DIGIT_CHARS, cn_year
from .textnorm import compact

ANNUAL_REPORT = "annual_report"
OTHER = "other"

# Documents ABOUT reports: notices asking for them, forwarding them, commenting on them.
_NOTICE_END = re.compile(r"(?:通知|通报|公告|公示|函|意见|批复|决定|方案|办法|规定|要点|纪要)[)]?$")
_NOTICE_START = re.compile(r"^(?:转发|印发|关于印发|关于转发)")
_DISCLOSURE = re.compile(r"(?:信息公开|政务公开|公开)")
# Title wordings of the report itself: 年度报告, 年报, 年度工作报告, 工作情况报告, 工作报告.
_REPORT_WORD = re.compile(r"(?:年度报告|年报|工作报告|情况报告|报告)[)]?$")
_REPORT_ANYWHERE = re.compile(r"(?:年度报告|年报)")

# Opening sentences of reports (seed 000: 现将…年度工作情况报告如下; seed 004: 现将…工作汇报如下).
_BODY_MARKERS = (
    re.compile(r"现将.{0,60}?(?:信息公开|政务公开).{0,30}?(?:报告|汇报|年报)如下"),
    re.compile(r"本(?:年度)?报告由.{0,120}?组成"),
    re.compile(r"本(?:年度)?报告中?所列数据的?统计(?:期限|时限|期间)"),
    re.compile(r"(?:政府信息公开|政务公开).{0,20}?(?:年度报告|年报)"),
)
OPENING_LINES = 6
# Disclosure reports exist since 2008; anything far outside is a misread number, not a year.
MIN_REPORT_YEAR, MAX_REPORT_YEAR = 1990, 2100

_YEAR = rf"(?<![\d{CN_DIGIT_CHARS}])(\d{{4}}|[{CN_DIGIT_CHARS}]{{4}})"
_TITLE_YEAR = re.compile(_YEAR + r"\s*年")
_PERIOD = re.compile(
    _YEAR + r"年(?:0?1|一)月(?:0?1|一)日起?(?:至|到|-|—|~)" + _YEAR + r"年(?:12|十二)月(?:31|三十一)日"
)
_OPENING_YEAR = re.compile(r"(?:现将|本报告|本年度报告).{0,40}?" + _YEAR + r"年")


def classify_doc_type(title: str | None, lines: Sequence[str] = ()) -> str:
    """`annual_report` or `other`, from the title and, when it is missing or says neither, the
    opening lines of the body."""
    verdict = _title_verdict(title) if title else None
    if verdict is not None:
        return verdict
    opening = [compact(line) for line in lines[:OPENING_LINES]]
    if any(p.search(line) for p in _BODY_MARKERS for line in opening):
        return ANNUAL_REPORT
    return OTHER


def _title_verdict(title: str) -> str | None:
    t = compact(title)
    if _NOTICE_START.search(t) or _NOTICE_END.search(t):
        return OTHER
    if _DISCLOSURE.search(t) and (_REPORT_WORD.search(t) or _REPORT_ANYWHERE.search(t)):
        return ANNUAL_REPORT
    return None


def find_report_year(title: str | None, lines: Sequence[str] = ()) -> int | None:
    """The year a report covers: the year in its title (2017年, 2017年度, 二〇一七年), else the
    statistics period of the body (自2017年1月1日起至2017年12月31日止), else the year named in
    its opening sentence."""
    if title:
        for m in _TITLE_YEAR.finditer(compact(title)):
            year = _year(m.group(1))
            if year is not None:
                return year
    body = [compact(line) for line in lines]
    for line in body:
        for m in _PERIOD.finditer(line):
            start, end = _year(m.group(1)), _year(m.group(2))
            if start is not None and start == end:
                return start
    for line in body[:OPENING_LINES]:
        opening = _OPENING_YEAR.search(line)
        if opening:
            year = _year(opening.group(1))
            if year is not None:
                return year
    return None


def _year(text: str) -> int | None:
    year = cn_year(text)
    return year if year is not None and MIN_REPORT_YEAR <= year <= MAX_REPORT_YEAR else None
