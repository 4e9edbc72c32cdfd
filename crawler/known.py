"""What the archive already holds, for a re-crawl: the URLs of archived documents, the validators
(ETag, Last-Modified) their last capture was served with, and the page each was found on.

A re-crawl asks the server only "has it changed?" (conditional requests, answered 304 when not) and
walks a list only as far as it brings pages the archive does not hold. Read from the documents
themselves, which are the archive's truth; the last version of each document wins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Validators:
    """How to ask whether a page changed since its last capture, and where it was found."""

    etag: str | None
    last_modified: str | None
    #: The list (or page) the document was found on. A re-crawl revisits held pages from its start,
    #: not from a list: its request carries this, so that the next version keeps it and the health
    #: check counts the page in that list's section (a JTopCMS detail URL names none).
    referer: str | None = None
    #: The latest version's capture: when, the digest of its raw bytes, their Content-Type, and
    #: whether it is a page (not a file). A resumed run finds the files of the pages a cut-off run
    #: archived in those bytes (PortalSpider._files_of_cut_off_pages).
    fetched_at: str = ""
    raw_sha256: str | None = None
    content_type: str | None = None
    page: bool = False


def _read(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def known_pages(archive: Path | str, site: str | None = None) -> dict[str, Validators]:
    """URL → validators of every document in the archive (of one site, if given).

    Versions are named ``<id>.vNNNN.json``: sorted, the last one per id is the latest. A file that
    does not parse is skipped (``xxgk verify`` reports it); a re-crawl then simply fetches that URL.
    """
    base = Path(archive) / "documents"
    pattern = f"{site}/*/*.v*.json" if site else "*/*/*.v*.json"
    versions: dict[str, list[Path]] = {}
    for path in sorted(base.glob(pattern)):
        versions.setdefault(path.name.split(".", 1)[0], []).append(path)
    found: dict[str, Validators] = {}
    for paths in versions.values():
        doc = _read(paths[-1])
        if doc is None:
            continue
        try:
            headers = doc.get("http", {}).get("headers", {}) or {}
            url = str(doc["url"])
        except (KeyError, AttributeError):
            continue
        referer = doc.get("referer")
        # Versions written by a revisit before revisits carried their referer have none: an older
        # version still knows where the page was listed.
        for older in reversed(paths[:-1]):
            if referer:
                break
            referer = (_read(older) or {}).get("referer")
        raw = doc.get("raw")
        found[url] = Validators(
            headers.get("ETag") or None,
            headers.get("Last-Modified") or None,
            str(referer) if referer else None,
            fetched_at=str(doc.get("fetched_at") or ""),
            raw_sha256=str(raw["sha256"]) if isinstance(raw, dict) and raw.get("sha256") else None,
            content_type=headers.get("Content-Type") or None,
            page=doc.get("kind") == "page",
        )
    return found
