"""The tables of sections 二, 三 and 四 of standard-format annual reports, read from clean text lines.

`read_standard_tables(lines)` finds each table by its section heading's words, turns whatever
flattening it arrived in into logical rows (`rows`), maps them to the keys of
`replica.content.standard_tables` (`standard`) and checks their arithmetic (`checks`). Pure: text in,
values and anomalies out; bad input yields what could be read plus anomalies, never an exception.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..anomalies import anomaly
from ..textnorm import compact
from .checks import TABLE_IDENTITY_BROKEN, TABLE_TOTAL_MISMATCH, check_tables
from .labels import (
    SECTION3_HEADER_WORDS,
    SECTION4_HEADER_WORDS,
    after_heading,
    format_hint,
    heading_section,
)
from .rows import Cell, Kind, tokenize, value_rows
from .script import simplified
from .standard import TABLE_MISSING_COLUMN, Reading, read_section2, read_section3, read_section4

TABLE_MISSING = "table_missing"
SECTIONS = ("二", "三", "四")


@dataclass(frozen=True)
class StandardTables:
    """Every numeric cell of the tables of sections 二, 三 and 四, by "section/row/column" key."""

    values: dict[str, int | float]
    evidence: dict[str, str]  # key -> the source row as written (lines joined if it was split)
    sections_found: tuple[str, ...]  # which of "二", "三", "四" had a table
    table_lines: frozenset[int]  # indices into `lines` of the lines that belong to tables
    format_hint: str | None  # "standard-2019" / "standard-2021" when the labels say so
    anomalies: tuple[dict[str, object], ...]


# A section written as prose still states its figures: a number, or a zero said in words.
_FIGURE = re.compile(r"\d|未|无|没有|零")
# A sentence that points at the table the section should have shown.
_POINTER = re.compile(r"下表|附表|见表|如下")


def _spans(lines: Sequence[str]) -> dict[str, tuple[int, int, str]]:
    """Section -> (heading line, end line, text glued after the heading) for the first heading of
    each table section."""
    marks: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for index, line in enumerate(lines):
        found = heading_section(simplified(line)) if isinstance(line, str) else None
        if found is None or found[0] in seen:
            continue
        section, length = found
        if section != "end":
            seen.add(section)
        marks.append((index, section, after_heading(line, length)))
    spans: dict[str, tuple[int, int, str]] = {}
    for i, (index, section, rest) in enumerate(marks):
        if section == "end":
            continue
        end = marks[i + 1][0] if i + 1 < len(marks) else len(lines)
        spans[section] = (index, end, rest)
    return spans


def _section_cells(lines: Sequence[str], span: tuple[int, int, str]) -> list[Cell]:
    start, end, rest = span
    if not rest:
        return tokenize(lines, start + 1, end)
    # The text glued to the heading is read as if it began the section (with the heading's index).
    view = list(lines)
    view[start] = rest
    return tokenize(view, start, end)


def _table_lines(cells: Sequence[Cell], last: int, start: int, end: int) -> set[int]:
    """Lines of the table: from its first cell to the last row read, sentences excluded, and the
    `|` and empty-cell lines that close it."""
    table = [c for c in cells if c.line <= last]
    prose = {c.line for c in table if c.kind is Kind.PROSE}
    first = next((c.line for c in table if c.kind is not Kind.PROSE), None)
    if first is None:
        return set()
    # Lines between the first cell and the last row that gave no cell are `|` separators.
    lines = {i for i in range(max(first, start), last + 1) if i not in prose}
    filled = {c.line for c in cells if c.kind is not Kind.GAP}
    after = last + 1
    while after < end and after not in filled:
        lines.add(after)
        after += 1
    return lines


def read_standard_tables(lines: Sequence[str]) -> StandardTables:
    """The standard tables of a report body given as clean text lines (see the module docstring)."""
    spans = _spans(lines)
    cells = {s: _section_cells(lines, span) for s, span in spans.items()}
    texts = [c.text for s in ("二", "三") for c in cells.get(s, ()) if c.kind is Kind.TEXT]
    hint = format_hint(texts)
    readings: dict[str, Reading] = {}
    for section, section_cells in cells.items():
        rows = value_rows(section_cells)
        if section == "二":
            readings[section] = read_section2(lines, rows, hint)
        elif section == "三":
            readings[section] = read_section3(lines, rows)
        else:
            readings[section] = read_section4(lines, rows)
    values: dict[str, int | float] = {}
    evidence: dict[str, str] = {}
    found: list[str] = []
    table_lines: set[int] = set()
    anomalies: list[dict[str, object]] = []
    for section in SECTIONS:
        if section not in spans:
            continue
        reading = readings[section]
        present = bool(reading.values) or _has_header(section, cells[section])
        if not present:
            anomalies.extend(_missing(section, lines, spans[section]))
            continue
        found.append(section)
        values.update(reading.values)
        evidence.update(reading.evidence)
        anomalies.extend(reading.anomalies)
        last = reading.last_line if reading.last_line >= 0 else spans[section][1] - 1
        table_lines |= _table_lines(cells[section], last, spans[section][0] + 1, spans[section][1])
    anomalies.extend(check_tables(values, evidence))
    return StandardTables(
        values=values,
        evidence=evidence,
        sections_found=tuple(found),
        table_lines=frozenset(table_lines),
        format_hint=hint,
        anomalies=tuple(anomalies),
    )


def _has_header(section: str, cells: Sequence[Cell]) -> bool:
    """Whether the table's header is there even though no row could be read."""
    words = {"三": SECTION3_HEADER_WORDS, "四": SECTION4_HEADER_WORDS}.get(section, ("信息内容", "第二十条"))
    text = "".join(c.text for c in cells if c.kind is Kind.TEXT)
    return sum(w in text for w in words) >= 2


def _missing(section: str, lines: Sequence[str], span: tuple[int, int, str]) -> list[dict[str, object]]:
    body = [
        compact(simplified(line))
        for line in (span[2], *lines[span[0] + 1 : span[1]])
        if isinstance(line, str)
    ]
    if any(_FIGURE.search(text) for text in body):
        return []  # written as prose: its figures are read elsewhere
    if any("。" in text for text in body) and not any(_POINTER.search(text) for text in body):
        return []  # prose without figures (a free-form report's section): no table was promised
    return [
        anomaly(
            TABLE_MISSING,
            f"section {section} has no table and states no figures",
            lines[span[0]],
        )
    ]


__all__ = [
    "TABLE_IDENTITY_BROKEN",
    "TABLE_MISSING",
    "TABLE_MISSING_COLUMN",
    "TABLE_TOTAL_MISMATCH",
    "StandardTables",
    "read_standard_tables",
]
