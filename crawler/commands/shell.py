"""`scrapy shell URL` with the project's helpers bound to the fetched response.

In the shell: ``extract()`` → ExtractedPage of ``response`` (clean text, chrome fields), ``clean()`` →
its clean text, ``parse()`` → the parsed document fields, ``site`` → the site definition of the URL.
Each takes an optional response, so ``fetch(other_url)`` then ``parse()`` works too.
"""

from __future__ import annotations

from typing import Any

from scrapy.commands.shell import Command as ScrapyShellCommand
from scrapy.http import Response

from crawler.http import charset_from_content_type, header
from crawler.sites import site_for_url
from pipelines.extract import ExtractedPage, extract_page
from pipelines.page import parse_extracted


def extract_response(response: Response) -> ExtractedPage:
    site = site_for_url(response.url)
    charset = charset_from_content_type(header(response, "Content-Type"))
    return extract_page(response.url, response.body, charset, dict(site.extract) if site else None)


def parse_response(response: Response) -> dict[str, Any]:
    site = site_for_url(response.url)
    return parse_extracted(extract_response(response), site.hints() if site else {})


class Command(ScrapyShellCommand):
    def update_vars(self, vars: dict[str, Any]) -> None:
        def current(response: Response | None) -> Response:
            found = response if response is not None else vars.get("response")
            if found is None:
                raise ValueError("no response: fetch(url) first")
            return found

        vars["extract"] = lambda response=None: extract_response(current(response))
        vars["clean"] = lambda response=None: extract_response(current(response)).text
        vars["parse"] = lambda response=None: parse_response(current(response))
        response = vars.get("response")
        vars["site"] = site_for_url(response.url) if response is not None else None
