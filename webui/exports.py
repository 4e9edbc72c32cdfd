"""`/export`: the documents that pass the search page's filters as CSV or JSON Lines, one row per
document or one per report with every figure a column (the same rows as `xxgk export`)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from pipelines.index.export import DOCUMENT_COLUMNS, REPORT_COLUMNS, neutralize, rows
from pipelines.index.tokens import QueryError
from webui.reader import parse_query

__all__ = ["export_page"]

MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def _csv(found: Iterator[dict[str, Any]], columns: list[str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    for row in found:
        writer.writerow({key: neutralize(value) for key, value in row.items()})
        # One row at a time: 100,000 documents never sit in memory together.
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _jsonl(found: Iterator[dict[str, Any]]) -> Iterator[str]:
    for row in found:
        yield json.dumps(row, ensure_ascii=False) + "\n"


def export_page(request: Request) -> Response:
    archive: Path = request.app.state.archive
    query = parse_query(request.query_params)
    # "format" is a filter already (the report format): the file type is "as".
    fmt = request.query_params.get("as", "csv")
    if fmt not in MEDIA:
        raise QueryError(f"as must be csv or jsonl, not {fmt[:20]!r}")
    reports = request.query_params.get("reports", "") in ("1", "on", "yes")
    found = rows(archive, query.filters, reports=reports)  # raises at once when there is no index
    body = _csv(found, REPORT_COLUMNS if reports else DOCUMENT_COLUMNS) if fmt == "csv" else _jsonl(found)
    name = f"xxgk-{'reports' if reports else 'documents'}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "X-Content-Type-Options": "nosniff"}
    return StreamingResponse(body, media_type=MEDIA[fmt], headers=headers)
