"""Extraction then parsing of one page: the pure path from bytes to document fields.

Used alike by the crawl's pipelines, `xxgk parse` and `scrapy shell`, so the three agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipelines.extract import ExtractedPage, extract_page
from pipelines.parse import parse_document


def parse_extracted(page: ExtractedPage, hints: Mapping[str, object] | None = None) -> dict[str, Any]:
    """Document fields of an extracted page (its chrome gives the publish date, source, breadcrumb)."""
    return parse_document(page.text, title=page.title, chrome=page.chrome, hints=hints)


def read_page(
    url: str,
    body: bytes,
    charset: str | None = None,
    profile: Mapping[str, object] | str | None = None,
    hints: Mapping[str, object] | None = None,
) -> tuple[ExtractedPage, dict[str, Any]]:
    """Extract and parse the bytes of one page."""
    page = extract_page(url, body, charset, profile)
    return page, parse_extracted(page, hints)
