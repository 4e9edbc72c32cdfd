"""Normalised copies of text for matching; outputs keep the page's own characters."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

# NFKC would turn ① into "1" and glue it to the heading text, losing the level-4 marker.
_KEEP = frozenset(chr(c) for c in range(0x2460, 0x2474))  # ① … ⑳

_WS = re.compile(r"[\s\u3000\xa0\u2002-\u200b\ufeff]+")
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


def fold(s: str) -> str:
    """NFKC copy of `s` (full-width digits, letters and punctuation become half-width),
    except circled numbers, which stay as they are."""
    return fold_with_map(s)[0]


def _fold_table() -> dict[int, str]:
    # Character-by-character NFKC of the BMP as a str.translate table, built once (about 50 ms):
    # folding a line becomes a C loop instead of a Python one, and it runs on every line of every page.
    table: dict[int, str] = {}
    for code in range(0x10000):
        c = chr(code)
        if c in _KEEP or 0xD800 <= code <= 0xDFFF:
            continue
        folded = unicodedata.normalize("NFKC", c)
        if folded != c:
            table[code] = folded
    return table


_FOLD = _fold_table()
# Characters whose fold is not exactly one character (ligatures, ㍿, …): positions shift.
_FOLD_UNEVEN = frozenset(chr(code) for code, folded in _FOLD.items() if len(folded) != 1)


@lru_cache(maxsize=4096)
def fold_with_map(s: str) -> tuple[str, Sequence[int]]:
    """`fold(s)` plus, for every position of the folded string (and its end), the index in `s`
    it came from, so a span found on the folded copy can be cut from the original. Cached: the
    parser's passes (headings, dates, signature) fold the same lines again."""
    if not s or (max(s) < "\U00010000" and _FOLD_UNEVEN.isdisjoint(s)):
        return s.translate(_FOLD), range(len(s) + 1)
    out: list[str] = []
    index: list[int] = []
    for i, c in enumerate(s):
        piece = c if c in _KEEP else unicodedata.normalize("NFKC", c)
        out.append(piece)
        index.extend([i] * len(piece))
    index.append(len(s))
    return "".join(out), tuple(index)


# `_WS` is str.isspace() plus these two (zero-width space, BOM): once they are spaces, str.split()
# does what `_WS.sub(" ", line).strip()` does, several times faster (it runs on every line).
_ZERO_WIDTH = ("\u200b", "\ufeff")


def _spaced(text: str) -> str:
    if _ZERO_WIDTH[0] in text or _ZERO_WIDTH[1] in text:
        return text.replace(_ZERO_WIDTH[0], " ").replace(_ZERO_WIDTH[1], " ")
    return text


def clean_line(line: str) -> str:
    """One line under the clean-text contract: whitespace runs become one space, stripped."""
    return " ".join(_spaced(line).split())


def clean_lines(text: str) -> list[str]:
    """Non-empty clean lines of `text` (idempotent on text that already follows the contract)."""
    return [c for c in map(" ".join, map(str.split, _spaced(text).splitlines())) if c]


def squeeze_cjk_spaces(s: str) -> str:
    """Drop spaces between Chinese characters (letter-spaced headings like `概 述`)."""
    return _SPACE_BETWEEN_CJK.sub("", s)


# Cached like fold_with_map: titles, signature lines and heading labels are compacted by several
# passes of the parser (and headings and table labels come back page after page).
@lru_cache(maxsize=4096)
def compact(s: str) -> str:
    """Folded copy without any whitespace, for comparing labels and names."""
    return _WS.sub("", fold(s))
