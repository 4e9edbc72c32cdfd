"""`extract_file_text`: the text of an attachment's bytes, whatever they are. Pure, never raises."""

from __future__ import annotations

from .legacy import xls_text
from .office import docx_text, xlsx_text
from .pdf import pdf_text
from .result import FileText
from .sniff import detect_kind, is_encrypted_ooxml


def extract_file_text(body: bytes, *, url: str = "", content_type: str | None = None) -> FileText:
    """Clean text of an attachment (PDF, DOCX, XLSX, XLS), its real kind and what went wrong.

    The kind comes from the bytes: sites serve OOXML under .doc/.xls names and wrong content
    types. Legacy Word files (OLE2) are recognised but not read (no well-kept library reads .doc:
    `unsupported_format:doc`); images give `no_text`.
    """
    if not body:
        return FileText("unknown", None, None, ("unreadable_attachment:empty file",))
    kind = "unknown"
    try:
        kind = detect_kind(body, url, content_type)
        if kind == "pdf":
            return pdf_text(body)
        if is_encrypted_ooxml(body):
            return FileText(kind, None, None, ("encrypted_attachment:a password-protected Office package",))
        if kind == "docx":
            return docx_text(body)
        if kind == "xlsx":
            return xlsx_text(body)
        if kind == "xls":
            return xls_text(body)
    except Exception as exc:  # the libraries raise all kinds on hostile bytes; none may escape
        return FileText(kind, None, None, (f"unreadable_attachment:{type(exc).__name__}: {exc}"[:300],))
    if kind == "doc":
        return FileText(kind, None, None, ("unsupported_format:doc",))
    if kind == "image":
        return FileText(kind, None, None, ("no_text:an image",))
    return FileText(kind, None, None, ("unreadable_attachment:not a PDF, Word or Excel file",))
