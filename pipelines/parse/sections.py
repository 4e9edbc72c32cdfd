"""The tree of numbered sections of a document body."""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from .headings import Heading, parse_heading
from .textnorm import compact

# Row labels of the standard tables (国办公开办函〔2019〕60号 / 〔2021〕30号). When a table is
# flattened one cell per line they look like headings (一、本年新收… inside section 三), so
# headings are told apart by their words, not their numbers.
TABLE_ROW_LABELS = (
    "本年新收政府信息公开申请数量",
    "上年结转政府信息公开申请数量",
    "本年度办理结果",
    "结转下年度继续办理",
    "予以公开",
    "部分公开",
    "不予公开",
    "无法提供",
    "不予处理",
    "其他处理",
    "总计",
    "属于国家秘密",
    "其他法律行政法规禁止公开",
    "危及“三安全一稳定”",
    "保护第三方合法权益",
    "属于三类内部事务信息",
    "属于四类过程性信息",
    "属于行政执法案卷",
    "属于行政查询事项",
    "本机关不掌握相关政府信息",
    "没有现成信息需要另行制作",
    "补正后申请内容仍不明确",
    "信访举报投诉类申请",
    "重复申请",
    "要求提供公开出版物",
    "无正当理由大量反复申请",
    "要求行政机关确认或重新出具已获取信息",
    "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "其他",
)


@dataclass
class _Node:
    heading: Heading
    paragraphs: list[str] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        h = self.heading
        return {
            "number": h.number,
            "marker": h.marker,
            "level": h.level,
            # The archive schema wants a string: an untitled numbered paragraph has title "".
            "title": h.title or "",
            "text": "\n".join(self.paragraphs),
            "children": [c.as_dict() for c in self.children],
        }


def build_sections(lines: Sequence[str], skip: AbstractSet[int] = frozenset()) -> list[dict[str, object]]:
    """Sections of the clean lines `lines` (body only: no title, no signature).

    Each section is `{"number", "marker", "level", "title", "text", "children"}`; `text` holds the
    paragraphs after the heading up to the next heading of any level, joined by newlines; `title`
    is "" for a numbered paragraph without a title. Lines before the first heading (the preamble)
    belong to no section. Lines whose index is in `skip` (the rows of a table, even flattened one
    cell per line, where 一、本年新收… looks like a heading) are text, never headings.
    """
    roots: list[_Node] = []
    stack: list[_Node] = []
    for index, line in enumerate(lines):
        heading = None if index in skip else _heading(line, roots, stack)
        if heading is None:
            if stack:
                stack[-1].paragraphs.append(line)
            continue
        while stack and stack[-1].heading.level >= heading.level:
            stack.pop()
        node = _Node(heading, [heading.text] if heading.text else [])
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return [n.as_dict() for n in roots]


def _heading(line: str, roots: list[_Node], stack: list[_Node]) -> Heading | None:
    # One parse serves both readings: allow_untitled changes only what a numbered paragraph without
    # a title gives (None, or a heading whose title is None); a titled heading is the same either way.
    heading = parse_heading(line, allow_untitled=True)
    if heading is None or _is_table_row(heading):
        return None
    if heading.title is not None:
        return heading
    # A numbered paragraph with a long first sentence is a section only when it continues the
    # numbering of its siblings: （一）… then （二）通过网站、报刊…主动公开相关信息52条。
    parent_stack = [n for n in stack if n.heading.level < heading.level]
    siblings = parent_stack[-1].children if parent_stack else roots
    previous = next((n for n in reversed(siblings) if n.heading.level == heading.level), None)
    if previous is not None and previous.heading.value == heading.value - 1:
        return heading
    return None


def _row_label(labels: Sequence[str]) -> re.Pattern[str]:
    # A label alone, or followed by a note in brackets or its numbers. The alternation backtracks
    # into the next label when one is a prefix of the line without such an ending.
    return re.compile("(?:" + "|".join(map(re.escape, labels)) + r")(?:\Z|[(0123456789\-])")


# `其他` is a table row only at the 1. level (三、…(六)其他处理 3.其他); `七、其他` is a report
# section. One pattern per case, instead of a loop over the labels for every heading.
_TABLE_ROW = _row_label([row for row in TABLE_ROW_LABELS if row != "其他"])
_TABLE_ROW_LEVEL_3 = _row_label(TABLE_ROW_LABELS)


def _is_table_row(heading: Heading) -> bool:
    label = compact((heading.title or "") + heading.text)
    pattern = _TABLE_ROW_LEVEL_3 if heading.level == 3 else _TABLE_ROW
    return pattern.match(label) is not None
