"""Agency pages: every agency with annual reports, one agency's reports over the years with charts, and
the comparison of agencies for one year (docs/browse.md, "Web"). The data is ``agency_data``'s, the
charts ``charts``'; here the URL parameters are checked and the pages put together.

Names in URLs are only compared with the names the index holds, never used to find a file: a hostile
``name`` finds no agency (404), a malformed year or figure is a 400.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipelines.index.documents import DocumentNotFoundError
from pipelines.index.tokens import QueryError
from pipelines.parse.report.analysis import STAT_KEYS
from webui import charts
from webui.agency_data import (
    Agency,
    YearGroup,
    find_agencies,
    load_agencies,
    load_reports,
    series,
    year_groups,
    year_ranges,
)
from webui.app import render, security_headers
from webui.labels import stat_label

__all__ = ["routes"]

#: The figures charted over the years on an agency's page.
CHARTED = ("requests_received", "proactive_total", "reconsideration_count", "litigation_count")
#: Rows of a comparison: more is no longer readable as a table or a bar chart.
MAX_COMPARE = 20
#: The chart is an image: it may style itself, and load or run nothing.
CHART_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
_SITE = re.compile(r"[a-z0-9_-]{1,40}")
MAX_NAME = 200


def _text(params: QueryParams, name: str) -> str | None:
    return _bounded(name, params.get(name, ""))


def _bounded(name: str, value: str) -> str | None:
    value = value.strip()
    if len(value) > MAX_NAME:
        raise QueryError(f"{name} is too long ({len(value)} characters; at most {MAX_NAME})")
    return value or None


def _site(params: QueryParams) -> str | None:
    site = _text(params, "site")
    if site is not None and not _SITE.fullmatch(site):
        raise QueryError(f"site must be a site's name (letters, digits, - and _), not {site[:40]!r}")
    return site


def _year(params: QueryParams) -> int | None:
    value = params.get("year", "").strip()
    if not value:
        return None
    if not re.fullmatch(r"\d{4}", value) or not 1900 <= int(value) <= 2999:
        raise QueryError(f"year must be a year such as 2020, not {value[:40]!r}")
    return int(value)


def _figure(params: QueryParams) -> str:
    figure = params.get("figure", "").strip() or "requests_received"
    if figure not in STAT_KEYS:
        raise QueryError(f"figure must be one of {', '.join(STAT_KEYS)}, not {figure[:40]!r}")
    return figure


def num(value: float | None) -> str:
    """A figure as the tables show it: "—" when the report does not state it."""
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def nums(values: Sequence[float]) -> str:
    """The values one year's reports give for a figure: several when they disagree."""
    return " / ".join(num(v) for v in values) or "—"


# --- /agencies --------------------------------------------------------------------------------------


def agencies_page(request: Request) -> Response:
    agencies = load_agencies(request.app.state.archive)
    by_site: dict[str, list[Agency]] = {}
    for agency in agencies:
        by_site.setdefault(agency.site, []).append(agency)
    return render(request, "agencies.html", by_site=by_site, year_ranges=year_ranges, link=agency_link)


def agency_link(agency: Agency, *, key: bool = False, **extra: str) -> str:
    params = {"name": agency.name, "site": agency.site, **({"key": agency.key} if key else {}), **extra}
    return urlencode(params)


# --- /agency ----------------------------------------------------------------------------------------


def _matching(request: Request) -> tuple[list[Agency], list[Agency]]:
    """(the agencies the request's name, site and key can mean, every agency)."""
    params = request.query_params
    name = _text(params, "name")
    if name is None:
        raise QueryError("name is required: /agency?name=<an agency's name>[&site=<site>]")
    site, key = _site(params), _text(params, "key")
    agencies = load_agencies(request.app.state.archive)
    found = find_agencies(agencies, name, site, key)
    if not found:
        where = f" on site {site}" if site else ""
        raise DocumentNotFoundError(f"no agency named {name!r}{where} has annual reports in this archive")
    return found, agencies


@dataclass
class Chart:
    figure: str
    url: str


def agency_page(request: Request) -> Response:
    found, agencies = _matching(request)
    if len(found) > 1:
        return render(request, "agency.html", choices=found, link=agency_link, year_ranges=year_ranges)
    agency = found[0]
    groups = year_groups(load_reports(request.app.state.archive, agency.reports))
    years, _, _ = series(groups, CHARTED[0])
    dated = {g.year: g for g in groups if g.year is not None}
    charts_ = [Chart(f, "/agency/chart.svg?" + agency_link(agency, key=True, figure=f)) for f in CHARTED]
    compare = {year: compare_link(agency, year, agencies) for year in agency.years}
    return render(
        request,
        "agency.html",
        agency=agency,
        groups=groups,
        years=years,
        dated=dated,
        charts=charts_,
        charted=CHARTED,
        compare=compare,
        stat_keys=STAT_KEYS,
        num=num,
        nums=nums,
        year_ranges=year_ranges,
    )


