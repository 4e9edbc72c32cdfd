"""`xxgk parse PATH`: one saved page (HTML in any encoding, or text extracted from a page) to JSON."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from crawler.sites import all_sites, site_for_url
from pipelines.extract import decode_html, extract_page, strip_chrome_lines
from pipelines.extract.files import detect_kind
from pipelines.page import parse_extracted, process_attachment
from pipelines.parse import parse_document

_HTML_MARKERS = re.compile(rb"<\s*(html|head|body|div|p|table|meta|title)\b", re.IGNORECASE)


class ParseInputError(Exception):
    """The input cannot be read as a page; the message is one line for the user."""


def looks_like_html(head: bytes) -> bool:
    return bool(_HTML_MARKERS.search(head[:4096]))


def parse_file(path: Path, *, url: str | None = None, site_name: str | None = None) -> dict[str, Any]:
    """Parse a saved page; raise ParseInputError (never anything else) when it cannot be read."""
    try:
        body = path.read_bytes()
    except IsADirectoryError as exc:
        raise ParseInputError(f"{path} is a directory, not a saved page") from exc
    except OSError as exc:
        raise ParseInputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not body.strip():
        raise ParseInputError(f"{path} is empty")
    kind = detect_kind(body, url=path.name)
    if kind in ("pdf", "docx", "doc", "xlsx", "xls"):
        return _parse_office_file(path, body, url, site_name)
    if b"\x00" in body[:4096] and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParseInputError(f"{path} is binary, not an HTML page or a text")
    site = all_sites().get(site_name) if site_name else (site_for_url(url) if url else None)
    if site_name and site is None:
        raise ParseInputError(f"unknown site {site_name!r}; known: {', '.join(sorted(all_sites()))}")
    hints = site.hints() if site else {}
    page_url = url or path.resolve().as_uri()
    if looks_like_html(body):
        extracted = extract_page(page_url, body, None, dict(site.extract) if site else None)
        if "not_html" in extracted.problems or not extracted.text:
            raise ParseInputError(f"{path}: no readable body ({', '.join(extracted.problems)})")
        parsed = parse_extracted(extracted, hints)
        return {
            **parsed,
            "url": url,
            "text": extracted.text,
            "chrome": extracted.chrome,
            "encoding": extracted.encoding.used,
            "attachments": [a.url for a in extracted.attachments],
        }
    text, encoding = decode_html(body)
    if encoding.replacements > max(3, len(text) // 100):
        raise ParseInputError(f"{path}: undecodable ({encoding.replacements} bad byte sequences)")
    lines = [line.strip() for line in text.splitlines()]
    kept, fields = strip_chrome_lines([line for line in lines if line])
    title_line = fields.get("title_line")
    if isinstance(title_line, str) and kept and kept[0] == title_line:
        kept = kept[1:]  # the page title above the date line is chrome, not body
    body_text = "\n".join(" ".join(line.split()) for line in kept)
    parsed = parse_document(
        body_text,
        title=title_line if isinstance(title_line, str) else None,
        publish_date=fields.get("publish_date"),  # type: ignore[arg-type]
        chrome=fields,
        hints=hints,
    )
    return {**parsed, "url": url, "text": body_text, "chrome": fields, "encoding": encoding.used}


def _parse_office_file(path: Path, body: bytes, url: str | None, site_name: str | None) -> dict[str, Any]:
    """A report published as a file (PDF, Word, Excel): its text, parsed like a page's."""
    site = all_sites().get(site_name) if site_name else (site_for_url(url) if url else None)
    result = process_attachment(url or path.resolve().as_uri(), body, None, site.hints() if site else {})
    if result.parsed is None:
        problems = ", ".join(result.file.problems) or "no text"
        raise ParseInputError(f"{path}: no readable text in this {result.file.kind} file ({problems})")
    return {
        **result.parsed,
        "url": url,
        "text": result.file.text,
        "text_source": {"path": str(path), "kind": result.file.kind, "pages": result.file.pages},
        "problems": list(result.file.problems),
    }
