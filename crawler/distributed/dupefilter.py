"""The shared duplicate filter: scrapy-redis's Redis set of fingerprints, with Scrapy's fingerprints.

scrapy-redis fingerprints a request by its own recipe (method, canonical URL, body: SHA-1 of a JSON
of them); Scrapy's crawler has a ``request_fingerprinter`` (``REQUEST_FINGERPRINTER_CLASS``, which
also weighs ``fingerprint``-relevant meta and headers where configured). A shared crawl must call two
requests the same exactly when an embedded crawl does, so this filter asks the crawler's.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy_redis.dupefilter import RFPDupeFilter


class FingerprintDupeFilter(RFPDupeFilter):  # type: ignore[misc]
    """A Redis set of ``request_fingerprinter`` fingerprints (hex)."""

    def __init__(self, server: Any, key: str, fingerprinter: Any, debug: bool = False) -> None:
        super().__init__(server, key=key, debug=debug)
        self.fingerprinter = fingerprinter

    def request_fingerprint(self, request: Request) -> str:
        return str(self.fingerprinter.fingerprint(request).hex())

    def close(self, reason: str = "") -> None:
        # scrapy-redis clears the set here; the set belongs to the whole crawl, which other workers
        # may still be crawling. The next crawl's start clears it (scripts.JOIN).
        return None
