"""Parsing of an extracted page: the one path from extraction to document fields.

Used alike by the crawl's pipelines, `xxgk parse` and `scrapy shell`, so the three agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipelines.extract import ExtractedPage
from pipelines.parse import parse_document


def parse_extracted(page: ExtractedPage, hints: Mapping[str, object] | None = None) -> dict[str, Any]:
    """Document fields of an extracted page (its chrome gives the publish date, source, breadcrumb)."""
    return parse_document(page.text, title=page.title, chrome=page.chrome, hints=hints)
