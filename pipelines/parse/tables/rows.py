"""Any flattening of a table into logical rows: a label and the numbers that follow it.

A table arrives as `a | b | c` lines (HTML rows, Word copies with or without outer pipes and with
padding cells), one cell per line (with or without blank lines for empty cells), cells and `|` on
alternating lines, cells split inside, or header cells one character per line. All of these become
one stream of cells; a logical row is then the text since the previous row's numbers (its label,
possibly with header or group cells before it) and the run of numbers after it. Row boundaries in the
source are not needed, which is what makes the flattenings equivalent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from ..textnorm import compact, fold
from .script import simplified


class Kind(Enum):
    TEXT = "text"  # a label or header cell
    NUMBER = "number"
    GAP = "gap"  # an empty cell, or a dash standing for one
    PROSE = "prose"  # a sentence: ends any row and label


@dataclass(frozen=True)
class Cell:
    kind: Kind
    text: str  # compact text for TEXT and PROSE, the number as written for NUMBER
    value: int | float | None
    line: int  # index into the lines given


@dataclass(frozen=True)
class ValueRow:
    """A label (compact text, maybe with header cells before it) and the values after it.

    `values` keeps empty cells inside the run as None, so a blank cell does not shift the numbers
    after it into the wrong column; empty cells before and after the run are padding and dropped.
    """

    label: str
    label_lines: tuple[int, ...]  # for each character of `label`, the line it came from
    values: tuple[int | float | None, ...]
    last_line: int

    def label_line(self, at: int) -> int:
        """The line where the label character at `at` was written (the row's own line if none)."""
        if 0 <= at < len(self.label_lines):
            return self.label_lines[at]
        return self.last_line

    @property
    def numbers(self) -> tuple[int | float, ...]:
        return tuple(v for v in self.values if v is not None)


_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_DASHES = frozenset({"-", "--", "—", "——", "―", "/", "\\", "…", "……", "─"})
# U+2212 MINUS SIGN and the dashes Word puts before negative numbers survive NFKC folding.
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-"})


# A count or amount with its unit written in the cell (3件, 12.5万元).
_UNIT = re.compile(r"(?:件|项|条|个|次|人次|起|万元|元)$")
# A cell that is a sign set apart from its number ("- 1"). Among other cells on a line of PDF text
# a lone "-" stands for an empty cell instead, so only a whole cell is read this way.
_SPACED_SIGN = re.compile(r"([+-])\s+(\S+)")


def parse_number(text: str) -> int | float | None:
    """The value of a numeric cell (folded text), or None when it is not one number."""
    text = _UNIT.sub("", text.translate(_MINUS))
    if not _NUMBER.fullmatch(text):
        return None
    plain = text.replace(",", "")
    try:
        return float(plain) if "." in plain else int(plain)
    except ValueError:  # pragma: no cover - the pattern admits only valid literals
        return None


def _is_prose(text: str) -> bool:
    # A sentence or an introduction to the table ("情况如下：") rather than a cell.
    # Only an introduction ends with a colon: a header cell broken inside may too ("（单位：").
    return "。" in text or bool(_INTRODUCTION.search(text)) or len(text) > 60


_INTRODUCTION = re.compile(r"(?:如下|下表|见表)[:：]$")


def _cell_tokens(raw: str, line: int) -> list[Cell]:
    return [Cell(kind, text, value, line) for kind, text, value in _cell_parts(raw)]


# Cached: tables repeat the same cells page after page (0, 1, 自然人, 总计…), and reading a cell
# (folding, script, number patterns) was the table reader's main cost in a crawl.
@lru_cache(maxsize=16384)
def _cell_parts(raw: str) -> tuple[tuple[Kind, str, int | float | None], ...]:
    return tuple((c.kind, c.text, c.value) for c in _read_cell(raw))


def _read_cell(raw: str, line: int = -1) -> list[Cell]:
    cell = fold(simplified(raw)).strip()
    if not cell or cell in _DASHES:
        return [Cell(Kind.GAP, "", None, line)]
    signed = _SPACED_SIGN.fullmatch(cell.translate(_MINUS))
    if signed and parse_number(signed[1] + signed[2]) is not None:
        return [Cell(Kind.NUMBER, cell, parse_number(signed[1] + signed[2]), line)]
    parts = cell.split()
    # Numbers may trail a label in the same cell ("规章 0 0 0" from PDF text, 15 numbers on a line),
    # with a lone dash among them for an empty cell.
    split = len(parts)
    while split > 0 and (parse_number(parts[split - 1]) is not None or parts[split - 1] in _DASHES):
        split -= 1
    if all(p in _DASHES for p in parts[split:]):
        split = len(parts)  # dashes without numbers after them end the text ("情况 —")
    out: list[Cell] = []
    if split:
        text = compact(" ".join(parts[:split]))
        if text in _DASHES:
            out.append(Cell(Kind.GAP, "", None, line))
        else:
            out.append(Cell(Kind.PROSE if _is_prose(text) else Kind.TEXT, text, None, line))
    for part in parts[split:]:
        value = parse_number(part)
        out.append(Cell(Kind.GAP, "", None, line) if value is None else Cell(Kind.NUMBER, part, value, line))
    return out


def tokenize(lines: Sequence[str], start: int = 0, stop: int | None = None) -> list[Cell]:
    """The cells of lines[start:stop], in reading order."""
    cells: list[Cell] = []
    for index in range(start, len(lines) if stop is None else stop):
        line = lines[index]
        if not isinstance(line, str):
            continue
        if "|" not in line and "｜" not in line:
            cells.extend(_cell_tokens(line, index))
            continue
        parts = line.replace("｜", "|").split("|")
        # The empty strings outside a leading or trailing pipe are not cells.
        if parts and not parts[0].strip():
            parts = parts[1:]
        if parts and not parts[-1].strip():
            parts = parts[:-1]
        for part in parts:
            cells.extend(_cell_tokens(part, index))
    return cells


def value_rows(cells: Sequence[Cell]) -> list[ValueRow]:
    """Logical rows: each run of numbers with the text since the previous run as its label."""
    rows: list[ValueRow] = []
    label: list[str] = []
    label_lines: list[int] = []
    run: list[Cell] = []

    def close() -> None:
        while run and run[-1].kind is Kind.GAP:
            run.pop()
        if run:
            rows.append(
                ValueRow(
                    label="".join(label),
                    label_lines=tuple(label_lines),
                    values=tuple(c.value for c in run),
                    last_line=run[-1].line,
                )
            )
            label.clear()
            label_lines.clear()
        run.clear()

    for cell in cells:
        if cell.kind is Kind.NUMBER:
            run.append(cell)
        elif cell.kind is Kind.GAP:
            if run:
                run.append(cell)
        else:
            close()
            if cell.kind is Kind.PROSE:
                label.clear()
                label_lines.clear()
            else:
                label.append(cell.text)
                label_lines.extend([cell.line] * len(cell.text))
    close()
    return rows
