"""The two real pages the replica serves verbatim (replica/seeds/*.txt)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from replica.content import STAT_KEYS

SEEDS_DIR = Path(__file__).resolve().parent / "seeds"
_SPACE = re.compile(r"\s+")


def clean_line(text: str) -> str:
    """A line per the clean-text contract: whitespace runs (\\xa0 and \\u3000 included) become one
    space; the line is stripped."""
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class SeedPage:
    stem: str
    title: str
    lines: tuple[str, ...]  # body paragraphs, exactly as the seed writes them
    right_aligned: tuple[bool, ...]
    signed_by: str | None
    signed_date: str | None
    stats: dict[str, int | float | None]
    anomalies: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(c for c in (clean_line(line) for line in self.lines) if c)


def _stats(**known: int) -> dict[str, int | float | None]:
    return {key: known.get(key) for key in STAT_KEYS}


@cache
def load_seed(stem: str) -> SeedPage:
    raw = (SEEDS_DIR / f"{stem}.txt").read_text(encoding="utf-8").split("\n")
    if stem.startswith("000_"):
        # The seed is the page's text: 登录 注册, the title, the 发布日期 line, then the body.
        start = next(i for i, line in enumerate(raw) if line.startswith("发布日期")) + 1
        lines = tuple(line for line in raw[start:] if line)
        return SeedPage(
            stem=stem,
            title=raw[2],
            lines=lines,
            # The signature block is pushed right with no-break spaces in the source page.
            right_aligned=tuple(line.startswith("\xa0") for line in lines),
            signed_by="四平市铁西区站前街道办事处",
            signed_date="2017-03-18",
            # 137 items published in 2017 (the text also says 66 for 2013-2017); no requests,
            # no fees, no reconsideration or lawsuit.
            stats=_stats(
                proactive_total=137,
                requests_received=0,
                fees_collected=0,
                reconsideration_count=0,
                litigation_count=0,
            ),
            # signed 2017年3月18日, before the 2017 period ended; 137 items vs 66 for 2013-2017
            anomalies=("contradictory_figures", "signed_before_period_end"),
        )
    lines = tuple(line for line in raw if line)
    return SeedPage(
        stem=stem,
        title="细河区学苑街道2017年政府信息公开年度报告",
        lines=lines,
        right_aligned=tuple(False for _ in lines),
        signed_by=None,
        signed_date=None,
        # 主动公开相关信息52条 (the "of which" 141 contradicts it); nothing else is stated as a figure.
        stats=_stats(proactive_total=52),
        # 52 items "of which" 141; one sentence printed twice
        anomalies=("contradictory_figures", "repeated_paragraph"),
    )
