"""Small helpers over Scrapy responses, shared by the spiders and the shell."""

from __future__ import annotations

from scrapy.http import Response


def header(response: Response, name: str) -> str:
    """First value of a response header as text ('' when absent)."""
    value = response.headers.get(name)
    return value.decode("latin-1") if value else ""


def charset_from_content_type(content_type: str) -> str | None:
    """The ``charset=`` parameter of a Content-Type value, lower-cased, or None."""
    lowered = content_type.lower()
    if "charset=" not in lowered:
        return None
    return lowered.split("charset=", 1)[1].split(";")[0].strip(" \"'") or None
