"""The real type of an attachment, from its bytes.

Sites serve OOXML packages under `.doc`/`.xls` names and with wrong content types, and sometimes an
HTML error page under a `.pdf` name; the name and the header are only a tie-breaker.
"""

from __future__ import annotations

import io
import zipfile

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGES = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",  # TIFF
    b"MM\x00*",
)
# Names of OLE2 directory entries as they appear in the bytes (UTF-16-LE).
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_EXCEL_STREAMS = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def is_pdf(body: bytes) -> bool:
    # The header may follow some junk: readers look in the first kilobyte.
    return b"%PDF-" in body[:1024]


def zip_kind(body: bytes) -> str:
    """docx or xlsx for an OOXML package, unknown for any other (or a broken) zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as package:
            names = set(package.namelist())
    except Exception:  # zipfile raises many kinds (even NotImplementedError) on damaged archives
        # A truncated package has lost its central directory: the local headers still name parts.
        head = body[:4096]
        if b"word/" in head:
            return "docx"
        if b"xl/" in head:
            return "xlsx"
        return "unknown"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "unknown"


def ole_kind(body: bytes) -> str:
    """doc or xls for a legacy compound file, by the streams its directory names."""
    if _WORD_STREAM in body:
        return "doc"
    if any(name in body for name in _EXCEL_STREAMS):
        return "xls"
    return "unknown"


def is_encrypted_ooxml(body: bytes) -> bool:
    """A password-protected .docx/.xlsx is an OLE2 file holding an EncryptedPackage stream."""
    return body.startswith(_OLE2) and _ENCRYPTED_PACKAGE in body


def _family(url: str, content_type: str | None) -> str:
    """word, sheet or "" from the file name, else from the content type."""
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    name = path.rsplit("/", 1)[-1]
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    if ext in ("doc", "docx", "wps"):
        return "word"
    if ext in ("xls", "xlsx", "et"):
        return "sheet"
    ctype = (content_type or "").lower()
    if "word" in ctype:
        return "word"
    if "excel" in ctype or "spreadsheet" in ctype:
        return "sheet"
    return ""


def detect_kind(body: bytes, url: str = "", content_type: str | None = None) -> str:
    """pdf | docx | doc | xlsx | xls | image | unknown, from magic bytes first."""
    if is_pdf(body):
        return "pdf"
    if body.startswith(b"PK\x03\x04"):
        return zip_kind(body)
    if body.startswith(_OLE2):
        family = _family(url, content_type)
        if is_encrypted_ooxml(body):
            # The package is encrypted whole: its name is the only clue to what it holds.
            return {"word": "docx", "sheet": "xlsx"}.get(family, "unknown")
        kind = ole_kind(body)
        if kind != "unknown":
            return kind
        return {"word": "doc", "sheet": "xls"}.get(family, "unknown")
    if body.startswith(_IMAGES):
        return "image"
    return "unknown"
