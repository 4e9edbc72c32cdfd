"""Typed items: what spiders hand to the pipelines.

Spiders only navigate, so their items carry what was fetched (raw bytes and HTTP facts), never parsed
fields; the pipelines add those. Failures travel as items too, so that the one component that writes
the archive also writes the failures record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PageItem:
    """One HTTP response worth keeping: a detail page, an attachment or a list page."""

    url: str
    """The real URL of the page (never the replica's address)."""
    site: str
    """Site definition name (``siping``, ``fuxin``, …)."""
    kind: str
    """``detail``, ``attachment`` or ``list`` (lists are kept as raw captures, not documents)."""
    fetched_at: str
    """UTC time the response arrived, ISO 8601 with ``Z``."""
    status: int
    """HTTP status code."""
    headers: dict[str, str]
    """Response headers of interest (Content-Type, Last-Modified, ETag, …), first value each."""
    body: bytes
    """The response body as received (after transfer decoding)."""
    http_charset: str | None = None
    """Charset from the Content-Type header, if any."""
    referer: str | None = None
    """The list or detail page this URL was found on."""
    groups: dict[str, str] = field(default_factory=dict)
    """Named groups of the site pattern that matched (``unit``, ``column``, …)."""
    redirected_from: list[str] = field(default_factory=list)
    """URLs that redirected here, first asked first (a page moved by the portal)."""
    exchange: dict[str, Any] | None = None
    """The HTTP exchange as it crossed the wire (request line and headers, status line, headers, body
    when it was content-encoded), for the archive's WARC records (``crawler/exchange.py``)."""


@dataclass
class FailureItem:
    """Something that could not be archived, with why; written to ``failures/<run>.jsonl``."""

    url: str
    """The real URL concerned."""
    site: str
    """Site definition name."""
    stage: str
    """Where it failed: ``download``, ``http``, ``extract``, ``parse`` or ``archive``."""
    reason: str
    """A short machine-readable reason (``http_500``, ``empty_body``, ``no_title``, …)."""
    message: str = ""
    """A human-readable explanation."""
    status: int | None = None
    """HTTP status when there was a response."""
    referer: str | None = None
    """The page the URL was found on."""
    fetched_at: str | None = None
    """UTC time of the attempt."""
    body: bytes | None = None
    """Bytes received, if any: the archive keeps them and the failure record names their digest."""
