"""What counts as an attachment link on a disclosure page (shared by spiders and extraction)."""

from __future__ import annotations

from urllib.parse import urlsplit

#: Files that disclosure pages attach: documents, spreadsheets, archives and images.
DOCUMENT_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "zip", "rar", "txt", "ofd")
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "bmp")
ATTACHMENT_EXTENSIONS = DOCUMENT_EXTENSIONS + IMAGE_EXTENSIONS


def extension(url: str) -> str:
    """Lower-case extension of the URL's path ('' when none)."""
    path = urlsplit(url).path
    last = path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1].lower() if "." in last else ""


def is_attachment(url: str) -> bool:
    """True for links to files a disclosure page attaches (not pages, not javascript:)."""
    if not url.startswith(("http://", "https://")):
        return False
    return extension(url) in ATTACHMENT_EXTENSIONS
