"""From the bytes of one page or attachment to its document fields: extraction, then parsing.
Pure functions.

Used alike by the crawl (in worker processes), `xxgk parse` and `scrapy shell`, so the three agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from pipelines.archive.store import CompressedRaw, compress_raw
from pipelines.extract import ExtractedPage, extract_page
from pipelines.extract.files import FileText, extract_file_text
from pipelines.parse import parse_document

#: Extraction problems that mean there is no document to archive (the bytes are still kept).
FATAL_PROBLEMS = ("not_html", "empty_body", "no_title", "decode_replacements")


@dataclass(frozen=True)
class PageResult:
    """What extraction and parsing made of a page; ``failure`` names why it is no document."""

    extracted: ExtractedPage
    parsed: dict[str, Any] | None
    raw: CompressedRaw
    failure: str | None = None


def parse_extracted(page: ExtractedPage, hints: Mapping[str, object] | None = None) -> dict[str, Any]:
    """Document fields of an extracted page (its chrome gives the publish date, source, breadcrumb)."""
    return parse_document(page.text, title=page.title, chrome=page.chrome, hints=hints)


def process_page(
    url: str,
    body: bytes,
    charset: str | None,
    profile: Mapping[str, object] | str | None,
    hints: Mapping[str, object] | None,
) -> PageResult:
    """Extract and parse one detail page (a page with a fatal problem is not parsed), and compress
    its bytes for the archive, all in the worker."""
    # The body's HTML is not archived (the raw bytes are): not sending it back halves the pickling.
    extracted = replace(extract_page(url, body, charset, profile), body_html=None)
    raw = compress_raw(body)
    found = {p.split(":")[0] for p in extracted.problems}
    # The most fundamental problem names the failure: not HTML at all, then empty, then undecodable.
    fatal = next((p for p in FATAL_PROBLEMS if p in found), None)
    if fatal:
        return PageResult(extracted, None, raw, fatal)
    return PageResult(extracted, parse_extracted(extracted, hints), raw)


@dataclass(frozen=True)
class AttachmentResult:
    """What extraction and parsing made of an attachment: its text (if any) and its fields."""

    file: FileText
    parsed: dict[str, Any] | None


def process_attachment(
    url: str, body: bytes, content_type: str | None, hints: Mapping[str, object] | None
) -> AttachmentResult:
    """Extract the text of an attachment and parse it like a page's (a report published only as a
    PDF is still a report). No text, nothing parsed; images are not parsed at all."""
    file = extract_file_text(body, url=url, content_type=content_type)
    if file.kind == "image" or not file.text:
        return AttachmentResult(file, None)
    # No title from chrome: the parser derives it from the first lines, as for a title-less page.
    return AttachmentResult(file, parse_document(file.text, title=None, hints=hints))
