"""Which page of the corpus a request path names, for each CMS family's URL scheme."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

from replica.plan import SILENT_FAULTS, DocPlan
from replica.sites import (
    SITE_BY_HOST,
    SiteSpec,
    UnitSpec,
    date_of,
    day_of,
    fuxin_file_docid,
)

if TYPE_CHECKING:
    from replica.corpus import Corpus, FileRef

_TRS_CATEGORY = re.compile(r"/(zsts|zcbm)/(?:index\.html)?")
_TRS_UNIT = re.compile(r"/(zsts|zcbm)/(fgw_\d+)/(?:index\.html)?")
_TRS_LIST = re.compile(r"/(zsts|zcbm)/(fgw_\d+)/([a-z]+)/(?:index(?:_(\d+))?\.html)?")
_TRS_DETAIL = re.compile(r"/(zsts|zcbm)/(fgw_\d+)/([a-z]+)/(\d{6})/t(\d{8})_(\d+)\.html")
_TRS_FILE = re.compile(r"/(zsts|zcbm)/(fgw_\d+)/([a-z]+)/(\d{6})/([PW])0(\d{8})\d{12}\.([a-z]+)")
_JT_LIST = re.compile(r"/channel/list/(\d+)\.html")
_JT_DETAIL = re.compile(r"/content/(\d{4})/(\d+)\.html")
_JT_FILE = re.compile(r"/xhq/file/(\d{4}-\d{2}-\d{2})/([0-9a-f]{32})\.([a-z]+)")


# Parameters that share buttons and analytics append to a URL: no page depends on them, so a URL
# carrying them names the same page (Fuxin's pageNo, by contrast, chooses the list page).
TRACKING_PARAMS = frozenset({"from", "isappinstalled", "spm"})
TRACKING_PREFIX = "utm_"
# The queries ReplicaServer.set_duplicate_links writes on its second link to a document, as the
# WeChat, Weibo and Alibaba share paths leave them.
SHARE_QUERIES = (
    "utm_source=wechat&utm_medium=share",
    "from=timeline&isappinstalled=0",
    "spm=a2c4g.11186623.0.0.5d3c1a2bXq7Jk9",
    "from=singlemessage",
    "utm_source=weibo&utm_medium=social&utm_campaign=xxgk",
    "from=groupmessage&isappinstalled=0",
)


def is_tracking(name: str) -> bool:
    """True for a query parameter that only tracks where a visitor came from."""
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIX)


def strip_tracking(query: str) -> str:
    """The query without tracking parameters (unchanged when it has none)."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(is_tracking(name) for name, _ in pairs):
        return query
    return urlencode([(name, value) for name, value in pairs if not is_tracking(name)])


@dataclass(frozen=True)
class Route:
    kind: str  # home | sitemap | category | unit | list | detail | file | robots | search | login | missing
    site: SiteSpec
    spec: UnitSpec | None = None
    category: str | None = None
    column: str | None = None
    page: int = 0  # 0-based list page
    doc: DocPlan | None = None
    file: FileRef | None = None


def route(corpus: Corpus, site: SiteSpec, path: str, query: str = "") -> Route:
    """The page (Host's site, path, query) names; tracking parameters are ignored."""
    query = strip_tracking(query)
    if path == "/robots.txt":
        return Route("robots", site)
    if site.family == "trs":
        return _trs(corpus, site, path)
    return _jtopcms(corpus, site, path, query)


def route_url(corpus: Corpus, url: str) -> DocPlan | tuple[DocPlan, FileRef] | None:
    parts = urlsplit(url)
    site = SITE_BY_HOST.get(parts.hostname or "")
    if site is None:
        return None
    found = route(corpus, site, parts.path or "/", parts.query)
    if found.kind == "detail" and found.doc:
        return found.doc
    if found.kind == "file" and found.doc and found.file:
        return found.doc, found.file
    return None


def _missing(site: SiteSpec) -> Route:
    return Route("missing", site)


