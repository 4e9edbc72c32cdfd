"""One page, one URL: the canonical form of a URL, and the spider middleware that requests only it.

Portals link one page under several URLs: share buttons and WeChat append tracking parameters
(``?utm_source=wechat&utm_medium=share``, ``?from=timeline&isappinstalled=0``), and TRS templates link
a folder both as ``…/ndbg/`` and as ``…/ndbg/index.html``. Fetched under each, a page would cost the
portal a request per variant, and the archive would keep one document per variant (a document's id
is the hash of its URL). Which parameters never change a page, and which file names are a folder's
index, is site knowledge: it lives in each site definition's ``[canonical]`` table
(``docs/urls.md``); :data:`DEFAULT_DROP_PARAMS` applies to a site that says nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

if TYPE_CHECKING:  # the rules are read by crawler.sites, which loads without Scrapy (xxgk parse)
    from scrapy.crawler import Crawler

#: Query parameters that never change a page, whatever the site: analytics and share tracking
#: (Google Analytics' utm_*, WeChat's share parameters, Alibaba's spm, ad click ids).
DEFAULT_DROP_PARAMS: tuple[str, ...] = (
    "utm_*",
    "from",
    "isappinstalled",
    "scene",
    "clicktime",
    "enterid",
    "sharer_*",
    "wxshare_count",
    "spm",
    "share_token",
    "fbclid",
    "gclid",
)


@dataclass(frozen=True)
class CanonicalRules:
    """What makes two URLs of a site one page (a site definition's ``[canonical]`` table)."""

    drop_params: tuple[str, ...] = DEFAULT_DROP_PARAMS
    """Glob patterns (``fnmatch``, case-sensitive) of query parameter names that never change the page."""
    index_files: tuple[str, ...] = ()
    """File names that stand for their folder: ``…/dir/index.html`` is ``…/dir/``."""

    def drops(self, name: str) -> bool:
        """Whether a query parameter of this name is dropped."""
        return any(fnmatchcase(name, pattern) for pattern in self.drop_params)


DEFAULT_RULES = CanonicalRules()


def _param_name(piece: str) -> str:
    # Names are matched as the server reads them (`utm%5Fsource` is utm_source).
    return unquote_plus(piece.split("=", 1)[0])


def canonical_query(query: str, rules: CanonicalRules) -> str:
    """``query`` without the parameters ``rules`` drop; the others keep their order and spelling."""
    if not query:
        return query
    return "&".join(piece for piece in query.split("&") if not (piece and rules.drops(_param_name(piece))))


def canonical_path(path: str, rules: CanonicalRules) -> str:
    """``path`` with a trailing index file name (``…/dir/index.html``) cut to its folder (``…/dir/``)."""
    head, _slash, last = path.rpartition("/")
    if _slash and last in rules.index_files:
        return head + "/"
    return path


def canonical_url(url: str, rules: CanonicalRules = DEFAULT_RULES) -> str:
    """The one URL of the page ``url`` names: the parameters ``rules`` drop are removed (the others
    keep their order and spelling), an index file name becomes its folder, the fragment goes.
    Scheme, host, port and the rest of the path are left as they are: they are the server's to
    interpret, and two spellings of those are rare in links of one portal."""
    try:
        parts = urlsplit(url)
    except ValueError:  # a mangled URL (http://[x…) is left for the downloader to refuse
        return url
    path = canonical_path(parts.path, rules)
    query = canonical_query(parts.query, rules)
    if path == parts.path and query == parts.query and not parts.fragment and "#" not in url:
        return url
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def rules_from_table(table: Any, source: str) -> CanonicalRules:
    """Validate a site definition's ``[canonical]`` table and build its rules; a ``ValueError``
    names ``source`` and the problem. A missing table (``None``) means the defaults."""
    if table is None:
        return DEFAULT_RULES
    if not isinstance(table, dict):
        raise ValueError(f"{source}: [canonical] must be a table")
    unknown = sorted(set(table) - {"drop_params", "index_files"})
    if unknown:
        raise ValueError(
            f"{source}: [canonical] has unknown keys {unknown} (known: drop_params, index_files)"
        )
    drop = _strings(table.get("drop_params", list(DEFAULT_DROP_PARAMS)), "drop_params", source)
    index = _strings(table.get("index_files", []), "index_files", source)
    for name in index:
        if "/" in name or name in (".", ".."):
            raise ValueError(f"{source}: [canonical] index_files: {name!r} is not a file name")
    return CanonicalRules(drop_params=drop, index_files=index)


def _strings(value: Any, key: str, source: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{source}: [canonical] {key} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def dropped_names(rules: CanonicalRules, names: Iterable[str]) -> list[str]:
    """Which of ``names`` (parameters a site's patterns read, such as ``pageNo``) the rules would drop."""
    return sorted({name for name in names if rules.drops(name)})


class CanonicalUrlMiddleware:
    """Rewrites every request a site spider yields (start requests included) to its canonical URL
    before it is scheduled: the duplicate filter then sees one URL per page, the portal is asked
    once, and the archive keeps one document. Counted in ``xxgk/canonical/rewritten``.

    Spiders without a site definition (``scrapy shell``'s, the benchmark's bare crawler) pass
    unchanged: only a site knows which of its parameters matter. (Not a BaseSpiderMiddleware: this
    module is imported with the site definitions, where Scrapy is not otherwise loaded.)"""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CanonicalUrlMiddleware:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item in start:
            yield self._canonical(item)

    def process_spider_output(self, response: Any, result: Iterable[Any]) -> Iterator[Any]:
        for item in result:
            yield self._canonical(item)

    async def process_spider_output_async(
        self, response: Any, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for item in result:
            yield self._canonical(item)

    def _canonical(self, item: Any) -> Any:
        from scrapy import Request

        if not isinstance(item, Request):
            return item
        site = getattr(self.crawler.spider, "site", None)
        rules = getattr(site, "canonical", None)
        if not isinstance(rules, CanonicalRules):
            return item
        url = canonical_url(item.url, rules)
        if url == item.url:
            return item
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("xxgk/canonical/rewritten")
        return item.replace(url=url)
