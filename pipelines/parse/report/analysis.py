"""analyse_report: the report fields read from a body's prose, its statistics annex and the
values of its standard tables (read by pipelines.parse.tables)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from ..anomalies import anomaly
from .annex import read_annex
from .checks import malformed_dates, repeated_sentences
from .contacts import find_contacts
from .fmt import FREE_FORM, SECTIONS, detect_format, present_sections, report_headings
from .period import find_period
from .prose_stats import ABSENT, CUMULATIVE, PART, YEAR, Figure, prose_figures
from .text import looks_truncated, sentences

STAT_KEYS = (
    "proactive_total",
    "requests_received",
    "requests_carried_over",
    "requests_granted",
    "requests_partly_granted",
    "requests_refused",
    "fees_collected",
    "reconsideration_count",
    "litigation_count",
)
PROSE_TABLE_MISMATCH = "prose_table_mismatch"
CONTRADICTORY_FIGURES = "contradictory_figures"
MISSING_SECTION = "missing_section"

# Table cells whose sum is each stat (keys "section/row/column", see replica standard_tables).
TABLE_CELLS: Mapping[str, tuple[str, ...]] = {
    "requests_received": ("三/一/总计",),
    "requests_carried_over": ("三/二/总计",),
    "requests_granted": ("三/三(一)/总计",),
    "requests_partly_granted": ("三/三(二)/总计",),
    "requests_refused": tuple(f"三/三(三){k}/总计" for k in range(1, 9)),
    "reconsideration_count": ("四/行政复议/总计",),
    "litigation_count": ("四/未经复议直接起诉/总计", "四/复议后起诉/总计"),
}
_NO_VALUES: Mapping[str, int | float] = MappingProxyType({})
_NO_TEXT: Mapping[str, str] = MappingProxyType({})
# Sections 二, 三 and 四 are tables: their values stand for their heading.
_SECTION_TABLES = {"二": "二/", "三": "三/", "四": "四/"}


@dataclass(frozen=True)
class ReportAnalysis:
    """What a report states: its format, the nine stats with the text each came from, the
    statistics period, contact details, and the defects found on the way."""

    format: str | None
    stats: dict[str, int | float | None]
    evidence: dict[str, str]
    period: dict[str, str | None] | None  # start None: stated but unreadable (malformed)
    contacts: dict[str, str] | None
    anomalies: tuple[dict[str, object], ...]


def analyse_report(
    lines: Sequence[str],
    *,
    report_year: int | None,
    table_values: Mapping[str, int | float] = _NO_VALUES,
    table_evidence: Mapping[str, str] = _NO_TEXT,
    table_lines: frozenset[int] = frozenset(),
    format_hint: str | None = None,
) -> ReportAnalysis:
    """Fields of a report body (clean lines, title and signature removed).

    Stats come from the standard tables when their values are given (`table_values`, keys
    "section/row/column"), else from a statistics annex (附表), else from the prose; a prose figure
    that disagrees with the table is reported (`prose_table_mismatch`) and the table kept. The
    evidence of a table stat is its row as `table_evidence` gives it ("三/一/总计 = 5" without).
    Lines in `table_lines` (and any line holding a `|`) are not read as prose. `period` has start
    None when the period is stated but its start cannot be read; `contacts` is None when the
    report gives none. Never raises on odd text: what cannot be read is left None.
    """
    values, cell_text = table_values, table_evidence
    prose = sentences(lines, table_lines)
    headings = report_headings(lines, table_lines)
    fmt = detect_format(
        lines, headings, report_year=report_year, table_values=values, format_hint=format_hint
    )

    stats: dict[str, int | float | None] = dict.fromkeys(STAT_KEYS)
    evidence: dict[str, str] = {}
    found: list[dict[str, object]] = []

    tabled = _table_stats(values, cell_text)
    for stat, (value, text) in tabled.items():
        stats[stat], evidence[stat] = value, text
    for stat, row in read_annex(lines).items():
        if stats[stat] is None:
            stats[stat], evidence[stat] = row.value, row.evidence
            tabled[stat] = (row.value, row.evidence)

    by_stat: dict[str, list[Figure]] = {}
    for figure in prose_figures(prose):
        by_stat.setdefault(figure.stat, []).append(figure)
    for stat, figures in by_stat.items():
        if stat in tabled:
            carried = stats["requests_carried_over"] if stat == "requests_received" else None
            found.extend(_mismatches(stat, tabled[stat][0], figures, carried))
            found.extend(_contradictions(stat, tabled[stat][0], figures, same_kind=False))
            continue
        candidates = [f for f in figures if f.role in (YEAR, ABSENT)]
        if not candidates:
            continue
        # The figure that says it is a total (共, 全年…) is the whole; else the first one.
        whole = next((f for f in candidates if f.total), candidates[0])
        stats[stat], evidence[stat] = whole.value, whole.sentence.text
        found.extend(_contradictions(stat, whole.value, figures, whole_figure=whole))

    if fmt != FREE_FORM:
        found.extend(_missing_sections(headings, values, truncated=looks_truncated(lines, table_lines)))
    found.extend(repeated_sentences(prose))
    found.extend(malformed_dates(prose))
    return ReportAnalysis(
        format=fmt,
        stats=stats,
        evidence=evidence,
        period=find_period(prose),
        contacts=find_contacts(prose),
        anomalies=tuple(found),
    )


def _table_stats(
    values: Mapping[str, int | float], cell_text: Mapping[str, str]
) -> dict[str, tuple[int | float, str]]:
    out: dict[str, tuple[int | float, str]] = {}
    for stat, cells in TABLE_CELLS.items():
        present = [c for c in cells if c in values]
        if not present:
            continue
        total = sum(values[c] for c in present)
        rows: list[str] = []
        for c in present:
            row = cell_text.get(c) or f"{c} = {values[c]}"
            if row not in rows:
                rows.append(row)
        out[stat] = (total, "\n".join(rows))
    return out


def _mismatches(
    stat: str, table_value: int | float, figures: Sequence[Figure], carried: int | float | None
) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    for f in figures:
        if f.role not in (YEAR, ABSENT) or f.value == table_value:
            continue
        # "共收到申请6件（含上年结转1件）": new and carried-over requests together.
        if (
            stat == "requests_received"
            and "结转" in f.sentence.key
            and f.value == table_value + (carried or 0)
        ):
            continue
        if _is_channel_part(f, table_value):
            continue
        message = f"{stat}: the prose says {f.value}, the table {table_value} (the table is kept)"
        found.append(anomaly(PROSE_TABLE_MISMATCH, message, f.sentence.text))
    return found


def _is_channel_part(f: Figure, whole: int | float) -> bool:
    """A smaller figure for one channel of publication (在网站公开信息80条) is a part of the whole."""
    return f.stat == "proactive_total" and f.channel and not f.total and f.value < whole


def _contradictions(
    stat: str,
    whole: int | float,
    figures: Sequence[Figure],
    *,
    same_kind: bool = True,
    whole_figure: Figure | None = None,
) -> list[dict[str, object]]:
    """Figures that cannot stand beside `whole`: another figure for the year (unless the caller
    reports those as mismatches with a table), a multi-year total below it, a part above it."""
    found: list[dict[str, object]] = []
    for f in figures:
        if f is whole_figure:
            continue
        if same_kind and f.role in (YEAR, ABSENT) and f.value != whole and not _is_channel_part(f, whole):
            message = f"{stat}: {whole} in one place, {f.value} in another"
        elif f.role == CUMULATIVE and f.value < whole:
            message = f"{stat}: {whole} in the year but {f.value} cumulatively over several years"
        elif f.role == PART and f.value > whole:
            message = f"{stat}: a part ({f.value}) larger than its whole ({whole})"
        else:
            continue
        found.append(anomaly(CONTRADICTORY_FIGURES, message, f.sentence.text))
    return found


def _missing_sections(
    headings: Sequence[tuple[int, str]], values: Mapping[str, int | float], *, truncated: bool
) -> list[dict[str, object]]:
    present = present_sections(headings)
    found: list[dict[str, object]] = []
    numerals = [numeral for numeral, _name, _words in SECTIONS]
    last = max((numerals.index(n) for n in present), default=-1)
    for position, (numeral, name, _words) in enumerate(SECTIONS):
        if numeral in present:
            continue
        if truncated and position > last:
            continue  # lost with the end of a cut text, not left out of the report
        prefix = _SECTION_TABLES.get(numeral)
        if prefix is not None and any(k.startswith(prefix) for k in values):
            continue  # the heading is lost but the section's table is there
        found.append(anomaly(MISSING_SECTION, f"standard report without section {numeral}、{name}", None))
    return found
