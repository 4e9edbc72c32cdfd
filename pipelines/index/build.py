"""Building the index: from scratch (``rebuild``) or for what changed since (``update``)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from pipelines.index.rows import COLUMNS, row_for, version_of
from pipelines.index.schema import SCHEMA_VERSION, connect, create, index_path

__all__ = ["BuildResult", "index_after_crawl", "latest_versions", "rebuild", "update"]

logger = logging.getLogger(__name__)

Key = tuple[str, str]
_INSERT = f"INSERT INTO docs ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
_UPDATE = f"UPDATE docs SET {', '.join(f'{c} = ?' for c in COLUMNS)} WHERE rowid = ?"


@dataclass
class BuildResult:
    added: int = 0
    updated: int = 0
    #: Version files that could not be read (named in the log); the rest is indexed.
    skipped: int = 0
    rebuilt: bool = False

    @property
    def indexed(self) -> int:
        return self.added + self.updated


def latest_versions(archive: Path, paths: Iterable[Path] | None = None) -> dict[Key, int]:
    """Highest version number per (site, id) among ``paths`` (default: every version file).

    File names only, no JSON read: listing 100,000 names is a fraction of a second.
    """
    if paths is None:
        paths = (archive / "documents").glob("*/*/*.v*.json")
    latest: dict[Key, int] = {}
    for path in paths:
        found = version_of(Path(path))
        if found is not None:
            site, ident, version = found
            if version > latest.get((site, ident), 0):
                latest[(site, ident)] = version
    return latest


def _latest_of(archive: Path, site: str, ident: str) -> int:
    folder = archive / "documents" / site / ident[:2]
    return latest_versions(archive, folder.glob(f"{ident}.v*.json")).get((site, ident), 0)


def _version_file(archive: Path, site: str, ident: str, version: int) -> Path:
    return archive / "documents" / site / ident[:2] / f"{ident}.v{version:04d}.json"


def _write(
    conn: sqlite3.Connection,
    archive: Path,
    todo: dict[Key, int],
    result: BuildResult,
    progress: Callable[[int], None] | None,
) -> None:
    for (site, ident), version in sorted(todo.items()):
        path = _version_file(archive, site, ident, version)
        try:
            doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            row = row_for(doc, versions=version, path=str(path.relative_to(archive)))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # One unreadable file must not leave the whole archive unsearchable; verify finds it.
            logger.warning("index: skipped %s: %s", path, exc)
            result.skipped += 1
        else:
            existing = conn.execute("SELECT rowid FROM docs WHERE site = ? AND id = ?", (site, ident))
            found = existing.fetchone()
            if found is None:
                rowid = conn.execute(_INSERT, row.values).lastrowid
                result.added += 1
            else:
                rowid = found[0]
                conn.execute(_UPDATE, (*row.values, rowid))
                conn.execute("DELETE FROM docs_fts WHERE rowid = ?", (rowid,))
                result.updated += 1
            conn.execute(
                "INSERT INTO docs_fts (rowid, title, body, title2, body2) VALUES (?, ?, ?, ?, ?)",
                (rowid, *row.fts),
            )
        if progress is not None:
            progress(1)


def _stamp(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO meta VALUES ('updated_at', ?)",
        (datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),),
    )


def rebuild(
    archive: Path | str,
    *,
    progress: Callable[[int], None] | None = None,
    total: Callable[[int], None] | None = None,
) -> BuildResult:
    """Index every document of ``archive`` into a new ``index.sqlite``.

    Built under a temporary name and renamed into place: a reader (or a crawl's update) never sees a
    half-built index. ``total`` is told the number of documents first, ``progress`` each one done.
    """
    root = Path(archive)
    todo = latest_versions(root)
    if total is not None:
        total(len(todo))
    final = index_path(root)
    tmp = final.with_name(final.name + ".tmp")
    for stale in (tmp, Path(f"{tmp}-journal")):
        stale.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    result = BuildResult(rebuilt=True)
    try:
        # Nothing to protect in a file that is renamed into place only once complete.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        create(conn)
        _write(conn, root, todo, result, progress)
        _stamp(conn)
        conn.commit()
        conn.execute("INSERT INTO docs_fts (docs_fts) VALUES ('optimize')")
        conn.commit()
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()
    _retire(final)
    os.replace(tmp, final)
    return result


def _retire(final: Path) -> None:
    """Let the old index's write-ahead log go before the new file takes its name: a stale -wal beside
    the new file would be replayed into it."""
    if final.exists():
        # The last connection to close checkpoints the log and deletes it.
        with contextlib.suppress(sqlite3.Error):
            sqlite3.connect(final).close()
    for suffix in ("-wal", "-shm"):
        Path(f"{final}{suffix}").unlink(missing_ok=True)


def _current(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        conn = sqlite3.connect(path)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == SCHEMA_VERSION


def update(archive: Path | str, paths: Iterable[Path] | None = None) -> BuildResult:
    """Bring the index up to date with the archive: every document whose latest version is not the
    one indexed (among ``paths`` when given, version files that were written; else among all).

    The comparison is by version number, not by time: no clock or high-water mark can skip a version
    another process wrote meanwhile. No index yet (or one of an older schema): a full rebuild.
    """
    root = Path(archive)
    if not _current(index_path(root)):
        return rebuild(root)
    wanted = latest_versions(root, paths)
    conn = connect(index_path(root))
    result = BuildResult()
    try:
        if paths is not None:
            # A path names a document; another version may have been written after it.
            wanted = {key: latest for key in wanted if (latest := _latest_of(root, *key))}
        indexed = dict(
            ((site, ident), versions)
            for site, ident, versions in conn.execute("SELECT site, id, versions FROM docs")
        )
        todo = {key: v for key, v in wanted.items() if indexed.get(key) != v}
        with conn:
            _write(conn, root, todo, result, None)
            if todo:
                _stamp(conn)
    finally:
        conn.close()
    return result


class Stats(Protocol):
    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...
    def set_value(self, key: str, value: Any) -> None: ...


def index_after_crawl(archive: Path | str, stats: Stats) -> None:
    """The crawl's call: update the index, and never let a failure here fail the crawl (the archive
    is whole; ``xxgk index`` rebuilds the index from it)."""
    try:
        result = update(archive)
    except Exception:
        logger.exception("the search index could not be updated; `xxgk index` rebuilds it")
        stats.inc_value("xxgk/index/errors")
        return
    stats.set_value("xxgk/index/documents", result.indexed)
    if result.skipped:
        stats.inc_value("xxgk/index/skipped", result.skipped)
