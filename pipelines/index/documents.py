"""Finding and reading one document for `xxgk list`, `show` and `history` (docs/browse.md). No Scrapy.

``list_documents`` reads the index; everything about one document reads its archived JSON, the
source of truth, so ``show`` and ``history`` work without an index and see versions it has not.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.archive.store import ArchiveStore, doc_id
from pipelines.index.schema import connect
from pipelines.index.search import Filters, existing_index
from pipelines.index.tokens import QueryError

__all__ = [
    "DocumentError",
    "DocumentNotFoundError",
    "Located",
    "clean_text",
    "diff_texts",
    "list_documents",
    "locate",
    "parse_ref",
    "raw_bytes",
    "version_marks",
]

_ID = re.compile(r"[0-9a-f]{16}")


class DocumentError(QueryError):
    """A reference or version the user gave that names no document (a one-line message)."""


class DocumentNotFoundError(DocumentError):
    """A well-formed id or URL that the archive does not hold."""


def parse_ref(ref: str) -> str:
    """The document id named by ``ref``: 16 hex characters, or an http(s) URL (hashed, never used as
    a path). Anything else, ``../../etc/passwd`` and NUL bytes included, is refused."""
    if _ID.fullmatch(ref.lower()) and ref.isascii():
        return ref.lower()
    if re.match(r"https?://[^\s/]+", ref, re.IGNORECASE) and "\x00" not in ref:
        return doc_id(ref)
    shown = ref.encode("unicode_escape").decode("ascii")
    raise DocumentError(f"not a document id (16 hex characters) or an http(s) URL: {shown[:80]}")


@dataclass(frozen=True)
class Located:
    store: ArchiveStore
    site: str
    id: str
    versions: list[int]

    def load(self, version: int | None = None) -> dict[str, Any]:
        """A version's JSON (default: the latest); DocumentError for a version it does not have."""
        chosen = self.versions[-1] if version is None else version
        if chosen not in self.versions:
            raise DocumentError(f"document {self.id} has versions 1–{self.versions[-1]}, not {chosen}")
        return self.store.load_version(self.site, self.id, chosen)


def locate(archive: Path | str, ref: str) -> Located:
    """The document ``ref`` names, found by its id under each site's folder of the archive."""
    ident = parse_ref(ref)
    root = Path(archive)
    sites = root / "documents"
    if not sites.is_dir():
        raise DocumentNotFoundError(f"{root} holds no documents")
    store = ArchiveStore(root, fsync=False)
    # The site names come from the directory listing, the id is checked hex: no user text in a path.
    for folder in sorted(p for p in sites.iterdir() if p.is_dir()):
        versions = store.versions(folder.name, ident)
        if versions:
            return Located(store, folder.name, ident, versions)
    raise DocumentNotFoundError(
        f"no document {ident} in {root}" + (f" ({ref})" if ref.lower() != ident else "")
    )


def clean_text(store: ArchiveStore, doc: dict[str, Any]) -> str:
    """The clean text: in the JSON, or (for a document written without it) from its text blob."""
    if isinstance(doc.get("text"), str):
        return str(doc["text"])
    blob = doc.get("text_file") or {}
    return store.read_text(str(blob["sha256"])) if blob.get("sha256") else ""


def raw_bytes(store: ArchiveStore, doc: dict[str, Any]) -> bytes:
    """The bytes as received; DocumentError when the version has none (a record without a body)."""
    digest = (doc.get("raw") or {}).get("sha256")
    if not digest:
        raise DocumentError(f"version {doc.get('version')} of {doc.get('id')} holds no raw bytes")
    try:
        return store.read_raw(str(digest))
    except KeyError as exc:
        raise DocumentError(f"the archive lacks the raw bytes {digest} (`xxgk verify` checks)") from exc


def version_marks(doc: dict[str, Any]) -> list[str]:
    """What a version records beyond its content: the page withdrawn, moved, or reached by redirect."""
    marks = []
    withdrawn = doc.get("withdrawn")
    if withdrawn:
        marks.append(f"withdrawn (HTTP {withdrawn.get('status')}, seen {withdrawn.get('seen_at')})")
    moved = doc.get("moved_to")
    if moved:
        marks.append(f"moved to {moved.get('url')} (seen {moved.get('seen_at')})")
    for old in doc.get("redirected_from") or []:
        marks.append(f"redirected from {old}")
    return marks


def diff_texts(old: str, new: str, old_label: str, new_label: str) -> list[str]:
    """A unified diff of two clean texts, line by line (no trailing newlines)."""
    return list(difflib.unified_diff(old.splitlines(), new.splitlines(), old_label, new_label, lineterm=""))


def list_documents(
    archive: Path | str, filters: Filters | None = None, *, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Index rows that pass ``filters``, newest publish date first (undated last), from ``offset``
    on, and how many pass in all (`xxgk list`, and the web search page without words)."""
    path = existing_index(archive)
    if limit < 1:
        raise QueryError(f"--limit must be at least 1, not {limit}")
    clauses, params = (filters or Filters()).where()
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    conn = connect(path, readonly=True)
    try:
        total = int(conn.execute(f"SELECT count(*) FROM docs d {where}", params).fetchone()[0])
        rows = conn.execute(
            f"SELECT d.* FROM docs d {where} ORDER BY d.publish_date DESC NULLS LAST, d.site, d.id "
            "LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
    finally:
        conn.close()
    return [{k: v for k, v in dict(row).items() if k != "rowid"} for row in rows], total
