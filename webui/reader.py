"""What the web pages show, read from the archive: search results with facet counts, one document with
its versions, tables and diff, and the archived bytes. No web framework here, and no writing: the
index is opened read-only (``schema.connect``), documents are read from their JSON.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.index.documents import (
    clean_text,
    diff_texts,
    list_documents,
    locate,
    raw_bytes,
    version_marks,
)
from pipelines.index.schema import connect
from pipelines.index.search import Filters, Hit, existing_index, search
from pipelines.index.tokens import QueryError, phrase

__all__ = [
    "FACETS",
    "PAGE_SIZE",
    "DocumentView",
    "Query",
    "Results",
    "Table",
    "document_view",
    "parse_query",
    "raw_of",
    "results",
]

PAGE_SIZE = 20
#: Result pages beyond this are refused: nobody reads result 1,001, and deep pages rank every match.
MAX_PAGE = 50
#: Facet -> ``docs`` column; the agency facet shows its most frequent values only.
FACETS = {
    "site": "site",
    "agency": "agency",
    "year": "report_year",
    "type": "doc_type",
    "format": "format",
    "anomalies": "has_anomaly",
}
AGENCY_VALUES = 25


@dataclass(frozen=True)
class Query:
    """A search page's request: the text (may be empty: browse by filters alone) and its filters."""

    text: str = ""
    filters: Filters = field(default_factory=Filters)
    page: int = 1


