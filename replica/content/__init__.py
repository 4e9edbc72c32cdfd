"""Deterministic content of the replica portals: disclosure documents with their ground truth.

`make_body(seed, kind=..., unit=..., year=...)` writes a document; `body_html` renders it as a CMS
would store it, `body_text` gives the clean text any contract-following extractor must get from that
HTML; `make_pdf`, `make_docx`, `make_xlsx`, `make_png` build attachments.
"""

from __future__ import annotations

from .body import make_body, report_format
from .docx import make_docx
from .grid import table_rows
from .html_body import body_html
from .model import KINDS, STAT_KEYS, UNIT_KINDS, Block, Body, Cell, Table, Unit
from .pdf import make_pdf
from .people import RARE_CHARS, needs_gb18030
from .png import make_png
from .text import body_text
from .xlsx import make_xlsx

__all__ = [
    "KINDS",
    "RARE_CHARS",
    "STAT_KEYS",
    "UNIT_KINDS",
    "Block",
    "Body",
    "Cell",
    "Table",
    "Unit",
    "body_html",
    "body_text",
    "make_body",
    "make_docx",
    "make_pdf",
    "make_png",
    "make_xlsx",
    "needs_gb18030",
    "report_format",
    "table_rows",
]
