"""JTopCMS-family portals (Fuxin): server-rendered ``ul.pagination`` lists, ``共 N 页``.

The pagination links are ordinary links, so the site definition's list → list rule walks every page
(下一页 chains through all of them); the family needs no code of its own yet. The class exists so that
family quirks have a place, and so that spiders of this family are told apart from TRS ones.
"""

from __future__ import annotations

from crawler.spiders.base import PortalSpider


class JTopSpider(PortalSpider):
    """Base of JTopCMS-family portals (www.fxxh.gov.cn and its sister sites)."""
