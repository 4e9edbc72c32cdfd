"""Searching the index: full text (ranked by bm25, title weighted) with filters, and snippets."""

from __future__ import annotations

import heapq
import json
import re
import sqlite3
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pipelines.index.parallel import cores, run_all
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


def existing_index(archive: Path | str) -> Path:
    """The archive's index file; IndexMissingError (saying how to make one) when there is none."""
    path = index_path(archive)
    if not path.exists():
        raise IndexMissingError(f"no search index in {archive}: run `xxgk index --archive {archive}`")
    return path


@dataclass(frozen=True)
class Filters:
    site: str | None = None
    agency: str | None = None  # part of the agency's name
    agency_is: str | None = None  # the agency's whole name (a facet value)
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
        if self.agency_is:
            clauses.append("d.agency = ?")
            params.append(self.agency_is)
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


#: How many rowid ranges a search ranks at once, each in a thread with its own connection. FTS5's
#: bm25() costs about 1 µs per matching document, and a common word matches most of the archive;
#: sqlite3 lets go of the GIL while a statement runs, so the ranges rank on every core. More ranges
#: than cores would only add work: every statement first counts the term's documents in the whole
#: table for bm25's weights (for a four-character query, a quarter of the time of its ranking).
SHARDS = cores()
#: An index with fewer rows is ranked in one piece: its searches are fast anyway.
SHARD_MIN_ROWS = 20_000


def search(
    archive: Path | str,
    query: str,
    filters: Filters | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
    shards: int | None = None,
) -> tuple[list[Hit], int]:
    """The best ``limit`` documents for ``query`` that pass ``filters`` after the best ``offset``
    (a page of results), and how many match in all.

    Best first by bm25, equal scores by rowid (index order). ``shards`` forces how many rowid ranges
    are ranked at once (default: ``SHARDS`` on a large index, else 1); the results do not depend on
    it. Raises QueryError (one-line message) for a query with nothing searchable, a bad filter, or
    an archive without an index.
    """
    path = existing_index(archive)
    if limit < 1:
        raise QueryError(f"--limit must be at least 1, not {limit}")
    if offset < 0:
        raise QueryError(f"the offset cannot be negative ({offset})")
    match = phrase(query)
    clauses, params = (filters or Filters()).where()
    try:
        conn = connect(path, readonly=True)
        try:
            first, last = conn.execute(_BOUNDS).fetchone()
        finally:
            conn.close()
        calls = [
            partial(_rank, path, match, clauses, params, offset + limit, *r)
            for r in _ranges(first, last, shards)
        ]
        ranked = run_all(calls)
    except sqlite3.OperationalError as exc:
        # The query is always quoted phrases, so this is unexpected: still one line, no traceback.
        raise QueryError(f"the index could not run {query!r}: {exc}") from exc
    # Each range's best ``offset + limit`` holds every one of the overall best that lies in it.
    found = (hit for hits, _count in ranked for hit in hits)
    best = heapq.nsmallest(offset + limit, found, key=_order)[offset:]
    total = sum(count for _hits, count in ranked)
    pattern = _pattern(query)
    hits = []
    for score, _rowid, data in best:
        hit = Hit(data, score)
        hit.snippet, hit.spans = _snippet_of(Path(archive), data, pattern)
        hits.append(hit)
    return hits, total


#: Two subqueries: SQLite finds a lone min() or max() of the rowid at one end of the table, but
#: scans the whole table for both in one select.
_BOUNDS = "SELECT (SELECT min(rowid) FROM docs), (SELECT max(rowid) FROM docs)"


def _ranges(first: int | None, last: int | None, shards: int | None) -> list[tuple[int, int]]:
    """``shards`` rowid ranges that split ``first``..``last`` (none for an empty index).

    The outer ranges are open-ended, so that every row is ranked even if the index changed since
    ``first`` and ``last`` were read.
    """
    if first is None or last is None:
        return []
    if shards is None:
        shards = SHARDS if last - first + 1 >= SHARD_MIN_ROWS else 1
    shards = max(1, min(shards, last - first + 1))
    # Rowids are dense (a rebuild numbers the documents 1..n, an update appends), so equal ranges
    # hold about equal numbers of documents.
    bounds = [first + (last - first + 1) * i // shards for i in range(shards + 1)]
    bounds[0], bounds[-1] = _ROWID_MIN, _ROWID_MAX + 1
    return [(bounds[i], bounds[i + 1] - 1) for i in range(shards)]


_ROWID_MIN, _ROWID_MAX = -(2**63), 2**63 - 1


def _rank(
    path: Path, match: str, clauses: list[str], params: list[Any], limit: int, first: int, last: int
) -> tuple[list[tuple[float, int, dict[str, Any]]], int]:
    """The best ``limit`` (score, rowid, row) among rowids ``first``..``last`` (best first, equal
    scores by rowid), and how many match there.

    bm25 takes its statistics (documents, average length, documents per term) from the whole table,
    whatever range the statement reads, so the scores are those of the unsplit query.
    """
    bm25 = f"bm25(docs_fts, {', '.join(map(str, WEIGHTS))})"
    where = " AND ".join(["docs_fts MATCH ?", "docs_fts.rowid BETWEEN ? AND ?", *clauses])
    if clauses:
        # CROSS JOIN keeps docs_fts the outer loop: SQLite would otherwise sometimes walk a filter's
        # index (site, year) and look every row up in docs_fts, which took seconds for `--site`.
        source = f"docs_fts CROSS JOIN docs d ON d.rowid = docs_fts.rowid WHERE {where}"
    else:
        # Without filters the ranking and the count need no document row.
        source = f"docs_fts WHERE {where}"
    best = f"SELECT {bm25} AS score, docs_fts.rowid AS r FROM {source} ORDER BY score, r LIMIT ?"
    # Only the best ``limit`` are joined to their rows (joining every match cost a fifth of the time).
    rank = f"SELECT b.score, d.* FROM ({best}) b JOIN docs d ON d.rowid = b.r ORDER BY b.score, b.r"
    args = (match, first, last, *params)
    conn = connect(path, readonly=True)
    try:
        # One read transaction: the rows, their scores and the count are of the same index, even
        # while a crawl updates it. Also, in autocommit mode SQLite takes a lock of the process at
        # the end of bm25's lookup of every row's length, which the other ranges' threads wait on.
        conn.execute("BEGIN")
        rows = conn.execute(rank, (*args, limit)).fetchall()
        count = int(conn.execute(f"SELECT count(*) FROM {source}", args).fetchone()[0])
    finally:
        conn.close()
    # A sqlite3.Row iterates over its values: the names come from keys().
    return [
        (float(row["score"]), int(row["rowid"]), {k: row[k] for k in row.keys() if k not in _NOT_SHOWN})  # noqa: SIM118
        for row in rows
    ], count


_NOT_SHOWN = ("rowid", "score")


def _order(hit: tuple[float, int, dict[str, Any]]) -> tuple[float, int]:
    return hit[0], hit[1]


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
