"""Spider loader that makes a spider of every site definition, on the base class of its CMS family."""

from __future__ import annotations

from scrapy import Spider
from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoader

from crawler.sites import Site, all_sites
from crawler.spiders.base import PortalSpider
from crawler.spiders.jtopcms import JTopSpider
from crawler.spiders.trs import TrsSpider

FAMILY_BASES: dict[str, type[PortalSpider]] = {"trs": TrsSpider, "jtopcms": JTopSpider}


def spider_for(site: Site) -> type[PortalSpider]:
    """A spider class for one site definition (the definition is its only configuration)."""
    base = FAMILY_BASES[site.family]
    doc = f"{site.title} ({', '.join(site.hosts)}), a {site.family} portal."
    return type(f"{site.name.title()}Spider", (base,), {"name": site.name, "site": site, "__doc__": doc})


class SiteSpiderLoader(SpiderLoader):
    """Scrapy's loader plus one spider per file in ``crawler/sites/``."""

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        for site in all_sites().values():
            if site.name not in self._spiders:
                cls: type[Spider] = spider_for(site)
                self._spiders[site.name] = cls
                self._found[site.name].append((__name__, cls.__name__))
