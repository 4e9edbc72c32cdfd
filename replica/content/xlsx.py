"""`make_xlsx`: a one-sheet SpreadsheetML workbook with inline strings, written by hand."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from .packaging import OFFICE_DOC_REL, REL_NS, XML_HEAD, zip_parts

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# Only canonical numbers become numeric cells; "007" or "1,200" stay text as typed.
_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?")


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell(ref: str, value: str) -> str:
    if _NUMBER.fullmatch(value):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def make_xlsx(rows: list[list[str]]) -> bytes:
    sheet_rows = []
    for r, row in enumerate(rows, 1):
        cells = "".join(_cell(f"{column_letters(c)}{r}", v) for c, v in enumerate(row) if v != "")
        sheet_rows.append(f'<row r="{r}">{cells}</row>')
    sheet = f'{XML_HEAD}<worksheet xmlns="{_MAIN}"><sheetData>{"".join(sheet_rows)}</sheetData></worksheet>'
    workbook = (
        f'{XML_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_R}">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    workbook_rels = (
        f'{XML_HEAD}<Relationships xmlns="{REL_NS}">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    )
    content_types = (
        f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    )
    rels = (
        f'{XML_HEAD}<Relationships xmlns="{REL_NS}">'
        f'<Relationship Id="rId1" Type="{OFFICE_DOC_REL}" Target="xl/workbook.xml"/></Relationships>'
    )
    return zip_parts(
        [
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", rels),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", workbook_rels),
            ("xl/worksheets/sheet1.xml", sheet),
        ]
    )
