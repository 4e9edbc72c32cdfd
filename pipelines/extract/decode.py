"""Bytes of a page -> str, robust to the encoding lies of Chinese government sites.

Order: BOM; valid (strict) non-ASCII UTF-8 wins whatever is declared (copies that declare gb2312 but
are UTF-8); bytes that are UTF-8 but for a few damaged sequences stay UTF-8 (decoding them as GB18030
would turn the whole page into mojibake); then the declared charset (HTTP header, else ``<meta>``)
with every GB2312/GBK label read as GB18030 (real "GB2312" pages use characters outside GB2312); then
GB18030; then charset-normalizer's guess; last, a lossy decode whose U+FFFD insertions are counted.
Never raises.
"""

from __future__ import annotations

import codecs
import re

from pipelines.extract.page import Encoding

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: Labels read as another codec: GB family -> GB18030 (its superset); Latin-1 labels -> cp1252 (as
#: browsers do); a UTF-16 label inside an ASCII-compatible document can only mean UTF-8.
_GB = (
    "gb2312 gbk x-gbk gb_2312 gb_2312-80 csgb2312 chinese csgbk cp936 ms936 windows-936 euc-cn "
    "x-euc-cn csiso58gb231280 iso-ir-58 gb18030"
)
_LATIN = "iso-8859-1 iso8859-1 latin1 latin-1 l1 us-ascii ascii cp1252"
_UTF16 = "utf-16 utf-16le utf-16be unicode ucs-2 utf-32"
_BIG5 = "big5 big5-hkscs x-x-big5 cn-big5 csbig5"
_ALIASES = {
    **dict.fromkeys(_GB.split(), "gb18030"),
    **dict.fromkeys(_LATIN.split(), "cp1252"),
    **dict.fromkeys(_UTF16.split(), "utf-8"),
    **dict.fromkeys(_BIG5.split(), "big5hkscs"),
}
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)""", re.I)
#: Where a ``<meta charset>`` is looked for; Chinese CMS heads are long (scripts before the meta).
_SNIFF_BYTES = 16384
#: At most this share of a page's non-ASCII characters may be damaged for it to stay UTF-8.
_UTF8_DAMAGE_RATIO = 0.01


def codec_for(label: str | None) -> str | None:
    """Python codec for a charset label, or None when the label is unknown."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        return codecs.lookup(key).name
    except LookupError:
        return None


def declared_charset(body: bytes) -> str | None:
    """Charset label of the first ``<meta charset>`` / ``http-equiv`` in the page's head, lower-cased."""
    m = _META_CHARSET.search(body, 0, _SNIFF_BYTES)
    return m.group(1).decode("ascii").lower() if m else None


def _lossy(body: bytes, codec: str) -> tuple[str, int]:
    text = body.decode(codec, "replace")
    # One U+FFFD per invalid sequence: the difference with an 'ignore' decode counts exactly those
    # inserted, not the U+FFFD characters the page itself contains.
    return text, len(text) - len(body.decode(codec, "ignore"))


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


#: Guesses trusted against a declared charset: multi-byte CJK codecs. A single-byte guess (cp775…)
#: always "succeeds" and turns a damaged GB page into mojibake; the lossy GB18030 decode is better.
_CJK_GUESSES = frozenset(("big5hkscs", "big5", "cp950", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949"))


def _guess(body: bytes, declared: str | None) -> str | None:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:65536]).best()
    except Exception:  # a guesser must never break extraction
        return None
    codec = codec_for(best.encoding) if best is not None else None
    if codec is not None and codec_for(declared) is not None and codec not in _CJK_GUESSES:
        return None
    return codec


def decode_html(body: bytes, http_charset: str | None = None) -> tuple[str, Encoding]:
    """Decode a page; returns the text and how it was decoded (see module docstring)."""
    declared = http_charset.strip().lower() if http_charset and http_charset.strip() else None
    if declared is None:
        declared = declared_charset(body)
    for bom, bom_codec in _BOMS:
        if body.startswith(bom):
            text, bad = _lossy(body[len(bom) :], bom_codec)
            return text, Encoding(bom_codec, declared, bad)
    if body.isascii():
        return body.decode("ascii"), Encoding("ascii", declared, 0)
    valid = _strict(body, "utf-8")
    if valid is not None:
        return valid, Encoding("utf-8", declared, 0)
    utf8_text, damaged = _lossy(body, "utf-8")
    non_ascii = len(utf8_text) - len(utf8_text.encode("ascii", "ignore"))
    if damaged <= _UTF8_DAMAGE_RATIO * (non_ascii - damaged):
        return utf8_text, Encoding("utf-8", declared, damaged)
    tried = {"utf-8"}
    for step in range(3):
        # The guesser is slow and seldom needed: called only when the first two fail.
        codec = (codec_for(declared), "gb18030", None)[step] if step < 2 else _guess(body, declared)
        if codec is None or codec in tried:
            continue
        tried.add(codec)
        decoded = _strict(body, codec)
        if decoded is not None:
            return decoded, Encoding(codec, declared, 0)
    last = codec_for(declared) or "gb18030"
    text, bad = _lossy(body, last)
    return text, Encoding(last, declared, bad)
