"""The replica's corpus: sites, units and documents derived from a seed, and their ground truth.

Nothing is materialised per document: a unit's documents are planned on demand from
(seed, site, unit index), and a URL names its unit and creation day, so any URL resolves after
planning one unit. Planned units, bodies and page views are kept in bounded LRU caches.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape

from replica.content import (
    STAT_KEYS,
    Body,
    Table,
    body_html,
    body_text,
    make_body,
    make_docx,
    make_pdf,
    make_png,
    make_xlsx,
    report_format,
    table_rows,
)
from replica.content.variants import FEATURES, fits
from replica.lru import LRU
from replica.plan import FAULTS, SILENT_FAULTS, DocPlan, UnitPlan, body_seed, plan_unit
from replica.seed_pages import SeedPage, clean_line, load_seed
from replica.sites import (
    FUXIN_CHANNEL_START,
    FUXIN_CHANNEL_STRIDE,
    SITES,
    IdScheme,
    SiteSpec,
    UnitSpec,
    build_roster,
    date_of,
    fuxin_detail_path,
    fuxin_file_path,
    fuxin_list_path,
    sequence_anchor,
    stable_int,
    trs_column_path,
    trs_detail_path,
    trs_file_name,
    trs_list_file,
    unit_counts,
)
from replica.templates import Link, attachment_lines, attachment_paragraphs, image_paragraph, paragraphs

TRS_PAGE_SIZE = 20
FUXIN_PAGE_SIZE = 15

CONTENT_TYPES = {
    "pdf": "application/pdf",
    # The .doc and .xls files are OOXML packages under the old names, as real sites often serve.
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
}

_STAT_LABELS = {
    "proactive_total": ("主动公开政府信息数", "条"),
    "requests_received": ("收到政府信息公开申请数", "件"),
    "requests_carried_over": ("上年结转申请数", "件"),
    "requests_granted": ("予以公开数", "件"),
    "requests_partly_granted": ("部分公开数", "件"),
    "requests_refused": ("不予公开数", "件"),
    "fees_collected": ("收取费用", "元"),
    "reconsideration_count": ("行政复议数", "件"),
    "litigation_count": ("行政诉讼数", "件"),
}

_EDITORS = ("张庆鹏", "王丽娟", "李宏伟", "刘洋", "陈静", "赵磊", "孙立新", "周敏", "吴海涛", "郑欣")

PDF_ONLY_NOTE = "详见附件"


@dataclass(frozen=True)
class DocTruth:
    """What is true of one served document (a detail page, an attachment or an inline image)."""

    url: str
    site: str
    kind: str  # report | notice | functions | guide | policy | attachment | image
    title: str | None  # as the page shows it (None: no title, or nothing served)
    publish_date: str | None  # YYYY-MM-DD as displayed
    url_date: str | None  # TRS: the YYYY-MM-DD in the URL; Fuxin: the YYYY in the URL
    agency: str | None
    region: dict[str, str | None]
    doc_type: str  # "annual_report" | "notice" | "functions" | "guide" | "policy" | "other"
    report_year: int | None
    report_format: str | None
    text: str | None  # clean text of the body (per docs/design.md), None when nothing is served
    signed_by: str | None
    signed_date: str | None
    stats: dict[str, int | float | None]
    attachments: tuple[str, ...]
    encoding: str | None  # the encoding the bytes are in; None for non-HTML
    fault: str | None
    content_type: str | None = None  # attachments and images
    sha256: str | None = None  # attachments and images
    parent: str | None = None  # attachments and images: the page linking them
    list_title: str | None = None  # the title the list page shows
    unit: str | None = None  # unit short name
    column: str | None = None
    docid: int | None = None
    images: tuple[str, ...] = ()
    seed: str | None = None  # seed file stem for the two real pages
    removed: bool = False
    edited: bool = False
    # What a parser must report beyond the fields above (reports; empty elsewhere): the anomaly codes,
    # every standard-table cell the text shows ("section/row/column"), how the tables are rendered,
    # the statistics period and contact details the text states, its script, and the variant's
    # departures from the clean form ("group:value", see replica.content.variants).
    anomalies: tuple[str, ...] = ()
    tables: dict[str, int | float] = field(default_factory=dict)
    table_style: str | None = None
    period: dict[str, str | None] | None = None
    contacts: dict[str, str] = field(default_factory=dict)
    script: str | None = None
    features: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileRef:
    """An attachment or inline image of a page."""

    url: str  # absolute real URL
    href: str  # as the page links it
    text: str  # link text (file name shown)
    ext: str
    index: int
    image: bool = False


@dataclass(frozen=True)
class DocView:
    """A detail page as served: what its body shows and what is true of it."""

    doc: DocPlan
    spec: UnitSpec
    url: str
    title: str | None
    list_title: str
    body_html: str
    text: str
    files: tuple[FileRef, ...]
    body: Body | None
    seed: SeedPage | None
    agency: str
    source: str | None  # 来源 shown on the page (Fuxin)
    editor: str | None
    edited: bool = False
    extra: tuple[str, ...] = field(default=())  # paragraphs added by edits

    @property
    def attachments(self) -> tuple[FileRef, ...]:
        return tuple(f for f in self.files if not f.image)

    @property
    def images(self) -> tuple[FileRef, ...]:
        return tuple(f for f in self.files if f.image)


@dataclass(frozen=True)
class FileContent:
    data: bytes
    content_type: str
    text: str | None


class Corpus:
    def __init__(self, seed: int = 1, pages: int = 300) -> None:
        self.seed = seed
        self.pages = pages
        self.sites: dict[str, SiteSpec] = dict(SITES)
        counts = unit_counts(pages)
        # Siping and Tiedong draw document ids from one sequence, as all *.siping.gov.cn sites do.
        self._rosters = {
            "siping": build_roster(self.sites["siping"], seed, counts["siping"], 0),
            "tiedong": build_roster(self.sites["tiedong"], seed, counts["tiedong"], counts["siping"]),
            "fuxin": build_roster(self.sites["fuxin"], seed, counts["fuxin"], 0),
        }
        self._schemes: dict[str, IdScheme] = {}
        self._lanes: dict[str, list[tuple[str, int]]] = {}  # sequence -> [(site, first lane)]
        for seq in ("siping", "fuxin"):
            members = [k for k, s in self.sites.items() if s.sequence == seq]
            lanes = sum(len(self._rosters[k]) for k in members)
            day, anchor_id, per_day = sequence_anchor(seq)
            self._schemes[seq] = IdScheme.anchored(lanes, day, anchor_id, per_day)
            self._lanes[seq] = sorted((k, self._rosters[k][0].lane) for k in members)
        self._folders = {
            (key, spec.folder): spec
            for key, roster in self._rosters.items()
            for spec in roster
            if spec.folder
        }
        self._forced = _forced_faults({k: len(r) for k, r in self._rosters.items()})
        # One unit per target site publishes a report after the deadline, whatever chance says.
        self._late = {(k, min(2, len(self._rosters[k]) - 1)) for k in ("siping", "fuxin")}
        self._features: dict[str, dict[int, tuple[str, ...]]] = {}
        self._plans: LRU[tuple[str, int], UnitPlan] = LRU(1024)
        self._bodies: LRU[tuple[str, int], Body] = LRU(1024)
        # Digests of attachments, so that repeated truth listings do not rebuild every PDF.
        self._digests: LRU[str, tuple[str, str, str | None]] = LRU(4096)
        self._views: LRU[tuple[str, int, int], DocView] = LRU(256, 16 << 20, lambda v: len(v.body_html) * 4)
        self._edits: dict[str, tuple[str, ...]] = {}
        self._titles: dict[str, str] = {}
        self._markup: dict[str, str] = {}
        self._edit_serials: dict[str, int] = {}
        self._removed: set[str] = set()
        # Sections served in another template, and sites behind a challenge wall (replica.degraded).
        self._templates: dict[tuple[str, str], str] = {}
        self._challenged: set[str] = set()
        self._template_serial = 0
        self._serial = 0
        self._lock = threading.Lock()

    # --- structure ---------------------------------------------------------------------------

    def units(self, site: str) -> Sequence[UnitSpec]:
        return self._rosters[site]

    def scheme(self, site: str) -> IdScheme:
        return self._schemes[self.sites[site].sequence]

    def unit_by_folder(self, site: str, folder: str) -> UnitSpec | None:
        return self._folders.get((site, folder))

    def unit_by_channel(self, channel: int) -> tuple[UnitSpec, str] | None:
        """The Fuxin unit owning a list channel id, and the column code of that channel."""
        index, pos = divmod(channel - FUXIN_CHANNEL_START, FUXIN_CHANNEL_STRIDE)
        roster = self._rosters["fuxin"]
        columns = self.sites["fuxin"].columns
        if channel < FUXIN_CHANNEL_START or index >= len(roster) or pos >= len(columns):
            return None
        return roster[index], columns[pos].code

    def channel_of(self, spec: UnitSpec, column: str) -> int:
        codes = [c.code for c in self.sites[spec.site].columns]
        assert spec.channel_base is not None
        return spec.channel_base + codes.index(column)

    def plan(self, site: str, index: int) -> UnitPlan:
        def make() -> UnitPlan:
            spec = self._rosters[site][index]
            forced, gb = self._forced.get((site, index), ((), False))
            return plan_unit(
                self.sites[site],
                spec,
                self.scheme(site),
                self.seed,
                forced_faults=forced,
                force_gb18030=gb,
                force_late=(site, index) in self._late,
            )

        return self._plans.get_or_make((site, index), make)

    def plans(self, site: str) -> Iterator[UnitPlan]:
        for spec in self._rosters[site]:
            yield self.plan(site, spec.index)

    def unit_of_lane(self, sequence: str, lane: int) -> UnitSpec | None:
        for site, first in reversed(self._lanes[sequence]):
            if lane >= first:
                roster = self._rosters[site]
                return roster[lane - first] if lane - first < len(roster) else None
        return None

    # --- URLs ------------------------------------------------------------------------------

    def doc_path(self, doc: DocPlan) -> str:
        if self.sites[doc.site].family == "trs":
            spec = self._rosters[doc.site][doc.unit_index]
            return trs_detail_path(spec, doc.column, doc.day, doc.docid)
        return fuxin_detail_path(doc.day, doc.docid)

    def doc_url(self, doc: DocPlan) -> str:
        return self.sites[doc.site].base_url + self.doc_path(doc)

    def list_base(self, spec: UnitSpec, column: str) -> str:
        """Path of a column's first list page, as the site links it (TRS: the column folder, which
        serves index.html)."""
        if spec.folder:
            return trs_column_path(spec, column)
        return fuxin_list_path(self.channel_of(spec, column))

    def list_page_path(self, spec: UnitSpec, column: str, page: int) -> str:
        """Path of a list page (0-based) as the site links it: the first page by `list_base`, the
        others as the pager writes them."""
        if page == 0:
            return self.list_base(spec, column)
        if spec.folder:
            return trs_column_path(spec, column) + trs_list_file(page)
        return f"{fuxin_list_path(self.channel_of(spec, column))}?pageNo={page + 1}"

    def page_size(self, site: str) -> int:
        return TRS_PAGE_SIZE if self.sites[site].family == "trs" else FUXIN_PAGE_SIZE

    def list_pages(self, site: str) -> list[str]:
        """Every page of every column list of a site (the pages that list documents), by the URL
        the site links: TRS first pages as their folder (…/ndbg/, also served as …/index.html)."""
        base = self.sites[site].base_url
        size = self.page_size(site)
        urls = []
        for plan in self.plans(site):
            for column, docs in plan.columns.items():
                for page in range(-(-len(docs) // size)):
                    urls.append(base + self.list_page_path(plan.spec, column, page))
        return urls

    def seed_urls(self) -> dict[str, str]:
        """Seed file stem -> the URL serving it."""
        out = {}
        for site in ("siping", "fuxin"):
            for doc in self.plan(site, 0).docs:
                if doc.seed:
                    out[doc.seed] = self.doc_url(doc)
        return out

    # --- lookups -----------------------------------------------------------------------------

    def find_doc(self, site: str, docid: int, day: int | None = None) -> DocPlan | None:
        """The document with this id on this site (and creation day, when given)."""
        scheme = self.scheme(site)
        located = scheme.locate(docid)
        if located is None:
            return None
        lane, found_day = located
        if day is not None and day != found_day:
            return None
        spec = self.unit_of_lane(self.sites[site].sequence, lane)
        if spec is None or spec.site != site:
            return None
        doc = self.plan(site, spec.index).by_day.get(found_day)
        return doc if doc is not None and doc.docid == docid else None

    def find_url(self, url: str) -> DocPlan | tuple[DocPlan, FileRef] | None:
        """The document a real URL serves: a detail page, or (page, file) for its attachments."""
        from replica.routes import route_url  # routes builds on the corpus

        found = route_url(self, url)
        if isinstance(found, DocPlan):
            return found
        if isinstance(found, tuple):
            return found
        return None

    # --- content -----------------------------------------------------------------------------

    def body(self, doc: DocPlan) -> Body:
        spec = self._rosters[doc.site][doc.unit_index]
        force = self.forced_features(doc.site).get(doc.docid, ()) if doc.kind == "report" else ()
        return self._bodies.get_or_make(
            (doc.site, doc.docid),
            lambda: make_body(
                body_seed(self.seed, doc), kind=doc.kind, unit=spec.unit, year=doc.year, force=force
            ),
        )

    def forced_features(self, site: str) -> dict[int, tuple[str, ...]]:
        """Report docid -> the variant features forced on it, so that every table style, numbering,
        title form, script and body anomaly shows at least once on each target site however small
        the corpus (chance alone would miss some). Each feature goes to the eligible report (clean,
        UTF-8, shown in the page, of a format that can carry it) with the fewest so far, among the
        first units' reports: a few units are planned, once."""
        found = self._features.get(site)
        if found is not None:
            return found
        forced: dict[int, list[str]] = {}
        if site in ("siping", "fuxin"):
            candidates: list[DocPlan] = []
            for spec in self._rosters[site]:
                for doc in reversed(self.plan(site, spec.index).docs):
                    clean = doc.fault is None and doc.seed is None and not doc.pdf_only
                    if doc.kind == "report" and clean and doc.encoding == "utf-8":
                        candidates.append(doc)
                standard = sum(report_format(d.year) != "free-form" for d in candidates)
                if standard >= 16 and len(candidates) - standard >= 6:
                    break
            for feature in FEATURES:
                fitting = [
                    d for d in candidates if fits(feature, report_format(d.year), forced.get(d.docid, ()))
                ]
                if fitting:
                    chosen = min(fitting, key=lambda d: len(forced.get(d.docid, ())))
                    forced.setdefault(chosen.docid, []).append(feature)
        result = {docid: tuple(features) for docid, features in forced.items()}
        self._features[site] = result
        return result

    def list_title(self, doc: DocPlan) -> str:
        return load_seed(doc.seed).title if doc.seed else self.body(doc).title

    def view(self, doc: DocPlan) -> DocView:
        url = self.doc_url(doc)
        serial = self._edit_serials.get(url, 0)
        return self._views.get_or_make((doc.site, doc.docid, serial), lambda: self._make_view(doc, url))

    def _make_view(self, doc: DocPlan, url: str) -> DocView:
        site = self.sites[doc.site]
        spec = self._rosters[doc.site][doc.unit_index]
        trs = site.family == "trs"
        seed = load_seed(doc.seed) if doc.seed else None
        body = None if seed else self.body(doc)
        files = self._files(doc, spec, body) if body else ()
        if seed:
            title = seed.title
            html = paragraphs(seed.lines, right_aligned=seed.right_aligned)
            lines = [seed.text]
            signed_by = seed.signed_by
        else:
            assert body is not None
            title = body.title
            if doc.pdf_only:
                html, lines, signed_by = f"<p>{PDF_ONLY_NOTE}</p>", [PDF_ONLY_NOTE], None
            else:
                html, lines, signed_by = body_html(body), [body_text(body)], body.signed_by
        attachments = [Link(f.href, f.text) for f in files if not f.image]
        for image in (f for f in files if f.image):
            html += "\n" + image_paragraph(image.href)
        if attachments and not trs:
            html += attachment_paragraphs(attachments)
            lines += attachment_lines(attachments)
        title = self._titles.get(url, title)
        # Unescaped: a portal page that carries live markup (a compromised or careless CMS).
        html += self._markup.get(url, "")
        extra = self._edits.get(url, ())
        for para in extra:
            html += f"\n<p>{escape(para, quote=False)}</p>"
            lines.append(clean_line(para))
        source = None if trs else spec.source
        agency = signed_by or source or spec.breadcrumb_name
        editor = None if trs else _EDITORS[stable_int(self.seed, doc.docid, "editor") % len(_EDITORS)]
        return DocView(
            doc=doc,
            spec=spec,
            url=url,
            title=None if doc.fault == "no_title" else title,
            list_title=title,
            body_html=html,
            text="\n".join(x for x in lines if x),
            files=files,
            body=body,
            seed=seed,
            agency=agency,
            source=source,
            editor=editor,
            edited=bool(extra),
            extra=extra,
        )

    def _files(self, doc: DocPlan, spec: UnitSpec, body: Body) -> tuple[FileRef, ...]:
        site = self.sites[doc.site]
        base = site.base_url
        out = []
        for i, ext in enumerate(doc.attachments):
            text = _attachment_label(doc, body, i, ext)
            if site.family == "trs":
                name = trs_file_name("P", self.seed, doc.docid, doc.day, i, ext)
                folder = trs_column_path(spec, doc.column) + f"{date_of(doc.day):%Y%m}/"
                out.append(FileRef(base + folder + name, "./" + name, text, ext, i))
            else:
                path = fuxin_file_path(self.seed, doc.docid, doc.day, i, ext)
                out.append(FileRef(base + path, path, text, ext, i))
        if doc.image:
            name = trs_file_name("W", self.seed, doc.docid, doc.day, 0, "png")
            folder = trs_column_path(spec, doc.column) + f"{date_of(doc.day):%Y%m}/"
            out.append(FileRef(base + folder + name, "./" + name, name, "png", 0, image=True))
        return tuple(out)

    def file_content(self, doc: DocPlan, ref: FileRef) -> FileContent:
        body = self.body(doc)
        seed = f"{body_seed(self.seed, doc)}/{'W' if ref.image else 'P'}{ref.index}"
        ctype = CONTENT_TYPES[ref.ext]
        if ref.ext == "png":
            return FileContent(make_png(seed), ctype, None)
        if ref.ext in ("xls", "xlsx"):
            rows = _sheet_rows(body)
            return FileContent(make_xlsx(rows), ctype, "\n".join(" | ".join(r) for r in rows))
        data = make_pdf(body) if ref.ext == "pdf" else make_docx(body)
        return FileContent(data, ctype, body_text(body))

    # --- edits -------------------------------------------------------------------------------

    def edit(self, url: str, text: str | Sequence[str]) -> None:
        """Append paragraphs to a detail page's body from now on (a str may hold several lines)."""
        found = self.find_url(url)
        if not isinstance(found, DocPlan) or found.fault in SILENT_FAULTS:
            raise KeyError(f"not a served detail page: {url}")
        paras = text.split("\n") if isinstance(text, str) else list(text)
        new = tuple(p for p in paras if clean_line(p))
        if not new:
            raise ValueError("an edit must add some text")
        with self._lock:
            self._serial += 1
            self._edits[url] = self._edits.get(url, ()) + new
            self._edit_serials[url] = self._serial

    def retitle(self, url: str, title: str) -> None:
        """Give a detail page another title from now on (any text: the page escapes it)."""
        found = self.find_url(url)
        if not isinstance(found, DocPlan) or found.fault in SILENT_FAULTS:
            raise KeyError(f"not a served detail page: {url}")
        with self._lock:
            self._serial += 1
            self._titles[url] = title
            self._edit_serials[url] = self._serial

    def inject(self, url: str, markup: str) -> None:
        """Append raw HTML to a detail page's body from now on, unescaped: scripts and event
        handlers that a browser would run (for testing what shows archived pages)."""
        found = self.find_url(url)
        if not isinstance(found, DocPlan) or found.fault in SILENT_FAULTS:
            raise KeyError(f"not a served detail page: {url}")
        with self._lock:
            self._serial += 1
            self._markup[url] = self._markup.get(url, "") + markup
            self._edit_serials[url] = self._serial

    def remove(self, url: str) -> None:
        """Make a URL answer 404 from now on."""
        with self._lock:
            self._removed.add(url)

    def is_removed(self, url: str) -> bool:
        return url in self._removed

    def set_template(self, site: str, column: str, template: str) -> None:
        """Serve the detail pages of a site's column in ``template`` (``standard`` | ``broken``)."""
        from replica.degraded import TEMPLATES

        if site not in self.sites:
            raise KeyError(f"unknown site {site!r}")
        if column not in {c.code for c in self.sites[site].columns}:
            raise KeyError(f"site {site!r} has no column {column!r}")
        if template not in TEMPLATES:
            raise ValueError(f"unknown template {template!r}; known: {', '.join(TEMPLATES)}")
        with self._lock:
            if template == "standard":
                self._templates.pop((site, column), None)
            else:
                self._templates[(site, column)] = template
            self._template_serial += 1

    def template(self, site: str, column: str) -> str:
        """The template a column's detail pages are served in."""
        return self._templates.get((site, column), "standard")

    @property
    def template_serial(self) -> int:
        """A number that changes whenever a template is switched (cached pages are then stale)."""
        return self._template_serial

    def set_challenge(self, site: str, on: bool) -> None:
        """Put a site's HTML answers behind a JavaScript challenge page, or take it away."""
        if site not in self.sites:
            raise KeyError(f"unknown site {site!r}")
        with self._lock:
            if on:
                self._challenged.add(site)
            else:
                self._challenged.discard(site)

    def challenged(self, site: str) -> bool:
        return site in self._challenged

    def edit_serial(self, url: str) -> int:
        """0 for an unedited page, else a number that grows with every edit of the corpus."""
        return self._edit_serials.get(url, 0)

    # --- ground truth ------------------------------------------------------------------------

    def documents(self, site: str | None = None) -> Iterator[DocTruth]:
        """Truth for every detail page and attachment, site by site, unit by unit, each page
        followed by its attachments. (Inline images are listed in their page's `images`;
        `truth(url)` describes them too.)"""
        for key in [site] if site else list(self.sites):
            for plan in self.plans(key):
                for doc in plan.docs:
                    yield from self._truths(doc)

    def truth(self, url: str) -> DocTruth | None:
        found = self.find_url(url)
        if isinstance(found, DocPlan):
            return self._page_truth(found)
        if isinstance(found, tuple):
            page, ref = found
            return self._file_truth(page, self.view(page), ref)
        return None

    def _truths(self, doc: DocPlan) -> Iterator[DocTruth]:
        yield self._page_truth(doc)
        if doc.fault in SILENT_FAULTS:
            return
        view = self.view(doc)
        for ref in view.attachments:
            yield self._file_truth(doc, view, ref)

    def _region(self, spec: UnitSpec) -> dict[str, str | None]:
        u = spec.unit
        street = u.short if u.kind in ("street", "town") else None
        return {"province": u.province, "city": u.city, "district": u.district, "street": street}

    def _page_truth(self, doc: DocPlan) -> DocTruth:
        site = self.sites[doc.site]
        spec = self._rosters[doc.site][doc.unit_index]
        url = self.doc_url(doc)
        trs = site.family == "trs"
        common = {
            "url": url,
            "site": doc.site,
            "kind": doc.kind,
            "publish_date": doc.shown.isoformat(),
            "url_date": date_of(doc.day).isoformat() if trs else str(date_of(doc.day).year),
            "region": self._region(spec),
            "doc_type": _doc_type(doc.kind),
            "list_title": self.list_title(doc),
            "unit": spec.unit.short,
            "column": doc.column,
            "docid": doc.docid,
            "seed": doc.seed,
            "fault": doc.fault,
            "removed": url in self._removed,
        }
        if doc.fault in SILENT_FAULTS:
            return DocTruth(
                title=None,
                agency=None,
                report_year=doc.year if doc.kind == "report" else None,
                report_format=None,
                text=None,
                signed_by=None,
                signed_date=None,
                stats={},
                attachments=(),
                encoding=None,
                **common,  # type: ignore[arg-type]
            )
        view = self.view(doc)
        report = doc.kind == "report"
        shows_body = not doc.pdf_only
        extra: dict[str, object] = {}
        anomalies = _date_anomalies(doc) if report else []
        if view.seed:
            signed_by, signed_date, stats = view.seed.signed_by, view.seed.signed_date, view.seed.stats
            fmt: str | None = "free-form"
            anomalies += view.seed.anomalies
        elif view.body and shows_body:
            signed_by, signed_date, stats = view.body.signed_by, view.body.signed_date, view.body.stats
            fmt = view.body.report_format
            if report:
                anomalies += view.body.anomalies
                extra = _report_extras(view.body)
        else:
            signed_by, signed_date, stats, fmt = None, None, {}, None
        return DocTruth(
            title=view.title,
            agency=view.agency,
            report_year=doc.year if report else None,
            report_format=fmt if report else None,
            text=view.text,
            signed_by=signed_by,
            signed_date=signed_date,
            stats=dict(stats),
            attachments=tuple(f.url for f in view.attachments),
            images=tuple(f.url for f in view.images),
            encoding=doc.encoding,
            edited=view.edited,
            anomalies=tuple(sorted(set(anomalies))),
            **extra,  # type: ignore[arg-type]
            **common,  # type: ignore[arg-type]
        )

    def _digest(self, doc: DocPlan, ref: FileRef) -> tuple[str, str, str | None]:
        def make() -> tuple[str, str, str | None]:
            content = self.file_content(doc, ref)
            return hashlib.sha256(content.data).hexdigest(), content.content_type, content.text

        return self._digests.get_or_make(ref.url, make)

    def _file_truth(self, doc: DocPlan, view: DocView, ref: FileRef) -> DocTruth:
        sha256, content_type, text = self._digest(doc, ref)
        body = view.body
        assert body is not None
        site = self.sites[doc.site]
        copy = ref.ext in ("pdf", "doc", "docx")
        report_copy = copy and doc.kind == "report"
        extra: dict[str, object] = _report_extras(body) if report_copy else {}
        anomalies = [*_date_anomalies(doc), *body.anomalies] if report_copy else []
        return DocTruth(
            url=ref.url,
            site=doc.site,
            kind="image" if ref.image else "attachment",
            title=ref.text,
            publish_date=doc.shown.isoformat(),
            url_date=date_of(doc.day).isoformat() if site.family == "trs" else None,
            agency=(body.signed_by if copy else None) or view.source or view.spec.breadcrumb_name,
            region=self._region(view.spec),
            # A copy of the page is of the page's type; sheets and scans are not documents of a type.
            doc_type=_doc_type(doc.kind) if copy else "other",
            report_year=body.report_year if report_copy else None,
            report_format=body.report_format if report_copy else None,
            text=text,
            signed_by=body.signed_by if copy else None,
            signed_date=body.signed_date if copy else None,
            stats=dict(body.stats) if report_copy else {},
            attachments=(),
            encoding=None,
            fault=None,
            content_type=content_type,
            sha256=sha256,
            parent=view.url,
            unit=view.spec.unit.short,
            column=doc.column,
            docid=doc.docid,
            removed=ref.url in self._removed,
            anomalies=tuple(sorted(set(anomalies))),
            **extra,  # type: ignore[arg-type]
        )


