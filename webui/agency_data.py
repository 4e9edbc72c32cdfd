"""Agencies and their annual reports, read from the index and the reports' JSON (no web framework).

One agency publishes under several names: short forms (``财政局``), traditional script, with or without
the city prefix or the ``办事处`` suffix. ``agency_key`` reduces a report to one key per agency: the
portal's unit folder where the site has one (TRS sites), otherwise the name with what varies taken
off. Lists (``load_agencies``) come from the index alone; figures (``load_reports``) from the JSON of
the reports shown only.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from pipelines.index.schema import connect
from pipelines.index.search import existing_index
from pipelines.parse.report import to_simplified
from pipelines.parse.report.analysis import STAT_KEYS

__all__ = [
    "Agency",
    "Report",
    "ReportRow",
    "YearGroup",
    "agency_key",
    "find_agencies",
    "group_agencies",
    "load_agencies",
    "load_reports",
    "normalize_name",
    "region_levels",
    "series",
    "year_groups",
    "year_ranges",
]

log = logging.getLogger(__name__)

Value = int | float | None

# The levels above a street (province, city, district): a name's prefix that repeats them says
# nothing about which agency it is. Each part excludes the level words of its own and higher levels,
# so a street called 新市街道 is never read as a city.
_REGION = re.compile(
    r"(?P<province>[^省市区县]{1,8}?(?:省|自治区|特别行政区))?"
    r"(?P<city>[^省市区县州盟]{1,10}?(?:市|自治州|州|盟|地区))?"
    r"(?P<district>[^省市区县旗]{1,10}?(?:区|县|市|旗))?"
)
# A street's or township's office is the street itself (学苑街道办事处 = 学苑街道). Only after those
# words: 人民政府 alone (a district government) stays.
_OFFICE = re.compile(r"(街道|镇|乡|苏木)(?:办事处|人民政府|政府|办)$")
_NOISE = re.compile(r"[\s·•・\u3000]+")


def _clean(text: str) -> str:
    return _NOISE.sub("", to_simplified(unicodedata.normalize("NFKC", text)))


@lru_cache(maxsize=4096)
def region_levels(region: str | None) -> tuple[str, ...]:
    """The province, city and district named at the start of a joined region (those present)."""
    match = _REGION.match(_clean(region or ""))
    return tuple(part for part in match.groups() if part) if match else ()


@lru_cache(maxsize=8192)
def normalize_name(name: str, region: str | None) -> str:
    """``name`` without what varies between one agency's reports: traditional script, spaces, the
    region's province/city/district prefixes, a street office's suffix. Never empty for a name."""
    text = _clean(name)
    text = _OFFICE.sub(r"\1", text)
    levels = region_levels(region)
    changed = True
    while changed:
        changed = False
        for level in levels:
            # Keep something: a name that is only its district (铁西区) stays itself.
            if text.startswith(level) and len(text) > len(level):
                text = text[len(level) :]
                changed = True
    return text


def agency_key(name: str | None, region: str | None, unit: str | None) -> str | None:
    """One key per agency within a site: the unit folder when known, else the normalized name within
    the region's district (two districts' 财政局 stay apart). None: nothing to tell the agency by."""
    if unit:
        return f"unit:{unit}"
    if not name or not name.strip():
        return None
    scope = "".join(region_levels(region)[-2:])
    return f"name:{scope}|{normalize_name(name, region)}"


@dataclass(frozen=True)
class ReportRow:
    """An annual report as the index describes it (its latest version)."""

    site: str
    id: str
    kind: str
    title: str | None
    agency: str | None
    region: str | None
    unit: str | None
    year: int | None
    format: str | None
    publish_date: str | None
    anomalies: int
    withdrawn: bool
    path: str


@dataclass(frozen=True)
class Agency:
    site: str
    key: str
    #: Newest year first; undated reports last.
    reports: tuple[ReportRow, ...]

    @cached_property
    def name_counts(self) -> list[tuple[str, int]]:
        """The names published under, most used first; on a tie the longer (fuller) name first."""
        counts = Counter(r.agency for r in self.reports if r.agency)
        return sorted(counts.items(), key=lambda item: (-item[1], -len(item[0]), item[0]))

    @property
    def name(self) -> str:
        return self.name_counts[0][0] if self.name_counts else self.unit or self.key

    @property
    def other_names(self) -> list[str]:
        return [name for name, _ in self.name_counts[1:]]

    @property
    def unit(self) -> str | None:
        return self.key[len("unit:") :] if self.key.startswith("unit:") else None

    @cached_property
    def years(self) -> list[int]:
        return sorted({r.year for r in self.reports if r.year is not None})

    @cached_property
    def name_keys(self) -> frozenset[str]:
        return frozenset(k for r in self.reports if (k := agency_key(r.agency, r.region, None)))

    @property
    def regions(self) -> set[str | None]:
        return {r.region for r in self.reports}


def group_agencies(rows: Iterable[ReportRow]) -> list[Agency]:
    """Reports grouped by (site, agency_key), by site then name. A report without a unit (a PDF
    attached to a TRS page carries none) joins the unit whose reports bear its normalized name, when
    exactly one unit of the site does."""
    groups: dict[tuple[str, str], list[ReportRow]] = defaultdict(list)
    for row in rows:
        key = agency_key(row.agency, row.region, row.unit)
        if key is not None:
            groups[(row.site, key)].append(row)
    units_of_name: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (site, key), members in groups.items():
        if key.startswith("unit:"):
            for row in members:
                name_key = agency_key(row.agency, row.region, None)
                if name_key:
                    units_of_name[(site, name_key)].add(key)
    for site, key in [k for k in groups if k[1].startswith("name:")]:
        units = units_of_name.get((site, key), set())
        if len(units) == 1:
            groups[(site, units.pop())].extend(groups.pop((site, key)))
    agencies = [
        Agency(site, key, tuple(sorted(members, key=_newest_first)))
        for (site, key), members in groups.items()
    ]
    agencies.sort(key=lambda a: (a.site, a.name, a.key))
    return agencies


def _newest_first(row: ReportRow) -> tuple[Any, ...]:
    return (row.year is None, -(row.year or 0), row.kind != "page", row.withdrawn, row.id)


_COLUMNS = (
    "site, id, kind, title, agency, region, unit, report_year, format, publish_date, "
    "anomalies, withdrawn, path"
)


def load_agencies(archive: Path) -> list[Agency]:
    """Every agency with annual reports, from the index alone. Grouping is redone only when the index
    file changed (a crawl or `xxgk index` rewrites it)."""
    path = existing_index(archive)
    stat = path.stat()
    return _load_agencies(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _load_agencies(path: str, mtime_ns: int, size: int) -> list[Agency]:
    conn = connect(path, readonly=True)
    try:
        cursor = conn.execute(f"SELECT {_COLUMNS} FROM docs WHERE doc_type = 'annual_report'")
        rows = [_report_row(r) for r in cursor]
    finally:
        conn.close()
    return group_agencies(rows)


def _report_row(r: sqlite3.Row) -> ReportRow:
    return ReportRow(
        site=r["site"],
        id=r["id"],
        kind=r["kind"],
        title=r["title"],
        agency=r["agency"],
        region=r["region"],
        unit=r["unit"],
        year=r["report_year"],
        format=r["format"],
        publish_date=r["publish_date"],
        anomalies=int(r["anomalies"] or 0),
        withdrawn=bool(r["withdrawn"]),
        path=r["path"],
    )


def find_agencies(
    agencies: Sequence[Agency], name: str, site: str | None = None, key: str | None = None
) -> list[Agency]:
    """The agencies ``name`` can mean: one that published under exactly that name, else one whose
    names normalize to it (any script, with or without prefix or suffix), or whose unit it is."""
    pool = [a for a in agencies if (site is None or a.site == site) and (key is None or a.key == key)]
    exact = [a for a in pool if any(name == n for n, _ in a.name_counts) or name == a.unit]
    if exact:
        return exact
    return [a for a in pool if any(agency_key(name, region, None) in a.name_keys for region in a.regions)]


@dataclass(frozen=True)
class Report:
    row: ReportRow
    stats: Mapping[str, Value]


def load_reports(archive: Path, rows: Iterable[ReportRow]) -> list[Report]:
    """The figures of these reports, from their latest version's JSON. A file that cannot be read
    leaves the report without figures (logged) rather than the page without the report.

    Kept for the next requests: an agency page and its four charts read the same reports, and a
    version file never changes once written (a new version is a new path, so a new key)."""
    return list(_load_reports(archive, tuple(rows)))


@lru_cache(maxsize=64)
def _load_reports(archive: Path, rows: tuple[ReportRow, ...]) -> tuple[Report, ...]:
    reports = []
    for row in rows:
        try:
            doc = json.loads((archive / row.path).read_bytes())
            raw = doc.get("stats") or {}
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("cannot read the figures of %s: %s", row.path, exc)
            raw = {}
        stats = {key: _number(raw.get(key)) for key in STAT_KEYS}
        reports.append(Report(row, stats))
    return tuple(reports)


def _number(value: object) -> Value:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class YearGroup:
    """The reports of one year (None: undated), the preferred one first: a page before its attached
    PDF, a live one before a withdrawn one."""

    year: int | None
    reports: tuple[Report, ...]

    def values(self, stat: str) -> list[int | float]:
        """The distinct values the reports give, the preferred report's first."""
        seen: list[int | float] = []
        for report in self.reports:
            value = report.stats.get(stat)
            if value is not None and value not in seen:
                seen.append(value)
        return seen

    def value(self, stat: str) -> Value:
        values = self.values(stat)
        return values[0] if values else None

    @property
    def conflicts(self) -> list[str]:
        """The figures on which this year's reports disagree (a report silent on one does not)."""
        return [stat for stat in STAT_KEYS if len(self.values(stat)) > 1]


