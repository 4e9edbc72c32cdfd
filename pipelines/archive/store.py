"""The archive store: the one component that writes to the archive (see docs/design.md for the layout).

Like the stores behind Scrapy's FilesPipeline, it is a small interface with no Scrapy in it, so the CLI
and tests use it directly and the pipeline only delegates to it.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.archive.files import AppendLog, atomic_write
from pipelines.archive.members import Deflated, deflate, gzip_member
from pipelines.archive.segments import BlobRef, SegmentStore
from pipelines.archive.warc import MAX_WARC_BYTES, WarcWriter

__all__ = ["ArchiveStore", "BlobRef", "CompressedRaw", "compress_raw", "doc_id"]


def doc_id(url: str) -> str:
    """Stable id of the document at ``url``: every version of it lives under this id."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class CompressedRaw:
    """Raw bytes ready for the store: digest and size of the original, gzip data; ``deflated`` is
    the body compressed once, which the WARC response record splices in too."""

    sha256: str
    size: int
    deflated: Deflated

    @property
    def data(self) -> bytes:
        return gzip_member([self.deflated])


def compress_raw(body: bytes) -> CompressedRaw:
    # gzip_member writes mtime 0: the same bytes always give the same blob.
    return CompressedRaw(hashlib.sha256(body).hexdigest(), len(body), deflate(body))


#: Documents whose latest version a store remembers (see ArchiveStore._remember).
LATEST_KEPT = 4096


