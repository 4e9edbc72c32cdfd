"""Gzip members built from pieces, so that a response body is compressed once and framed twice.

With WARC capture on, a page's bytes are kept in two places: as a blob in the raw segment (a gzip
member of the body) and inside its WARC ``response`` record (a gzip member of the record's headers
followed by the body). Compressing the body is the costliest step of both: 0.3–0.7 ms for a
20–40 KB page at level 6, more than everything else the WARC record needs (docs/benchmarks.md). So
the body is deflated once, on its own, ending with a full flush: the stream is byte-aligned, not
final, and refers back to nothing before it. Spliced between other deflate streams that end the
same way, it is part of one valid member, which any inflater (gzip, zlib, warcio, pywb) reads as a
single stream.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

#: A gzip member header: no file name, mtime 0 (the same bytes always give the same member), OS
#: unknown.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
#: The last deflate block of a member: empty, marked final (what ``flush(Z_FINISH)`` emits on a
#: compressor with no pending input).
FINAL_BLOCK = b"\x03\x00"
LEVEL = 6


@dataclass(frozen=True)
class Deflated:
    """Bytes deflated on their own (raw deflate, ends on a full flush), with the bytes themselves:
    a member's CRC-32 runs over everything it holds, and Python's zlib cannot combine CRCs."""

    data: bytes
    source: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.source)


#: Pieces up to this size (record headers, request records, most clean texts) get a small window.
SMALL = 4096
#: Pieces up to this size are stored, not compressed (compressing 4 bytes saves nothing).
TINY = 32


def _deflate(data: bytes, level: int) -> bytes:
    # zlib's state for its 32 KB window is about 256 KB, set up again for every piece: for a piece
    # that fits a 4 KB window, a small state compresses as well at a third of the cost (a WARC
    # response, request and text record: 121 µs against 40 µs; docs/benchmarks.md).
    if len(data) <= SMALL:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -12, 5)
    else:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def _stored(data: bytes) -> bytes:
    """``data`` as one stored (uncompressed) deflate block, not final: byte-aligned like a full
    flush's end, and no compressor to set up for a few bytes (a record's closing CRLF CRLF)."""
    size = len(data)
    return b"\x00" + struct.pack("<HH", size, size ^ 0xFFFF) + data


def deflate(data: bytes, level: int = LEVEL) -> Deflated:
    """``data`` compressed once, to be spliced into one or more members by ``gzip_member``."""
    return Deflated(_deflate(data, level), data)


def gzip_member(pieces: Iterable[bytes | Deflated], level: int = LEVEL) -> bytes:
    """One gzip member holding the pieces in order: ``Deflated`` pieces spliced as compressed, runs
    of plain bytes compressed here (each run by one compressor)."""
    out = [GZIP_HEADER]
    crc = size = 0
    plain: list[bytes] = []

    def flush_plain() -> None:
        if plain:
            data = b"".join(plain)
            out.append(_stored(data) if len(data) <= TINY else _deflate(data, level))
            plain.clear()

    for piece in pieces:
        source = piece.source if isinstance(piece, Deflated) else piece
        crc = zlib.crc32(source, crc)
        size += len(source)
        if isinstance(piece, Deflated):
            flush_plain()
            out.append(piece.data)
        elif piece:
            plain.append(piece)
    flush_plain()
    out.append(FINAL_BLOCK)
    out.append(struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF))
    return b"".join(out)
