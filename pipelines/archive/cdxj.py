"""CDXJ index of the archive's WARC files (``warc/index.cdxj``), in pywb's format.

One line per capture: ``<SURT key> <14-digit timestamp> <JSON>``, the JSON holding ``url``,
``mime``, ``status`` (response records only), ``digest`` (base32 sha1, no ``sha1:`` prefix),
``length``, ``offset`` and ``filename`` (relative to ``warc/``) — the fields, order and rules of
pywb's ``cdx-indexer -j``, so that the index serves pywb as it is. ``warcinfo`` and ``request``
records are not indexed (pywb's default).

The index grows by appending a whole WARC file's lines at once (one ``write(2)``, the file's lines
sorted), so it is only sorted per file; pywb looks captures up by binary search over a sorted
file, hence ``compact_index`` (a sorted copy renamed into place) before serving it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import surt  # type: ignore[import-untyped]
from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]
from warcio.timeutils import iso_date_to_timestamp  # type: ignore[import-untyped]

from pipelines.archive.files import atomic_write

INDEX_NAME = "index.cdxj"
_INDEXED = ("response", "revisit", "resource", "metadata")


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


def cdxj_lines(path: Path, filename: str | None = None) -> tuple[list[str], list[str]]:
    """The CDXJ lines of one WARC file, in file order, and the problems met (a record that could
    not be read ends the walk: the lines before it stand)."""
    name = filename if filename is not None else Path(path).name
    lines: list[str] = []
    problems: list[str] = []
    end = 0
    try:
        with open(path, "rb") as handle:
            records = ArchiveIterator(handle)
            for record in records:
                offset, length = records.get_record_offset(), records.get_record_length()
                end = offset + length
                line = _entry(record, offset, length, name)
                if line is not None:
                    lines.append(line)
    except Exception as exc:  # a torn or foreign file is reported, not raised
        problems.append(f"{name}: stopped reading after {len(lines)} captures: {type(exc).__name__}: {exc}")
        return lines, problems
    # warcio ends quietly at a torn gzip tail: bytes after the last record are one
    size = os.path.getsize(path)
    if end < size:
        problems.append(
            f"{name}: {size - end} bytes after the last whole record (a torn tail: cut_torn_tail)"
        )
    return lines, problems


def _index_path(root: Path) -> Path:
    return Path(root) / "warc" / INDEX_NAME


def indexed_files(root: Path) -> set[str]:
    """The WARC files (names relative to ``warc/``) the index already covers."""
    path = _index_path(root)
    names: set[str] = set()
    if not path.exists():
        return names
    with path.open("rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                break  # a line cut by a kill: its file is indexed again
            try:
                names.add(str(json.loads(raw.split(b" ", 2)[2])["filename"]))
            except (ValueError, KeyError, IndexError, TypeError):
                continue
    return names


def index_file(root: Path, warc: Path) -> tuple[int, list[str]]:
    """Append the captures of one closed WARC file to ``warc/index.cdxj`` in one write; returns
    (lines appended, problems). Run it once a writer has closed the file (after rotation, at the
    end of a run, or after ``cut_torn_tail`` on restart)."""
    lines, problems = cdxj_lines(warc, Path(warc).name)
    if not lines:
        return 0, problems
    path = _index_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = ("\n".join(sorted(lines)) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        _end_torn_line(fd, path)
        os.write(fd, data)
    finally:
        os.close(fd)
    return len(lines), problems


def _end_torn_line(fd: int, path: Path) -> None:
    """A line cut by a kill is ended before appending, so that it never swallows the next."""
    size = os.fstat(fd).st_size
    if size:
        with path.open("rb") as handle:
            handle.seek(size - 1)
            if handle.read(1) != b"\n":
                os.write(fd, b"\n")


def update_index(root: Path, *, skip: set[str] | None = None) -> tuple[list[str], list[str]]:
    """Index every ``warc/*.warc.gz`` not yet in the index, except ``skip`` (names of files still
    being written); returns (files indexed, problems)."""
    directory = Path(root) / "warc"
    done = indexed_files(root) | (skip or set())
    indexed: list[str] = []
    problems: list[str] = []
    for warc in sorted(directory.glob("*.warc.gz")):
        if warc.name in done:
            continue
        _, found = index_file(root, warc)
        problems.extend(found)
        indexed.append(warc.name)
    return indexed, problems


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
    into place: a kill leaves the old index); returns the number of lines."""
    path = _index_path(root)
    if not path.exists():
        return 0
    with path.open("rb") as handle:
        lines = sorted({raw.rstrip(b"\n") for raw in handle if _well_formed(raw)})
    # 0644 as the WARC files: readable by a replay server run by another user
    atomic_write(path, b"".join(line + b"\n" for line in lines), mode=0o644)
    return len(lines)
