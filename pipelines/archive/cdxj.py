"""CDXJ index of the archive's WARC files (``warc/index.cdxj``), in pywb's format.

One line per capture: ``<SURT key> <14-digit timestamp> <JSON>``, the JSON holding ``url``,
``mime``, ``status`` (response records only), ``digest`` (base32 sha1, no ``sha1:`` prefix),
``length``, ``offset`` and ``filename`` (relative to ``warc/``) — the fields, order and rules of
pywb's ``cdx-indexer -j``, so that the index serves pywb as it is. ``warcinfo`` and ``request``
records are not indexed (pywb's default).

The index grows by appending sorted batches of lines (``BATCH_LINES`` captures, one ``write(2)``
each), so it is only sorted per append; pywb looks captures up by binary search over a sorted
file, hence ``compact_index`` (a sorted copy renamed into place) before serving it.

Files are indexed incrementally, by offset: the index itself says how far each file is covered (the
end of the last record it has a line for), and an update reads each file from there, taking only
whole records. Why: the workers of a shared crawl (docs/distributed.md) append to their own files
while another worker updates the index; a file indexed once, whole, would have lost the records
written after. A record still being written (a torn tail) waits for the next update. Batches are
appended in file order, so an update killed between two of them resumes after the last one
appended. Updates are serialized by the caller (``pipelines.archive.lock.index_lock``).
"""

from __future__ import annotations

import heapq
import json
import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, BinaryIO

import surt  # type: ignore[import-untyped]
from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]
from warcio.timeutils import iso_date_to_timestamp  # type: ignore[import-untyped]

from pipelines.archive.files import atomic_writer

# The writer's own test of a whole record (one whole gzip member); private to warc.py, shared here.
from pipelines.archive.warc import _complete_member as complete_member

INDEX_NAME = "index.cdxj"
_INDEXED = ("response", "revisit", "resource", "metadata")

# Captures held in memory at once while a WARC file is indexed. Read whole, a first crawl's file
# (30,000 pages, ~900 MB) held all its lines three times over (tuples, sorted list, joined bytes):
# +65 MB of peak RSS, +200 MB at 100,000 pages. 20,000 lines are ~6 MB (~13 MB with the joined
# write), whatever the file's size; and few enough runs (each its own file handle in
# ``compact_index``'s merge) for an archive of millions of captures.
BATCH_LINES = 20_000


def url_key(url: str) -> str:
    """The SURT key pywb looks a URL up by (``cn,gov,siping)/a/b.html``); a URL SURT cannot read
    is its own key, as pywb does for URNs."""
    try:
        return str(surt.surt(url))
    except Exception:  # surt raises on many kinds of bad input
        return url


def _mime(content_type: str | None) -> str:
    if not content_type:
        return "unk"
    return content_type.split(";", 1)[0].strip() or "unk"


def _entry(record: Any, offset: int, length: int, filename: str) -> str | None:
    """The CDXJ line of a record, or None for records pywb does not index."""
    if record.rec_type not in _INDEXED:
        return None
    url = record.rec_headers.get_header("WARC-Target-URI")
    date = record.rec_headers.get_header("WARC-Date")
    if not url or not date:
        return None
    fields: dict[str, str] = {"url": url}
    if record.rec_type == "revisit":
        fields["mime"] = "warc/revisit"
    else:
        http = record.http_headers
        content_type = (
            http.get_header("Content-Type") if http else record.rec_headers.get_header("Content-Type")
        )
        fields["mime"] = _mime(content_type)
    if record.rec_type == "response" and record.http_headers:
        status = record.http_headers.get_statuscode()
        if status and status != "-":
            fields["status"] = status
    digest = record.rec_headers.get_header("WARC-Payload-Digest") or ""
    digest = digest.removeprefix("sha1:")
    if digest:
        fields["digest"] = digest
    fields["length"] = str(length)
    fields["offset"] = str(offset)
    fields["filename"] = filename
    return f"{url_key(url)} {iso_date_to_timestamp(date)} {json.dumps(fields)}"


