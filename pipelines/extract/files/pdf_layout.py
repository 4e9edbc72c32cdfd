"""Paragraphs and table rows from positioned PDF text lines (pure geometry, no PDF library).

A PDF has no paragraphs, only lines drawn at positions. What this module assumes of reports typeset
by Word, WPS or reportlab (tested on the replica's reportlab PDFs):

- a wrapped paragraph's lines share a left edge, and every line but the last reaches (nearly) the
  right edge; a new paragraph is indented (首行缩进), centred, right-aligned, or follows a short line;
- the cells of one table row are drawn side by side, so their vertical extents overlap, left to right;
- a page number (- 1 -, 第1页, 1/3) is alone at the very top or bottom of its page.

Line widths are estimated (full-width characters one em, others a quarter to half an em): the font's
own metrics are not needed to tell a full line from a short one, given a tolerance of two ems.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from .result import clean_line

_PAGE_NUMBER = re.compile(r"[-—–\s]*(第\s*\d+\s*页([,，\s]*共\s*\d+\s*页)?|\d+\s*/\s*\d+|\d+)[-—–\s]*")


@dataclass(frozen=True)
class Fragment:
    """One line of text as drawn: its baseline origin, font size, page and drawing block.

    `block` numbers runs of text drawn under one transformation (a reportlab paragraph or table
    cell; often a whole page in Word's output)."""

    text: str
    x: float
    y: float
    size: float
    page: int
    block: int


@dataclass
class _Unit:
    """A paragraph or a table cell: joined lines, with the box they cover."""

    text: str
    x: float
    top: float
    bottom: float
    page: int
    size: float
    full_end: bool  # its last line reached the right edge: it may go on on the next page
    starts_at_margin: bool = False


@dataclass
class _Row:
    units: list[_Unit] = field(default_factory=list)


def text_width(text: str, size: float, narrow: float = 0.5) -> float:
    """Estimated advance of `text` at `size` points: full-width characters one em, the others
    `narrow` em (fonts differ: about 0.25 for STSong-Light's digits, 0.5 for SimSun's)."""
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in ("W", "F"))
    return size * (wide + narrow * (len(text) - wide))


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _end(frag: Fragment) -> float:
    """Where the line ends at the most (narrow characters half an em)."""
    return frag.x + text_width(frag.text, frag.size)


def _least_end(frag: Fragment) -> float:
    """Where the line ends at the least: the right edge is where some line surely reached."""
    return frag.x + text_width(frag.text, frag.size, 0.25)


def _paragraphs(block: Sequence[Fragment], margins: dict[int, tuple[float, float]]) -> list[_Unit]:
    """Join the wrapped lines of one drawing block into paragraphs (`margins`: the text's left and
    right edges per rounded font size)."""
    left = min(f.x for f in block)
    right = max(_least_end(f) for f in block)
    units: list[_Unit] = []
    prev: Fragment | None = None
    for frag in block:
        tol = 2.0 * frag.size
        page_left, page_right = margins[round(frag.size)]
        joins = (
            prev is not None
            and units
            and abs(frag.size - prev.size) < 0.5
            and abs(frag.x - left) < 1.0
            and _end(prev) >= right - tol
            and 0 < prev.y - frag.y <= 2.6 * frag.size
        )
        if joins:
            unit = units[-1]
            # Chinese and numbers wrap anywhere (a narrow cell breaks 14 into 1 and 4); Latin words
            # had a space at the break.
            sep = " " if _latin(unit.text[-1:]) and _latin(frag.text[:1]) else ""
            unit.text += sep + frag.text
            unit.bottom = frag.y
        else:
            units.append(
                _Unit(
                    frag.text,
                    frag.x,
                    frag.y + frag.size,
                    frag.y,
                    frag.page,
                    frag.size,
                    False,
                    starts_at_margin=abs(frag.x - page_left) < 1.0,
                )
            )
        units[-1].full_end = _end(frag) >= page_right - 2.0 * frag.size
        prev = frag
    return units


def _rows(units: Sequence[_Unit]) -> list[_Row]:
    """Consecutive units whose vertical extents overlap, left to right, are one table row."""
    rows: list[_Row] = []
    for unit in units:
        if rows:
            row = rows[-1]
            last = row.units[-1]
            top = max(u.top for u in row.units)
            bottom = min(u.bottom for u in row.units)
            if (
                unit.page == last.page
                and unit.x > last.x + 1.0
                and unit.bottom < top - 1.0
                and unit.top > bottom + 1.0
            ):
                row.units.append(unit)
                continue
        rows.append(_Row([unit]))
    return rows


def _page_numbers(pieces: Sequence[Fragment], margins: dict[int, tuple[float, float]]) -> set[int]:
    """Indices of the fragments that are page numbers: alone on the top or bottom line of a page.

    A bare number must also be centred: a table flattened one cell per line puts lone numbers at
    the margin too. Dashed (— 1 —, placed left or right in official documents) and worded forms
    (第1页, 1/3) are taken anywhere."""
    by_page: dict[int, list[int]] = {}
    for i, f in enumerate(pieces):
        by_page.setdefault(f.page, []).append(i)
    found = set()
    for indices in by_page.values():
        for pick in (min, max):
            edge = pieces[pick(indices, key=lambda i: pieces[i].y)]
            same_line = [i for i in indices if abs(pieces[i].y - edge.y) < 1.0]
            text = edge.text.strip()
            if len(same_line) != 1 or not _PAGE_NUMBER.fullmatch(text):
                continue
            left, right = margins[round(edge.size)]
            centre = edge.x + text_width(text, edge.size) / 2
            if not text.isdigit() or abs(centre - (left + right) / 2) < 3 * edge.size:
                found.add(same_line[0])
    return found


def layout_text(fragments: Sequence[Fragment]) -> list[str]:
    """Clean lines (paragraphs and " | "-joined table rows) from the fragments of a document, in
    drawing order; page numbers left out."""
    pieces = [f for f in fragments if clean_line(f.text)]
    if not pieces:
        return []
    # Margins per font size over the whole document: pages share them, and a page holding only a
    # right-aligned date must not take that date's position for its margin.
    margins: dict[int, tuple[float, float]] = {}
    for f in pieces:
        lo, hi = margins.get(round(f.size), (f.x, _least_end(f)))
        margins[round(f.size)] = (min(lo, f.x), max(hi, _least_end(f)))
    numbers = _page_numbers(pieces, margins)
    pieces = [f for i, f in enumerate(pieces) if i not in numbers]
    units: list[_Unit] = []
    start = 0
    for i in range(1, len(pieces) + 1):
        if i == len(pieces) or pieces[i].block != pieces[start].block or pieces[i].page != pieces[start].page:
            units.extend(_paragraphs(pieces[start:i], margins))
            start = i
    rows: list[_Row] = []
    for row in _rows(units):
        previous = rows[-1].units if rows else []
        unit = row.units[0]
        # A paragraph broken by a page break goes on at the margin, not indented (table rows never).
        if (
            len(previous) == 1
            and len(row.units) == 1
            and unit.page == previous[0].page + 1
            and previous[0].full_end
            and unit.starts_at_margin
            and abs(unit.size - previous[0].size) < 0.5
        ):
            previous[0].text += unit.text
            previous[0].full_end = unit.full_end
            continue
        rows.append(row)
    lines = []
    for row in rows:
        cells = [clean_line(u.text) for u in row.units]
        lines.append(" | ".join(cells) if len(cells) > 1 else cells[0])
    return [line for line in lines if line]
