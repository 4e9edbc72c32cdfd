"""Attachments (links to files) and images of a page's detail area, as absolute URLs."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from pipelines.extract.page import Attachment
from pipelines.extract.text import normalize_line, raw_text

_NOT_LINKS = ("javascript:", "mailto:", "tel:", "#", "data:", "about:")


def _extension(path: str) -> str:
    last = path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1].lower() if "." in last else ""


def attachment_ext(url: str, extensions: Collection[str]) -> str | None:
    """Extension when the URL's path (or a download script's file parameter) names a file."""
    parts = urlsplit(url)
    ext = _extension(parts.path)
    if ext in extensions:
        return ext
    # Download scripts: /module/download/downfile.jsp?filename=1711241012577.pdf
    for _, value in parse_qsl(parts.query):
        ext = _extension(value)
        if ext in extensions:
            return ext
    return None


def _absolute(base: str, href: str | None) -> str | None:
    href = (href or "").strip()
    if not href or href.lower().startswith(_NOT_LINKS):
        return None
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def attachments(areas: Iterable[Any], base: str, extensions: Collection[str]) -> tuple[Attachment, ...]:
    found: dict[str, Attachment] = {}
    for area in areas:
        for a in area.iter("a"):
            url = _absolute(base, a.get("href"))
            if url is None or url in found:
                continue
            ext = attachment_ext(url, extensions)
            if ext is None:
                continue
            text = normalize_line(raw_text(a)) or normalize_line(a.get("title") or "")
            found[url] = Attachment(url, text, ext)
    return tuple(found.values())


def images(body: Any, base: str) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for img in body.iter("img"):
        url = _absolute(base, img.get("src"))
        if url is not None:
            found.setdefault(url)
    return tuple(found)
