"""What extraction returns: plain frozen dataclasses, safe to pickle and to put in Scrapy items."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Attachment:
    """A file the page links to: absolute URL, link text, lower-case extension (``pdf``…)."""

    url: str
    text: str
    ext: str


@dataclass(frozen=True)
class Encoding:
    """How the bytes were decoded: codec used, charset declared (HTTP or meta), U+FFFD inserted."""

    used: str
    declared: str | None
    replacements: int


@dataclass(frozen=True)
class ExtractedPage:
    """A page's body as clean text (docs/design.md) plus what its chrome said."""

    url: str
    family: str
    title: str | None
    text: str
    body_html: str | None
    meta: dict[str, str] = field(default_factory=dict)
    chrome: dict[str, object] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()
    images: tuple[str, ...] = ()
    encoding: Encoding = Encoding("utf-8", None, 0)
    problems: tuple[str, ...] = ()
