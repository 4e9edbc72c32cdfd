"""TRS WCM portals: static lists ``index.html``, ``index_1.html``, … counted by ``createPageHTML``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from scrapy import Request
from scrapy.http import Response, TextResponse

from crawler.spiders.base import PortalSpider

# createPageHTML(total_pages, current_page, "index", "html"); the pager's links are written by script,
# so the static HTML holds no <a> to the other pages: the count has to be read from the call.
CREATE_PAGE_HTML = re.compile(
    r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"']([^\"']+)[\"']\s*,\s*[\"']([^\"']+)[\"']\s*\)"
)


def trs_page_urls(html: str, list_url: str, *, only_next: bool = False) -> list[str]:
    """URLs of the other pages of a TRS list, from the first page's ``createPageHTML`` call; with
    ``only_next``, from any page, the page after it (a re-crawl walks a list one page at a time)."""
    match = CREATE_PAGE_HTML.search(html)
    if not match:
        return []
    total, current, name, ext = int(match[1]), int(match[2]), match[3], match[4]
    base = list_url.rsplit("/", 1)[0]
    if only_next:
        return [f"{base}/{name}_{current + 1}.{ext}"] if current + 1 < total else []
    if current != 0:  # every page names the total; expanding from the first is enough
        return []
    return [f"{base}/{name}_{k}.{ext}" for k in range(1, total)]


class TrsSpider(PortalSpider):
    """Base of TRS WCM portals (Siping and its twins, Changchun, …)."""

    def paginate(self, response: Response, kind: str) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            return
        for url in trs_page_urls(response.text, response.url, only_next=self.incremental):
            classified = self.site.classify(url)
            if classified and classified[0] == "list" and self.in_scope(classified[1]):
                yield self._request(url, "list", response.url, classified[1])
