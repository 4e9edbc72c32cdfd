"""Text of legacy binary Excel workbooks (.xls, BIFF in an OLE2 compound file) with xlrd.

xlrd (python-excel) reads only this format since 2.0 and is still released for it. Legacy Word
(.doc) has no well-kept Python reader (antiword and catdoc are programs, not libraries): such files
are reported as `unsupported_format:doc`.
"""

from __future__ import annotations

from typing import Any

import xlrd  # type: ignore[import-untyped]

from .office import MAX_ROWS, cell_value
from .result import FileText, join_lines, row_line

# xlrd's cell types (xlrd.XL_CELL_*), named here because the module has no type information.
_DATE, _BOOLEAN, _ERROR = 3, 4, 5


def _cell(book: Any, kind: int, value: object) -> str:
    if kind == _DATE and isinstance(value, float):
        try:
            return cell_value(xlrd.xldate.xldate_as_datetime(value, book.datemode))
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell_value(value)
    if kind == _BOOLEAN:
        return "TRUE" if value else "FALSE"
    if kind == _ERROR:
        return ""  # #DIV/0! and the like: an error code, not a value anyone wrote
    return cell_value(value)


def xls_text(body: bytes) -> FileText:
    """Every sheet's rows as " | "-joined lines; a sheet's name heads it when there are several."""
    try:
        book = xlrd.open_workbook(file_contents=body, on_demand=False, logfile=_Silent())
    except Exception as exc:  # xlrd raises its own errors, struct.error, IndexError, ... on bad bytes
        message = str(exc)
        code = "encrypted_attachment" if "encrypted" in message.lower() else "unreadable_attachment"
        return FileText("xls", None, None, (f"{code}:{type(exc).__name__}: {message}"[:300],))
    lines: list[str] = []
    problems: list[str] = []
    try:
        sheets = book.sheets()
        for sheet in sheets:
            if len(sheets) > 1:
                lines.append(sheet.name)
            if sheet.nrows > MAX_ROWS:
                problems.append(f"truncated_text:only the first {MAX_ROWS} rows of {sheet.name} read")
            for r in range(min(sheet.nrows, MAX_ROWS)):
                types, values = sheet.row_types(r), sheet.row_values(r)
                lines.append(row_line(_cell(book, t, v) for t, v in zip(types, values, strict=False)))
    except Exception as exc:  # a damaged sheet: keep the rows read so far
        problems.append(f"unreadable_attachment:{type(exc).__name__}: {exc}"[:300])
    text = join_lines(lines)
    if text is None and not problems:
        problems.append("no_text:the workbook has no values")
    return FileText("xls", text, book.nsheets, tuple(problems))


class _Silent:
    """xlrd writes warnings about odd records to a log file; problems are reported otherwise."""

    def write(self, _text: str) -> int:
        return 0
