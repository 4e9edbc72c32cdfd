"""What kind of document a page is (annual report, notice, guide, functions, policy, other), and
for which year a report is."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .numerals import CN_DIGIT_CHARS, cn_year
from .report.script import to_simplified
from .textnorm import compact

ANNUAL_REPORT = "annual_report"
NOTICE = "notice"
GUIDE = "guide"
FUNCTIONS = "functions"
POLICY = "policy"
OTHER = "other"
DOC_TYPES = (ANNUAL_REPORT, NOTICE, GUIDE, FUNCTIONS, POLICY, OTHER)

# Documents ABOUT reports (notices asking for them, forwarding them, commenting on them) end with the
# word of their own kind; a trailing bracket note (（征求意见稿）) does not hide it.
_NOTICE_END = re.compile(r"(?:通知|通报|公告|公示|通告|函|复函|批复|决定|纪要|启事|声明)$")
_NOTICE_START = re.compile(r"^(?:转发|关于转发)")
# 关于印发《…办法》的通知 issues a normative document: the page is the policy it carries.
_ISSUES_POLICY = re.compile(
    r"(?:印发|发布|公布)《[^》]*(?:办法|规定|细则|制度|规则|规范|意见|方案|准则|条例|规程)》"
)
_POLICY_END = re.compile(
    r"(?:办法|规定|细则|制度|规则|规范|实施意见|指导意见|若干意见|意见|实施方案|工作方案|方案|准则|条例|规程)$"
)
_DRAFT_NOTE = re.compile(r"[(（][^)）]{0,12}[)）]$")
_DISCLOSURE = re.compile(r"(?:信息公开|政务公开|公开)")
# Title wordings of the report itself: 年度报告, 年报, 年度工作报告, 工作情况报告, 工作报告.
_REPORT_WORD = re.compile(r"(?:年度报告|年报|工作报告|情况报告|报告)[)]?$")
_REPORT_ANYWHERE = re.compile(r"(?:年度报告|年报|年度工作报告|工作情况报告)")
_GUIDE = re.compile(r"指南")
_FUNCTIONS = re.compile(
    r"机构职能|主要职责|职能职责|工作职责|部门职责|单位职责|内设机构|机构设置|职责分工|领导分工"
)

# Opening sentences of reports (seed 000: 现将…年度工作情况报告如下; seed 004: 现将…工作汇报如下).
_BODY_MARKERS = (
    re.compile(r"现将.{0,60}?(?:信息公开|政务公开).{0,30}?(?:报告|汇报|年报)如下"),
    re.compile(r"本(?:年度)?报告由.{0,120}?组成"),
    re.compile(r"本(?:年度)?报告中?所列数据的?统计(?:期限|时限|期间)"),
    re.compile(r"(?:政府信息公开|政务公开).{0,20}?(?:年度报告|年报)"),
)
_ADDRESSEES = re.compile(r"^各[^。,;，；]{1,60}[:：]$")
_NOTICE_BODY = re.compile(r"(?:通知|公告|通报)如下|特此(?:通知|公告|通报)")
_BODY_KINDS = (
    (re.compile(r"本指南|信息公开指南"), GUIDE),
    (re.compile(r"主要职责|职能职责|内设机构"), FUNCTIONS),
    (re.compile(r"^第一条"), POLICY),
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
# A paragraph that opens on the year it speaks of: "2021年，在区委、区政府的正确领导下…".
_LEADING_YEAR = re.compile(r"^" + _YEAR + r"年度?[,，]")
LEADING_YEAR_LINES = 12


def _key(text: str) -> str:
    # Traditional-script copies (年報, 報告, 通知) are matched on their simplified form.
    return compact(to_simplified(text))


def classify_doc_type(title: str | None, lines: Sequence[str] = ()) -> str:
    """One of DOC_TYPES, from the title and, when it is missing or says nothing, the opening lines of
    the body. A notice about reports (关于报送…年度报告的通知) is a notice, not a report."""
    verdict = _title_verdict(title) if title else None
    if verdict is not None:
        return verdict
    opening = [_key(line) for line in lines[:OPENING_LINES]]
    # A notice opens on its addressees (各科室、各直属单位：) and announces itself (通知如下); it is
    # tested first because a notice about reports quotes a report's wording.
    if any(_ADDRESSEES.match(line) or _NOTICE_BODY.search(line) for line in opening):
        return NOTICE
    if any(p.search(line) for p in _BODY_MARKERS for line in opening):
        return ANNUAL_REPORT
    for pattern, doc_type in _BODY_KINDS:
        if any(pattern.search(line) for line in opening):
            return doc_type
    return OTHER


def _title_verdict(title: str) -> str | None:
    t = _key(title)
    bare = _DRAFT_NOTE.sub("", t)
    if _NOTICE_END.search(bare) or _NOTICE_START.search(t):
        return POLICY if _ISSUES_POLICY.search(t) else NOTICE
    if _POLICY_END.search(bare):
        # 关于进一步规范政府信息公开年度报告的意见: about reports, but a policy document itself.
        return POLICY
    if _DISCLOSURE.search(t) and (_REPORT_WORD.search(t) or _REPORT_ANYWHERE.search(t)):
        return ANNUAL_REPORT
    if _GUIDE.search(t):
        return GUIDE
    if _FUNCTIONS.search(t):
        return FUNCTIONS
    return None


def find_report_year(title: str | None, lines: Sequence[str] = ()) -> int | None:
    """The year a report covers: the year in its title (2017年, 2017年度, 二〇一七年), else the
    statistics period of the body (自2017年1月1日起至2017年12月31日止), else the year named in
    its opening sentence, else the year a paragraph near the top opens with (2021年，在…)."""
    if title:
        for m in _TITLE_YEAR.finditer(_key(title)):
            year = _year(m.group(1))
            if year is not None:
                return year
    body = [_key(line) for line in lines]
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
    for line in body[:LEADING_YEAR_LINES]:
        leading = _LEADING_YEAR.search(line)
        if leading:
            year = _year(leading.group(1))
            if year is not None:
                return year
    return None


def _year(text: str) -> int | None:
    year = cn_year(text)
    return year if year is not None and MIN_REPORT_YEAR <= year <= MAX_REPORT_YEAR else None
