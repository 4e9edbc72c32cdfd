"""JTopCMS-family portals (Fuxin): server-rendered ``ul.pagination`` lists, ``共 N 页``.

The pagination links are ordinary links, so following list → list links (site definition) walks every
page; this base adds a check that the walk saw as many pages as the list announces.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scrapy import Request
from scrapy.http import Response, TextResponse

from crawler.spiders.base import PortalSpider

TOTAL_PAGES = re.compile(r"共\s*(\d+)\s*页")


class JTopSpider(PortalSpider):
    """Base of JTopCMS-family portals (www.fxxh.gov.cn and its sister sites)."""

    def paginate(self, response: Response, kind: str) -> Iterator[Request]:
        if isinstance(response, TextResponse):
            inner = " ".join(response.css("div.page-inner ::text").getall())
            match = TOTAL_PAGES.search(inner)
            if match:
                self.crawler.stats.max_value("xxgk/list_pages_announced_max", int(match[1]))
        return iter(())
