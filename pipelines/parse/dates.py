"""Dates as pages write them (2018-3-19 10:22, 2018年3月19日, 二〇一八年三月十八日) -> ISO."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from .numerals import CN_DIGIT_CHARS, cn_to_int, cn_year
from .textnorm import fold_with_map

_CN_SMALL = "〇零○一二三四五六七八九十廿卅"
_YEAR = rf"(?P<y>\d{{4}}|[{CN_DIGIT_CHARS}]{{4}})"
_MONTH = rf"(?P<m>\d{{1,2}}|[{_CN_SMALL}]{{1,3}})"
_DAY = rf"(?P<d>\d{{1,2}}|[{_CN_SMALL}]{{1,4}})"

# Matched on a folded copy, so full-width digits and separators are already ASCII. Digits
# must not touch other digits: `自202111日起` (年 and 月 dropped) is not a date.
_DATE_PATTERNS = (
    re.compile(rf"(?<!\d){_YEAR}\s*年\s*{_MONTH}\s*月\s*{_DAY}\s*[日号]?(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>\d{4})\s*(?P<sep>[-/.])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})(?!\d)"),
)
_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})")


@dataclass(frozen=True)
class DateMatch:
    """A date found in a string: its ISO form and where it stands in the original string."""

    iso: str
    start: int
    end: int


def to_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _value(match: re.Match[str]) -> dt.date | None:
    year = cn_year(match["y"])
    month = cn_to_int(match["m"])
    day = cn_to_int(match["d"])
    if year is None or month is None or day is None:
        return None
    return to_date(year, month, day)


def find_dates(s: str) -> list[DateMatch]:
    """Every valid full date (year, month and day) in `s`, in order of appearance."""
    return list(_find_dates(s))


# Cached (DateMatch is immutable; callers get a list of their own): the signature's date line is
# read twice (a date alone, else a name and a date), and dates repeat across a site's pages.
@lru_cache(maxsize=1024)
def _find_dates(s: str) -> tuple[DateMatch, ...]:
    folded, index = fold_with_map(s)
    found: list[DateMatch] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(folded):
            if any(m.start() < e and s_ < m.end() for s_, e in taken):
                continue
            value = _value(m)
            if value is None:
                continue
            taken.append((m.start(), m.end()))
            found.append(DateMatch(value.isoformat(), index[m.start()], index[m.end()]))
    return tuple(sorted(found, key=lambda d: d.start))


def normalize_date(raw: str | None) -> str | None:
    """The first full date in `raw` as YYYY-MM-DD, or None.

    Accepts `2018-03-19`, `2018-3-19 10:22`, `2018/03/19`, `2018.3.19`, `2018年3月19日`,
    `二〇一八年三月十八日`, full-width digits, surrounding labels (`日期: 2014-03-31`) and a
    bare `20180319`. Impossible or incomplete dates give None rather than a guess.
    """
    if not raw:
        return None
    found = find_dates(raw)
    if found:
        return found[0].iso
    stripped = fold_with_map(raw)[0].strip()
    compact = _COMPACT.fullmatch(stripped)
    if compact:
        value = to_date(int(compact["y"]), int(compact["m"]), int(compact["d"]))
        return value.isoformat() if value else None
    return None


def parse_iso(iso: str | None) -> dt.date | None:
    """`YYYY-MM-DD` -> date (None passes through)."""
    return dt.date.fromisoformat(iso) if iso else None
