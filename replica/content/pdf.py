"""`make_pdf`: the body as a PDF whose text layer is the document (reportlab, CID font STSong-Light).

The font is one of the Adobe Asian CID fonts readers supply themselves, so nothing is embedded and
the file stays small; the text is encoded UniGB-UCS2-H, which pypdf maps back to Unicode.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus import Table as PdfTable

from .grid import place
from .model import Body, Table

FONT = "STSong-Light"
_MARGIN = 56.0


def _font() -> str:
    # reportlab keeps a process-wide font registry; registering twice is harmless but wasteful.
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    base = ParagraphStyle("body", fontName=font, fontSize=11, leading=18, firstLineIndent=22, wordWrap="CJK")
    return {
        "body": base,
        "title": ParagraphStyle(
            "title", parent=base, fontSize=16, leading=24, alignment=TA_CENTER, firstLineIndent=0
        ),
        "sign": ParagraphStyle("sign", parent=base, alignment=TA_RIGHT, firstLineIndent=0),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7, leading=9, firstLineIndent=0),
    }


def _table(table: Table, cell_style: ParagraphStyle, width: float) -> PdfTable:
    placed, height, grid_width = place(table)
    data: list[list[object]] = [[""] * grid_width for _ in range(height)]
    commands: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), cell_style.fontName),
    ]
    weights = [2.0] * grid_width
    for p in placed:
        data[p.row][p.col] = Paragraph(escape(p.cell.text), cell_style)
        if p.cell.rowspan > 1 or p.cell.colspan > 1:
            commands.append(
                ("SPAN", (p.col, p.row), (p.col + p.cell.colspan - 1, p.row + p.cell.rowspan - 1))
            )
        if p.cell.colspan == 1:
            weights[p.col] = max(weights[p.col], min(float(len(p.cell.text)), 14.0))
    total = sum(weights)
    return PdfTable(data, colWidths=[width * w / total for w in weights], style=commands)


def make_pdf(body: Body) -> bytes:
    styles = _styles()
    width = A4[0] - 2 * _MARGIN
    n_sig = (body.signed_by is not None) + (body.signed_date is not None)
    story: list[Flowable] = [Paragraph(escape(body.title), styles["title"]), Spacer(1, 12)]
    for i, block in enumerate(body.blocks):
        if isinstance(block, Table):
            story.append(_table(block, styles["cell"], width))
            story.append(Spacer(1, 6))
        elif not (i < 2 and block == body.title):
            style = styles["sign"] if i >= len(body.blocks) - n_sig else styles["body"]
            story.append(Paragraph(escape(block), style))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=body.title,
        author=body.signed_by or "",
        invariant=1,  # no timestamp or random id: same body, same bytes
    )
    doc.build(story)
    return buffer.getvalue()
