"""Text of a PDF with pypdf: positioned lines from its text layer, laid out by `pdf_layout`.

pypdf was measured against pypdfium2 on the replica's reports (reportlab, CID font STSong-Light,
UniGB-UCS2-H): pypdfium2 is about ten times faster but leaves out characters of multi-line table
cells (header cells such as 自然人 and 总计, the last line of wrapped cells), which pypdf reads
completely. Correctness first: pypdf.
"""

from __future__ import annotations

import io
import logging
from typing import Any

import pypdf
from pypdf.errors import FileNotDecryptedError, PdfReadError, PyPdfError

from .pdf_layout import Fragment, layout_text
from .result import FileText

#: Pages read at most: a report is a few pages; a 2,000-page scan of a gazette is not one.
MAX_PAGES = 300

# pypdf logs every repaired xref and odd font at WARNING or ERROR; broken files are reported as problems.
logging.getLogger("pypdf").setLevel(logging.CRITICAL)


def _open(body: bytes) -> tuple[pypdf.PdfReader | None, list[str]]:
    """A reader ready to read pages, or None and the reason."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(body), strict=False)
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError, IndexError) as exc:
        return None, [f"unreadable_attachment:{type(exc).__name__}: {exc}"[:300]]
    if reader.is_encrypted:
        # Most "protected" reports only forbid printing or copying: the empty user password opens them.
        try:
            opened = reader.decrypt("")
        except (FileNotDecryptedError, PdfReadError, PyPdfError, NotImplementedError, ValueError) as exc:
            return None, [f"encrypted_attachment:{type(exc).__name__}: {exc}"[:300]]
        if not opened:
            return None, ["encrypted_attachment:a password is needed to open it"]
    return reader, []


class _Collector:
    """pypdf's text visitor: one `Fragment` per line drawn, numbered into blocks by the matrix."""

    def __init__(self) -> None:
        self.fragments: list[Fragment] = []
        self.page = 0
        self._block = 0
        self._cm: tuple[float, ...] | None = None

    def visit(self, text: str, cm: Any, tm: Any, _font: Any, size: float) -> None:
        if not text or not text.strip():
            return
        if tuple(cm) != self._cm:
            self._cm = tuple(cm)
            self._block += 1
        # Text space to page space: the text matrix, then the current transformation matrix.
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        size = size * (abs(tm[3] * cm[3]) or abs(tm[0] * cm[0]) or 1.0)
        pieces = [p for p in text.split("\n") if p.strip()]
        for i, piece in enumerate(pieces):
            # Lines pypdf handed over in one call lost their own positions: stack them downwards.
            self.fragments.append(Fragment(piece, x, y - i * size * 1.2, size, self.page, self._block))


def pdf_text(body: bytes) -> FileText:
    """Clean text of a PDF; problems say what could not be read."""
    reader, problems = _open(body)
    if reader is None:
        return FileText("pdf", None, None, tuple(problems))
    try:
        count = len(reader.pages)
    except Exception as exc:  # pypdf raises many kinds on a broken page tree; none may escape
        return FileText("pdf", None, None, (f"unreadable_attachment:{type(exc).__name__}: {exc}"[:300],))
    collector = _Collector()
    failed = 0
    for number in range(min(count, MAX_PAGES)):
        collector.page = number
        try:
            reader.pages[number].extract_text(visitor_text=collector.visit)
        except Exception:  # one broken page must not cost the others
            failed += 1
    if count > MAX_PAGES:
        problems.append(f"truncated_text:only the first {MAX_PAGES} of {count} pages read")
    if failed:
        problems.append(f"unreadable_attachment:{failed} of {count} pages could not be read")
    if b"%%EOF" not in body[-2048:]:
        problems.append("truncated_text:the file ends before its end-of-file marker")
    text = "\n".join(layout_text(collector.fragments)) or None
    if text is None and not failed:
        problems.append("no_text:no text layer (a scan or images only)")
    return FileText("pdf", text, count, tuple(problems))
