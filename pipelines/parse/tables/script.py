"""Traditional-script copies of a report (mirror sites convert whole pages with OpenCC s2t): the
table words are matched on a simplified copy of each cell.

Only the characters the table vocabulary is written with matter here, so a cell is converted (t2s)
only when it holds the traditional form of one of them; simplified pages never reach OpenCC.
"""

from __future__ import annotations

from functools import cache, lru_cache

import opencc

from .labels import vocabulary


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


@cache
def _traditional() -> frozenset[str]:
    """Characters of the traditional spelling of the table words that differ from the simplified."""
    words = "\n".join(vocabulary())
    converted = str(_converter("s2t").convert(words))
    return frozenset(converted) - frozenset(words)


@lru_cache(maxsize=8192)
def simplified(text: str) -> str:
    """`text` converted to simplified script when it spells a table word in traditional script."""
    if text.isascii() or _traditional().isdisjoint(text):
        return text
    return str(_converter("t2s").convert(text))
