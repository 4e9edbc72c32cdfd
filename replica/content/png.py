"""`make_png`: a small bar chart image (the charts reports refer to with 如下图), built with zlib."""

from __future__ import annotations

import hashlib
import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def make_png(seed: str) -> bytes:
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    width = 48 + digest[0] % 49
    height = 32 + digest[1] % 33
    bar_color = bytes((digest[2] % 160, digest[3] % 160, 96 + digest[4] % 160))
    bars = 4 + digest[5] % 5
    slot = width // bars
    heights = [4 + digest[6 + i] % (height - 6) for i in range(bars)]
    rows = []
    for y in range(height):
        line = bytearray(b"\x00")  # filter type None
        for x in range(width):
            bar = min(x // slot, bars - 1)
            inside = x % slot not in (0, slot - 1) and height - y <= heights[bar]
            line += bar_color if inside else b"\xff\xff\xff"
        rows.append(bytes(line))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )
