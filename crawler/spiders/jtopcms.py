"""JTopCMS-family portals (Fuxin): server-rendered ``ul.pagination`` lists, ``共 N 页``.

The pagination links are ordinary links, so the site definition's list → list rule walks every page
(下一页 chains through all of them); the family needs no code of its own yet. The class exists so that
family quirks have a place, and so that spiders of this family are told apart from TRS ones.
"""

from __future__ import annotations

import re

from crawler.spiders.base import PortalSpider

_PAGE_NO = re.compile(r"[?&]pageNo=(\d+)")


def _page_no(url: str) -> int:
    found = _PAGE_NO.search(url)
    return int(found[1]) if found else 1


class JTopSpider(PortalSpider):
    """Base of JTopCMS-family portals (www.fxxh.gov.cn and its sister sites)."""

    def is_next_page(self, current: str, link: str) -> bool:
        """``…/list/ID.html?pageNo=K+1`` after page K of the same channel (page 1 has no pageNo)."""
        same_list = current.split("?", 1)[0] == link.split("?", 1)[0]
        return same_list and _page_no(link) == _page_no(current) + 1