def year_groups(reports: Iterable[Report]) -> list[YearGroup]:
    """Newest year first, undated last."""
    by_year: dict[int | None, list[Report]] = defaultdict(list)
    for report in sorted(reports, key=lambda r: _newest_first(r.row)):
        by_year[report.row.year].append(report)
    return [YearGroup(year, tuple(members)) for year, members in by_year.items()]


def series(groups: Sequence[YearGroup], stat: str) -> tuple[list[int], list[Value], list[Value]]:
    """Every year from the first to the last report (oldest first), the figure in each (None: no
    report, or the report does not state it: a gap, not a zero), and where reports disagree, the
    other value."""
    dated = {g.year: g for g in groups if g.year is not None}
    if not dated:
        return [], [], []
    years = list(range(min(dated), max(dated) + 1))
    main: list[Value] = []
    other: list[Value] = []
    for year in years:
        values = dated[year].values(stat) if year in dated else []
        main.append(values[0] if values else None)
        other.append(values[1] if len(values) > 1 else None)
    return years, main, other


def year_ranges(years: Iterable[int]) -> str:
    """``2009–2015, 2017, 2019–2021``: the years covered, gaps visible."""
    ranges: list[list[int]] = []
    for year in sorted(set(years)):
        if ranges and year == ranges[-1][1] + 1:
            ranges[-1][1] = year
        else:
            ranges.append([year, year])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in ranges)
