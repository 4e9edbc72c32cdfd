"""The title of a document whose page gave none: its first line(s), joined when split."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .headings import parse_heading
from .textnorm import compact

# Chrome that text-only copies of pages still carry (the seeds do). It is not stripped here
# (pipelines.extract does that), only never taken for a title.
_CHROME = re.compile(
    r"^(?:登录|注册|登录注册|首页|打印|关闭|分享|打印本页|关闭窗口|返回顶部|大中小|字号大中小)$"
    r"|^(?:当前位置|您的位置|您现在的位置|所在位置)"
    r"|(?:发布日期|发布时间|日期|时间|点击数|点击量|浏览量|浏览次数|阅读次数|来源|信息来源|"
    r"责任编辑|编辑|作者|文字大小|字号)[:：]"
)
# A title ends with the noun saying what the document is.
TITLE_NOUNS = (
    "报告",
    "年报",
    "通知",
    "通报",
    "公告",
    "公示",
    "意见",
    "办法",
    "方案",
    "规定",
    "决定",
    "批复",
    "函",
    "总结",
    "计划",
    "要点",
    "指南",
    "目录",
    "说明",
)
_TITLE_END = re.compile(r"(?:" + "|".join(TITLE_NOUNS) + r")[)]?$")
_PROSE = re.compile(r"[。，,；;！!？?]")
MAX_TITLE_PART = 40
MAX_TITLE = 80


def is_chrome_line(line: str) -> bool:
    return bool(_CHROME.search(compact(line)))


def _title_part(line: str) -> bool:
    c = compact(line)
    return (
        0 < len(c) <= MAX_TITLE_PART
        and not _PROSE.search(c)
        and not is_chrome_line(line)
        and parse_heading(line) is None
    )


def derive_title(lines: Sequence[str]) -> tuple[str | None, int]:
    """(title, number of lines it took) from the first non-chrome lines of `lines`.

    Up to three short lines are joined when together they end with a title noun
    (`细河区学苑街道` + `2017年政府信息公开年度报告`); a prose line is never joined.
    """
    start = 0
    while start < len(lines) and is_chrome_line(lines[start]):
        start += 1
    parts: list[str] = []
    for line in lines[start : start + 3]:
        if not _title_part(line):
            break
        parts.append(line.strip())
        joined = "".join(parts)
        if len(joined) > MAX_TITLE:
            break
        if _TITLE_END.search(compact(joined)):
            return joined, start + len(parts)
    if parts and len(parts[0]) <= MAX_TITLE_PART:
        return parts[0], start + 1
    return None, start
