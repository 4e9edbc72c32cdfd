"""The statistics annex (附表) of free-form reports: 指标名称 | 计量单位 | 代码 | 本期实际 | 本年累计,
rows such as 主动公开信息数, 申请总数, 行政复议数, 行政诉讼数.

The annex reaches us as `|`-separated rows or one cell per line; both are read as one stream of
cells in which a row starts at each label.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .text import match_key, parse_number

_ROW_STATS = (
    (re.compile(r"主动公开(?:政府)?信息(?:条)?数"), "proactive_total"),
    (re.compile(r"(?:依申请公开)?申请(?:总数|数量|件数)|受理申请数|依申请公开信息数"), "requests_received"),
    (re.compile(r"行政复议(?:案件)?数"), "reconsideration_count"),
    (re.compile(r"行政诉讼(?:案件)?数"), "litigation_count"),
    (re.compile(r"(?:收取费用|收费)(?:金额|数额|总额)?"), "fees_collected"),
)
# Header cells that hold words, not numbers; every other header cell (代码, 本期实际, 本年累计) is a
# number in the value rows.
_WORD_COLUMNS = ("指标名称", "指标", "名称", "项目", "计量单位", "单位")
_VALUE_COLUMNS = ("本期实际", "本年实际", "本年累计", "数量", "数值", "合计")
_CODE_COLUMNS = ("代码", "序号", "编号")
_HEADER = "指标名称"
MAX_CELL = 24  # a longer cell is prose: the annex has ended


@dataclass(frozen=True)
class AnnexFigure:
    value: int | float
    evidence: str
    line: int


def read_annex(lines: Sequence[str]) -> dict[str, AnnexFigure]:
    """Stat key -> the 本期实际 figure of the annex rows found in `lines`."""
    start = next((i for i, line in enumerate(lines) if _HEADER in match_key(line)), None)
    if start is None:
        return {}
    cells = list(_cells(lines, start))
    header: list[str] = []
    rows: list[list[tuple[int, str]]] = []
    for line_no, cell in cells:
        key = match_key(cell)
        if _is_label(key) and not (not rows and _is_header_word(key)):
            rows.append([(line_no, cell)])
        elif rows:
            rows[-1].append((line_no, cell))
        else:
            header.append(key)
    position = _value_position(header)
    found: dict[str, AnnexFigure] = {}
    for row in rows:
        stat = _stat_of(match_key(row[0][1]))
        if stat is None or stat in found:
            continue
        numbers = [v for v in (parse_number(match_key(c)) for _, c in row[1:]) if v is not None]
        if len(numbers) > position:
            evidence = " | ".join(c for _, c in row)
            found[stat] = AnnexFigure(numbers[position], evidence, row[0][0])
    return found


def _cells(lines: Sequence[str], start: int) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for i in range(start, len(lines)):
        parts = [p.strip() for p in re.split(r"[|｜]", lines[i])]
        parts = [p for p in parts if p]
        if any(len(match_key(p)) > MAX_CELL for p in parts):
            if i > start:
                break
            continue
        out.extend((i, p) for p in parts)
    return out


def _is_label(key: str) -> bool:
    # Units (条, 件, 万元) are short; numbers are numbers; a label is a word of four characters or more.
    return len(key) >= 4 and parse_number(key) is None


def _is_header_word(key: str) -> bool:
    return key in _WORD_COLUMNS or key == _HEADER or key in _CODE_COLUMNS or key.startswith(_VALUE_COLUMNS)


def _value_position(header: Sequence[str]) -> int:
    """Index of 本期实际 among the numeric cells of a row (after 代码 when there is one)."""
    numeric = [h for h in header if h not in _WORD_COLUMNS and h != _HEADER]
    for i, h in enumerate(numeric):
        if any(h.startswith(v) for v in _VALUE_COLUMNS):
            return i
    return 0


def _stat_of(label: str) -> str | None:
    for pattern, stat in _ROW_STATS:
        if pattern.search(label):
            return stat
    return None
