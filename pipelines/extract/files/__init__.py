"""Text of attachments (PDF, DOCX, XLSX, legacy XLS; legacy DOC recognised) as clean text. Pure functions."""

from .extract import extract_file_text
from .result import KINDS, FileText
from .sniff import detect_kind

__all__ = ["KINDS", "FileText", "detect_kind", "extract_file_text"]
