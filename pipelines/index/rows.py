"""One archived document version (its JSON) to the index's row and FTS texts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.index.tokens import pairs, tokenize

__all__ = ["COLUMNS", "DocRow", "row_for", "version_of"]

_VERSION = re.compile(r"^(?P<id>[0-9a-f]{16})\.v(?P<version>\d{4,})\.json$")

#: The columns of ``docs`` a row fills, in order.
COLUMNS = [
    "site",
    "id",
    "kind",
    "url",
    "title",
    "agency",
    "region",
    "unit",
    "doc_type",
    "report_year",
    "format",
    "has_anomaly",
    "anomalies",
    "publish_date",
    "fetched_at",
    "withdrawn",
    "versions",
    "path",
]


def version_of(path: Path) -> tuple[str, str, int] | None:
    """(site, id, version) of a version file's path, or None for anything else."""
    match = _VERSION.match(path.name)
    if match is None:
        return None
    return path.parent.parent.name, match["id"], int(match["version"])


@dataclass(frozen=True)
class DocRow:
    values: tuple[Any, ...]
    #: The FTS columns: title, body, and the same as pairs of tokens (tokens.pairs).
    fts: tuple[str, str, str, str]


def _region(doc: dict[str, Any]) -> str | None:
    region = doc.get("region") or {}
    parts = [str(region.get(k)) for k in ("province", "city", "district", "street") if region.get(k)]
    return "".join(parts) or None


def row_for(doc: dict[str, Any], *, versions: int, path: str) -> DocRow:
    """The row of the latest version ``doc`` of a document that has ``versions`` versions, stored at
    ``path`` (relative to the archive)."""
    anomalies = doc.get("anomalies") or []
    location = doc.get("location") or {}
    values = (
        doc["site"],
        doc["id"],
        doc.get("kind") or "page",
        doc["url"],
        doc.get("title"),
        doc.get("agency"),
        _region(doc),
        location.get("unit"),
        doc.get("doc_type"),
        doc.get("report_year"),
        doc.get("format"),
        int(bool(anomalies)),
        len(anomalies),
        doc.get("publish_date"),
        doc.get("fetched_at"),
        int("withdrawn" in doc),
        versions,
        path,
    )
    title, body = tokenize(doc.get("title")), tokenize(doc.get("text"))
    return DocRow(values, (title, body, pairs(title), pairs(body)))
