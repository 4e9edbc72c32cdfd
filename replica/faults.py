"""Fault modes of the replica: which requests misbehave, and the bytes a misbehaving server sends.

A `FaultPlan` decides from a hash of (seed, URL, attempt), so the same plan faults the same requests in
every process, run after run. The rest of the module builds the faulty answers as pure functions of
bytes: error pages, a gzip bomb, an endless-looking page, re-encoded and mangled HTML. The server
(`replica/server.py`) puts them on the wire: resets, hangs and trickles are socket behaviour and live
there.
"""

from __future__ import annotations

import functools
import hashlib
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

FAULT_MODES: tuple[str, ...] = (
    "http_500",
    "http_502",
    "http_503",
    "http_503_retry_after",
    "http_429",
    "http_429_retry_after",
    "reset",
    "hang",
    "trickle",
    "short_body",
    "gzip_bomb",
    "huge_page",
    "redirect_loop",
    "redirect_offsite",
    "charset_wrong",
    "charset_missing",
    "challenge",
    "malformed_html",
)
OFFSITE_HOST = "offsite.example.net"

#: The status each error mode answers with.
ERROR_STATUS: dict[str, int] = {
    "http_500": 500,
    "http_502": 502,
    "http_503": 503,
    "http_503_retry_after": 503,
    "http_429": 429,
    "http_429_retry_after": 429,
}
RETRY_AFTER_MODES = frozenset({"http_503_retry_after", "http_429_retry_after"})
#: Modes that rewrite a page's own HTML: any other answer is served as it is, with no fault.
HTML_MODES = frozenset({"charset_wrong", "charset_missing", "malformed_html"})
#: The query parameter redirect_loop adds; a request carrying it is redirected back.
LOOP_PARAM = ("_r", "1")
#: By how much short_body's Content-Length overstates the body.
SHORT_BY = 4096 + 517


@dataclass(frozen=True)
class FaultPlan:
    """Which requests fail and how: a share `rate` of them, drawn by a stable hash."""

    rate: float  # share of requests (0..1) that get a fault
    modes: tuple[str, ...] = FAULT_MODES  # faults drawn from these, evenly
    seed: int = 0
    sticky: bool = False  # True: a faulty URL fails on every attempt; False: each attempt drawn anew
    paths: str | None = None  # regex searched in path+query: only matching requests may fault
    retry_after: int = 1  # seconds sent in Retry-After by the *_retry_after modes
    hang_seconds: float = 120.0  # how long "hang" holds the connection before closing it
    huge_bytes: int = 48 * 1024 * 1024  # size of "huge_page"
    bomb_bytes: int = 1024 * 1024 * 1024  # decompressed size of "gzip_bomb"

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be within 0..1, not {self.rate}")
        if not self.modes:
            raise ValueError("a fault plan needs at least one mode")
        unknown = [m for m in self.modes if m not in FAULT_MODES]
        if unknown:
            raise ValueError(f"unknown fault modes {unknown}; known: {', '.join(FAULT_MODES)}")
        if self.paths is not None:
            re.compile(self.paths)  # a bad pattern fails here, not in the middle of serving
        if self.retry_after < 0 or self.hang_seconds < 0 or self.huge_bytes < 0 or self.bomb_bytes < 0:
            raise ValueError("retry_after, hang_seconds, huge_bytes and bomb_bytes must not be negative")

    def fault_for(self, url: str, attempt: int) -> str | None:
        """The fault of the `attempt`-th GET (0 for the first) of `url`, or None: a pure function."""
        parts = urlsplit(url)
        path = parts.path or "/"
        if path == "/robots.txt":
            return None  # robots.txt misbehaves through ReplicaServer.set_robots only
        target = f"{path}?{parts.query}" if parts.query else path
        if self.paths is not None and re.search(self.paths, target) is None:
            return None
        key = f"{self.seed}\x1f{url}\x1f{0 if self.sticky else attempt}"
        if _unit(key, "rate") >= self.rate:
            return None
        return self.modes[int.from_bytes(_digest(key, "mode"), "big") % len(self.modes)]

    def describe(self) -> str:
        """The plan's settings as ``key=value`` words, for logs and the CLI's startup line."""
        words = [
            f"faults={self.rate:g}",
            f"modes={'all' if self.modes == FAULT_MODES else ','.join(self.modes)}",
            f"fault_seed={self.seed}",
            f"sticky={'yes' if self.sticky else 'no'}",
        ]
        if self.paths is not None:
            words.append(f"paths={self.paths}")
        return " ".join(words)


