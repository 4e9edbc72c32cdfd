"""What the archive already holds, for a re-crawl: the URLs of archived documents and the validators
(ETag, Last-Modified) their last capture was served with.

A re-crawl asks the server only "has it changed?" (conditional requests, answered 304 when not) and
walks a list only as far as it brings pages the archive does not hold. Read from the documents
themselves, which are the archive's truth; the last version of each document wins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Validators:
    """How to ask whether a page changed since its last capture."""

    etag: str | None
    last_modified: str | None


def known_pages(archive: Path | str, site: str | None = None) -> dict[str, Validators]:
    """URL → validators of every document in the archive (of one site, if given).

    Versions are named ``<id>.vNNNN.json``: sorted, the last one per id is the latest. A file that
    does not parse is skipped (``xxgk verify`` reports it); a re-crawl then simply fetches that URL.
    """
    base = Path(archive) / "documents"
    pattern = f"{site}/*/*.v*.json" if site else "*/*/*.v*.json"
    latest: dict[str, Path] = {}
    for path in sorted(base.glob(pattern)):
        latest[path.name.split(".", 1)[0]] = path
    found: dict[str, Validators] = {}
    for path in latest.values():
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            headers = doc.get("http", {}).get("headers", {}) or {}
            url = str(doc["url"])
        except (OSError, ValueError, KeyError, AttributeError):
            continue
        found[url] = Validators(headers.get("ETag") or None, headers.get("Last-Modified") or None)
    return found