def _int(params: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    if not re.fullmatch(r"\d{1,6}", value) or not low <= int(value) <= high:
        raise QueryError(f"{name} must be a number from {low} to {high}, not {value[:40]!r}")
    return int(value)


def parse_query(params: Mapping[str, str]) -> Query:
    """The search request in URL parameters; QueryError (a one-line message) for a bad one."""

    def text(name: str) -> str | None:
        return params.get(name, "").strip()[:200] or None

    filters = Filters(
        site=text("site"),
        agency=text("agency"),
        agency_is=text("agency_is"),
        region=text("region"),
        doc_type=text("type"),
        report_year=_int(params, "year", 1900, 2999),
        format=text("format"),
        anomalies=params.get("anomalies", "") in ("1", "on", "yes"),
        since=text("since"),
        until=text("until"),
    )
    filters.where()  # raises QueryError for a bad date now, before any query runs
    return Query(params.get("q", "").strip()[:500], filters, _int(params, "page", 1, MAX_PAGE) or 1)


@dataclass
class Results:
    total: int
    #: The page's documents: index rows, each with ``snippet`` and ``spans`` when the query has text.
    hits: list[Hit]
    #: Facet -> [(value, documents)], most documents first (years newest first).
    facets: dict[str, list[tuple[Any, int]]]
    pages: int


def results(archive: Path, query: Query) -> Results:
    path = existing_index(archive)
    start = (query.page - 1) * PAGE_SIZE
    if query.text:
        hits, total = search(archive, query.text, query.filters, limit=PAGE_SIZE, offset=start)
        match: str | None = phrase(query.text)
    else:
        rows, total = list_documents(archive, query.filters, limit=PAGE_SIZE, offset=start)
        hits = [Hit(row, 0.0) for row in rows]
        match = None
    facets = facet_counts(path, match, query.filters, many=total >= FACET_SCAN_SHARE * _size(path))
    pages = min(MAX_PAGE, max(1, -(-total // PAGE_SIZE)))
    return Results(total, hits, facets, pages)


#: When the matches are at least this share of the index, the facets scan the narrow covering index
#: ``docs_facets`` instead of looking up each match's row (3× faster for a word in most documents,
#: 2× slower for a rare one).
FACET_SCAN_SHARE = 0.05


def _size(path: Path) -> int:
    conn = connect(path, readonly=True)
    try:
        return int(conn.execute("SELECT coalesce(max(rowid), 0) FROM docs").fetchone()[0])
    finally:
        conn.close()


def facet_counts(
    path: Path, match: str | None, filters: Filters, *, many: bool = False
) -> dict[str, list[tuple[Any, int]]]:
    """How many of the matching documents have each value of each facet, in one pass over them.
    ``many``: the matches are a large share of the index (see FACET_SCAN_SHARE)."""
    clauses, params = filters.where()
    if match is not None:
        clauses.insert(0, "d.rowid IN (SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?)")
        params.insert(0, match)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    columns = ", ".join(f"d.{column}" for column in FACETS.values())
    sql = f"SELECT {columns}, count(*) FROM docs d {{scan}} {where} GROUP BY {columns}"
    counters: dict[str, Counter[Any]] = {name: Counter() for name in FACETS}
    conn = connect(path, readonly=True)
    try:
        try:
            rows = conn.execute(sql.format(scan="INDEXED BY docs_facets" if many else ""), params).fetchall()
        except sqlite3.OperationalError as exc:
            # An index written before docs_facets existed (until a crawl or `xxgk index` rebuilds it).
            if "docs_facets" not in str(exc):
                raise
            rows = conn.execute(sql.format(scan=""), params).fetchall()
    finally:
        conn.close()
    for row in rows:
        for i, name in enumerate(FACETS):
            counters[name][row[i]] += row[-1]
    facets: dict[str, list[tuple[Any, int]]] = {}
    for name, counter in counters.items():
        items = [(value, count) for value, count in counter.items() if value not in (None, "")]
        if name == "year":
            items.sort(key=lambda item: -int(item[0]))
        else:
            items.sort(key=lambda item: (-item[1], str(item[0])))
        facets[name] = items[:AGENCY_VALUES] if name == "agency" else items
    return facets


@dataclass
class Table:
    """One section of a report's standard tables: rows by columns, as the report lays them out."""

    section: str
    columns: list[str]
    rows: list[tuple[str, list[int | float | None]]]


def tables_of(cells: Mapping[str, Any]) -> list[Table]:
    """``{"三/一/总计": 10, ...}`` (section/row/column) as tables, in the order the cells came."""
    shape: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
    for key in cells:
        section, _, rest = key.partition("/")
        row, _, column = rest.rpartition("/")
        rows, columns = shape.setdefault(section, ({}, {}))
        rows.setdefault(row or rest, None)
        columns.setdefault(column, None)
    tables = []
    for section, (rows, columns) in shape.items():
        body = [(row, [cells.get(f"{section}/{row}/{column}") for column in columns]) for row in rows]
        tables.append(Table(section, list(columns), body))
    return tables


@dataclass
class Version:
    number: int
    fetched_at: str
    digest_rule: str
    marks: list[str]


@dataclass
class DocumentView:
    doc: dict[str, Any]
    versions: list[Version]
    text: str
    tables: list[Table]
    #: Unified diff lines between two versions, when asked for; ``diff_pair`` names them.
    diff: list[str] | None = None
    diff_pair: tuple[int, int] | None = None

    @property
    def latest(self) -> int:
        return self.versions[-1].number


def document_view(
    archive: Path, ref: str, version: int | None = None, diff: tuple[int, int] | None = None
) -> DocumentView:
    """Raises DocumentError (a one-line message) for a reference or version the archive lacks."""
    found = locate(archive, ref)
    doc = found.load(version)
    # The shown version is read once: the history reads only the others.
    versions = [_version(doc if n == doc.get("version") else found.load(n)) for n in found.versions]
    view = DocumentView(doc, versions, clean_text(found.store, doc), tables_of(doc.get("tables") or {}))
    if diff is not None:
        old, new = (found.load(n) for n in diff)
        view.diff = diff_texts(
            clean_text(found.store, old), clean_text(found.store, new), f"v{diff[0]}", f"v{diff[1]}"
        )
        view.diff_pair = diff
    return view


def _version(doc: dict[str, Any]) -> Version:
    fetched, rule = str(doc.get("fetched_at") or ""), str(doc.get("digest_rule") or "")
    return Version(int(doc["version"]), fetched, rule, version_marks(doc))


def content_type_of(doc: Mapping[str, Any]) -> str:
    """The Content-Type the server sent with the bytes (what the browser needs to read them)."""
    headers = (doc.get("http") or {}).get("headers") or {}
    for name, value in headers.items():
        if name.lower() == "content-type" and isinstance(value, str):
            return value
    return str(doc.get("content_type") or "application/octet-stream")


def raw_of(archive: Path, ref: str, version: int | None = None) -> tuple[bytes, str, dict[str, Any]]:
    """The archived bytes of a version, their Content-Type, and the version's JSON."""
    found = locate(archive, ref)
    doc = found.load(version)
    return raw_bytes(found.store, doc), content_type_of(doc), doc
