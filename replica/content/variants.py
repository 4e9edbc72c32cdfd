"""How one report departs from the clean form: table rendering, heading numbering, title form,
script, and the defects it carries, drawn at realistic rates or forced by the corpus.

A feature is a string "group:value" (`table:pipes`, `anomaly:missing_section`); `FEATURES` lists every
one the replica can force. Each report takes at most one value per group, except anomalies.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from .style import chance

# How a standard report's tables reach the page (docs report-formats.md, "How tables reach a parser"):
# "html" is the <table>; the others are the tables flattened into paragraphs; "prose" writes the
# six sections without any table; "missing" leaves one table out.
TABLE_STYLES = (
    "html",
    "pipes",
    "pipes-bare",
    "cell-lines",
    "cell-pipe-lines",
    "split-cells",
    "vertical",
    "missing",
    "prose",
)
# Top-level headings: 一、 as usual, 【一】, spaced 一 、概 述, or glued to the paragraph after them;
# "circled" numbers sub-headings ① ② and "parenthesised" ㈠ ㈡.
NUMBERINGS = ("plain", "bracket", "spaced", "glued", "circled", "parenthesised")
# The page title: as usual, without its year, without its agency, or with an unusual ending; the
# body's title split across two lines.
TITLE_FORMS = ("plain", "split", "no-year", "no-agency", "nianbao", "work-report", "situation-report")
SCRIPTS = ("simplified", "traditional")
# Defects written into the body (the publication-date anomalies are decided by the plan).
BODY_ANOMALIES = (
    "table_identity_broken",
    "table_total_mismatch",
    "prose_table_mismatch",
    "contradictory_figures",
    "repeated_paragraph",
    "missing_section",
    "malformed_date",
    "signed_before_period_end",
    "truncated_text",
)
# Anomalies only one format can carry as the generators write them.
STANDARD_ONLY = frozenset(
    {"table_identity_broken", "table_total_mismatch", "prose_table_mismatch", "missing_section"}
)
FREEFORM_ONLY = frozenset({"contradictory_figures", "repeated_paragraph"})
# Anomalies that need the tables on the page.
NEED_TABLES = frozenset({"table_identity_broken", "table_total_mismatch", "prose_table_mismatch"})

FEATURES: tuple[str, ...] = (
    *(f"table:{s}" for s in TABLE_STYLES if s != "html"),
    *(f"numbering:{n}" for n in NUMBERINGS if n != "plain"),
    *(f"title:{t}" for t in TITLE_FORMS if t != "plain"),
    "script:traditional",
    "contacts:stated",
    *(f"anomaly:{a}" for a in BODY_ANOMALIES),
)


@dataclass(frozen=True)
class Variant:
    table_style: str = "html"
    numbering: str = "plain"
    title_form: str = "plain"
    script: str = "simplified"
    contacts: bool = False  # states the statistics period and contact details
    anomalies: frozenset[str] = field(default_factory=frozenset)

    def has(self, code: str) -> bool:
        return code in self.anomalies


def _weighted(rng: random.Random, options: tuple[str, ...], weights: tuple[float, ...]) -> str:
    return rng.choices(options, weights)[0]


def draw_variant(rng: random.Random, fmt: str) -> Variant:
    """A variant at the rates real portals show: most reports clean, each departure rare."""
    standard = fmt != "free-form"
    table = (
        _weighted(rng, TABLE_STYLES, (85.0, 2.0, 2.0, 2.0, 1.0, 1.5, 1.5, 1.5, 3.5)) if standard else "html"
    )
    numbering = _weighted(rng, NUMBERINGS, (90.0, 2.0, 2.0, 3.0, 2.0, 1.0))
    title = _weighted(rng, TITLE_FORMS, (85.0, 0.0, 2.0, 2.0, 4.0, 4.0, 3.0))
    # At most one of the defects the variant writes; the generators add their own rarer ones.
    roll = rng.random()
    code = "missing_section" if roll < 0.015 else "malformed_date" if roll < 0.03 else "truncated_text"
    if roll >= 0.045 or (code in STANDARD_ONLY and not standard):
        code = ""
    return Variant(
        table_style=table,
        numbering=numbering,
        title_form=title,
        script="traditional" if chance(rng, 0.03) else "simplified",
        contacts=chance(rng, 0.25) or code == "malformed_date",
        anomalies=frozenset({code} - {""}),
    )


def forced_variant(fmt: str, force: Iterable[str]) -> Variant:
    """The variant a corpus asks for: exactly the forced features, nothing left to chance."""
    values: dict[str, str] = {}
    anomalies: set[str] = set()
    for feature in force:
        group, _, value = feature.partition(":")
        if group == "anomaly":
            anomalies.add(value)
        else:
            values[group] = value
    if fmt == "free-form":
        anomalies -= STANDARD_ONLY
        values.pop("table", None)
    else:
        anomalies -= FREEFORM_ONLY
    return Variant(
        table_style=values.get("table", "html"),
        numbering=values.get("numbering", "plain"),
        title_form=values.get("title", "plain"),
        script=values.get("script", "simplified"),
        contacts="contacts" in values or "malformed_date" in anomalies,
        anomalies=frozenset(anomalies),
    )


def fits(feature: str, fmt: str, taken: Iterable[str]) -> bool:
    """Whether a report of format `fmt` that already carries `taken` can also carry `feature`."""
    group, _, value = feature.partition(":")
    taken = list(taken)
    standard = fmt != "free-form"
    if group == "table" and not standard:
        return False
    if group == "anomaly":
        if value in STANDARD_ONLY and not standard:
            return False
        if value in FREEFORM_ONLY and standard:
            return False
        if value in NEED_TABLES and any(t in ("table:prose", "table:missing") for t in taken):
            return False
        # one defect per forced report, so that each one is seen alone
        return not any(t.startswith("anomaly:") for t in taken)
    if (
        group == "table"
        and value in ("prose", "missing")
        and any(t.removeprefix("anomaly:") in NEED_TABLES for t in taken)
    ):
        return False
    return not any(t.partition(":")[0] == group for t in taken)
