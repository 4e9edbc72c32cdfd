"""`make_docx`: a minimal WordprocessingML document, written by hand (no python-docx)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from .grid import place
from .model import Body, Table
from .packaging import OFFICE_DOC_REL, REL_NS, XML_HEAD, zip_parts

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_FONT = '<w:rFonts w:ascii="仿宋_GB2312" w:hAnsi="仿宋_GB2312" w:eastAsia="仿宋_GB2312"/>'


def _run(text: str, *, bold: bool = False, size: int = 32) -> str:
    props = _FONT + ("<w:b/>" if bold else "") + f'<w:sz w:val="{size}"/>'
    return f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _para(
    text: str, align: str | None = None, *, indent: bool = True, bold: bool = False, size: int = 32
) -> str:
    props = ""
    if align:
        props += f'<w:jc w:val="{align}"/>'
    elif indent:
        props += '<w:ind w:firstLineChars="200"/>'
    return f"<w:p><w:pPr>{props}</w:pPr>{_run(text, bold=bold, size=size)}</w:p>"


def _table(table: Table) -> str:
    placed, height, width = place(table)
    starts = {(p.row, p.col): p for p in placed}
    # a position covered from a row above, keyed to the spanning cell's origin column
    covered: dict[tuple[int, int], int] = {}
    for p in placed:
        for dr in range(1, p.cell.rowspan):
            covered[(p.row + dr, p.col)] = p.cell.colspan
    grid = "".join('<w:gridCol w:w="900"/>' for _ in range(width))
    rows = []
    for r in range(height):
        cells = []
        c = 0
        while c < width:
            if (r, c) in starts:
                cell = starts[(r, c)].cell
                props = f'<w:gridSpan w:val="{cell.colspan}"/>' if cell.colspan > 1 else ""
                if cell.rowspan > 1:
                    props += '<w:vMerge w:val="restart"/>'
                body = _para(cell.text, indent=False, bold=cell.header, size=18)
                cells.append(f"<w:tc><w:tcPr>{props}</w:tcPr>{body}</w:tc>")
                c += cell.colspan
            elif (r, c) in covered:
                span = covered[(r, c)]
                props = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
                cells.append(f"<w:tc><w:tcPr>{props}<w:vMerge/></w:tcPr><w:p/></w:tc>")
                c += span
            else:  # a hole in a ragged table: keep the grid rectangular
                cells.append("<w:tc><w:tcPr/><w:p/></w:tc>")
                c += 1
        rows.append(f"<w:tr>{''.join(cells)}</w:tr>")
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    return (
        f'<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/><w:tblBorders>{borders}</w:tblBorders></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


def make_docx(body: Body) -> bytes:
    n_sig = (body.signed_by is not None) + (body.signed_date is not None)
    parts = [_para(body.title, "center", bold=True, size=44)]
    for i, block in enumerate(body.blocks):
        if isinstance(block, Table):
            parts.append(_table(block))
            parts.append("<w:p/>")
        elif not (i < 2 and block == body.title):
            parts.append(_para(block, "right" if i >= len(body.blocks) - n_sig else None))
    section = (
        '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1440" w:right="1474" w:bottom="1440" w:left="1588" w:header="851" '
        'w:footer="992" w:gutter="0"/></w:sectPr>'
    )
    document = f'{XML_HEAD}<w:document xmlns:w="{_W}"><w:body>{"".join(parts)}{section}</w:body></w:document>'
    content_types = (
        f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
        'package.core-properties+xml"/>'
        "</Types>"
    )
    rels = (
        f'{XML_HEAD}<Relationships xmlns="{REL_NS}">'
        f'<Relationship Id="rId1" Type="{OFFICE_DOC_REL}" Target="word/document.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
        'metadata/core-properties" Target="docProps/core.xml"/>'
        "</Relationships>"
    )
    core = (
        f'{XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{escape(body.title)}</dc:title><dc:creator>{escape(body.signed_by or '')}</dc:creator>"
        "</cp:coreProperties>"
    )
    return zip_parts(
        [
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", rels),
            ("docProps/core.xml", core),
            ("word/document.xml", document),
        ]
    )
