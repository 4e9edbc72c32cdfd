"""The statistics period a report states: 统计期限自2019年1月1日起至2019年12月31日止 and variants
(统计期限为…至…, 二〇一七年一月一日至二〇一七年十二月三十一日, 2019年1月1日—2019年12月31日)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from ..dates import find_dates
from ..textnorm import compact
from .script import to_simplified
from .text import Sentence

# What may stand between the two dates of a period once whitespace is gone.
_CONNECTOR = re.compile(r"^(?:起)?(?:至|到|-|—|–|~|～|－|起至)$")
# The end date of a period whose start is unreadable: "自<garbled>起至<end>".
_OPEN_END = re.compile(r"(?:至|到|-|—|–|~|～|－)$")
_OPENING = re.compile(r"[自从]|统计期")
_JOINS = re.compile(r"至|到|-|—|–|~|～|－")
# A period is stated in a short sentence; dates.find_dates is quadratic in the number of dates, so a
# run-on "sentence" of thousands of dates is not handed to it.
MAX_PERIOD_SENTENCE = 400
_STATISTICS = ("统计", "数据", "期限", "时限", "期间", "报告期")


def find_period(sentences: Sequence[Sentence]) -> dict[str, str | None] | None:
    """{"start", "end"} (ISO) of the first pair of dates joined by 至 / - that runs forward,
    preferring a sentence about the statistics; None when no sentence states one. A statistics
    sentence whose start date cannot be read (自202111日起至2021年12月31日止) gives start None."""
    fallback: dict[str, str | None] | None = None
    partial: dict[str, str | None] | None = None
    for s in sentences:
        if len(s.key) > MAX_PERIOD_SENTENCE or not _JOINS.search(s.key):
            continue
        text = to_simplified(s.text)
        dates = find_dates(text)
        about_statistics = any(w in s.key for w in _STATISTICS)
        for a, b in itertools.pairwise(dates):
            if not _CONNECTOR.match(compact(text[a.end : b.start])) or a.iso >= b.iso:
                continue
            period: dict[str, str | None] = {"start": a.iso, "end": b.iso}
            if about_statistics:
                return period
            fallback = fallback or period
        if about_statistics and dates and partial is None:
            before = compact(text[: dates[0].start])
            if _OPEN_END.search(before) and _OPENING.search(before):
                partial = {"start": None, "end": dates[0].iso}
    return fallback or partial