def _doc_type(kind: str) -> str:
    return "annual_report" if kind == "report" else kind


def _date_anomalies(doc: DocPlan) -> list[str]:
    """The publication-date anomalies of a report page: shown after 31 March of the next year
    (the deadline of the 2008 regulations, the latest one), or before its period ended."""
    if doc.shown > date(doc.year + 1, 3, 31):
        return ["published_after_deadline"]
    if doc.shown <= date(doc.year, 12, 31):
        return ["published_before_period_end"]
    return []


def _report_extras(body: Body) -> dict[str, object]:
    return {
        "tables": dict(body.tables),
        "table_style": body.table_style,
        "period": dict(body.period) if body.period else None,
        "contacts": dict(body.contacts),
        "script": body.script,
        "features": body.features,
    }


def _attachment_label(doc: DocPlan, body: Body, index: int, ext: str) -> str:
    if ext in ("xls", "xlsx"):
        if doc.kind == "report":
            return f"{body.report_year}年政府信息公开工作统计表.{ext}"
        return f"附表{index + 1}.{ext}"
    if ext == "png":
        return f"{body.title}（扫描件）.png"
    return f"{body.title}.{ext}"


def _sheet_rows(body: Body) -> list[list[str]]:
    """A spreadsheet of the body: its tables, else its stated figures, else its paragraphs."""
    rows: list[list[str]] = []
    for block in body.blocks:
        if isinstance(block, Table):
            rows.extend(table_rows(block))
    if rows:
        return rows
    stated = [(k, v) for k, v in body.stats.items() if v is not None and k in _STAT_LABELS]
    if stated:
        head = [["指标名称", "计量单位", "本期实际"]]
        return head + [[_STAT_LABELS[k][0], _STAT_LABELS[k][1], str(v)] for k, v in stated]
    lines = [b for b in body.blocks if isinstance(b, str) and clean_line(b)]
    return [["序号", "内容"]] + [[str(i), clean_line(line)] for i, line in enumerate(lines, 1)]


def _forced_faults(sizes: dict[str, int]) -> dict[tuple[str, int], tuple[tuple[str, ...], bool]]:
    """Every fault once on Siping and once on Fuxin, spread over units other than the seeds'; and
    one guaranteed GB18030 page on Siping."""
    forced: dict[tuple[str, int], tuple[tuple[str, ...], bool]] = {}
    for site in ("siping", "fuxin"):
        n = sizes[site]
        for i, fault in enumerate(FAULTS):
            index = 1 + i % (n - 1) if n > 1 else 0
            faults, gb = forced.get((site, index), ((), False))
            forced[(site, index)] = ((*faults, fault), gb)
    gb_unit = ("siping", 1 if sizes["siping"] > 1 else 0)
    faults, _ = forced.get(gb_unit, ((), False))
    forced[gb_unit] = (faults, True)
    return forced


__all__ = ["STAT_KEYS", "Corpus", "DocTruth", "DocView", "FileRef"]
