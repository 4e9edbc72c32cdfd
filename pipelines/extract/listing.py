"""Recognising a list page (a channel's index of items) among pages that have no detail body."""

from __future__ import annotations

import re
from typing import Any

from pipelines.extract.text import normalize_line, raw_text

#: A list row carries a date next to its link: "我市在广州举行生态招商推介会 | 2017-10-14".
_DATE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_ROW_TAGS = frozenset(("li", "tr", "dd", "dt", "p", "div"))
#: Fewer dated rows than this under one container is a sidebar, not a list page.
MIN_ROWS = 8
_MIN_LINK_TEXT = 5


def find_listing(root: Any) -> tuple[Any, int] | None:
    """The container holding most dated item rows, and its row count (None below MIN_ROWS)."""
    rows_of: dict[Any, set[Any]] = {}
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        if len(normalize_line(raw_text(a))) < _MIN_LINK_TEXT:
            continue
        row = a.getparent()
        for _ in range(3):
            if row is None or row.tag in _ROW_TAGS:
                break
            row = row.getparent()
        if row is None or row.tag not in _ROW_TAGS:
            continue
        container = row.getparent()
        if container is None or not _DATE.search(raw_text(row)):
            continue
        rows_of.setdefault(container, set()).add(row)
    if not rows_of:
        return None
    container, rows = max(rows_of.items(), key=lambda item: len(item[1]))
    return (container, len(rows)) if len(rows) >= MIN_ROWS else None
