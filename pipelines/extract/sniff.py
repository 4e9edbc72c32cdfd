"""Is it a page at all? Empty bytes, files (PDF, Office, images, archives), garbage and feeds are not."""

from __future__ import annotations

import re

#: Files that are not pages, by their first bytes.
_MAGIC = (
    b"%PDF-",
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"Rar!",
    b"\x1f\x8b",
    b"7z\xbc\xaf",
    b"II*\x00",
    b"MM\x00*",
)
_TAG = re.compile(
    r"<\s*(?:!doctype|html|head|body|meta|title|div|p|table|span|a|br|script|h[1-6]|ul|li|font|center)\b",
    re.I,
)
#: Control characters, and U+FFFD: a decode that had to replace much of the head was not of a page.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\ufffd]")


def page_kind(body: bytes, text: str) -> str:
    """``html``, ``empty`` or ``not_html`` (a PDF, an image, binary garbage, plain text)."""
    if not body.strip():
        return "empty"
    if body.lstrip()[:8].startswith(_MAGIC):
        return "not_html"
    head = text[:4096]
    if head and len(_CONTROL.findall(head)) > 0.05 * len(head):
        return "not_html"
    return "html" if _TAG.search(text, 0, 262144) else "not_html"
