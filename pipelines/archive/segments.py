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

Every worker process of a crawl looks blobs up by digest (to store each content once), so every
worker holds an index of all the archive's blobs, about 1.7 per page. Held as parsed entries, even a
dict of digest bytes to packed entries (the most compact a dict allows) took 155-200 bytes an entry:
32.5 MB in each worker for a 175,000-line index (100,000 pages), most of what a worker grew by. A
worker therefore keeps only a table of 64-bit digest prefixes and the offsets of their lines in
``index.jsonl``: 22 bytes an entry for that index, 3.9 MB (tests/test_segment_index.py checks the
size). The cost moved to hits, which read their line again (one pread(2), from the page cache) and
parse it, about 10 µs against 3 µs; misses, the common case when storing, became faster (4 µs
against 20 µs), as the index file stays open. The full digest on the line read is compared, so two
digests sharing a prefix never give one the other's blob.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
from array import array
from collections.abc import Iterator
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

#: Bytes read to look up one index line (lines are about 150 bytes; a longer one is read again whole).
_LINE_READ = 512
#: Bytes of the index read at once when catching up with what was appended.
_CHUNK = 4 * 1024 * 1024
#: What a malformed index line raises when parsed (JSON ``Infinity`` as an offset: OverflowError;
#: thousands of nested brackets: RecursionError).
_BAD_LINE = (ValueError, KeyError, TypeError, OverflowError, RecursionError)


