"""Searching the index: full text (ranked by bm25, title weighted) with filters, and snippets."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.index.schema import connect, index_path
from pipelines.index.tokens import BOUNDARY, QueryError, normalize, phrase, tokens

__all__ = ["Filters", "Hit", "IndexMissingError", "search", "snippet"]

#: bm25 weights of the FTS columns (title, body, title2, body2): a hit in the title counts ten in
#: the body.
WEIGHTS = (10.0, 1.0, 10.0, 1.0)
#: Around a hit in a snippet, this many characters on each side.
CONTEXT = 30
OPEN, CLOSE = "«", "»"


class IndexMissingError(QueryError):
    """The archive has no index yet (``xxgk index`` makes one)."""


@dataclass(frozen=True)
class Filters:
    site: str | None = None
    agency: str | None = None  # part of the agency's name
    region: str | None = None  # part of province/city/district/street, or the unit's folder name
    doc_type: str | None = None
    report_year: int | None = None
    format: str | None = None
    anomalies: bool = False  # only documents with at least one anomaly
    since: str | None = None  # publish date, inclusive, YYYY-MM-DD
    until: str | None = None

    def where(self) -> tuple[list[str], list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("site", self.site),
            ("doc_type", self.doc_type),
            ("report_year", self.report_year),
            ("format", self.format),
        ):
            if value is not None:
                clauses.append(f"d.{column} = ?")
                params.append(value)
        if self.agency:
            clauses.append("d.agency LIKE ? ESCAPE '\\'")
            params.append(_contains(self.agency))
        if self.region:
            clauses.append("(d.region LIKE ? ESCAPE '\\' OR d.unit = ?)")
            params += [_contains(self.region), self.region]
        if self.anomalies:
            clauses.append("d.has_anomaly = 1")
        if self.since:
            clauses.append("d.publish_date >= ?")
            params.append(_date(self.since))
        if self.until:
            clauses.append("d.publish_date <= ?")
            params.append(_date(self.until))
        return clauses, params


def _contains(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def _date(text: str) -> str:
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        raise QueryError(f"not a date: {text!r} (use YYYY-MM-DD, YYYY-MM or YYYY)")
    return text


@dataclass
class Hit:
    row: dict[str, Any]
    score: float
    snippet: str = ""
    #: (start, end) of each highlighted hit in ``snippet``.
    spans: list[tuple[int, int]] = field(default_factory=list)

    def marked(self, open_: str = OPEN, close: str = CLOSE) -> str:
        out, last = [], 0
        for start, end in self.spans:
            out += [self.snippet[last:start], open_, self.snippet[start:end], close]
            last = end
        out.append(self.snippet[last:])
        return "".join(out)

    def as_json(self) -> dict[str, Any]:
        return {**self.row, "score": round(self.score, 4), "snippet": self.marked()}


def _pattern(query: str) -> re.Pattern[str]:
    """Where the query's terms occur in normalized text (what FTS5 matched, for highlighting)."""
    alternatives = []
    for term in query.split():
        parts = []
        for token in tokens(term):
            if token == BOUNDARY:
                parts.append(r"[\W_]+")
            elif token.isascii():
                parts.append(rf"(?<![a-z0-9]){re.escape(token)}(?![a-z0-9])")
            else:
                parts.append(re.escape(token))
        if parts:
            alternatives.append("".join(parts))
    return re.compile("|".join(alternatives))


def snippet(text: str, pattern: re.Pattern[str]) -> tuple[str, list[tuple[int, int]]]:
    """A window of ``text`` around its first hit, with every hit inside it."""
    norm = normalize(text)
    # NFKC keeps the length of nearly all Chinese text, and then positions carry over to the text
    # as published; otherwise the snippet shows the normalized text.
    shown = text if len(norm) == len(text) else norm
    first = pattern.search(norm)
    if first is None:
        return "", []
    start = max(0, first.start() - CONTEXT)
    end = min(len(norm), first.end() + CONTEXT)
    spans = [(m.start() - start, m.end() - start) for m in pattern.finditer(norm, start, end)]
    window = shown[start:end].replace("\n", " ")
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(norm) else ""
    return prefix + window + suffix, [(a + len(prefix), b + len(prefix)) for a, b in spans]


def search(
    archive: Path | str, query: str, filters: Filters | None = None, *, limit: int = 20
) -> tuple[list[Hit], int]:
    """The best ``limit`` documents for ``query`` that pass ``filters``, and how many match in all.

    Raises QueryError (one-line message) for a query with nothing searchable, a bad filter, or an
    archive without an index.
    """
    path = index_path(archive)
    if not path.exists():
        raise IndexMissingError(f"no search index in {archive}: run `xxgk index --archive {archive}`")
    if limit < 1:
        raise QueryError(f"--limit must be at least 1, not {limit}")
    match = phrase(query)
    clauses, params = (filters or Filters()).where()
    bm25 = f"bm25(docs_fts, {', '.join(map(str, WEIGHTS))})"
    if clauses:
        where = " AND ".join(["docs_fts MATCH ?", *clauses])
        joined = f"FROM docs_fts JOIN docs d ON d.rowid = docs_fts.rowid WHERE {where}"
        sql = f"SELECT d.*, {bm25} AS score {joined} ORDER BY score LIMIT ?"
        count_sql = f"SELECT count(*) {joined}"
    else:
        # Without filters the ranking and the count need no document row: only the best ``limit``
        # are joined (joining every match first cost a fifth of a common query's time).
        best = f"SELECT rowid, {bm25} AS score FROM docs_fts WHERE docs_fts MATCH ? ORDER BY score LIMIT ?"
        sql = f"SELECT d.*, b.score FROM ({best}) b JOIN docs d ON d.rowid = b.rowid ORDER BY b.score"
        count_sql = "SELECT count(*) FROM docs_fts WHERE docs_fts MATCH ?"
    conn = connect(path, readonly=True)
    try:
        rows = conn.execute(sql, (match, *params, limit)).fetchall()
        total = int(conn.execute(count_sql, (match, *params)).fetchone()[0])
    except sqlite3.OperationalError as exc:
        # The query is always quoted phrases, so this is unexpected: still one line, no traceback.
        raise QueryError(f"the index could not run {query!r}: {exc}") from exc
    finally:
        conn.close()
    pattern = _pattern(query)
    hits = []
    for row in rows:
        # A sqlite3.Row iterates over its values: the names come from keys().
        data = {k: row[k] for k in row.keys() if k not in ("rowid", "score")}  # noqa: SIM118
        hit = Hit(data, float(row["score"]))
        hit.snippet, hit.spans = _snippet_of(Path(archive), data, pattern)
        hits.append(hit)
    return hits, total


def _snippet_of(
    archive: Path, row: dict[str, Any], pattern: re.Pattern[str]
) -> tuple[str, list[tuple[int, int]]]:
    """From the body as archived (the JSON), else from the title."""
    try:
        doc = json.loads((archive / row["path"]).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = {}
    for text in (doc.get("text"), row.get("title")):
        if text:
            found = snippet(str(text), pattern)
            if found[1]:
                return found
    return "", []