class RecordWalk:
    """The whole records of a WARC file from offset ``start`` (a record boundary), streamed in file
    order as (offset, length, CDXJ line or None for records pywb does not index).

    After the walk, ``end`` is the end of the last whole record yielded (``start`` if none) and
    ``problems`` the problems met: a record that could not be read ends the walk (the records
    before it stand); bytes after the last whole record are a torn tail. Iterate once."""

    def __init__(self, path: Path, filename: str | None = None, *, start: int = 0) -> None:
        self.path = Path(path)
        self.name = filename if filename is not None else self.path.name
        self.start = start
        self.end = start
        self.problems: list[str] = []

    def __iter__(self) -> Iterator[tuple[int, int, str | None]]:
        size = os.path.getsize(self.path)
        captures = 0
        # One record held back: warcio reads a last record cut short (a kill, or a writer still at
        # it) without complaint, so a record is only known whole once another follows it, or, the
        # last one, once its gzip member is whole and within the file.
        held: tuple[int, int, str | None] | None = None
        with open(self.path, "rb") as handle:
            handle.seek(self.start)
            records = ArchiveIterator(handle)
            stream = iter(records)
            while True:
                try:
                    record = next(stream)
                    offset, length = records.get_record_offset(), records.get_record_length()
                    item = (offset, length, _entry(record, offset, length, self.name))
                except StopIteration:
                    break
                except Exception as exc:  # a torn or foreign file is reported, not raised
                    if held is not None:
                        captures += held[2] is not None
                        self.end = held[0] + held[1]
                        yield held
                    self.problems.append(
                        f"{self.name}: stopped reading after {captures} captures: {type(exc).__name__}: {exc}"
                    )
                    return
                if held is not None:
                    captures += held[2] is not None
                    self.end = held[0] + held[1]
                    yield held
                held = item
        if held is not None:
            offset, length, _line = held
            with open(self.path, "rb") as handle:
                handle.seek(offset)
                whole = offset + length <= size and complete_member(handle.read(length))
            if whole:
                self.end = offset + length
                yield held
        if self.end < size:
            torn = size - self.end
            self.problems.append(
                f"{self.name}: {torn} bytes after the last whole record (a torn tail: cut_torn_tail)"
            )


def read_records(
    path: Path, filename: str | None = None, *, start: int = 0
) -> tuple[list[str], int, list[str]]:
    """The CDXJ lines of the whole records of a WARC file from offset ``start`` (a record boundary),
    in file order; the end of the last whole record read; and the problems met (a record that could
    not be read ends the walk: the lines before it stand). All in memory: ``RecordWalk`` streams."""
    walk = RecordWalk(path, filename, start=start)
    lines = [line for _offset, _length, line in walk if line is not None]
    return lines, walk.end, walk.problems


def cdxj_lines(path: Path, filename: str | None = None) -> tuple[list[str], list[str]]:
    """The CDXJ lines of one WARC file, in file order, and the problems met (a record that could
    not be read ends the walk: the lines before it stand)."""
    lines, _end, problems = read_records(path, filename)
    return lines, problems


def _index_path(root: Path) -> Path:
    return Path(root) / "warc" / INDEX_NAME


def indexed_extent(root: Path) -> dict[str, int]:
    """How far the index covers each WARC file (name relative to ``warc/``): the end of the last
    record it has a line for. A line cut by a kill does not count (its record is indexed again)."""
    path = _index_path(root)
    extent: dict[str, int] = {}
    if not path.exists():
        return extent
    with path.open("rb") as handle:
        for raw in handle:
            if not _well_formed(raw):
                continue
            try:
                fields = json.loads(raw.split(b" ", 2)[2])
                name = str(fields["filename"])
                end = int(fields["offset"]) + int(fields["length"])
            except (ValueError, KeyError, IndexError, TypeError):
                continue
            if end > extent.get(name, -1):
                extent[name] = end
    return extent


def indexed_files(root: Path) -> set[str]:
    """The WARC files (names relative to ``warc/``) the index has lines for."""
    return set(indexed_extent(root))


def index_file(root: Path, warc: Path, *, start: int = 0) -> tuple[int, list[str]]:
    """Append the captures of the whole records of one WARC file from offset ``start`` to
    ``warc/index.cdxj``, in sorted batches of ``BATCH_LINES`` in file order (one write each);
    returns (lines appended, problems). A record still being written is left for the next call."""
    walk = RecordWalk(warc, Path(warc).name, start=start)
    path = _index_path(root)
    count = 0
    batch: list[bytes] = []
    for _offset, _length, line in walk:
        if line is None:
            continue
        batch.append(line.encode("utf-8") + b"\n")
        if len(batch) >= BATCH_LINES:
            count += _append_run(path, batch)
            batch = []
    if batch:
        count += _append_run(path, batch)
    return count, walk.problems


