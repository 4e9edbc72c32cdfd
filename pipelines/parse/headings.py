"""Numbered headings of a report: 一、 (level 1), （一） (2), 1. (3), (1) / ① (4)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from .numerals import cn_to_int
from .textnorm import fold, fold_with_map, squeeze_cjk_spaces

_CN = "一二三四五六七八九十"

_CIRCLED = "".join(map(chr, range(0x2460, 0x2474)))  # ① … ⑳

# Matched on the folded line: （一） is already (一), ㈠ became (一), ⑴ became (1), ⒈ became 1.
# Spaces may sit anywhere inside the marker (`一 、概 述`). The middle item lists the characters a
# marker opens with (None: a decimal digit, what `\d` matches).
_MARKERS: tuple[tuple[int, str | None, re.Pattern[str]], ...] = (
    (1, "【", re.compile(rf"【\s*(?P<n>[{_CN}]{{1,3}})\s*】\s*[、.,]?")),
    (1, _CN, re.compile(rf"(?P<n>[{_CN}]{{1,3}})\s*[、.,]")),
    (2, "(〔[", re.compile(rf"[(〔\[]\s*(?P<n>[{_CN}]{{1,3}})\s*[)〕\]]\s*[、.]?")),
    (3, None, re.compile(r"(?P<n>\d{1,2})\s*[、.](?!\s*\d)")),
    (4, "([", re.compile(r"[(\[]\s*(?P<n>\d{1,2})\s*[)\]]\s*[、.]?")),
    (4, _CIRCLED, re.compile(r"(?P<c>[\u2460-\u2473])\s*[、.]?")),
)


@cache
def _markers_opened_by(c: str) -> tuple[tuple[int, re.Pattern[str]], ...]:
    """The patterns a line whose first character is `c` may match, in order (the others fail on
    the first character). Folding is character by character, so the folded line starts with the
    fold of `c`. Most lines are prose that opens with no marker at all: they are spared the folding
    and the patterns (the parser asks every line of a body)."""
    head = fold(c)[0]
    return tuple(
        (level, pattern)
        for level, opens, pattern in _MARKERS
        if (head.isdecimal() if opens is None else head in opens)
    )


# A glued heading (`（一）加强组织领导。我街不断…`) ends at the first of these.
_TITLE_END = re.compile(r"[。:;!?]")
MAX_GLUED_TITLE = 30
# A heading alone on its line is short; longer lines are prose that happens to start with 一、.
MAX_HEADING_LINE = 40


@dataclass(frozen=True)
class Heading:
    """A line recognised as a numbered heading.

    `marker` is the numbering as written (`（一）`, `1.`, `【一】`), `number` the bare numeral
    (`一`, `1`; circled numbers become Arabic), `value` its integer value. `title` is None when the
    line is a numbered paragraph whose first sentence is too long to be a title; `text` is what
    followed the title on the same line.
    """

    level: int
    marker: str
    number: str
    value: int
    title: str | None
    text: str


def parse_heading(line: str, *, allow_untitled: bool = False) -> Heading | None:
    """The heading `line` starts with, or None.

    `allow_untitled` accepts a numbered paragraph whose first sentence is too long for a title
    (title None); the section builder allows it only where the numbering sequence vouches for it.
    """
    return _parse_heading(line, allow_untitled)


# Cached (a Heading is immutable): reports follow one template, so the same headings and table
# row labels (一、总体情况, （一）予以公开 …) come back page after page.
@lru_cache(maxsize=4096)
def _parse_heading(line: str, allow_untitled: bool) -> Heading | None:
    stripped = line.strip()
    markers = _markers_opened_by(stripped[0]) if stripped else ()
    # Table rows (cells joined by ` | `, or pipes without padding) are never headings. A "|" folds to
    # itself: a row written with one is known before folding.
    if not markers or "|" in stripped:
        return None
    folded, index = fold_with_map(stripped)
    if "|" in folded:  # ｜ and other pipes that fold to "|"
        return None
    for level, pattern in markers:
        m = pattern.match(folded)
        if not m:
            continue
        if m.lastgroup == "c":  # the circled number is the pattern's only group
            value = ord(m["c"]) - 0x2460 + 1
            number = str(value)
        else:
            number = m["n"]
            parsed = cn_to_int(number)
            if parsed is None or parsed == 0:
                continue
            value = parsed
        marker = stripped[: index[m.end()]].strip()
        split = _glued_part_title(stripped[index[m.end()] :].strip()) if level == 1 else None
        if split is None:
            split = _split_title(folded, index, stripped, m.end())
        if split is None:
            rest = stripped[index[m.end()] :].strip()
            if not allow_untitled or level in (1, 3) or not rest:
                return None
            return Heading(level, marker, number, value, None, rest)
        title, text = split
        return Heading(level, marker, number, value, title, text)
    return None


# Titles of a report's parts as reports glue them to their first paragraph (一、总体情况2020年，我局…):
# with no punctuation after the title, only known wording can tell where it ends.
_GLUED_PART_TITLES = (
    "总体情况",
    "情况概述",
    "概述",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请情况",
    "政府信息公开行政复议、行政诉讼情况",
    "存在的主要问题及改进情况",
    "其他需要报告的事项",
)


def _glued_part_title(rest: str) -> tuple[str, str] | None:
    found = _glued_match(rest, rest[:24])
    if found is None and rest[:1] in _GLUED_PART_TITLES_FIRST:
        # A traditional-script heading (總體情況, 改進情況) is compared in simplified script;
        # imported here because the report package imports this module.
        from .report.script import to_simplified

        found = _glued_match(rest, to_simplified(rest[:24]))
    return found


def _glued_match(rest: str, head: str) -> tuple[str, str] | None:
    for title in _GLUED_PART_TITLES:
        # Glued: the paragraph runs on right after the title, with no separator in between.
        if head.startswith(title) and len(rest) > len(title) and rest[len(title)] not in _SEPARATORS:
            return rest[: len(title)], rest[len(title) :].strip()
    return None


# First characters of the titles in either script (總 for 总体情况, 概 for 概述…): only lines that open
# like a part title are converted for the comparison.
_GLUED_PART_TITLES_FIRST = frozenset("总總情概主收政存其")

_SEPARATORS = frozenset(" \u3000\xa0、，,。.：:；;（(【[—-")


def _split_title(folded: str, index: Sequence[int], original: str, start: int) -> tuple[str, str] | None:
    """(title, glued text) of the line after its marker, cut from the original characters."""
    rest_folded = folded[start:]
    if not rest_folded.strip():
        return None
    end = _TITLE_END.search(rest_folded)
    if end is not None:
        title = squeeze_cjk_spaces(original[index[start] : index[start + end.start()]]).strip()
        if 0 < len(title) <= MAX_GLUED_TITLE:
            return title, original[index[start + end.end()] :].strip()
        return None
    title = squeeze_cjk_spaces(original[index[start] :]).strip()
    if len(title) <= MAX_HEADING_LINE:
        return title, ""
    return None