def _digest(key: str, salt: str) -> bytes:
    return hashlib.sha256(f"{key}\x1f{salt}".encode()).digest()[:8]


def _unit(key: str, salt: str) -> float:
    """A number in [0, 1) from the key, the same in every process."""
    return int.from_bytes(_digest(key, salt), "big") / 2**64


# --- answers ---------------------------------------------------------------------------------------


def error_page(status: int) -> bytes:
    """The small HTML page an nginx in front of a failing application serves."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    return (
        f"<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>\n"
        f"<body><center><h1>{status} {reason}</h1></center><hr><center>nginx</center></body></html>\n"
    ).encode()


def has_loop_mark(query: str) -> bool:
    """True when the query carries the parameter redirect_loop adds."""
    return LOOP_PARAM in parse_qsl(query, keep_blank_values=True)


def loop_location(url: str) -> str:
    """Where redirect_loop sends `url`: with ``_r=1`` added, or back without it when it has it."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if LOOP_PARAM in pairs:
        query = urlencode([p for p in pairs if p != LOOP_PARAM])
    else:
        query = f"{parts.query}&_r=1" if parts.query else "_r=1"
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def offsite_location(target: str) -> str:
    """redirect_offsite's Location: the same path (and query) on a host outside every site."""
    return f"http://{OFFSITE_HOST}{target}"


# The bomb is built from one self-contained deflate segment repeated: a full flush ends each segment
# byte-aligned with an empty dictionary, so copies concatenate into one valid stream. Compressing a
# whole GiB of zeros takes zlib ~3 s; this takes ~0.3 s (the CRC).
_BOMB_SEGMENT = 1 << 20


@functools.lru_cache(maxsize=4)
def gzip_bomb(size: int) -> bytes:
    """A gzip member (one, valid) that inflates to `size` zero bytes; ~1 KB per MiB inflated."""
    zeros = bytes(_BOMB_SEGMENT)
    coder = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    segment = coder.compress(zeros) + coder.flush(zlib.Z_FULL_FLUSH)
    whole, rest = divmod(size, _BOMB_SEGMENT)
    crc = 0
    for _ in range(whole):
        crc = zlib.crc32(zeros, crc)
    crc = zlib.crc32(zeros[:rest], crc)
    coder = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    tail = coder.compress(zeros[:rest]) + coder.flush(zlib.Z_FINISH)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # deflate, no name, no mtime, max compression
    trailer = crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")
    return header + segment * whole + tail + trailer


_HUGE_HEAD = (
    '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
    "<title>政府信息公开目录</title>\n</head>\n<body>\n"
    '<div class="list_con"><ul class="list">\n'
).encode()
_HUGE_ROW = (
    '<li><span class="title">关于进一步做好政府信息公开工作的通知（转发）</span>'
    '<span class="date">2019-03-20</span></li>\n'
).encode()
_HUGE_TAIL = b"</ul></div>\n</body>\n</html>\n"
HUGE_CHUNK = 64 * 1024


def huge_page(size: int) -> Iterator[bytes]:
    """Exactly `size` bytes of a plausible, endless list page, in chunks of about 64 KiB."""
    frame = len(_HUGE_HEAD) + len(_HUGE_TAIL)
    if size <= frame:
        yield (_HUGE_HEAD + _HUGE_TAIL)[:size]
        return
    rows, pad = divmod(size - frame, len(_HUGE_ROW))
    per_chunk = HUGE_CHUNK // len(_HUGE_ROW)
    block = _HUGE_ROW * per_chunk
    yield _HUGE_HEAD
    while rows >= per_chunk:
        yield block
        rows -= per_chunk
    yield _HUGE_ROW * rows + b" " * pad + _HUGE_TAIL


