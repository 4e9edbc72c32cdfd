"""Search results for the terminal (a table aligned for Chinese) and for scripts (JSON)."""

from __future__ import annotations

import json
import shutil
from typing import IO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipelines.index.search import Hit

__all__ = ["print_json", "print_table"]


def print_table(hits: list[Hit], total: int, out: IO[str]) -> None:
    """rich measures Chinese characters as two columns wide, so the columns line up in a terminal.
    Piped output keeps every title and snippet whole (a wide virtual terminal, no ellipsis)."""
    tty = out.isatty()
    width = shutil.get_terminal_size().columns if tty else 400
    # markup off: titles and snippets come from crawled pages, and "[/]" in one must print as is
    console = Console(file=out, width=width, highlight=False, soft_wrap=not tty, markup=False, emoji=False)
    table = Table(show_lines=False, box=None, pad_edge=False)
    for name in ("site", "date", "type", "year", "agency", "title"):
        table.add_column(name, no_wrap=not tty)
    table.add_column("snippet", no_wrap=not tty)
    for hit in hits:
        row = hit.row
        text = Text(hit.snippet)
        for start, end in hit.spans:
            text.stylize("bold red", start, end)
        if not tty:
            text = Text(hit.marked())
        table.add_row(
            row["site"],
            row["publish_date"] or "",
            row["doc_type"] or "",
            str(row["report_year"] or ""),
            row["agency"] or "",
            row["title"] or "",
            text,
        )
    console.print(table)
    console.print(f"{len(hits)} of {total} matching documents shown")


def print_json(hits: list[Hit], total: int, out: IO[str]) -> None:
    json.dump(
        {"total": total, "documents": [hit.as_json() for hit in hits]}, out, ensure_ascii=False, indent=1
    )
    out.write("\n")
