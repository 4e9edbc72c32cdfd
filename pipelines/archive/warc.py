"""WARC/1.1 capture of HTTP exchanges: one process's writer, torn-tail repair on restart.

No Scrapy here: the writer takes plain values (method, headers, bytes) so that it can be tested on
its own and fed by whichever part of the crawl holds a response.

Files are ``<root>/warc/<prefix>-<UTC stamp>-<pid>-<serial>.warc.gz``: one gzip member per record
(so any record can be read from its offset alone, as pywb and the CDXJ index do), a ``warcinfo``
record first, rotated once a file passes ``max_bytes``. A file is created with ``O_EXCL``, so two
processes (or two writers of one process) never share a name: a clash moves to the next serial.

Every call builds its records completely in memory and appends them with one ``write(2)`` to a
file opened ``O_APPEND``; a kill can leave at most a torn last record, which ``cut_torn_tail``
removes on restart. Records are serialised here (``_record``; digests sha1 in base32, as warcio and
pywb compute them), the HTTP header block as the bytes received (warcio would percent-encode
non-ASCII header values, and the archive keeps what the server said), and a body already compressed
for the raw segment is spliced in rather than compressed again (``pipelines/archive/members.py``).
warcio reads, checks and indexes the files.

``docs/warc.md`` describes the records, the revisit rules and how to replay with pywb.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import re
import socket
import uuid
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]
from warcio.timeutils import datetime_to_iso_date  # type: ignore[import-untyped]

from pipelines.archive.members import Deflated, gzip_member

#: Files rotate once they pass this size (the customary WARC file size).
MAX_WARC_BYTES = 1024 * 1024 * 1024

#: Revisit profiles by the rule that decided "unchanged". The first is the WARC 1.1 standard
#: profile (same payload digest); the second is this project's: the bytes differ (a hit counter,
#: a timestamp) but the normalised text of the page is the one already archived.
#: A 304 to a conditional request is the standard's third profile: the server itself said
#: "unchanged", and the record keeps its 304 status line and headers as received.
REVISIT_PROFILES: dict[str, str] = {
    "identical-payload-digest": "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
    "normalized-text": "https://xxgk-archive/revisit/normalized-text",
    "server-not-modified": "http://netpreserve.org/warc/1.1/revisit/server-not-modified",
}

RevisitRule = Literal["identical-payload-digest", "normalized-text", "server-not-modified"]

Header = tuple[str | bytes, str | bytes]
#: (method, headers in order, body)
Request = tuple[str, Sequence[Header], bytes]
#: (status, reason, protocol, headers in order, body as received — possibly still Content-Encoded)
Response = tuple[int, str, str, Sequence[Header], bytes]
#: (status, reason, protocol, headers in order) — a revisit keeps the headers, not the body
ResponseHead = tuple[int, str, str, Sequence[Header]]

_serial = itertools.count(1)
_UNSAFE_IN_URI = re.compile(r"[\x00-\x20\x7f]")


@dataclass(frozen=True)
class WarcRef:
    """Where a record is: its file (relative to the archive root), the gzip member's offset and
    length, its ``WARC-Record-ID`` and ``WARC-Payload-Digest`` (``sha1:<base32>``, empty when the
    record has none). ``target_uri`` and ``date`` are what a revisit of it must name.
    ``problems`` lists what had to be repaired to write the record (hostile URL or headers)."""

    path: str
    offset: int
    length: int
    record_id: str
    payload_digest: str
    target_uri: str = ""
    date: str = ""
    problems: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "offset": self.offset,
            "length": self.length,
            "record_id": self.record_id,
            "payload_digest": self.payload_digest,
            "target_uri": self.target_uri,
            "date": self.date,
        }


def software_version() -> str:
    """The installed version of the project (``unknown`` when run from an uninstalled tree)."""
    try:
        return version("xxgk-archive")
    except PackageNotFoundError:
        return "unknown"


def _clean_token(value: str | bytes, problems: list[str], what: str) -> bytes:
    """Header name, value or status text as bytes; CR, LF and NUL (which would end the line and
    let a hostile server write WARC headers of its own) become spaces, and that is reported."""
    raw = _latin1(value)
    if _LINE_BREAKS.search(raw):
        problems.append(f"{what} held a line break or NUL, replaced by spaces")
        raw = raw.replace(b"\r", b" ").replace(b"\n", b" ").replace(b"\x00", b" ")
    return raw


def _latin1(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("latin-1", "replace")


_LINE_BREAKS = re.compile(rb"[\r\n\x00]")


def _header_block(first_line: bytes, headers: Sequence[Header], problems: list[str]) -> bytes:
    """The HTTP header block (start line, headers in order, blank line), as the bytes received."""
    names = [_latin1(name).replace(b":", b"%3A") for name, _value in headers]
    values = [_latin1(value) for _name, value in headers]
    if not _LINE_BREAKS.search(b"".join(names) + b"".join(values)):
        # The usual case, in one scan: a dozen headers cleaned one by one cost more than the record.
        lines = [first_line, *(name + b": " + value for name, value in zip(names, values, strict=True))]
        return b"\r\n".join(lines) + b"\r\n\r\n"
    lines = [first_line]
    for name, value in headers:
        bname = _clean_token(name, problems, "a header name").replace(b":", b"%3A")
        lines.append(bname + b": " + _clean_token(value, problems, f"header {bname.decode('latin-1')!r}"))
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _clean_uri(url: str, problems: list[str]) -> str:
    """A URI fit for a WARC header line: whitespace and control characters percent-encoded."""
    if not _UNSAFE_IN_URI.search(url):
        return url  # the usual case, without a loop over every character
    out = []
    for ch in url:
        if ord(ch) <= 0x20 or ord(ch) == 0x7F:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8")))
        else:
            out.append(ch)
    clean = "".join(out)
    if clean != url:
        problems.append("the URL held whitespace or control characters, percent-encoded")
    return clean


def _request_target(url: str) -> str:
    """The request-target of an origin-form request line (path and query)."""
    rest = url.split("://", 1)[-1]
    slash = rest.find("/")
    query = rest.find("?")
    if slash == -1 or (query != -1 and query < slash):
        return "/" + (rest[query:] if query != -1 else "")
    return rest[slash:].split("#", 1)[0]


def _warc_date(moment: datetime) -> str:
    """WARC-Date of a moment (microseconds, as WARC/1.1 allows); a naive time is taken as UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return str(datetime_to_iso_date(moment, use_micros=True))


