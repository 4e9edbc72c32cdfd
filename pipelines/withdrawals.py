"""A page that disappeared or moved: marked so in a new version of its document, never deleted.

Disclosure pages are taken down without notice; that a page was there, and when it was seen gone, is
itself what an auditor needs. When a URL the archive holds answers 404 or 410, its latest version is
copied into a new version carrying ``withdrawn: {seen_at, status}`` (the text and fields stay, so the
latest version still says what the page said). If the page comes back, its next capture differs from
the withdrawn version and becomes a version of its own: the history shows the gap.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pipelines.archive.store import ArchiveStore, doc_id

GONE = (404, 410)
#: The digest rule of a version added by each mark.
RULES = {"withdrawn": "withdrawn", "moved_to": "moved"}


def _latest(store: ArchiveStore, site: str, url: str) -> dict[str, Any] | None:
    ident = doc_id(url)
    versions = store.versions(site, ident)
    return store.load_version(site, ident, versions[-1]) if versions else None


def _mark(store: ArchiveStore, latest: dict[str, Any], field: str, value: dict[str, Any], salt: str) -> bool:
    """Add a version that is ``latest`` plus ``field: value``, under the rule ``field`` names. Its
    content digest differs from the page's and from every other state (``salt``)."""
    doc = {**latest, field: value}
    doc["content_digest"] = hashlib.sha256(f"{salt}:{latest.get('content_digest', '')}".encode()).hexdigest()
    doc["digest_rule"] = RULES[field]
    return store.save_document(doc)[0] in ("changed", "new")


def withdraw(store: ArchiveStore, site: str, url: str, *, status: int, seen_at: str) -> str | None:
    """Mark the document at ``url`` withdrawn; ``"withdrawn"`` when a version was added, None when the
    archive does not hold the page or already has it withdrawn."""
    latest = _latest(store, site, url) if status in GONE else None
    if latest is None or latest.get("withdrawn"):
        return None
    marked = _mark(store, latest, "withdrawn", {"seen_at": seen_at, "status": status}, "withdrawn")
    return "withdrawn" if marked else None


def move(store: ArchiveStore, site: str, url: str, *, to: str, seen_at: str) -> str | None:
    """Mark the document at ``url`` moved to ``to`` (the portal now redirects there); ``"moved"`` when
    a version was added, None when the archive does not hold it or already says so. The moved page's
    own document, under its new address, names ``redirected_from``."""
    latest = _latest(store, site, url)
    if latest is None or (latest.get("moved_to") or {}).get("url") == to:
        return None
    marked = _mark(store, latest, "moved_to", {"url": to, "seen_at": seen_at}, f"moved:{to}")
    return "moved" if marked else None
