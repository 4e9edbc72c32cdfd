"""`flatten_table`: a table as the paragraphs it becomes when a page was pasted from Word or PDF.

Real portals often show the standard tables not as a `<table>` but as text: `|`-separated rows
(with or without the outer pipes, with empty cells where spans were), one cell per line, a cell and
a `|` on alternating lines, cells broken inside (`本年新` / `制作数量`, `商业 企业`), or vertical PDF
headers one character per line with the numbers of a row on one line. The values themselves are
never altered: a careful reader recovers exactly the table's figures.
"""

from __future__ import annotations

import random

from .grid import table_rows
from .model import Cell, Table
from .text import clean_line

FLAT_STYLES = ("pipes", "pipes-bare", "cell-lines", "cell-pipe-lines", "split-cells", "vertical")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _pipes(table: Table) -> list[str]:
    # The full grid: a spanned cell leaves empty padding cells, as a PDF-to-text tool writes them.
    return [clean_line("| " + " | ".join(row) + " |") for row in table_rows(table)]


def _pipes_bare(table: Table) -> list[str]:
    return ["|".join(c.text for c in row) for row in table.rows]


def _cells(table: Table) -> list[Cell]:
    return [cell for row in table.rows for cell in row]


def _split(cell: Cell, rng: random.Random) -> list[str]:
    """A label broken where the narrow table column wrapped it; numbers stay whole."""
    text = cell.text
    # An item label (1.属于国家秘密) breaks after its number, so that no piece reads as a number.
    low = text.find(".") + 3 if text[:1].isdigit() else 2
    if _is_number(text) or len(text) - 2 < low:
        return [text]
    cut = rng.randint(low, len(text) - 2)
    if len(text) <= 6 and rng.random() < 0.5:
        return [f"{text[:cut]} {text[cut:]}"]
    return [text[:cut], text[cut:]]


def _vertical(table: Table) -> list[str]:
    out: list[str] = []
    for row in table.rows:
        numbers = [c.text for c in row if _is_number(c.text)]
        for cell in row:
            if _is_number(cell.text):
                continue
            if cell.header:
                out.extend(cell.text)  # one character per line, as vertical PDF text comes out
            else:
                out.append(cell.text)
        if numbers:
            out.append(" ".join(numbers))
    return out


def flatten_table(table: Table, style: str, rng: random.Random) -> list[str]:
    """The paragraphs a table becomes in `style` (one of FLAT_STYLES); never an empty paragraph."""
    if style == "pipes":
        lines = _pipes(table)
    elif style == "pipes-bare":
        lines = _pipes_bare(table)
    elif style == "cell-lines":
        lines = [c.text for c in _cells(table)]
    elif style == "cell-pipe-lines":
        lines = [x for c in _cells(table) for x in (c.text, "|")]
    elif style == "split-cells":
        lines = [part for c in _cells(table) for part in _split(c, rng)]
    elif style == "vertical":
        lines = _vertical(table)
    else:
        raise ValueError(f"unknown table style {style!r}; expected one of {FLAT_STYLES}")
    return [line for line in lines if line.strip()]
