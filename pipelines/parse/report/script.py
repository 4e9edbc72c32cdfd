"""Traditional-script text folded to simplified characters, for matching only.

Some mirror sites republish simplified pages in traditional script (年報, 報告, 條). The parser
matches its patterns on a simplified copy; what it stores (evidence, titles) stays as written.
"""

from __future__ import annotations

from functools import cache, lru_cache

import opencc

# One separator per character keeps OpenCC's phrase matching from joining neighbours while the
# set of characters that t2s changes on their own is computed.
_SEPARATOR = "\n"
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@cache
def _traditional_chars() -> frozenset[str]:
    """Characters that t2s rewrites when they stand alone: a text holding none of them is left
    as it is without calling OpenCC (almost every page on these portals is simplified)."""
    chars = [chr(code) for lo, hi in _CJK_RANGES for code in range(lo, hi + 1)]
    converted = _converter().convert(_SEPARATOR.join(chars)).split(_SEPARATOR)
    if len(converted) != len(chars):  # a conversion swallowed a separator: fall back to pairwise
        converted = [_converter().convert(c) for c in chars]
    return frozenset(c for c, s in zip(chars, converted, strict=True) if c != s)


def has_traditional(text: str) -> bool:
    """True when `text` holds a character that t2s would rewrite."""
    return not _traditional_chars().isdisjoint(text)


@lru_cache(maxsize=8192)
def to_simplified(text: str) -> str:
    """`text` with traditional characters converted to simplified (OpenCC t2s); unchanged, and
    without a call into OpenCC, when it has none. For matching only: store the original."""
    if not text or not has_traditional(text):
        return text
    return str(_converter().convert(text))