class ArchiveStore:
    """Reads and writes one archive directory."""

    def __init__(self, root: Path | str, *, fsync: bool = True) -> None:
        self.root = Path(root)
        self.fsync = fsync
        # Content digest of the latest version of each document seen by this process: a re-crawl
        # compares against it without re-reading JSON from disk for every page.
        self._latest: dict[tuple[str, str], tuple[int, str] | None] = {}
        # Directories known to exist, and open append logs: a crawl writes thousands of files, and
        # a mkdir or open per file showed up as a fifth of the pipeline's time.
        self._dirs: set[Path] = set()
        self._logs: dict[Path, AppendLog] = {}
        self.raw = SegmentStore(self.root, "raw", "gz", fsync=fsync)
        self.text = SegmentStore(self.root, "text", "txt", fsync=fsync)
        self._warc: WarcWriter | None = None

    def _parent(self, path: Path) -> Path:
        parent = path.parent
        if parent not in self._dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        return path

    def _write(self, path: Path, data: bytes) -> None:
        atomic_write(self._parent(path), data, fsync=self.fsync, make_parents=False)

    def _log(self, path: Path, fsync: bool) -> AppendLog:
        log = self._logs.get(path)
        if log is None:
            log = self._logs[path] = AppendLog(path, fsync=fsync)
        return log

    def close(self) -> None:
        """Close the append logs and segments (the store stays usable: they reopen on the next write)."""
        for log in self._logs.values():
            log.close()
        self._logs.clear()
        self.raw.close()
        self.text.close()
        if self._warc is not None:
            self._warc.close()

    def warc(self, info: Mapping[str, Any]) -> WarcWriter:
        """This process's WARC writer (``warc/*.warc.gz``); ``info`` ({settings, robots_obey}) goes
        into each file's warcinfo record, ``info["max_bytes"]`` is the size files rotate at."""
        if self._warc is None:
            self._warc = WarcWriter(
                self.root,
                settings=dict(info.get("settings") or {}),
                robots_obey=bool(info.get("robots_obey", True)),
                fsync=self.fsync,
                max_bytes=int(info.get("max_bytes") or MAX_WARC_BYTES),
            )
        return self._warc

    # Blobs -------------------------------------------------------------------------------------

    def put_raw(self, body: bytes) -> BlobRef:
        """Keep raw response bytes, gzip-compressed, once per content (identical bytes stored once)."""
        return self.put_compressed(compress_raw(body))

    def put_compressed(self, blob: CompressedRaw) -> BlobRef:
        """Keep raw bytes compressed elsewhere (by a worker process, off the crawler's thread)."""
        return self.raw.put(blob.sha256, blob.size, blob.data)

    def put_text(self, text: str) -> BlobRef:
        """Keep a clean text as plain UTF-8 (a segment stays greppable), once per content.

        Each text is followed by a newline in the segment, so texts never run into each other.
        """
        data = text.encode("utf-8")
        return self.text.put(hashlib.sha256(data).hexdigest(), len(data), data + b"\n")

    def read_raw(self, sha256: str) -> bytes:
        """The raw bytes with this digest (KeyError when the archive does not hold them)."""
        ref = self.raw.get(sha256)
        if ref is None:
            raise KeyError(f"no raw blob {sha256}")
        return gzip.decompress(self.raw.read(ref))

    def read_text(self, sha256: str) -> str:
        """The clean text with this digest (KeyError when the archive does not hold it)."""
        ref = self.text.get(sha256)
        if ref is None:
            raise KeyError(f"no text blob {sha256}")
        return self.text.read(ref)[: ref.size].decode("utf-8")

    # Documents ---------------------------------------------------------------------------------

    def version_path(self, site: str, ident: str, version: int) -> Path:
        """Where a version lives: ``documents/<site>/<id[:2]>/<id>.v0001.json``.

        No directory per document: creating one cost more system time than writing the document.
        """
        return self.root / "documents" / site / ident[:2] / f"{ident}.v{version:04d}.json"

    def versions(self, site: str, ident: str) -> list[int]:
        """Version numbers present for a document, ascending (they are numbered without gaps)."""
        found: list[int] = []
        while self.version_path(site, ident, len(found) + 1).exists():
            found.append(len(found) + 1)
        return found

    def load_version(self, site: str, ident: str, version: int) -> dict[str, Any]:
        path = self.version_path(site, ident, version)
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    def latest_digest(self, site: str, ident: str) -> tuple[int, str] | None:
        """(version, content digest) of the latest version of a document, or None."""
        return self._latest_digest(site, ident)

    def _latest_digest(self, site: str, ident: str) -> tuple[int, str] | None:
        key = (site, ident)
        if key not in self._latest:
            # "No version yet" is remembered too (a page's WARC capture asks, then its save): a
            # version another process writes meanwhile makes the save's exclusive create fail, and
            # the save reads again.
            versions = self.versions(site, ident)
            if not versions:
                self._remember(key, None)
                return None
            doc = self.load_version(site, ident, versions[-1])
            self._remember(key, (versions[-1], str(doc.get("content_digest", ""))))
        return self._latest[key]

    def save_document(self, doc: dict[str, Any]) -> tuple[str, int]:
        """Add ``doc`` as a new version unless its content equals the latest version's.

        Returns ``("new" | "changed" | "unchanged", version)``. ``doc`` needs ``site``, ``id`` and
        ``content_digest``; ``version`` and ``previous_version`` are filled in here.
        """
        site, ident = str(doc["site"]), str(doc["id"])
        latest = self._latest_digest(site, ident)
        if latest is not None and latest[1] == doc["content_digest"]:
            return "unchanged", latest[0]
        version = latest[0] + 1 if latest else 1
        while True:
            doc["version"] = version
            doc["previous_version"] = version - 1 if version > 1 else None
            # Compact: with an indent, json falls back from its C encoder to Python (5× slower).
            data = json.dumps(doc, ensure_ascii=False).encode("utf-8")
            if self._create_exclusive(self.version_path(site, ident, version), data):
                break
            # Another process wrote this version first: re-read and decide again.
            self._latest.pop((site, ident), None)
            latest = self._latest_digest(site, ident)
            if latest is not None and latest[1] == doc["content_digest"]:
                return "unchanged", latest[0]
            version = latest[0] + 1 if latest else 1
        self._remember((site, ident), (version, str(doc["content_digest"])))
        return ("changed" if version > 1 else "new"), version

    def _remember(self, key: tuple[str, str], latest: tuple[int, str] | None) -> None:
        """Keep the latest version of a document for the next question, the newest LATEST_KEPT
        only: a page's capture asks and its save asks, within one job, and no page comes back in
        a run. Unbounded, it held 320 bytes per document in every worker."""
        self._latest.pop(key, None)
        self._latest[key] = latest
        if len(self._latest) > LATEST_KEPT:
            del self._latest[next(iter(self._latest))]

    def _create_exclusive(self, path: Path, data: bytes) -> bool:
        """Create ``path`` with ``data`` atomically; False if it already exists (never overwrite)."""
        self._parent(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                if self.fsync:
                    handle.flush()
                    os.fsync(handle.fileno())
            try:
                os.link(tmp, path)  # fails if the name exists: versions are never overwritten
            except OSError as exc:
                if exc.errno == errno.EEXIST:
                    return False
                raise
        finally:
            Path(tmp).unlink(missing_ok=True)
        return True

    def iter_documents(self, site: str | None = None) -> list[Path]:
        """Every version file in the archive (or of one site), sorted."""
        base = self.root / "documents"
        pattern = f"{site}/*/*.v*.json" if site else "*/*/*.v*.json"
        return sorted(base.glob(pattern))

    # Records -----------------------------------------------------------------------------------

    def record_failure(self, run_id: str, failure: dict[str, Any]) -> None:
        log = self._log(self.root / "failures" / f"{run_id}.jsonl", self.fsync)
        log.append(json.dumps(failure, ensure_ascii=False))

    def record_capture(self, run_id: str, capture: dict[str, Any]) -> None:
        """One line per response kept in this run (lists included): what was fetched, when, digest."""
        log = self._log(self.root / "runs" / f"{run_id}.captures.jsonl", False)
        log.append(json.dumps(capture, ensure_ascii=False))

    def write_run(self, run: dict[str, Any]) -> Path:
        path = self.root / "runs" / f"{run['run_id']}.json"
        self._write(path, json.dumps(run, ensure_ascii=False, indent=1).encode("utf-8"))
        return path
