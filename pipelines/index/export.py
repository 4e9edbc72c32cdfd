"""The archive as a table for researchers: one row per document, or one per annual report with every
figure as a column, in CSV or JSON Lines (docs/browse.md, "Terminal: stats, export").

Rows come from the index (one per document, its latest version) and are written as they are read: a
SQLite cursor and one report's JSON at a time, so 100,000 documents never sit in memory together.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from pipelines.index.schema import connect
from pipelines.index.search import Filters, existing_index
from pipelines.parse.report.analysis import STAT_KEYS

__all__ = [
    "ANOMALY_KINDS",
    "DOCUMENT_COLUMNS",
    "FORMATS",
    "REPORT_COLUMNS",
    "encode",
    "export",
    "neutralize",
    "open_index",
    "rows",
]

#: Export column -> ``docs`` column.
_FROM_INDEX = {
    "id": "id",
    "url": "url",
    "site": "site",
    "kind": "kind",
    "agency": "agency",
    "region": "region",
    "type": "doc_type",
    "year": "report_year",
    "format": "format",
    "publish_date": "publish_date",
    "title": "title",
    "versions": "versions",
    "anomalies": "anomalies",
    "withdrawn": "withdrawn",
}
DOCUMENT_COLUMNS = list(_FROM_INDEX)

#: The anomaly codes the parsers emit (pipelines/parse), one count column each in the report table.
#: A CSV header is written before the first row, so the columns cannot come from the data; a code
#: missing here still shows in ``anomaly_kinds``, and tests/test_data_cli.py checks the list.
ANOMALY_KINDS = (
    "signed_before_period_end",
    "published_before_period_end",
    "published_after_deadline",
    "prose_table_mismatch",
    "contradictory_figures",
    "missing_section",
    "repeated_paragraph",
    "malformed_date",
    "truncated_text",
    "table_missing",
    "table_missing_column",
    "table_identity_broken",
    "table_total_mismatch",
)
REPORT_COLUMNS = [
    *DOCUMENT_COLUMNS,
    *STAT_KEYS,
    "anomaly_kinds",
    *(f"anomaly_{kind}" for kind in ANOMALY_KINDS),
]

FORMATS = ("csv", "jsonl")

# What a spreadsheet reads as a formula (OWASP's list: tab and CR start one too).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: Any) -> Any:
    """A string Excel or LibreOffice would run as a formula gets a leading apostrophe (shown as
    text, the apostrophe hidden). Numbers stay numbers: a negative figure is not a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def open_index(archive: Path | str) -> sqlite3.Connection:
    return connect(existing_index(archive), readonly=True)


def _document_row(row: sqlite3.Row) -> dict[str, Any]:
    return {name: row[column] for name, column in _FROM_INDEX.items()}


def _report_row(archive: Path, row: sqlite3.Row) -> dict[str, Any]:
    out = _document_row(row)
    doc: dict[str, Any] = json.loads((archive / row["path"]).read_text(encoding="utf-8"))
    stats = doc.get("stats") or {}
    for key in STAT_KEYS:
        out[key] = stats.get(key)
    codes = [str(a.get("code")) for a in doc.get("anomalies") or []]
    out["anomaly_kinds"] = ";".join(sorted(set(codes)))
    for kind in ANOMALY_KINDS:
        out[f"anomaly_{kind}"] = codes.count(kind)
    return out


def rows(
    archive: Path | str, filters: Filters | None = None, *, reports: bool = False
) -> Iterator[dict[str, Any]]:
    """Export rows in (site, id) order; with ``reports``, annual reports only, with their figures and
    anomaly kinds read from their JSON (the index does not hold them).

    Raises IndexMissingError at once, not at the first row: a CSV header must not precede the error.
    """
    root = Path(archive)
    if reports:
        filters = replace(filters or Filters(), doc_type="annual_report")
    clauses, params = (filters or Filters()).where()
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    conn = open_index(root)
    cursor = conn.execute(f"SELECT * FROM docs d {where} ORDER BY d.site, d.id", params)

    def produce() -> Iterator[dict[str, Any]]:
        try:
            for row in cursor:
                yield _report_row(root, row) if reports else _document_row(row)
        finally:
            conn.close()

    return produce()


def encode(found: Iterator[dict[str, Any]], fmt: str, *, reports: bool = False) -> Iterator[str]:
    """The rows as CSV (header first, formulas neutralized) or JSON Lines, a piece of text per row,
    so that a file or a web response is written as the rows are read."""
    if fmt == "jsonl":
        for row in found:
            yield json.dumps(row, ensure_ascii=False) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=REPORT_COLUMNS if reports else DOCUMENT_COLUMNS)
    writer.writeheader()
    for row in found:
        writer.writerow({key: neutralize(value) for key, value in row.items()})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()  # the header alone when no row passed


def export(
    archive: Path | str,
    out: IO[str],
    *,
    fmt: str = "csv",
    reports: bool = False,
    filters: Filters | None = None,
) -> int:
    """Write the rows to ``out`` (opened with ``newline=""`` for CSV); return how many."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (csv or jsonl)")
    found = rows(archive, filters, reports=reports)  # no index: raised before anything is written
    count = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal count
        for row in found:
            count += 1
            yield row

    for text in encode(counted(), fmt, reports=reports):
        out.write(text)
    return count
