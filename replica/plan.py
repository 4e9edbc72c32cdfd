"""What one unit publishes: its documents' columns, creation days, ids, displayed dates,
attachments, encodings and injected faults, decided from the seed without writing any body."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from replica.content import Body, Unit, body_text, make_body, needs_gb18030
from replica.sites import (
    DAYS,
    FIRST_YEAR,
    FUXIN_SEED_DAY,
    LAST_REPORT_YEAR,
    SIPING_SEED_DAY,
    IdScheme,
    SiteSpec,
    UnitSpec,
    date_of,
    day_of,
    stable_int,
)

FAULTS = ("404", "500", "empty", "no_title", "undecodable", "not_html")
# Faults whose response carries no page: such documents show nothing, attachments included.
SILENT_FAULTS = frozenset({"404", "500", "empty", "not_html"})
FAULT_PER_MILLE = 6  # share of generated documents given a fault, over all kinds together
GB18030_SHARE = 0.12  # TRS pages encoded GB18030 and declared gb2312

SEED_000 = "000_86e897f74c26ea25"
SEED_004 = "004_06686d2d0afa0829"
SEED_YEAR = 2017


@dataclass(frozen=True, slots=True)
class DocPlan:
    site: str
    unit_index: int
    ordinal: int  # creation order within the unit
    column: str
    kind: str  # report | notice | functions | guide | policy
    day: int  # creation day (the date in a TRS URL)
    docid: int
    shown: date  # the date the page displays as published
    year: int  # report year for reports, else the creation year
    attachments: tuple[str, ...]  # file extensions, in link order
    pdf_only: bool  # a report published only as its attached PDF
    image: bool  # an inline W0… image in the body
    encoding: str  # "utf-8" | "gb18030" (declared gb2312)
    fault: str | None
    seed: str | None  # the seed file stem for the two real pages

    @property
    def created(self) -> date:
        return date_of(self.day)


@dataclass(frozen=True)
class UnitPlan:
    spec: UnitSpec
    docs: tuple[DocPlan, ...]  # creation order
    by_day: dict[int, DocPlan] = field(repr=False)
    columns: dict[str, tuple[DocPlan, ...]] = field(repr=False)  # newest first, non-empty only


@dataclass(frozen=True)
class _Wish:
    target: int
    column: str
    kind: str
    year: int | None  # report year
    late: bool = False  # a report published after the deadline: its page shows its creation day


def _day(y: int, m: int, d: int) -> int:
    return day_of(date(y, m, d))


def _late(seed: int, site: SiteSpec, spec: UnitSpec, year: int) -> int | None:
    """Days after 10 April of the next year a report is published, for the ~2% published after
    the 31 March deadline; None for the others. Drawn apart from the plan's stream, which stays as
    it was."""
    if stable_int(seed, site.key, spec.index, year, "late") % 100 >= 2:
        return None
    return stable_int(seed, site.key, spec.index, year, "late-day") % 200


def _wishes(
    site: SiteSpec, spec: UnitSpec, seed: int, rng: random.Random, seeded: bool, force_late: bool = False
) -> list[_Wish]:
    codes = {c.code for c in site.columns}
    start = FIRST_YEAR + int(rng.random() ** 1.6 * 14)
    if seeded:
        start = min(start, SEED_YEAR - 1)
    first = _day(start, 1, 1)
    wishes: list[_Wish] = []
    department = spec.unit.kind == "department"
    for year in range(start, LAST_REPORT_YEAR + 1):
        if (seeded and year == SEED_YEAR) or rng.random() >= 0.85:
            continue
        # Reports are due by 31 March; departments by 31 January under the 2019 regulations.
        if department and year >= 2019 and rng.random() < 0.8:
            target = _day(year + 1, 1, rng.randint(5, 31))
        else:
            target = _day(year + 1, 1, 2) + rng.randint(0, 87)
        late = _late(seed, site, spec, year)
        if force_late and not any(w.late for w in wishes):
            late = late or 30
        if late is not None:
            target = _day(year + 1, 4, 10) + late
        wishes.append(_Wish(target, "ndbg", "report", year, late=late is not None))
    busy = is_busy(site, spec.index, seed)
    for _ in range(rng.randint(25, 50) if busy else rng.randint(2, 9)):
        wishes.append(_Wish(rng.randint(first, DAYS - 1), "tzgg", "notice", None))
    if "jgzn" in codes and rng.random() < 0.75:
        wishes.append(_Wish(first + rng.randint(0, 700), "jgzn", "functions", None))
        if rng.random() < 0.3:
            wishes.append(_Wish(rng.randint(first, DAYS - 1), "jgzn", "functions", None))
    if "gkzn" in codes and rng.random() < 0.8:
        wishes.append(_Wish(first + rng.randint(0, 400), "gkzn", "guide", None))
        # Guides were rewritten after the 2019 regulations took effect on 15 May 2019.
        if rng.random() < 0.4:
            wishes.append(_Wish(_day(2019, 5, 15) + rng.randint(0, 500), "gkzn", "guide", None))
    if "gfxwj" in codes and rng.random() < (0.7 if department else 0.25):
        for _ in range(rng.randint(1, 5 if department else 2)):
            wishes.append(_Wish(rng.randint(first, DAYS - 1), "gfxwj", "policy", None))
    return wishes


def is_busy(site: SiteSpec, index: int, seed: int) -> bool:
    """A few units post enough notices to page their list; unit 1 of each target site always does,
    so that small corpora have paged lists too."""
    if index == 1 and site.max_units is None:
        return True
    return stable_int(seed, site.key, index, "busy") % 10 == 0


def _place(wishes: list[_Wish], scheme: IdScheme, lane: int, taken: set[int]) -> list[tuple[int, _Wish]]:
    """Gives each wish a free creation day this unit may use, near its target; drops the rest."""
    placed: list[tuple[int, _Wish]] = []
    for wish in sorted(wishes, key=lambda w: (w.target, w.column, w.year or 0)):
        day = scheme.first_day_from(lane, max(0, wish.target))
        while day in taken:
            day += scheme.period
        if day >= DAYS:
            day = scheme.first_day_from(lane, max(0, wish.target)) - scheme.period
            while day in taken and day >= 0:
                day -= scheme.period
            if day < 0:
                continue
        taken.add(day)
        placed.append((day, wish))
    return placed


def _shown_date(site: SiteSpec, created: date, rng: random.Random) -> date:
    if site.family != "trs":
        return created
    # On TRS the file's creation date and the displayed 发布日期 often differ: a day (the seed) or
    # years (t20180212 shows 2011-12-31 on the twin site).
    roll = rng.random()
    if roll < 0.22:
        return created - timedelta(days=1)
    if roll < 0.25 and created.year > FIRST_YEAR + 1:
        back = rng.randint(1, min(7, created.year - FIRST_YEAR))
        return (
            date(created.year - back, 12, 31)
            if rng.random() < 0.5
            else date(created.year - back, rng.randint(1, 12), rng.randint(1, 28))
        )
    return created


def _attachments(site: SiteSpec, kind: str, year: int, rng: random.Random) -> tuple[tuple[str, ...], bool]:
    if kind == "report":
        if year >= 2012 and rng.random() < 0.1:
            return ("pdf",), True
        roll = rng.random()
        if roll < 0.05:
            return ("pdf",), False
        if roll < 0.13:
            return (rng.choice(("xls", "xlsx")),), False
        return (), False
    if kind == "notice":
        roll = rng.random()
        if roll < 0.05:
            return (rng.choice(("doc", "docx")), rng.choice(("xls", "xlsx", "pdf"))), False
        if roll < 0.2:
            options = ("doc", "docx", "pdf", "png") if site.family == "trs" else ("doc", "docx", "pdf")
            return (rng.choice(options),), False
        return (), False
    if kind == "policy" and rng.random() < 0.3:
        return (rng.choice(("pdf", "docx")),), False
    if kind == "guide" and rng.random() < 0.1:
        return ("doc",), False
    return (), False


def _seed_doc(site: SiteSpec, spec: UnitSpec, scheme: IdScheme) -> DocPlan:
    created = SIPING_SEED_DAY if site.key == "siping" else FUXIN_SEED_DAY
    day = day_of(created)
    shown = created - timedelta(days=1) if site.key == "siping" else created
    return DocPlan(
        site=site.key,
        unit_index=spec.index,
        ordinal=0,
        column="ndbg",
        kind="report",
        day=day,
        docid=scheme.docid(spec.lane, day),
        shown=shown,
        year=SEED_YEAR,
        attachments=(),
        pdf_only=False,
        image=False,
        encoding="utf-8",
        fault=None,
        seed=SEED_000 if site.key == "siping" else SEED_004,
    )


def plan_unit(
    site: SiteSpec,
    spec: UnitSpec,
    scheme: IdScheme,
    seed: int,
    *,
    forced_faults: tuple[str, ...] = (),
    force_gb18030: bool = False,
    force_late: bool = False,
) -> UnitPlan:
    seeded = spec.index == 0 and site.key in ("siping", "fuxin")
    rng = random.Random(f"plan/{seed}/{site.key}/{spec.index}")
    taken: set[int] = set()
    seed_doc = _seed_doc(site, spec, scheme) if seeded else None
    if seed_doc:
        taken.add(seed_doc.day)
    placed = _place(_wishes(site, spec, seed, rng, seeded, force_late), scheme, spec.lane, taken)
    docs: list[DocPlan] = []
    for day, wish in placed:
        created = date_of(day)
        doc_rng = random.Random(f"doc/{seed}/{site.key}/{spec.index}/{day}")
        year = wish.year if wish.year is not None else created.year
        attachments, pdf_only = _attachments(site, wish.kind, year, doc_rng)
        docid = scheme.docid(spec.lane, day)
        fault = None
        if stable_int(seed, site.key, docid, "fault") % 1000 < FAULT_PER_MILLE:
            fault = FAULTS[stable_int(seed, site.key, docid, "which") % len(FAULTS)]
        trs = site.family == "trs"
        shown = _shown_date(site, created, doc_rng)
        docs.append(
            DocPlan(
                site=site.key,
                unit_index=spec.index,
                ordinal=0,
                column=wish.column,
                kind=wish.kind,
                day=day,
                docid=docid,
                shown=created if wish.late else shown,
                year=year,
                attachments=attachments,
                pdf_only=pdf_only,
                image=trs and wish.kind in ("notice", "report") and doc_rng.random() < 0.08,
                encoding="gb18030" if trs and doc_rng.random() < GB18030_SHARE else "utf-8",
                fault=fault,
                seed=None,
            )
        )
    if seed_doc:
        docs.append(seed_doc)
    docs.sort(key=lambda d: d.day)
    docs = _force(docs, forced_faults, force_gb18030, spec.unit, seed)
    docs = [_finish(d, i) for i, d in enumerate(docs)]
    by_column: dict[str, list[DocPlan]] = {}
    for doc in reversed(docs):
        by_column.setdefault(doc.column, []).append(doc)
    columns = {c.code: tuple(by_column[c.code]) for c in site.columns if c.code in by_column}
    return UnitPlan(spec, tuple(docs), {d.day: d for d in docs}, columns)


def body_seed(seed: int, doc: DocPlan) -> str:
    """The make_body seed of a document: its corpus, site and id."""
    return f"{seed}/{doc.site}/{doc.docid}"


def _force(
    docs: list[DocPlan], faults: tuple[str, ...], gb18030: bool, unit: Unit, seed: int
) -> list[DocPlan]:
    """Puts the faults the corpus guarantees on this unit's newest non-report documents (reports
    last, seeds never), and GB18030 on its newest clean page whose text GB2312 cannot encode."""
    out = list(docs)
    order = sorted(
        (i for i, d in enumerate(out) if d.seed is None),
        key=lambda i: (out[i].kind == "report", -out[i].day),
    )
    pending = list(faults)
    for i in order:
        if not pending:
            break
        if out[i].fault is None:
            out[i] = replace(out[i], fault=pending.pop(0), encoding="utf-8")
    if gb18030:
        clean = [
            i
            for i in sorted(range(len(out)), key=lambda i: (out[i].kind != "report", -out[i].day))
            if out[i].seed is None and out[i].fault is None and not out[i].pdf_only
        ]
        rare = [i for i in clean if needs_gb18030(body_text(_body(out[i], unit, seed)))]
        for i in (rare or clean)[:1]:
            out[i] = replace(out[i], encoding="gb18030")
    return out


def _body(doc: DocPlan, unit: Unit, seed: int) -> Body:
    return make_body(body_seed(seed, doc), kind=doc.kind, unit=unit, year=doc.year)


def _finish(doc: DocPlan, ordinal: int) -> DocPlan:
    if doc.fault in SILENT_FAULTS:
        return replace(doc, ordinal=ordinal, attachments=(), pdf_only=False, image=False)
    if doc.fault == "undecodable" and doc.encoding != "utf-8":
        return replace(doc, ordinal=ordinal, encoding="utf-8")
    return replace(doc, ordinal=ordinal)