class WarcWriter:
    """Appends WARC/1.1 records to this process's files under ``root/warc/``.

    ``settings`` (the crawl's settings, JSON-able) and ``robots_obey`` go into each file's
    ``warcinfo``. One writer per process: it is not thread-safe, and two processes must each have
    their own (their files never collide)."""

    def __init__(
        self,
        root: Path,
        *,
        settings: Mapping[str, Any],
        robots_obey: bool,
        prefix: str = "xxgk",
        max_bytes: int = MAX_WARC_BYTES,
        fsync: bool = False,
    ) -> None:
        self.root = Path(root)
        self.prefix = "".join(c if c.isalnum() or c in "._" else "_" for c in prefix) or "xxgk"
        self.settings = dict(settings)
        self.robots_obey = robots_obey
        self.max_bytes = max_bytes
        self.fsync = fsync
        self._fd = -1
        self._rel = ""
        self._size = 0
        self._info_size = 0  # a file holding only its warcinfo is not rotated again
        self._pid = os.getpid()
        self.files: list[str] = []  # every file this writer created, relative to root

    @property
    def directory(self) -> Path:
        return self.root / "warc"

    # --- files ---------------------------------------------------------------------------------

    def _open(self) -> None:
        """A new file, created exclusively, starting with its warcinfo record."""
        self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
            name = f"{self.prefix}-{stamp}-{os.getpid()}-{next(_serial):05d}.warc.gz"
            try:
                fd = os.open(self.directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
            except FileExistsError:
                continue  # another writer took the name: the next serial is ours
            break
        self._fd, self._rel, self._size = fd, f"warc/{name}", 0
        self.files.append(self._rel)
        fields = "".join(f"{k}: {v}\r\n" for k, v in self._warcinfo_fields().items()).encode("utf-8")
        info, _id = _record(
            "warcinfo",
            [("WARC-Date", _warc_date(datetime.now(UTC))), ("WARC-Filename", name)],
            "application/warc-fields",
            [fields],
            sha1_digest(fields),
        )
        self._append(info)
        self._info_size = self._size

    def _warcinfo_fields(self) -> dict[str, str]:
        return {
            "software": f"xxgk-archive/{software_version()}",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": socket.gethostname(),
            "robots": "obey" if self.robots_obey else "ignore",
            # one line whatever the settings hold: json.dumps escapes line breaks
            "xxgk-settings": json.dumps(self.settings, ensure_ascii=True, sort_keys=True, default=str),
        }

    def _append(self, data: bytes) -> int:
        """Append ``data`` in one write(2); returns the offset it starts at."""
        offset = self._size
        view = memoryview(data)
        while view:  # a regular file takes it whole; the loop only guards a short write
            written = os.write(self._fd, view)
            view = view[written:]
        if self.fsync:
            os.fsync(self._fd)
        self._size += len(data)
        return offset

    def _room_for(self, size: int) -> None:
        if self._pid != os.getpid():
            # inherited across fork: the file belongs to the parent, whose appends would interleave
            self._fd, self._pid = -1, os.getpid()
        if self._fd < 0 or (self._size + size > self.max_bytes and self._size > self._info_size):
            self._open()

    @property
    def current(self) -> str | None:
        """The file being written (relative to root), None when closed; the others in ``files``
        are finished and can be indexed."""
        return self._rel if self._fd >= 0 and self._pid == os.getpid() else None

    def close(self) -> None:
        """Close the current file (the next write opens a new one)."""
        if self._fd >= 0 and self._pid == os.getpid():
            if self.fsync:
                os.fsync(self._fd)
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- records -------------------------------------------------------------------------------

    def _write(self, members: list[bytes]) -> tuple[str, int, list[int]]:
        """Append whole records (gzip members) in one write; (file, offset, member lengths)."""
        data = b"".join(members)
        self._room_for(len(data))
        offset = self._append(data)
        return self._rel, offset, [len(m) for m in members]

    def write_exchange(
        self,
        url: str,
        *,
        request: Request,
        response: Response,
        fetched_at: datetime,
        deflated: Deflated | None = None,
        text: str | None = None,
    ) -> WarcRef:
        """A ``response`` record (status line, headers and body exactly as received) followed by
        its ``request`` record, linked by ``WARC-Concurrent-To``; the ref is the response's.

        ``deflated``: the body already compressed for the raw segment (``members.deflate``), spliced
        into the record instead of compressing the bytes a second time. ``text``: the page's clean
        text, as ``write_text`` writes it, appended in the same write."""
        problems: list[str] = []
        uri = _clean_uri(url, problems)
        date = _warc_date(fetched_at)
        status, reason, protocol, resp_headers, body = response
        protocol = protocol or "HTTP/1.1"
        first = _clean_token(f"{protocol} {int(status)} {reason}".rstrip(), problems, "the status line")
        http = _header_block(first, resp_headers, problems)
        payload = sha1_digest(body)
        piece: bytes | Deflated = body
        if deflated is not None and (deflated.source is body or deflated.source == body):
            piece = deflated
        resp, resp_id = _record(
            "response",
            [
                ("WARC-Date", date),
                ("WARC-Target-URI", uri),
                ("WARC-Payload-Digest", payload),
            ],
            "application/http; msgtype=response",
            [http, piece],
            sha1_digest(http, body),
        )
        method, req_headers, req_body = request
        req_line = _clean_token(f"{method} {_request_target(uri)} {protocol}", problems, "the request line")
        req_http = _header_block(req_line, req_headers, problems)
        req, _req_id = _record(
            "request",
            [("WARC-Date", date), ("WARC-Target-URI", uri), ("WARC-Concurrent-To", resp_id)],
            "application/http; msgtype=request",
            [req_http, req_body],
            sha1_digest(req_http, req_body),
        )
        members = [resp, req]
        if text:
            members.append(_text_record(resp_id, date, url, text, problems)[0])
        path, offset, lengths = self._write(members)
        return WarcRef(path, offset, lengths[0], resp_id, payload, uri, date, tuple(problems))

    def write_text(self, of: WarcRef, url: str, text: str, *, fetched_at: datetime | None = None) -> WarcRef:
        """A ``metadata`` record holding the chrome-stripped text of the response ``of`` (UTF-8,
        lone surrogates replaced), pointing at it by ``WARC-Refers-To`` and ``WARC-Concurrent-To``."""
        problems: list[str] = []
        date = of.date or _warc_date(fetched_at or datetime.now(UTC))
        record, ref = _text_record(of.record_id, date, url, text, problems)
        path, offset, lengths = self._write([record])
        return replace(ref, path=path, offset=offset, length=lengths[0])

    def write_revisit(
        self,
        url: str,
        refers_to: WarcRef,
        *,
        response: ResponseHead,
        payload_digest: str,
        fetched_at: datetime,
        profile: RevisitRule = "identical-payload-digest",
    ) -> WarcRef:
        """A ``revisit`` record: this fetch's status line and headers, no body, naming the record
        that holds the content (``WARC-Refers-To``, its target URI and date). ``refers_to`` is the
        ``response`` record holding the bytes (not an earlier revisit of it).

        ``identical-payload-digest`` (the WARC 1.1 profile): ``payload_digest``, that of this
        fetch's body, equals the referred record's. ``normalized-text`` (``WARC-Profile`` is the
        project URI in ``REVISIT_PROFILES``): the bytes differ (a hit counter) but the normalised
        text does not. Its ``WARC-Payload-Digest`` is the referred record's, because that is the
        payload the record stands for and the digest by which pywb finds it to replay; the digest
        of the bytes received this time is kept in ``XXGK-Received-Payload-Digest``. An
        "identical" revisit whose digests differ is written as ``normalized-text`` and reported."""
        problems: list[str] = []
        if profile not in REVISIT_PROFILES:
            problems.append(f"unknown revisit rule {profile!r}, written as normalized-text")
            profile = "normalized-text"
        if (
            profile == "identical-payload-digest"
            and payload_digest
            and payload_digest != refers_to.payload_digest
        ):
            problems.append(
                "identical-payload-digest revisit with a different digest, written as normalized-text"
            )
            profile = "normalized-text"
        uri = _clean_uri(url, problems)
        status, reason, protocol, headers = response
        protocol = protocol or "HTTP/1.1"
        first = _clean_token(f"{protocol} {int(status)} {reason}".rstrip(), problems, "the status line")
        http = _header_block(first, headers, problems)
        date = _warc_date(fetched_at)
        digest = refers_to.payload_digest or payload_digest
        warc_headers = [
            ("WARC-Date", date),
            ("WARC-Target-URI", uri),
            ("WARC-Profile", REVISIT_PROFILES[profile]),
            ("WARC-Refers-To", refers_to.record_id),
            ("WARC-Refers-To-Target-URI", refers_to.target_uri or uri),
            ("WARC-Refers-To-Date", refers_to.date),
            ("WARC-Payload-Digest", digest),
        ]
        if profile == "normalized-text" and payload_digest:
            warc_headers.append(("XXGK-Received-Payload-Digest", payload_digest))
        record, record_id = _record(
            "revisit",
            [(name, value) for name, value in warc_headers if value],
            "application/http; msgtype=response",
            [http],
            sha1_digest(http),
        )
        path, offset, lengths = self._write([record])
        return WarcRef(path, offset, lengths[0], record_id, digest or "", uri, date, tuple(problems))


def _text_record(of_id: str, date: str, url: str, text: str, problems: list[str]) -> tuple[bytes, WarcRef]:
    """The ``metadata`` record of a response's clean text, and its ref (without a place yet)."""
    # pywb's own convention for metadata: a metadata:// target, so that replay and the CDXJ
    # index never take the text for the page (pywb indexes metadata records as captures)
    uri = "metadata://" + _clean_uri(url, problems).split("://", 1)[-1]
    data = text.encode("utf-8", "replace")
    digest = sha1_digest(data)
    record, record_id = _record(
        "metadata",
        [
            ("WARC-Date", date),
            ("WARC-Target-URI", uri),
            ("WARC-Refers-To", of_id),
            ("WARC-Concurrent-To", of_id),
            ("WARC-Payload-Digest", digest),
        ],
        "text/plain; charset=utf-8",
        [data],
        digest,
    )
    return record, WarcRef("", 0, 0, record_id, digest, uri, date, tuple(problems))


def sha1_digest(*parts: bytes) -> str:
    """A WARC digest: sha1, base32, as warcio and pywb write and check it."""
    digest = hashlib.sha1()
    for part in parts:
        digest.update(part)
    return "sha1:" + base64.b32encode(digest.digest()).decode("ascii")


def _record(
    warc_type: str,
    headers: list[tuple[str, str]],
    content_type: str,
    block: list[bytes | Deflated],
    block_digest: str,
) -> tuple[bytes, str]:
    """One whole record as one gzip member, and its ``WARC-Record-ID``.

    Written here rather than by warcio's RecordBuilder and WARCWriter: they copy the block through
    several buffers, re-encode the HTTP headers and compress the body again, which cost more than
    a page's whole extraction (measured in docs/benchmarks.md); warcio still reads and checks every
    file in the tests. Header values are ours or cleaned (``_clean_uri``, ``_clean_token``): no line
    break reaches them."""
    record_id = f"<urn:uuid:{uuid.uuid4()}>"
    length = sum(piece.size if isinstance(piece, Deflated) else len(piece) for piece in block)
    head = "".join(
        [
            f"WARC/1.1\r\nWARC-Type: {warc_type}\r\nWARC-Record-ID: {record_id}\r\n",
            *(f"{name}: {value}\r\n" for name, value in headers),
            f"WARC-Block-Digest: {block_digest}\r\n",
            f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n",
        ]
    ).encode("utf-8")
    return gzip_member([head, *block, b"\r\n\r\n"]), record_id


def _complete_member(data: bytes) -> bool:
    """Whether ``data`` is exactly one whole gzip member (its trailer read, nothing after it)."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        while data:
            inflater.decompress(data, 1 << 20)
            data = inflater.unconsumed_tail
    except zlib.error:
        return False
    return inflater.eof and not inflater.unused_data


def complete_records(path: Path) -> list[tuple[int, int]]:
    """(offset, length) of each complete record at the start of a ``.warc.gz`` file, up to the
    first record that is cut short or unreadable."""
    found: list[tuple[int, int]] = []
    try:
        with open(path, "rb") as handle:
            records = ArchiveIterator(handle, no_record_parse=True)  # raw_stream: the whole block
            for record in records:
                expected = int(record.rec_headers.get_header("Content-Length") or -1)
                got = len(record.raw_stream.read())
                if got != expected:
                    break
                found.append((records.get_record_offset(), records.get_record_length()))
    except Exception:  # warcio raises many kinds on garbage; the records read before it stand
        pass
    # warcio reads a member cut short without complaint: each must also end as a whole gzip member
    checked = []
    with open(path, "rb") as handle:
        for offset, length in found:
            handle.seek(offset)
            if not _complete_member(handle.read(length)):
                break
            checked.append((offset, length))
    return checked


def cut_torn_tail(path: Path) -> int:
    """Truncate a ``.warc.gz`` after its last complete record; returns the bytes cut (0 for a
    whole file). For restart, on files no live writer has open (their names carry the pid)."""
    size = os.path.getsize(path)
    records = complete_records(Path(path))
    end = 0
    for offset, length in records:
        if offset != end:
            break  # a gap: records after it are not the ones this writer appended
        end = offset + length
    if end < size:
        with open(path, "r+b") as handle:
            handle.truncate(end)
            handle.flush()
            os.fsync(handle.fileno())
    return size - end
