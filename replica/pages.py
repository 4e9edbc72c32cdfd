"""Responses of the replica: a request (Host, path) in, status + headers + bytes out, cached."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from replica.corpus import Corpus, DocView
from replica.degraded import broken_detail, challenge_html
from replica.faults import error_page
from replica.lru import LRU
from replica.plan import DocPlan
from replica.routes import SHARE_QUERIES, Route, route, strip_tracking
from replica.sites import (
    CATEGORY_NAMES,
    EPOCH,
    NOW,
    SITE_BY_HOST,
    SITES,
    SiteSpec,
    UnitSpec,
    stable_int,
    trs_detail_file,
)
from replica.templates import (
    GARBLE_MARK,
    VIEWS_MARK,
    JtDetail,
    JtUnitChannels,
    Link,
    ListEntry,
    TrsDetail,
    jt_detail,
    jt_home,
    jt_list,
    jt_not_found,
    jt_search,
    landing,
    robots,
    server_error,
    trs_detail,
    trs_home,
    trs_index,
    trs_list,
    trs_not_found,
    trs_search,
)

HTML_UTF8 = "text/html; charset=utf-8"
HTML_GB = "text/html; charset=gb2312"
JT_HTML = "text/html;charset=UTF-8"
# Bytes no decoder of the declared charset accepts: a cut 3-byte UTF-8 sequence, then 0xFF 0xFE.
INVALID_UTF8 = b"\xe5\x9b\xff\xfe"


@dataclass(frozen=True)
class Page:
    status: int
    content_type: str
    body: bytes
    etag: str | None = None
    last_modified: datetime | None = None
    # A hit counter in the page: the body is prefix + str(count) + suffix, counting from `views_base`.
    views: tuple[bytes, bytes, int] | None = None
    counter_key: str | None = None


def etag_of(body: bytes) -> str:
    return f'"{len(body):x}-{hashlib.sha1(body).hexdigest()[:16]}"'


def _static(status: int, ctype: str, body: bytes, modified: datetime | None) -> Page:
    return Page(status, ctype, body, etag_of(body), modified)


def _day_time(day: int) -> datetime:
    # Files are written at 09:xx Beijing time (01:xx UTC).
    return datetime(EPOCH.year, EPOCH.month, EPOCH.day, 1, 0, tzinfo=NOW.tzinfo) + timedelta(days=day)


class Responder:
    """Turns (Host, request target) into a Page; pages without counters are cached by bytes."""

    def __init__(self, corpus: Corpus, cache_bytes: int = 32 << 20) -> None:
        self.corpus = corpus
        self._cache: LRU[tuple[str, str, int, int, bool], Page] = LRU(
            20000, cache_bytes, lambda p: len(p.body) + 200
        )
        # Lists link each document twice (the second time with share parameters), TRS indexes each
        # folder twice (``./x/`` and ``./x/index.html``): see ReplicaServer.set_duplicate_links.
        self.duplicate_links = False
        self._robots: dict[str, tuple[int, tuple[str, ...]]] = {}

    def set_robots(self, site: str, status: int, disallow: tuple[str, ...]) -> None:
        """The site's robots.txt answers `status`, and with 200 disallows `disallow` too."""
        self._robots[site] = (status, disallow)

    def respond(self, host: str, target: str, *, own_address: str = "") -> Page:
        name = host.rsplit(":", 1)[0].lower() if not host.startswith("[") else host
        site = SITE_BY_HOST.get(name)
        if site is None:
            if host == own_address or name in ("127.0.0.1", "localhost", ""):
                body = landing(f"http://{own_address or host}", list(SITES.values())).encode()
                return _static(200, HTML_UTF8, body, NOW)
            return Page(404, "text/plain; charset=utf-8", b"unknown host\n")
        path, _, query = target.partition("?")
        path = path or "/"
        query = strip_tracking(query)
        url = site.base_url + path
        if path == "/robots.txt" and site.key in self._robots:
            return self._robots_page(site, *self._robots[site.key])
        if self.corpus.is_removed(url):
            return self._not_found(site)
        listed = site.family == "jtopcms" and path.startswith("/channel/list/")
        key = (
            site.key,
            f"{path}?{query}" if listed else path,
            self.corpus.edit_serial(url),
            self.corpus.template_serial,
            self.duplicate_links,
        )
        page = self._cache.get(key)
        if page is None:
            page = self._render(route(self.corpus, site, path, query))
            if page.status != 404:
                self._cache.put(key, page)
        if self.corpus.challenged(site.key) and page.content_type.startswith("text/html"):
            # Every HTML answer, error pages included, as a wall serves them: 200 and a script.
            return Page(200, HTML_UTF8, challenge_html(site, path).encode())
        return page

    # --- rendering ---------------------------------------------------------------------------

    def _render(self, r: Route) -> Page:
        site = r.site
        trs = site.family == "trs"
        if r.kind == "robots":
            return _static(200, "text/plain", robots(site.disallow).encode(), NOW)
        if r.kind == "missing":
            return self._not_found(site)
        if r.kind in ("search", "login"):
            html = trs_search(site) if trs else jt_search(site)
            return Page(200, HTML_UTF8 if trs else JT_HTML, html.encode())
        if r.kind in ("home", "sitemap"):
            return self._home(site)
        if r.kind == "category":
            assert r.category
            return self._category(site, r.category)
        if r.kind == "unit":
            assert r.spec
            return self._unit_index(site, r.spec)
        if r.kind == "list":
            assert r.spec and r.column
            return self._list(site, r.spec, r.column, r.page)
        if r.kind == "detail":
            assert r.doc
            return self._detail(site, r.doc)
        if r.kind == "file":
            assert r.doc and r.file
            content = self.corpus.file_content(r.doc, r.file)
            return _static(200, content.content_type, content.data, _day_time(r.doc.day))
        raise AssertionError(r.kind)

    def _robots_page(self, site: SiteSpec, status: int, disallow: tuple[str, ...]) -> Page:
        if status == 200:
            rules = tuple(dict.fromkeys((*site.disallow, *disallow)))
            return _static(200, "text/plain", robots(rules).encode(), NOW)
        if status == 404:
            return self._not_found(site)
        return Page(status, HTML_UTF8, server_error().encode() if status == 500 else error_page(status))

    def _twice(self, links: list[Link]) -> list[Link]:
        """TRS folder links, each also as its ``index.html`` when duplicate links are on."""
        if not self.duplicate_links:
            return links
        return [twin for link in links for twin in (link, Link(f"{link.href}index.html", link.text))]

    def _shared(self, entries: list[ListEntry], docs: Sequence[DocPlan]) -> list[ListEntry]:
        """List entries, each followed by the same document under a share URL when duplicates are on."""
        if not self.duplicate_links:
            return entries
        out = []
        for entry, doc in zip(entries, docs, strict=True):
            query = SHARE_QUERIES[stable_int(self.corpus.seed, doc.docid, "share") % len(SHARE_QUERIES)]
            out += [entry, ListEntry(f"{entry.href}?{query}", entry.title, entry.date)]
        return out

    def _not_found(self, site: SiteSpec) -> Page:
        html = trs_not_found(site) if site.family == "trs" else jt_not_found(site)
        return Page(404, HTML_UTF8 if site.family == "trs" else JT_HTML, html.encode())

    def _home(self, site: SiteSpec) -> Page:
        units = self.corpus.units(site.key)
        if site.family == "trs":
            present = {u.category for u in units}
            cats = self._twice([Link(f"./{c}/", CATEGORY_NAMES[c]) for c in ("zsts", "zcbm") if c in present])
            return _static(200, HTML_UTF8, trs_home(site, cats).encode(), NOW)
        blocks = []
        for spec in units:
            plan = self.corpus.plan(site.key, spec.index)
            channels = tuple(
                Link(self.corpus.list_base(spec, code), site.column(code).name) for code in plan.columns
            )
            blocks.append(JtUnitChannels(spec.unit.short, channels))
        return _static(200, JT_HTML, jt_home(site, blocks).encode(), NOW)

    def _category(self, site: SiteSpec, category: str) -> Page:
        name = CATEGORY_NAMES[category]
        crumbs = [Link("../", "首页"), Link("./", name)]
        entries = self._twice(
            [
                Link(f"./{u.folder}/", u.unit.short)
                for u in self.corpus.units(site.key)
                if u.category == category
            ]
        )
        return _static(200, HTML_UTF8, trs_index(site, name, crumbs, entries).encode(), NOW)

    def _unit_index(self, site: SiteSpec, spec: UnitSpec) -> Page:
        assert spec.category
        plan = self.corpus.plan(site.key, spec.index)
        crumbs = [
            Link("../../", "首页"),
            Link("../", CATEGORY_NAMES[spec.category]),
            Link("./", spec.unit.short),
        ]
        entries = self._twice([Link(f"./{code}/", site.column(code).name) for code in plan.columns])
        html = trs_index(site, spec.unit.short, crumbs, entries)
        newest = max((d.day for d in plan.docs), default=0)
        return _static(200, HTML_UTF8, html.encode(), _day_time(newest))

    def _list(self, site: SiteSpec, spec: UnitSpec, column: str, page: int) -> Page:
        docs = self.corpus.plan(site.key, spec.index).columns[column]
        size = self.corpus.page_size(site.key)
        count = -(-len(docs) // size)
        shown = docs[page * size : (page + 1) * size]
        col = site.column(column)
        modified = _day_time(docs[0].day)
        if site.family == "trs":
            assert spec.category
            entries = [
                ListEntry(
                    f"./{d.created:%Y%m}/{trs_detail_file(d.day, d.docid)}",
                    self.corpus.list_title(d),
                    d.shown.isoformat(),
                )
                for d in shown
            ]
            entries = self._shared(entries, shown)
            crumbs = [
                Link("../../../", "首页"),
                Link("../../", CATEGORY_NAMES[spec.category]),
                Link("../", spec.unit.short),
                Link("./", col.name),
            ]
            html = trs_list(site, col.name, spec.unit.short, crumbs, entries, count, page)
            return _static(200, HTML_UTF8, html.encode(), modified)
        entries = [
            ListEntry(self.corpus.doc_path(d), self.corpus.list_title(d), d.shown.isoformat()) for d in shown
        ]
        entries = self._shared(entries, shown)
        base = self.corpus.list_base(spec, column)
        html = jt_list(
            site, col.name, spec.unit.short, self._jt_crumbs(spec, column), base, entries, page + 1, count
        )
        return _static(200, JT_HTML, html.encode(), modified)

    def _jt_crumbs(self, spec: UnitSpec, column: str) -> list[Link]:
        site = self.corpus.sites[spec.site]
        plan = self.corpus.plan(spec.site, spec.index)
        first = next(iter(plan.columns))
        return [
            Link("/", "首页"),
            Link("/", "政府信息公开"),
            Link(self.corpus.list_base(spec, first), spec.unit.short),
            Link(self.corpus.list_base(spec, column), site.column(column).name),
        ]

    def _detail(self, site: SiteSpec, doc: DocPlan) -> Page:
        if doc.fault == "404":
            return self._not_found(site)
        if doc.fault == "500":
            return Page(500, HTML_UTF8, server_error().encode())
        modified = _day_time(doc.day)
        if doc.fault == "empty":
            return _static(200, HTML_UTF8 if site.family == "trs" else JT_HTML, b"", modified)
        if doc.fault == "not_html":
            return _static(200, "application/octet-stream", _garbage(self.corpus.seed, doc.docid), modified)
        view = self.corpus.view(doc)
        serial = self.corpus.edit_serial(view.url)
        if serial:
            modified = NOW + timedelta(minutes=serial)
        if self.corpus.template(site.key, doc.column) == "broken":
            html = broken_detail(
                site, doc.shown.isoformat(), view.body_html, [Link(f.href, f.text) for f in view.attachments]
            )
            # A redesign is a new page: new bytes, new validators.
            return _static(200, HTML_UTF8, html.encode(), NOW + timedelta(hours=1))
        if site.family == "trs":
            return self._trs_detail(site, view, modified)
        return self._jt_detail(site, view, modified)

    def _trs_detail(self, site: SiteSpec, view: DocView, modified: datetime) -> Page:
        doc, spec = view.doc, view.spec
        assert spec.category
        gb = doc.encoding == "gb18030"
        page = TrsDetail(
            title=view.title,
            shown=doc.shown.isoformat(),
            column=site.column(doc.column).name,
            crumbs=(
                Link("../../../../", "首页"),
                Link("../../../", CATEGORY_NAMES[spec.category]),
                Link("../../", spec.unit.short),
                Link("../", site.column(doc.column).name),
            ),
            body_html=view.body_html,
            attachments=tuple(Link(f.href, f.text) for f in view.attachments),
            docid=doc.docid,
            file_name=trs_detail_file(doc.day, doc.docid),
            charset="gb2312" if gb else "utf-8",
            garble=doc.fault == "undecodable",
        )
        html = trs_detail(site, page)
        data = html.encode("gb18030") if gb else html.encode()
        data = data.replace(GARBLE_MARK.encode(), INVALID_UTF8)
        return _static(200, HTML_GB if gb else HTML_UTF8, data, modified)

    def _jt_detail(self, site: SiteSpec, view: DocView, modified: datetime) -> Page:
        doc = view.doc
        assert view.source is not None and view.editor is not None
        page = JtDetail(
            title=view.title,
            date=doc.shown.isoformat(),
            source=view.source,
            editor=view.editor,
            column=site.column(doc.column).name,
            crumbs=tuple(self._jt_crumbs(view.spec, doc.column)),
            body_html=view.body_html,
            garble=doc.fault == "undecodable",
        )
        data = jt_detail(site, page).encode().replace(GARBLE_MARK.encode(), INVALID_UTF8)
        prefix, _, suffix = data.partition(VIEWS_MARK.encode())
        # Older pages have been read more; the count then grows by one per fetch.
        base = (
            20
            + stable_int(self.corpus.seed, doc.docid, "views") % 300
            + (NOW.date() - doc.created).days // 15
        )
        # A dynamic page: no ETag (its bytes change on every fetch), only Last-Modified.
        return Page(200, JT_HTML, data, None, modified, (prefix, suffix, base), view.url)


def _garbage(seed: int, docid: int) -> bytes:
    out = bytearray()
    block = f"{seed}/{docid}".encode()
    while len(out) < 1536:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out)
