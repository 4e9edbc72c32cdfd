"""The words the standard report forms use: section headings, row labels and column labels.

Everything here is matched on `compact` text (folded, no whitespace), so the patterns are written
half-width: （一） is (一) and “本年增/减” is 本年增/减.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ..textnorm import compact

# -- section headings ----------------------------------------------------------------------------

# Headings are recognised by their words, not their numeral: rows 一…四 of the 三 table begin with
# the same numerals as the report's sections.
_HEADING_WORDS: dict[str, tuple[tuple[str, ...], ...]] = {
    # 四 first: its variant 因政府信息公开工作被申请行政复议提起行政诉讼情况 also speaks of 申请.
    "四": (("行政复议", "行政诉讼", "情况"), ("复议", "诉讼", "情况")),
    "二": (("主动公开", "政府信息", "情况"),),
    "三": (("收到", "申请", "情况"), ("处理", "申请", "情况"), ("依申请公开", "情况")),
}
# Words of the headings that close the last table section.
_CLOSING_WORDS = ("总体情况", "存在的主要问题", "其他需要报告的事项", "改进情况", "改进措施")
_HEADING_NUMBER = re.compile(r"^(?:[一二三四五六七八九十]+[、.,]|【[一二三四五六七八九十]+】)")
# Sub-headings such as (一)主动公开政府信息情况 under 一、总体情况 are not the sections.
_SUB_NUMBER = re.compile(r"^\([一二三四五六七八九十\d]+\)|^\d+[、.]")
_MAX_HEADING = 40  # compact characters; a table label or a heading is shorter than a paragraph
# Where a numbered heading's words end when the heading is glued to the text after it.
_HEADING_END = re.compile(r"情况|事项|措施")


# Cached: every line of a report is asked, and reports repeat the same lines (headings, table rows).
@lru_cache(maxsize=16384)
def heading_section(line: str) -> tuple[str, int] | None:
    """("二" | "三" | "四", n) when `line` is the heading of that table section, ("end", n) when it
    is another numbered section heading of the report (一、五、六…); n is the length of the heading
    in compact text, shorter than the line when the heading is glued to what follows it."""
    text = compact(line)
    if not text or _SUB_NUMBER.match(text):
        return None
    numbered = _HEADING_NUMBER.match(text)
    head = text
    if numbered:
        # 二、主动公开政府信息情况第二十条… : a heading glued to its first cell or sentence.
        ending = _HEADING_END.search(text, numbered.end(), numbered.end() + _MAX_HEADING)
        head = text[: ending.end()] if ending else text
    if len(head) > _MAX_HEADING or "。" in head or "|" in head:
        if numbered and text[0] in "五六七八九十":
            return "end", numbered.end()
        return None
    body = head[numbered.end() :] if numbered else head
    for section, alternatives in _HEADING_WORDS.items():
        for words in alternatives:
            if all(w in body for w in words) and (numbered or body.endswith("情况")):
                return section, len(head)
    if numbered and (any(w in body for w in _CLOSING_WORDS) or text[0] in "五六七八九十"):
        return "end", len(head)
    return None


def after_heading(line: str, length: int) -> str:
    """What follows the first `length` compact characters of `line` (the text glued to a heading)."""
    if length >= len(compact(line)):
        return ""
    for cut in range(len(line) + 1):
        if len(compact(line[:cut])) >= length:
            return line[cut:].strip()
    return ""


# -- section 二 ----------------------------------------------------------------------------------

# Row label -> the columns of that row, per format, in value order.
SECTION2_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "standard-2019": {
        "规章": ("本年新制作数量", "本年新公开数量", "对外公开总数量"),
        "规范性文件": ("本年新制作数量", "本年新公开数量", "对外公开总数量"),
        "行政许可": ("上一年项目数量", "本年增减", "处理决定数量"),
        "其他对外管理服务事项": ("上一年项目数量", "本年增减", "处理决定数量"),
        "行政处罚": ("上一年项目数量", "本年增减", "处理决定数量"),
        "行政强制": ("上一年项目数量", "本年增减", "处理决定数量"),
        "行政事业性收费": ("上一年项目数量", "本年增减"),
        "政府集中采购": ("采购项目数量", "采购总金额"),
    },
    "standard-2021": {
        "规章": ("本年制发件数", "本年废止件数", "现行有效件数"),
        "行政规范性文件": ("本年制发件数", "本年废止件数", "现行有效件数"),
        "行政许可": ("本年处理决定数量",),
        "行政处罚": ("本年处理决定数量",),
        "行政强制": ("本年处理决定数量",),
        "行政事业性收费": ("本年收费金额",),
    },
}
# Longest first: 行政规范性文件 must win over 规范性文件 when both end the label.
SECTION2_ROWS = tuple(sorted({r for rows in SECTION2_COLUMNS.values() for r in rows}, key=len, reverse=True))


def section2_row(label: str) -> tuple[str, int] | None:
    """The 二 row whose label ends latest in `label` (compact text), and where it starts."""
    best: tuple[str, int, int] | None = None
    for row in SECTION2_ROWS:
        at = label.rfind(row)
        if at < 0:
            continue
        end = at + len(row)
        if best is None or end > best[2]:
            best = (row, at, end)
    return (best[0], best[1]) if best else None


# -- section 三 ----------------------------------------------------------------------------------

APPLICANTS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
SECTION3_COLUMNS = (*APPLICANTS, "总计")

# Row -> words that only its label contains. The label of a value row is read as all the text since
# the previous row's numbers, so it may also hold a group label ((三)不予公开) or header cells:
# the row whose words start latest wins.
_SECTION3_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("一", ("本年新收", "新收政府信息公开申请")),
    ("二", ("上年结转",)),
    ("三(一)", ("予以公开",)),
    ("三(二)", ("部分公开",)),
    ("三(三)1", ("国家秘密",)),
    ("三(三)2", ("禁止公开",)),
    ("三(三)3", ("三安全一稳定", "安全一稳定")),
    ("三(三)4", ("第三方合法权益", "第三方")),
    ("三(三)5", ("内部事务",)),
    ("三(三)6", ("过程性信息",)),
    ("三(三)7", ("行政执法案卷",)),
    ("三(三)8", ("行政查询事项",)),
    ("三(四)1", ("不掌握",)),
    ("三(四)2", ("另行制作",)),
    ("三(四)3", ("仍不明确",)),
    ("三(五)1", ("信访举报投诉", "信访")),
    ("三(五)2", ("重复申请",)),
    ("三(五)3", ("公开出版物",)),
    ("三(五)4", ("大量反复申请",)),
    ("三(五)5", ("确认或重新出具",)),
    ("三(六)1", ("逾期不补正",)),
    ("三(六)2", ("缴纳费用",)),
    ("三(总计)", ("总计",)),
    ("四", ("结转下年度", "下年度继续办理")),
)
# 三(六)3 is labelled just "3.其他": it is recognised only when the label ends with it.
_OTHER_HANDLING = re.compile(r"(?:^|[\d)])\.?其他$")


def section3_row(label: str) -> tuple[str, int] | None:
    """The 三 row named by `label` (compact text), and where its words start."""
    best: tuple[str, int] | None = None
    for row, words in _SECTION3_WORDS:
        for word in words:
            at = label.rfind(word)
            if at >= 0 and (best is None or at > best[1]):
                best = (row, at)
    other = _OTHER_HANDLING.search(label)
    if other and (best is None or other.start() >= best[1]):
        best = ("三(六)3", other.start())
    return best


def section3_rows(fmt: str | None) -> tuple[str, ...]:
    """Row keys of the 三 table in order; the (六) rows only in the 2021 form."""
    rows = ["一", "二", "三(一)", "三(二)"]
    rows += [f"三(三){i}" for i in range(1, 9)]
    rows += [f"三(四){i}" for i in range(1, 4)]
    rows += [f"三(五){i}" for i in range(1, 6)]
    if fmt == "standard-2021":
        rows += [f"三(六){i}" for i in range(1, 4)]
    return (*rows, "三(总计)", "四")


# -- section 四 ----------------------------------------------------------------------------------

REVIEW_GROUPS = ("行政复议", "未经复议直接起诉", "复议后起诉")
REVIEW_COLUMNS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
SECTION4_KEYS = tuple(f"四/{g}/{c}" for g in REVIEW_GROUPS for c in REVIEW_COLUMNS)
# Words that show the 四 table's header is there (prose about reviews has none of them).
SECTION4_HEADER_WORDS = ("结果维持", "结果纠正", "尚未审结", "未经复议直接起诉", "复议后起诉")
SECTION3_HEADER_WORDS = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "法人或其他组织")

# -- all of it ----------------------------------------------------------------------------------


def vocabulary() -> tuple[str, ...]:
    """Every word matched above (for recognising a traditional-script copy of them)."""
    words: list[str] = [w for alternatives in _HEADING_WORDS.values() for ws in alternatives for w in ws]
    words += _CLOSING_WORDS
    words += [w for rows in SECTION2_COLUMNS.values() for r, cols in rows.items() for w in (r, *cols)]
    words += [w for _, ws in _SECTION3_WORDS for w in ws]
    words += [
        *SECTION3_COLUMNS,
        *REVIEW_GROUPS,
        *REVIEW_COLUMNS,
        *SECTION4_HEADER_WORDS,
        *SECTION3_HEADER_WORDS,
    ]
    words += [*_MARKERS_2019, *_MARKERS_2021, "信息内容", "第二十条", "其他处理", "本年度办理结果"]
    return tuple(words)


# -- format ------------------------------------------------------------------------------------

_MARKERS_2021 = ("本年制发件数", "本年废止件数", "现行有效件数", "本年收费金额", "(六)其他处理", "(七)总计")
_MARKERS_2019 = (
    "本年新制作数量",
    "本年新公开数量",
    "对外公开总数量",
    "上一年项目数量",
    "采购总金额",
    "(六)总计",
)


def format_hint(texts: Sequence[str]) -> str | None:
    """ "standard-2021" or "standard-2019" when the table labels in `texts` (compact) say so."""
    joined = "".join(texts)
    if any(m in joined for m in _MARKERS_2021):
        return "standard-2021"
    if any(m in joined for m in _MARKERS_2019):
        return "standard-2019"
    return None