def handle(agency: Agency) -> str:
    """An agency in a comparison's URL: ``site:name`` (the same name may be used on two sites)."""
    return f"{agency.site}:{agency.name}"


def compare_link(agency: Agency, year: int, agencies: Sequence[Agency]) -> str:
    """This agency with the others that reported for ``year``, those of its own site first."""
    others = [a for a in agencies if a is not agency and year in a.years]
    others.sort(key=lambda a: a.site != agency.site)
    chosen = [agency, *others][:MAX_COMPARE]
    return "/compare?" + urlencode([("year", year), *(("agency", handle(a)) for a in chosen)])


def agency_chart(request: Request) -> Response:
    found, _ = _matching(request)
    if len(found) > 1:
        raise QueryError("the name means several agencies: add site= (and key=) to choose one")
    agency, figure = found[0], _figure(request.query_params)
    groups = year_groups(load_reports(request.app.state.archive, agency.reports))
    years, main, other = series(groups, figure)
    svg = charts.line_chart(
        f"{agency.name} · {stat_label(figure)}",
        years,
        [(agency.name, main), ("another report of the same year gives", other)],
    )
    return Response(svg, media_type=charts.MEDIA_TYPE, headers=security_headers(CHART_POLICY))


# --- /compare ---------------------------------------------------------------------------------------


@dataclass
class Comparison:
    year: int | None
    #: Every year some agency reported for, newest first.
    years: list[int]
    #: The agencies one can tick: those with a report for ``year`` (``site`` only, when given).
    candidates: list[Agency]
    #: The rows: each chosen agency with its reports of the year (None: it has none).
    rows: list[tuple[Agency, YearGroup | None]]
    notes: list[str]


def comparison(archive: Path, params: QueryParams) -> Comparison:
    agencies = load_agencies(archive)
    site = _site(params)
    years = sorted({y for a in agencies for y in a.years}, reverse=True)
    year = _year(params) or (years[0] if years else None)
    candidates = [a for a in agencies if year in a.years and (site is None or a.site == site)]
    notes: list[str] = []
    asked = [v for v in (_bounded("agency", value) for value in params.getlist("agency")) if v]
    # No agency asked for: every one that reported that year (capped below).
    chosen = _chosen(agencies, asked, site, notes) if asked else candidates
    if len(chosen) > MAX_COMPARE:
        notes.append(f"{len(chosen)} agencies: the first {MAX_COMPARE} are compared; tick the ones you want.")
        chosen = chosen[:MAX_COMPARE]
    rows: list[tuple[Agency, YearGroup | None]] = []
    for agency in chosen if year is not None else []:
        reports = load_reports(archive, [r for r in agency.reports if r.year == year])
        rows.append((agency, year_groups(reports)[0] if reports else None))
    return Comparison(year, years, candidates, rows, notes)


def _chosen(agencies: Sequence[Agency], asked: list[str], site: str | None, notes: list[str]) -> list[Agency]:
    sites = {a.site for a in agencies}
    chosen: dict[tuple[str, str], Agency] = {}
    for value in asked:
        prefix, colon, name = value.partition(":")
        qualified = bool(colon) and prefix in sites
        found = find_agencies(agencies, name if qualified else value, prefix if qualified else site)
        if not found:
            notes.append(f"no agency named {value!r} has annual reports in this archive")
        chosen.update(((a.site, a.key), a) for a in found)
    return list(chosen.values())


def compare_page(request: Request) -> Response:
    result = comparison(request.app.state.archive, request.query_params)
    figure = _figure(request.query_params)
    chart = None
    if result.rows and result.year is not None:
        chart = "/compare/chart.svg?" + urlencode(
            [("year", result.year), ("figure", figure), *(("agency", handle(a)) for a, _ in result.rows)]
        )
    return render(
        request,
        "compare.html",
        cmp=result,
        figure=figure,
        chart=chart,
        chosen={(a.site, a.key) for a, _ in result.rows},
        site=request.query_params.get("site", ""),
        stat_keys=STAT_KEYS,
        nums=nums,
        handle=handle,
        link=agency_link,
    )


def compare_chart(request: Request) -> Response:
    result = comparison(request.app.state.archive, request.query_params)
    figure = _figure(request.query_params)
    names = [a.name for a, _ in result.rows]
    labels = [f"{a.name} ({a.site})" if names.count(a.name) > 1 else a.name for a, _ in result.rows]
    values = [group.value(figure) if group else None for _, group in result.rows]
    svg = charts.bar_chart(f"{stat_label(figure)} · {result.year}", labels, values)
    return Response(svg, media_type=charts.MEDIA_TYPE, headers=security_headers(CHART_POLICY))


def routes() -> list[BaseRoute]:
    return [
        Route("/agencies", agencies_page),
        Route("/agency", agency_page),
        Route("/agency/chart.svg", agency_chart),
        Route("/compare", compare_page),
        Route("/compare/chart.svg", compare_chart),
    ]
