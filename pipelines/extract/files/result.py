"""`FileText`: what could be read from the bytes of one attachment, and why not more."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

#: Kinds a file can be, from its bytes (never from its name alone).
KINDS = ("pdf", "docx", "doc", "xlsx", "xls", "image", "unknown")

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class FileText:
    """Text of one attachment.

    `text` follows the clean-text contract of docs/design.md (one paragraph per line, table rows as
    cells joined by " | "), or is None when nothing could be read. `problems` are codes, optionally
    followed by ":" and a detail: `encrypted_attachment`, `unreadable_attachment`, `no_text`,
    `unsupported_format:<kind>`, `truncated_text`.
    """

    kind: str
    text: str | None
    pages: int | None = None
    problems: tuple[str, ...] = ()


def clean_line(line: str) -> str:
    """One line of clean text: every whitespace run (tabs, U+3000, NBSP) one ASCII space, stripped."""
    return _SPACE.sub(" ", line).strip()


def join_lines(lines: Iterable[str]) -> str | None:
    """Clean lines joined by newlines, empty lines dropped; None when nothing is left."""
    kept = [c for c in (clean_line(line) for line in lines) if c]
    return "\n".join(kept) if kept else None


def row_line(cells: Iterable[str]) -> str:
    """A table row as one line: its cells, cleaned, joined by " | " (trailing empty cells dropped,
    since spreadsheets and converters pad rows to the widest one)."""
    values = [clean_line(c) for c in cells]
    while values and not values[-1]:
        values.pop()
    return " | ".join(values)
