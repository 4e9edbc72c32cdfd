"""Append-only segment files for blobs (raw response bytes, clean texts), with a digest index.

Why not one file per blob: on the project's VM, creating a file cost 0.03 ms on an idle machine but
0.5–0.8 ms while both cores were busy (a crawl is exactly that), against 0.007 ms for an append; with
two or three new files per page, file creation was most of the archive's cost. Web archives keep
their payloads the same way (WARC files are appended records, not a file per response).

Layout of a kind (``raw`` or ``text``)::

    <kind>/<stamp>-<pid>-<n>.<ext>   segments, appended by one process each, rotated by size
    <kind>/index.jsonl               one line per blob: sha256, segment path, offset, length, size

A blob is one write(2) at the end of its process's own segment, so writers never interleave; its
index line is appended only after the blob is written (and synced, with fsync on), and documents
point at blobs only after that. A kill can therefore leave at most an unreferenced tail in a
segment, never a reference to half a blob. Segments are never rewritten.
"""

from __future__ import annotations

import itertools
import json
import os
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.archive.files import AppendLog

#: Segments rotate past this size (a WARC-sized 1 GiB would be fine too; smaller copies easier).
SEGMENT_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class BlobRef:
    """A stored blob: its segment (relative to the archive root), where in it, and its digest.

    ``offset``/``length`` locate the stored bytes in the segment (gzip member for raw, UTF-8 for
    text); ``sha256`` and ``size`` are those of the original bytes.
    """

    path: str
    offset: int
    length: int
    sha256: str
    size: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "offset": self.offset,
            "length": self.length,
            "sha256": self.sha256,
            "size": self.size,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BlobRef:
        return cls(
            str(data["path"]),
            int(data["offset"]),
            int(data["length"]),
            str(data["sha256"]),
            int(data["size"]),
        )


_serial = itertools.count(1)


#: An index entry's segment number, offset, length and size, packed (28 bytes).
_PACKED = struct.Struct("<IQQQ")


def _digest_key(sha256: str) -> bytes:
    """A digest as 32 bytes (not 64 characters); a name that is no hex digest stays as it is."""
    try:
        return bytes.fromhex(sha256)
    except ValueError:
        return sha256.encode("utf-8")


class _CompactIndex:
    """Digest → blob, as compact as a dict allows: the digest as bytes, the rest packed, each
    segment's path stored once. A BlobRef read from an index line, with its digest as a
    64-character key, took about 390 bytes an entry, and every worker holds every entry of the
    archive (raw and text: about 1.7 per page), 65 MB per worker after 100,000 pages. This takes
    about 155 (docs/benchmarks.md, "Crawl memory")."""

    def __init__(self) -> None:
        self._refs: dict[bytes, bytes] = {}
        self._paths: list[str] = []
        self._numbers: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._refs)

    def __contains__(self, sha256: str) -> bool:
        return _digest_key(sha256) in self._refs

    def get(self, sha256: str) -> BlobRef | None:
        packed = self._refs.get(_digest_key(sha256))
        if packed is None:
            return None
        number, offset, length, size = _PACKED.unpack(packed)
        return BlobRef(self._paths[number], offset, length, sha256, size)

    def add(self, ref: BlobRef) -> None:
        """Keep ``ref`` unless its digest is known (the first blob stored wins)."""
        key = _digest_key(ref.sha256)
        if key in self._refs:
            return
        number = self._numbers.get(ref.path)
        if number is None:
            number = self._numbers[ref.path] = len(self._paths)
            self._paths.append(ref.path)
        self._refs[key] = _PACKED.pack(number, ref.offset, ref.length, ref.size)


class SegmentStore:
    """Blobs of one kind under ``root/<kind>/``: append, look up by digest, read back."""

    def __init__(
        self, root: Path, kind: str, ext: str, *, fsync: bool, segment_bytes: int = SEGMENT_BYTES
    ) -> None:
        self.root = root
        self.kind = kind
        self.ext = ext
        self.fsync = fsync
        self.segment_bytes = segment_bytes
        self._index: _CompactIndex | None = None
        self._index_read = 0  # bytes of the index file read so far
        self._index_log: AppendLog | None = None
        self._fd = -1
        self._rel = ""
        self._offset = 0

    @property
    def directory(self) -> Path:
        return self.root / self.kind

    def _known(self) -> _CompactIndex:
        """Digest → blob, from the index (lines cut short by a kill are skipped)."""
        if self._index is None:
            self._index = _CompactIndex()
            self._refresh()
        return self._index

    def _refresh(self) -> None:
        """Read the index lines appended since the last read (by this or another process)."""
        assert self._index is not None
        path = self.directory / "index.jsonl"
        if not path.exists():
            return
        with path.open("rb") as handle:
            handle.seek(self._index_read)
            for line in handle:
                if not line.endswith(b"\n"):
                    break  # being written (or cut by a kill): read again next time
                self._index_read += len(line)
                try:
                    ref = BlobRef.from_dict(json.loads(line))
                except (ValueError, KeyError, TypeError):
                    continue
                self._index.add(ref)

    def get(self, sha256: str) -> BlobRef | None:
        """The blob with this digest; the index is re-read on a miss, since other processes (the
        crawl's other workers) append to it."""
        known = self._known()
        if sha256 not in known:
            self._refresh()
        return known.get(sha256)

    def put(self, sha256: str, size: int, data: bytes) -> BlobRef:
        """Append ``data`` (the stored form of a blob) unless a blob with this digest is stored."""
        known = self._known()
        stored = known.get(sha256)
        if stored is not None:
            return stored
        if self._fd < 0 or (self._offset + len(data) > self.segment_bytes and self._offset > 0):
            self._open_segment()
        offset = self._offset
        _write_all(self._fd, data)
        if self.fsync:
            os.fsync(self._fd)
        self._offset += len(data)
        ref = BlobRef(self._rel, offset, len(data), sha256, size)
        if self._index_log is None:
            self._index_log = AppendLog(self.directory / "index.jsonl", fsync=self.fsync)
        self._index_log.append(json.dumps(ref.as_dict()))
        known.add(ref)
        return ref

    def read(self, ref: BlobRef) -> bytes:
        with (self.root / ref.path).open("rb") as handle:
            handle.seek(ref.offset)
            data = handle.read(ref.length)
        if len(data) != ref.length:
            raise ValueError(
                f"{ref.path}: blob at {ref.offset} is cut short ({len(data)} of {ref.length} bytes)"
            )
        return data

    def _open_segment(self) -> None:
        self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        while True:
            # Time, process and a per-process serial: parallel writers never pick the same name,
            # and O_EXCL makes sure of it.
            name = f"{stamp}-{os.getpid()}-{next(_serial):04d}.{self.ext}"
            try:
                self._fd = os.open(
                    self.directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644
                )
            except FileExistsError:
                continue
            break
        self._rel = f"{self.kind}/{name}"
        self._offset = 0

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self._index_log is not None:
            self._index_log.close()
            self._index_log = None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
