"""Sentences of a report body and numbers as reports write them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..numerals import cn_to_int
from ..sections import TABLE_ROW_LABELS
from ..textnorm import compact
from .script import to_simplified

# A line holding a cell separator is a flattened table row, never prose ("信息内容 | 本年处理决定数量").
_PIPE_ROW = re.compile(r"[|｜]")
# A row label alone, or with its bracket note and numbers: "本年度办理结果：予以公开2件" is prose.
_ROW_LABEL_LINE = re.compile(
    "(?:"
    + "|".join(re.escape(compact(label)) for label in TABLE_ROW_LABELS if label != "其他")
    + r")(?:\([^)]*\))?[\d.\-]*$"
)
_ROW_MARKER = re.compile(
    r"^(?:[一二三四五六七八九十]{1,2}[、.]|\([一二三四五六七八九十]{1,2}\)|\d{1,2}[.、])"
)
MAX_ROW_LABEL = 48
# Header cells of the standard tables, alone on a line when a table is flattened one cell per line.
_HEADER_CELLS = frozenset(
    (
        "行政复议",
        "行政诉讼",
        "未经复议直接起诉",
        "复议后起诉",
        "结果维持",
        "结果纠正",
        "其他结果",
        "尚未审结",
        "总计",
        "信息内容",
        "自然人",
        "法人或其他组织",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    )
)
_SENTENCE_END = re.compile(r"[。！？!?]+")

# A number as prose writes it once folded: Arabic (full-width digits are folded already), with a
# decimal part, with thousands separators (1,234), or in Chinese counting form (一百零五, 两万). An
# optional 万 or 千 multiplies (1.2万, 4千).
NUM = r"(?:\d{1,3}(?:,\d{3})+(?![\d.])|\d+(?:\.\d+)?[万千]?|[〇零一二两三四五六七八九十百千万]+)"


@dataclass(frozen=True)
class Sentence:
    """One sentence of the body: where it is, as written, and a simplified compact copy to match."""

    line: int
    text: str  # as written (evidence)
    key: str  # simplified, folded, without whitespace (what patterns run on)


# Cached: the sentence splitter, the heading finder and the truncation test ask about the same lines.
@lru_cache(maxsize=8192)
def is_table_row(line: str) -> bool:
    """A flattened table row: cells joined by pipes, or a row label of the standard tables on its
    own line (tables flattened one cell per line: "4.无正当理由大量反复申请" is no statement)."""
    if _PIPE_ROW.search(line):
        return True
    whole = match_key(line)
    if whole in _HEADER_CELLS:
        return True
    key = _ROW_MARKER.sub("", whole, count=1)
    return len(key) <= MAX_ROW_LABEL and _ROW_LABEL_LINE.match(key) is not None


# Sentence-final punctuation a complete text ends with (a closing bracket or quote may follow).
_COMPLETE_END = re.compile(r"[。！？!?；;：:…）)”」』】]$")


def looks_truncated(lines: Sequence[str], skip: frozenset[int] = frozenset()) -> bool:
    """True when the last prose line stops mid-sentence (the text was cut)."""
    for i in range(len(lines) - 1, -1, -1):
        if i in skip or is_table_row(lines[i]):
            continue
        return _COMPLETE_END.search(lines[i].strip()) is None
    return False


@lru_cache(maxsize=8192)
def match_key(text: str) -> str:
    """The copy of `text` patterns are matched on: simplified, folded (full-width digits and
    punctuation become ASCII), without whitespace."""
    return compact(to_simplified(text))


def sentences(lines: Sequence[str], skip: frozenset[int] = frozenset()) -> list[Sentence]:
    """The prose sentences of `lines` (line indices in `skip`, and flattened table rows, left out)."""
    found: list[Sentence] = []
    for i, line in enumerate(lines):
        if i in skip or is_table_row(line):
            continue
        start = 0
        for m in _SENTENCE_END.finditer(line):
            _add(found, i, line[start : m.end()])
            start = m.end()
        _add(found, i, line[start:])
    return found


def _add(found: list[Sentence], line: int, text: str) -> None:
    text = text.strip()
    if text:
        found.append(Sentence(line, text, match_key(text)))


def parse_number(written: str) -> int | float | None:
    """Value of a number matched by NUM (folded already): 137, 3.5, 2万, 一百零五, 两万. None when
    it is not a well-formed number."""
    if not written:
        return None
    written = written.replace(",", "")  # thousands separators (1,234)
    if written[-1:] == "千" and written[:-1].replace(".", "", 1).isdigit():
        value = float(written[:-1]) * 1000
        return int(value) if value.is_integer() else round(value, 4)
    scale = 1
    body = written
    if body.endswith("万") and body[:-1].replace(".", "", 1).isdigit():
        scale, body = 10_000, body[:-1]
    if body.replace(".", "", 1).isdigit():
        if "." in body:
            value = float(body) * scale
            return int(value) if value.is_integer() else round(value, 4)
        return int(body) * scale
    return cn_to_int(body)
