"""The index database: ``<archive>/index.sqlite``, derived from the archive's JSON and rebuildable.

One row of ``docs`` per document (its latest version) with the fields the filters need, and the same
rowid in ``docs_fts`` (FTS5 over title and body, pre-tokenized by ``tokens.py``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["INDEX_NAME", "SCHEMA_VERSION", "connect", "create", "index_path"]

INDEX_NAME = "index.sqlite"
#: Bumped when the tables change: an index of another version is rebuilt, never migrated.
SCHEMA_VERSION = "4"

_DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs (
    rowid INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    title TEXT,
    agency TEXT,
    region TEXT,
    unit TEXT,
    doc_type TEXT,
    report_year INTEGER,
    format TEXT,
    has_anomaly INTEGER NOT NULL,
    anomalies INTEGER NOT NULL,
    publish_date TEXT,
    fetched_at TEXT,
    withdrawn INTEGER NOT NULL,
    versions INTEGER NOT NULL,
    path TEXT NOT NULL,
    UNIQUE (site, id)
);
CREATE INDEX docs_agency ON docs (agency);
CREATE INDEX docs_year ON docs (report_year);
CREATE INDEX docs_date ON docs (publish_date);
CREATE INDEX docs_url ON docs (url);
-- Covers the web page's facet counts: for a word in most documents, scanning this narrow index is
-- three times as fast as looking up each match's row (docs/browse.md, "Pages").
CREATE INDEX docs_facets ON docs (site, agency, report_year, doc_type, format, has_anomaly);
-- The tokens are made in Python (tokens.py): the ascii tokenizer only splits them at the spaces.
-- title2/body2: the same tokens in overlapping pairs (tokens.pairs), for queries of two or more.
CREATE VIRTUAL TABLE docs_fts USING fts5 (title, body, title2, body2, tokenize = 'ascii');
"""


def index_path(archive: Path | str) -> Path:
    return Path(archive) / INDEX_NAME


def connect(path: Path | str, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection; ``readonly`` ones create no file beside the index.

    The index uses a rollback journal, not WAL: a WAL reader must create ``-wal`` and ``-shm`` files,
    and `xxgk browse` promises never to write to the archive. Readers still go on while a crawl
    updates the index; they wait only for the moment of its commit (``timeout``). An index written by
    an older version in WAL mode is read ``immutable`` (no lock, no file) until it is rebuilt, which
    its older schema version makes the next ``update`` do.
    """
    if readonly:
        mode = "immutable=1" if _in_wal_mode(Path(path)) else "mode=ro"
        # A web response streams rows from worker threads, one at a time (never two at once).
        uri = f"{Path(path).resolve().as_uri()}?{mode}"
        conn = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
    else:
        conn = sqlite3.connect(path, timeout=30)
        conn.execute("PRAGMA journal_mode = DELETE")
    conn.row_factory = sqlite3.Row
    return conn


def _in_wal_mode(path: Path) -> bool:
    # Bytes 18 and 19 of the database header are the file format versions: 2 means WAL.
    try:
        with path.open("rb") as f:
            return f.read(20)[18:20] == b"\x02\x02"
    except OSError:
        return False


def create(conn: sqlite3.Connection) -> None:
    conn.executescript(_DDL)
    conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
    conn.commit()