def _trs(corpus: Corpus, site: SiteSpec, path: str) -> Route:
    if path in ("/", "/index.html", "/index.htm"):
        return Route("home", site)
    if path in ("/wzdt/", "/wzdt/index.html"):
        return Route("sitemap", site)
    if path.startswith("/was5/web/search"):
        return Route("search", site)
    if path.startswith("/wcm/"):
        return Route("login", site)
    if m := _TRS_CATEGORY.fullmatch(path):
        return Route("category", site, category=m[1])
    if m := _TRS_UNIT.fullmatch(path):
        spec = _trs_unit(corpus, site, m[1], m[2])
        return Route("unit", site, spec=spec, category=m[1]) if spec else _missing(site)
    if m := _TRS_LIST.fullmatch(path):
        spec = _trs_unit(corpus, site, m[1], m[2])
        if spec is None:
            return _missing(site)
        docs = corpus.plan(site.key, spec.index).columns.get(m[3])
        page = int(m[4]) if m[4] else 0
        if not docs or (m[4] is not None and page == 0) or page * corpus.page_size(site.key) >= len(docs):
            return _missing(site)
        return Route("list", site, spec=spec, column=m[3], page=page)
    if m := _TRS_DETAIL.fullmatch(path):
        spec = _trs_unit(corpus, site, m[1], m[2])
        day = _day(m[5])
        if spec is None or day is None or m[5][:6] != m[4]:
            return _missing(site)
        doc = corpus.find_doc(site.key, int(m[6]), day)
        if doc is None or doc.unit_index != spec.index or doc.column != m[3]:
            return _missing(site)
        return Route("detail", site, spec=spec, column=doc.column, doc=doc)
    if m := _TRS_FILE.fullmatch(path):
        spec = _trs_unit(corpus, site, m[1], m[2])
        day = _day(m[6])
        if spec is None or day is None or m[6][:6] != m[4]:
            return _missing(site)
        doc = corpus.plan(site.key, spec.index).by_day.get(day)
        if doc is None or doc.column != m[3] or doc.fault in SILENT_FAULTS:
            return _missing(site)
        url = site.base_url + path
        for ref in corpus.view(doc).files:
            if ref.url == url:
                return Route("file", site, spec=spec, column=doc.column, doc=doc, file=ref)
    return _missing(site)


def _trs_unit(corpus: Corpus, site: SiteSpec, category: str, folder: str) -> UnitSpec | None:
    spec = corpus.unit_by_folder(site.key, folder)
    return spec if spec is not None and spec.category == category else None


def _day(yyyymmdd: str) -> int | None:
    try:
        day = day_of(date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:])))
    except ValueError:
        return None
    return day if day >= 0 else None


def _jtopcms(corpus: Corpus, site: SiteSpec, path: str, query: str) -> Route:
    if path in ("/", "/index.html"):
        return Route("home", site)
    if path.startswith("/search.thtml"):
        return Route("search", site)
    if m := _JT_LIST.fullmatch(path):
        owner = corpus.unit_by_channel(int(m[1]))
        if owner is None:
            return _missing(site)
        spec, column = owner
        docs = corpus.plan(site.key, spec.index).columns.get(column)
        values = parse_qs(query).get("pageNo", ["1"])
        if not docs or not values[0].isdigit() or int(values[0]) < 1:
            return _missing(site)
        page = int(values[0]) - 1
        if page * corpus.page_size(site.key) >= len(docs):
            return _missing(site)
        return Route("list", site, spec=spec, column=column, page=page)
    if m := _JT_DETAIL.fullmatch(path):
        doc = corpus.find_doc(site.key, int(m[2]))
        if doc is None or date_of(doc.day).year != int(m[1]):
            return _missing(site)
        spec = corpus.units(site.key)[doc.unit_index]
        return Route("detail", site, spec=spec, column=doc.column, doc=doc)
    if m := _JT_FILE.fullmatch(path):
        decoded = fuxin_file_docid(m[2])
        if decoded is None:
            return _missing(site)
        doc = corpus.find_doc(site.key, decoded[0])
        if doc is None or f"{date_of(doc.day):%Y-%m-%d}" != m[1]:
            return _missing(site)
        url = site.base_url + path
        for ref in corpus.view(doc).files if doc.fault not in SILENT_FAULTS else ():
            if ref.url == url:
                spec = corpus.units(site.key)[doc.unit_index]
                return Route("file", site, spec=spec, column=doc.column, doc=doc, file=ref)
    return _missing(site)


__all__ = ["SHARE_QUERIES", "TRACKING_PARAMS", "Route", "is_tracking", "route", "route_url", "strip_tracking"]
