"""Which crawls write the archive.

The portal spiders (``PortalSpider``, with a site definition) archive what they fetch. Any other
spider run in this project, ``scrapy shell``'s default one above all, only looks: it takes no lock,
leaves no run marker and writes no WARC record, so that opening a page interactively neither
blocks a scheduled crawl nor puts stray captures into the archive.
"""

from __future__ import annotations


def archives(spider: object | None) -> bool:
    """Whether ``spider``'s crawl writes the archive (it has a site definition)."""
    return getattr(spider, "site", None) is not None