def _digest_key(sha256: str) -> int:
    """A digest's first 64 bits: digests are uniform, so their prefix is as good as a hash. Any
    other name (the store takes any string) gets a hash of its own; only lookups' speed depends on
    the key, never their result, since the full name is compared on the line."""
    if len(sha256) == 64:
        try:
            return int(sha256[:16], 16)
        except ValueError:
            pass
    digest = hashlib.blake2b(sha256.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _parse_line(line: bytes) -> BlobRef | None:
    """The blob on an index line; None for a malformed line (skipped, as a kill may leave one)."""
    try:
        return BlobRef.from_dict(json.loads(line))
    except _BAD_LINE:
        return None


#: The digest on an index line, as ``json.dumps`` writes it.
_LINE_DIGEST = re.compile(rb'"sha256": "([0-9a-f]{64})"')


def _line_digest(line: bytes) -> str | None:
    """The digest on an index line; None for a malformed line.

    A regular expression finds it about 30 times faster than parsing the line, and a worker reads the
    whole index when it starts. A line found so but malformed elsewhere is harmless: a lookup parses
    the line in full and skips it, exactly as if it had not been indexed.
    """
    match = _LINE_DIGEST.search(line)
    if match is not None:
        return match.group(1).decode("ascii")
    ref = _parse_line(line)  # another name than a hex digest (or a malformed line)
    return None if ref is None else ref.sha256


class _DigestTable:
    """Digest key -> offset of the blob's line in ``index.jsonl``, in flat arrays of machine integers.

    Why not a dict: every worker holds an entry per blob of the archive, and the most compact dict
    (digest bytes -> packed entry) cost 155-200 bytes an entry (30 MB per worker at 100,000 pages).
    Here an entry is its key and offset in two arrays (16 bytes) and its number in an open-addressing
    table (4 bytes a slot, 35-70% of slots in use): 22-28 bytes an entry, with no object per entry.
    Entries are never removed (the index file is append-only), so linear probing needs no tombstones.
    """

    __slots__ = ("_keys", "_mask", "_offsets", "_slots")

    #: Grow past this share of slots in use: linear probing slows down fast beyond about 0.7.
    LOAD = 0.7

    def __init__(self, capacity: int = 1024) -> None:
        if capacity < 8 or capacity & (capacity - 1):
            raise ValueError(f"capacity must be a power of two of at least 8, not {capacity}")
        self._keys: array[int] = array("Q")  # entry i's key ...
        self._offsets: array[int] = array("Q")  # ... and the offset of its line
        # Entry number + 1 per slot, 0 for an empty slot ('I': 4 bytes, up to 4 billion entries).
        self._slots: array[int] = array("I", [0]) * capacity
        self._mask = capacity - 1

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def capacity(self) -> int:
        return len(self._slots)

    def offsets(self, key: int) -> Iterator[int]:
        """Offsets of the lines whose digest has this key, in the order added (almost always one
        or none). Do not add entries while iterating."""
        keys, slots, mask = self._keys, self._slots, self._mask
        slot = key & mask
        while entry := slots[slot]:
            if keys[entry - 1] == key:
                yield self._offsets[entry - 1]
            slot = (slot + 1) & mask

    def add(self, key: int, offset: int) -> None:
        """Add an entry; the caller has made sure that its digest is not in the table."""
        self._keys.append(key)
        self._offsets.append(offset)
        count = len(self._keys)
        if count > len(self._slots) * self.LOAD:
            self._rehash(len(self._slots) * 2)
            return
        slots, mask = self._slots, self._mask
        slot = key & mask
        while slots[slot]:
            slot = (slot + 1) & mask
        slots[slot] = count

    def _rehash(self, capacity: int) -> None:
        # Entries go back in the order added, so equal keys keep their order along a probe chain.
        slots: array[int] = array("I", [0]) * capacity
        mask = capacity - 1
        for number, key in enumerate(self._keys, 1):
            slot = key & mask
            while slots[slot]:
                slot = (slot + 1) & mask
            slots[slot] = number
        self._slots = slots
        self._mask = mask


class SegmentStore:
    """Blobs of one kind under ``root/<kind>/``: append, look up by digest, read back.

    The digest index is a ``_DigestTable`` of line offsets, not parsed entries (the module's
    docstring says why); the index file stays open for reading, since a worker reads it on every
    miss (other workers append to it) and on every hit.
    """

    def __init__(
        self, root: Path, kind: str, ext: str, *, fsync: bool, segment_bytes: int = SEGMENT_BYTES
    ) -> None:
        self.root = root
        self.kind = kind
        self.ext = ext
        self.fsync = fsync
        self.segment_bytes = segment_bytes
        self._index: _DigestTable | None = None
        self._index_read = 0  # bytes of the index file read so far (whole lines only)
        self._index_fd = -1  # the index file, open for reading
        self._index_log: AppendLog | None = None
        self._fd = -1
        self._rel = ""
        self._offset = 0

    @property
    def directory(self) -> Path:
        return self.root / self.kind

    def _known(self) -> _DigestTable:
        """Digest -> line of the index (lines cut short by a kill, or malformed, are skipped)."""
        if self._index is None:
            self._index = _DigestTable()
            self._refresh()
        return self._index

    def _reader(self) -> int:
        """The index file's descriptor for reading (-1 while there is no index file)."""
        if self._index_fd < 0:
            try:
                self._index_fd = os.open(self.directory / "index.jsonl", os.O_RDONLY)
            except FileNotFoundError:
                return -1
        return self._index_fd

    def _refresh(self) -> bool:
        """Index the lines appended since the last read (by this or another process); whether any
        blob was added."""
        table = self._index
        assert table is not None, "_known() builds the table first"
        fd = self._reader()
        if fd < 0:
            return False
        end = os.fstat(fd).st_size
        start = self._index_read
        size = _CHUNK
        added = False
        while start < end:
            data = os.pread(fd, min(size, end - start), start)
            if not data:
                break
            whole = data.rfind(b"\n") + 1
            if not whole:
                if start + len(data) >= end:
                    break  # a last line being written (or cut by a kill): read again next time
                size *= 2  # a line longer than a chunk (a malformed one): read it whole
                continue
            pos = 0
            while pos < whole:
                newline = data.index(b"\n", pos)
                sha256 = _line_digest(data[pos:newline])
                if sha256 is not None and self._add(table, sha256, start + pos):
                    added = True
                pos = newline + 1
            start += whole
            self._index_read = start
        return added

    def _add(self, table: _DigestTable, sha256: str, offset: int) -> bool:
        """Index the line at ``offset`` unless its digest is known (the first blob stored wins)."""
        key = _digest_key(sha256)
        if self._find(table, key, sha256) is not None:
            return False
        table.add(key, offset)
        return True

    def _find(
        self, table: _DigestTable, key: int, sha256: str, own: tuple[bytes, BlobRef] | None = None
    ) -> BlobRef | None:
        """The first indexed blob with this digest. ``own``: a line this store has just appended and
        its blob, returned without parsing the line again when it is the one indexed."""
        for offset in table.offsets(key):
            line = self._line(offset)
            if line is None:
                continue
            if own is not None and line == own[0]:
                return own[1]
            ref = _parse_line(line)
            if ref is not None and ref.sha256 == sha256:
                return ref
        return None  # not indexed, or only other digests with the same first 64 bits

    def _line(self, offset: int) -> bytes | None:
        """The index line at ``offset``, without its newline."""
        fd = self._reader()
        if fd < 0:
            return None
        size = _LINE_READ
        while True:
            data = os.pread(fd, size, offset)
            newline = data.find(b"\n")
            if newline >= 0:
                return data[:newline]
            if len(data) < size:
                return None  # no whole line there: not the file that was indexed
            size *= 4

    def get(self, sha256: str) -> BlobRef | None:
        """The blob with this digest; the index is re-read on a miss, since other processes (the
        crawl's other workers) append to it."""
        key = _digest_key(sha256)
        ref = self._find(self._known(), key, sha256)
        if ref is None and self._refresh():
            ref = self._find(self._known(), key, sha256)
        return ref

    def put(self, sha256: str, size: int, data: bytes) -> BlobRef:
        """Append ``data`` (the stored form of a blob) unless a blob with this digest is stored (by
        any process: the index is re-read first, so workers rarely store a content twice)."""
        stored = self.get(sha256)
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
        line = json.dumps(ref.as_dict())
        self._index_log.append(line)
        # Where the line landed is known only by reading the file: other workers append to it too.
        # Another worker may also have stored this digest meanwhile; the first line wins for all.
        self._refresh()
        own = (line.encode("utf-8"), ref)
        return self._find(self._known(), _digest_key(sha256), sha256, own) or ref

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
        self._close_segment()
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

    def _close_segment(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def close(self) -> None:
        """Close the segment and the index's descriptors. The store stays usable: they reopen when
        needed, and the digest table is kept (the index file is only ever appended to)."""
        self._close_segment()
        if self._index_log is not None:
            self._index_log.close()
            self._index_log = None
        if self._index_fd >= 0:
            os.close(self._index_fd)
            self._index_fd = -1


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
