"""The benchmark's baseline: a bare link-following spider over the same sites, with no pipeline work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings

from crawler.profiles import apply_profile
from crawler.sites import all_sites
from crawler.spiders.trs import trs_page_urls


class BareSpider(Spider):
    """Follows every link inside the known sites (TRS script pagination included) and does nothing."""

    name = "bare"
    custom_settings = {"ITEM_PIPELINES": {}}  # noqa: RUF012 - Scrapy reads it as a class attribute

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        apply_profile(settings)  # the same profile as the full crawl: only the pipeline differs

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_domains = [h for site in all_sites().values() for h in site.hosts]

    async def start(self) -> AsyncIterator[Request]:
        for site in all_sites().values():
            for url in site.start_urls:
                yield Request(url, errback=self.ignore)

    def parse(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            return
        for href in response.css("a::attr(href), img::attr(src)").getall():
            if not href.startswith(("javascript:", "mailto:", "#")):
                yield response.follow(href, errback=self.ignore)
        for url in trs_page_urls(response.text, response.url):
            yield Request(url, errback=self.ignore)

    def ignore(self, failure: Any) -> None:
        return None