def _append_run(path: Path, batch: list[bytes]) -> int:
    """Append a batch of lines to the index, sorted, in one write; returns the number of lines.
    (Sorting UTF-8 bytes orders them as their text: ``compact_index`` compares bytes too.)"""
    batch.sort()
    data = b"".join(batch)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        _end_torn_line(fd, path)
        os.write(fd, data)
    finally:
        os.close(fd)
    return len(batch)


def _end_torn_line(fd: int, path: Path) -> None:
    """A line cut by a kill is ended before appending, so that it never swallows the next."""
    size = os.fstat(fd).st_size
    if size:
        with path.open("rb") as handle:
            handle.seek(size - 1)
            if handle.read(1) != b"\n":
                os.write(fd, b"\n")


def update_index(root: Path, *, skip: set[str] | None = None) -> tuple[list[str], list[str]]:
    """Index the whole records of every ``warc/*.warc.gz`` that the index does not cover yet (from
    where it stops), except the files named in ``skip``; returns (files that got lines, problems).
    Files being appended to are fine: their complete records are indexed, the rest next time."""
    directory = Path(root) / "warc"
    extent = indexed_extent(root)
    indexed: list[str] = []
    problems: list[str] = []
    for warc in sorted(directory.glob("*.warc.gz")):
        if warc.name in (skip or ()):
            continue
        start = extent.get(warc.name, 0)
        try:
            if start >= warc.stat().st_size:
                continue
        except OSError:
            continue
        count, found = index_file(root, warc, start=start)
        problems.extend(found)
        if count:
            indexed.append(warc.name)
    return indexed, problems


def whole_end(path: Path, start: int = 0) -> int:
    """The end of the last whole record of a WARC file, reading from ``start`` (a record boundary,
    such as the index's extent): cheaper than ``complete_records`` when most of it is indexed."""
    walk = RecordWalk(path, start=start)
    for _record in walk:
        pass
    return walk.end


def _well_formed(raw: bytes) -> bool:
    """A whole index line (a line cut by a kill has no end, or JSON cut short)."""
    parts = raw.rstrip(b"\n").split(b" ", 2)
    if len(parts) != 3 or not raw.endswith(b"\n"):
        return False
    try:
        return isinstance(json.loads(parts[2]), dict)
    except ValueError:
        return False


def compact_index(root: Path) -> int:
    """Rewrite ``warc/index.cdxj`` sorted and without duplicate lines (a temporary file renamed
    into place: a kill leaves the old index); returns the number of lines.

    Streamed: the index is a sorted part (the last compaction) followed by the sorted blocks that
    updates appended since (``index_file`` sorts each batch), so it is merged run by run (``heapq.merge``)
    instead of read whole. Read whole, its sorted copy, set and joined bytes were three copies of
    the archive's index in memory: 140–180 MB at the end of a crawl of 100,000 pages."""
    path = _index_path(root)
    if not path.exists():
        return 0
    runs, lines, clean = _sorted_runs(path)
    if len(runs) <= 1 and clean:
        return lines  # already compacted: nothing to rewrite
    count = 0
    with atomic_writer(path, fsync=False, mode=0o644) as out, ExitStack() as files:
        # 0644 as the WARC files: readable by a replay server run by another user
        streams = [_lines_of(files.enter_context(path.open("rb")), start, stop) for start, stop in runs]
        last = None
        for line in heapq.merge(*streams):
            if line != last:
                out.write(line)
                count += 1
                last = line
    return count


def _sorted_runs(path: Path) -> tuple[list[tuple[int, int]], int, bool]:
    """(start, end) byte offsets of the index's ascending runs of well-formed lines; the number of
    lines; and whether every line is well formed and none repeats the one before it (one pass)."""
    runs: list[tuple[int, int]] = []
    start = offset = lines = 0
    clean = True
    previous: bytes | None = None
    with path.open("rb") as handle:
        for raw in handle:
            lines += 1
            if _well_formed(raw):
                if previous is not None and raw < previous:
                    runs.append((start, offset))
                    start = offset
                clean = clean and raw != previous
                previous = raw
            else:
                clean = False
            offset += len(raw)
    runs.append((start, offset))
    return runs, lines, clean


def _lines_of(handle: BinaryIO, start: int, stop: int) -> Iterator[bytes]:
    """The well-formed lines between two offsets of an open file (each run has its own handle, so
    the merge reads them side by side)."""
    handle.seek(start)
    offset = start
    while offset < stop:
        raw = handle.readline()
        if not raw:
            return
        offset += len(raw)
        if _well_formed(raw):
            yield raw
