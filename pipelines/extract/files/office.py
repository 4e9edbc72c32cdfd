"""Text of OOXML documents: Word (python-docx) and spreadsheets (openpyxl, read-only)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

import docx
import openpyxl
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from .result import FileText, clean_line, join_lines, row_line

#: Rows read per sheet at most: a statistics annex has dozens; a data dump is no report.
MAX_ROWS = 20_000

# A damaged package makes zipfile, zlib, lxml and the libraries raise nearly anything (BadZipFile,
# NotImplementedError for a garbled version field, zlib.error, KeyError for a missing part...):
# whatever it is, the file is unreadable, and what was read so far is kept.
_BROKEN = (Exception,)


def _cell_text(tc: Any, parent: Table) -> str:
    # A cell's paragraphs (and nested tables) read as one line, like a <td> in the page contract.
    from docx.table import _Cell

    parts: list[str] = []
    for item in _Cell(tc, parent).iter_inner_content():
        parts.append(item.text if isinstance(item, Paragraph) else " ".join(_table_lines(item)))
    return " ".join(clean_line(p) for p in parts if clean_line(p))


def _table_lines(table: Table) -> Iterator[str]:
    """One line per row; each w:tc once (a merged cell is written once, where it starts, as in HTML)."""
    for tr in table._tbl.tr_lst:
        cells = []
        for tc in tr.tc_lst:
            tc_pr = tc.tcPr
            merge = tc_pr.find(qn("w:vMerge")) if tc_pr is not None else None
            if merge is not None and merge.get(qn("w:val"), "continue") == "continue":
                continue  # covered by the cell above
            cells.append(_cell_text(tc, table))
        line = row_line(cells)
        if line:
            yield line


def docx_text(body: bytes) -> FileText:
    """Paragraphs and tables of the main document, in document order."""
    try:
        document = docx.Document(io.BytesIO(body))
        lines: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                lines.append(item.text)
            else:
                lines.extend(_table_lines(item))
    except _BROKEN as exc:
        return FileText("docx", None, None, (f"unreadable_attachment:{type(exc).__name__}: {exc}"[:300],))
    text = join_lines(lines)
    return FileText("docx", text, None, () if text else ("no_text:the document has no text",))


def cell_value(value: object) -> str:
    """A spreadsheet value as the sheet shows it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 3.0 was typed 3
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return str(value)


def xlsx_text(body: bytes) -> FileText:
    """Every sheet's rows as " | "-joined lines; a sheet's name heads it when there are several."""
    problems: list[str] = []
    lines: list[str] = []
    try:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except _BROKEN as exc:
        return FileText("xlsx", None, None, (f"unreadable_attachment:{type(exc).__name__}: {exc}"[:300],))
    try:
        sheets = book.worksheets
        for sheet in sheets:
            if len(sheets) > 1:
                lines.append(sheet.title)
            for n, row in enumerate(sheet.iter_rows(values_only=True)):
                if n >= MAX_ROWS:
                    problems.append(f"truncated_text:only the first {MAX_ROWS} rows of {sheet.title} read")
                    break
                # Trailing empty cells dropped: files omit them or pad them, and nothing tells which.
                lines.append(row_line(cell_value(v) for v in row))
    except _BROKEN as exc:
        problems.append(f"unreadable_attachment:{type(exc).__name__}: {exc}"[:300])
    finally:
        book.close()
    text = join_lines(lines)
    if text is None and not problems:
        problems.append("no_text:the workbook has no values")
    return FileText("xlsx", text, len(book.worksheets), tuple(problems))
