"""Extraction: bytes of a page -> clean body text (docs/design.md) + what the chrome said.

Pure functions, no Scrapy engine: usable from spiders, ``scrapy shell``, tests and the CLI alike.
See docs/extraction.md.
"""

from pipelines.extract.chrome_lines import strip_chrome_lines
from pipelines.extract.decode import decode_html
from pipelines.extract.extract import extract_page
from pipelines.extract.page import Attachment, Encoding, ExtractedPage
from pipelines.extract.profiles import FAMILIES, detect_family, get_profile
from pipelines.extract.text import html_to_text

__all__ = [
    "FAMILIES",
    "Attachment",
    "Encoding",
    "ExtractedPage",
    "decode_html",
    "detect_family",
    "extract_page",
    "get_profile",
    "html_to_text",
    "strip_chrome_lines",
]
