"""Defects of the prose that a parser reports rather than repairs: repeated paragraphs or
sentences (seed 004), malformed or impossible dates (自202111日起, 2019年2月30日)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..anomalies import anomaly
from ..dates import to_date
from ..numerals import CN_DIGIT_CHARS, cn_to_int, cn_year
from .text import Sentence

REPEATED_PARAGRAPH = "repeated_paragraph"
MALFORMED_DATE = "malformed_date"

MIN_REPEAT = 12  # shorter sentences ("无。", "一、概述") repeat legitimately
MIN_CLAUSE = 8
_CLAUSE_SPLIT = re.compile(r"[,;:]")


def repeated_sentences(sentences: Sequence[Sentence]) -> list[dict[str, object]]:
    """A sentence that repeats an earlier one, exactly or by two or more of its clauses (seed 004:
    "…信息公开形式还需进一步创新，在下步工作中我们将更加重视，…" twice in different wrappings)."""
    found: list[dict[str, object]] = []
    seen_sentences: dict[str, int] = {}
    seen_clauses: dict[str, int] = {}
    for i, s in enumerate(sentences):
        key = s.key.rstrip("。!?")
        clauses = [c for c in _CLAUSE_SPLIT.split(key) if len(c) >= MIN_CLAUSE]
        if len(key) >= MIN_REPEAT and key in seen_sentences:
            found.append(anomaly(REPEATED_PARAGRAPH, "a sentence is repeated", s.text))
        else:
            # Clauses repeated from one and the same earlier sentence.
            earlier: dict[int, int] = {}
            for c in clauses:
                if c in seen_clauses:
                    earlier[seen_clauses[c]] = earlier.get(seen_clauses[c], 0) + 1
            if any(n >= 2 for n in earlier.values()):
                found.append(
                    anomaly(REPEATED_PARAGRAPH, "a sentence repeats clauses of an earlier one", s.text)
                )
        seen_sentences.setdefault(key, i)
        for c in clauses:
            seen_clauses.setdefault(c, i)
    return found


_CN_SMALL = "〇零○一二三四五六七八九十"
_YMD = re.compile(
    rf"(?<![\d{CN_DIGIT_CHARS}])(?P<y>\d{{4}}|[{CN_DIGIT_CHARS}]{{4}})年(?P<m>\d{{1,2}}|[{_CN_SMALL}]{{1,3}})月"
    rf"(?P<d>\d{{1,2}}|[{_CN_SMALL}]{{1,4}})日"
)
# 年 and/or 月 dropped: 自202111日起, 2021年11日, 202111月1日.
_GLUED = (
    re.compile(r"(?<![\d.])(?:19|20)\d{3,4}日"),
    re.compile(r"(?<![\d.])(?:19|20)\d{2}年\d{1,4}日"),
    re.compile(r"(?<![\d.])(?:19|20)\d{3,4}月\d{1,2}日"),
)


def malformed_dates(sentences: Sequence[Sentence]) -> list[dict[str, object]]:
    """Dates with 年 or 月 dropped, and dates that do not exist (2019年2月30日, 2019年13月1日)."""
    found: list[dict[str, object]] = []
    for s in sentences:
        if "日" not in s.key:
            continue
        bad = next((m.group(0) for p in _GLUED for m in p.finditer(s.key)), None)
        if bad is None:
            bad = next((m.group(0) for m in _YMD.finditer(s.key) if not _valid(m)), None)
        if bad is not None:
            found.append(anomaly(MALFORMED_DATE, f"malformed date {bad}", s.text))
    return found


def _valid(m: re.Match[str]) -> bool:
    year, month, day = cn_year(m["y"]), cn_to_int(m["m"]), cn_to_int(m["d"])
    return (
        year is not None and month is not None and day is not None and to_date(year, month, day) is not None
    )