# --- rewritten HTML --------------------------------------------------------------------------------

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(r"<meta\b[^>]*\bcharset\s*=[^>]*>\n?", re.I)


def charset_of(content_type: str) -> str:
    """The codec a Content-Type names (gb2312 read as its superset gb18030, as browsers do)."""
    found = _CHARSET.search(content_type)
    name = found[1].lower() if found else "utf-8"
    return "gb18030" if name in ("gb2312", "gbk", "gb18030") else name


def _text(body: bytes, content_type: str) -> str:
    # surrogateescape keeps invalid bytes (the `undecodable` fault) through a round trip unchanged;
    # any other character GB18030 cannot write still raises (all corpus text is representable).
    return body.decode(charset_of(content_type), "surrogateescape")


def mislabelled(body: bytes, content_type: str) -> bytes:
    """charset_wrong: the page as GB18030 bytes while its meta declaration says utf-8."""
    text = _text(body, content_type)
    text = _META_CHARSET.sub(lambda m: _CHARSET.sub("charset=utf-8", m[0], count=1), text, count=1)
    return text.encode("gb18030", "surrogateescape")


def unlabelled(body: bytes, content_type: str) -> bytes:
    """charset_missing: the page as GB18030 bytes with its meta charset declaration removed."""
    return _META_CHARSET.sub("", _text(body, content_type)).encode("gb18030", "surrogateescape")


# Closing tags an HTML parser infers from what follows, so dropping them leaves the same tree.
_OPEN_P = re.compile(r"</p>(?=\s*<(?:p|div|/div|table|ul|ol|h[1-6])[\s>])", re.I)
_OPEN_LI = re.compile(r"</li>(?=\s*<(?:li[\s>]|/ul>|/ol>))", re.I)
_OPEN_TD = re.compile(r"</t[dh]>(?=\s*<(?:t[dh][\s>]|/tr>))", re.I)
_LAST_DIVS = re.compile(r"(?:</div>\s*)*</body>", re.I)
_BETWEEN_TAGS = re.compile(r">(?=\s*<)")
# Two adjacent CJK characters in a paragraph: a NUL between them is inside neither a character
# nor an entity reference.
_TEXT_PAIR = re.compile(r"<p\b[^>]*>[^<]*?[\u3400-\u9fff](?=[\u3400-\u9fff])", re.I)
NULS_BETWEEN_TAGS = 3


def malformed(body: bytes, content_type: str) -> bytes:
    """malformed_html: the page with inferable closing tags dropped, a few NULs and a stray ``<``.

    Dropped are ``</p>``, ``</li>`` and ``</td>`` before what closes them anyway and the ``</div>``
    tags just before ``</body>``, so the tree, and with it the text, stays the page's. NULs go after
    a few tags of the body and between two characters of its first paragraph (never inside a
    character: the text is rewritten, then encoded); an HTML parser reads a NUL as U+FFFD or nothing.
    The stray ``<`` is text at the end of the page, after the footer, outside the document body.
    """
    if not body.strip():
        return body  # an empty page stays empty
    text = _text(body, content_type)
    start = text.lower().find("<body")
    if start < 0:
        start = 0
    head, rest = text[:start], text[start:]
    rest = _OPEN_P.sub("", rest)
    rest = _OPEN_LI.sub("", rest)
    rest = _OPEN_TD.sub("", rest)
    ends = list(_LAST_DIVS.finditer(rest))
    if ends:
        last = ends[-1]
        kept = re.sub(r"</div>", "", last[0][: -len("</body>")], flags=re.I)
        rest = rest[: last.start()] + kept + " < " + rest[last.end() - len("</body>") :]
    else:
        rest += " < "
    if pair := _TEXT_PAIR.search(rest):
        rest = rest[: pair.end()] + "\x00" + rest[pair.end() :]
    # NULs after the 1st, 6th and 11th tag followed by another tag: spread, but near the top.
    cuts = [m.end() for m in _BETWEEN_TAGS.finditer(rest)][: 5 * NULS_BETWEEN_TAGS : 5]
    for at in reversed(cuts):
        rest = rest[:at] + "\x00" + rest[at:]
    return (head + rest).encode(charset_of(content_type), "surrogateescape")
