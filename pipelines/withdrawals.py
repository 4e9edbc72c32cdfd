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

WITHDRAWN_RULE = "withdrawn"
GONE = (404, 410)


def withdrawn_digest(previous: str) -> str:
    """Content digest of a withdrawn version: differs from the page's, and from every other state."""
    return hashlib.sha256(f"withdrawn:{previous}".encode()).hexdigest()


def withdraw(store: ArchiveStore, site: str, url: str, *, status: int, seen_at: str) -> str | None:
    """Mark the document at ``url`` withdrawn; ``"withdrawn"`` when a version was added, None when the
    archive does not hold the page or already has it withdrawn."""
    if status not in GONE:
        return None
    ident = doc_id(url)
    versions = store.versions(site, ident)
    if not versions:
        return None
    latest: dict[str, Any] = store.load_version(site, ident, versions[-1])
    if latest.get("withdrawn"):
        return None
    doc = dict(latest)
    doc["withdrawn"] = {"seen_at": seen_at, "status": status}
    doc["content_digest"] = withdrawn_digest(str(latest.get("content_digest", "")))
    doc["digest_rule"] = WITHDRAWN_RULE
    outcome, _version = store.save_document(doc)
    return "withdrawn" if outcome in ("changed", "new") else None


MOVED_RULE = "moved"


def move(store: ArchiveStore, site: str, url: str, *, to: str, seen_at: str) -> str | None:
    """Mark the document at ``url`` moved to ``to`` (the portal now redirects there); ``"moved"`` when
    a version was added, None when the archive does not hold it or already says so. The moved page's
    own document, under its new address, names ``redirected_from``."""
    ident = doc_id(url)
    versions = store.versions(site, ident)
    if not versions:
        return None
    latest: dict[str, Any] = store.load_version(site, ident, versions[-1])
    if (latest.get("moved_to") or {}).get("url") == to:
        return None
    doc = dict(latest)
    doc["moved_to"] = {"url": to, "seen_at": seen_at}
    previous = str(latest.get("content_digest", ""))
    doc["content_digest"] = hashlib.sha256(f"moved:{to}:{previous}".encode()).hexdigest()
    doc["digest_rule"] = MOVED_RULE
    outcome, _version = store.save_document(doc)
    return "moved" if outcome in ("changed", "new") else None
