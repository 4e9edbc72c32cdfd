"""`/export`: the documents that pass the search page's filters as CSV or JSON Lines, one row per
document or one per report with every figure a column (the same rows as `xxgk export`)."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from pipelines.index.export import encode, rows
from pipelines.index.tokens import QueryError
from webui.reader import parse_query

__all__ = ["export_page"]

MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def export_page(request: Request) -> Response:
    archive: Path = request.app.state.archive
    query = parse_query(request.query_params)
    # "format" is a filter already (the report format): the file type is "as".
    fmt = request.query_params.get("as", "csv")
    if fmt not in MEDIA:
        raise QueryError(f"as must be csv or jsonl, not {fmt[:20]!r}")
    reports = request.query_params.get("reports", "") in ("1", "on", "yes")
    found = rows(archive, query.filters, reports=reports)  # raises at once when there is no index
    body = encode(found, fmt, reports=reports)
    name = f"xxgk-{'reports' if reports else 'documents'}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "X-Content-Type-Options": "nosniff"}
    return StreamingResponse(body, media_type=MEDIA[fmt], headers=headers)
