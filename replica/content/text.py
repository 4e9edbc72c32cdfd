"""`body_text`: the clean text of a body, per the clean-text contract of docs/design.md."""

from __future__ import annotations

import re

from .model import Body, Table

# str patterns match Unicode whitespace, \u3000 and \xa0 included.
_SPACE = re.compile(r"\s+")


def clean_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def table_lines(table: Table) -> list[str]:
    # A spanned cell is written once, in the row where it starts, as in the HTML.
    lines = (clean_line(" | ".join(clean_line(c.text) for c in row)) for row in table.rows)
    return [line for line in lines if line]


def body_lines(body: Body) -> list[str]:
    lines: list[str] = []
    for block in body.blocks:
        if isinstance(block, Table):
            lines.extend(table_lines(block))
        else:
            line = clean_line(block)
            if line:
                lines.append(line)
    return lines


def body_text(body: Body) -> str:
    return "\n".join(body_lines(body))
