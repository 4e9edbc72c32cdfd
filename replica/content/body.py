"""`make_body`: one deterministic document body of any kind, with its ground truth."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from .document import Doc
from .freeform import freeform_report
from .functions import functions
from .guides import guide
from .model import KINDS, STAT_KEYS, Block, Body, Cell, Table, Unit
from .notices import notice
from .people import NameSource
from .policies import policy
from .script import blocks_to_traditional, to_traditional
from .signing import report_signed_date, report_title, signature, title_lines
from .standard import standard_report
from .style import Style, chance, make_style, random_date, rng_for
from .variants import Variant, draw_variant, forced_variant
from .voice import Voice, make_voice

_Maker = Callable[..., Doc]
_OTHER_KINDS: dict[str, _Maker] = {
    "notice": notice,
    "functions": functions,
    "guide": guide,
    "policy": policy,
}


def report_format(year: int) -> str:
    if year <= 2018:
        return "free-form"
    return "standard-2019" if year <= 2020 else "standard-2021"


def _styled(style: Style, blocks: Sequence[Block]) -> list[Block]:
    if not style.half_width:
        return list(blocks)
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, str):
            out.append(style.punct(block))
        else:
            out.append(Table(tuple(tuple(_styled_cell(style, c) for c in row) for row in block.rows)))
    return out


def _styled_cell(style: Style, cell: Cell) -> Cell:
    text = style.punct(cell.text)
    return cell if text == cell.text else Cell(text, cell.rowspan, cell.colspan, cell.header)


def make_body(seed: str, *, kind: str, unit: Unit, year: int, force: Sequence[str] = ()) -> Body:
    """A document of `kind` published by `unit`; `year` is the report year for reports and the year
    of issue for the other kinds. A report's variant (table rendering, numbering, title, script,
    defects) is drawn at realistic rates, or is exactly `force` ("group:value" features of
    `replica.content.variants.FEATURES`) when that is given. Same arguments, same Body."""
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}; expected one of {KINDS}")
    rng = rng_for(
        "body", seed, kind, unit.short, unit.full, unit.kind, unit.province, unit.city, unit.district, year
    )
    style = make_style(rng)
    # Reports name fewer people than notices or guides, so more of them draw a rare name to end
    # up with a comparable share of pages that need GB18030.
    names = NameSource(rng, rare=chance(rng, 0.3 if kind == "report" else 0.15))
    voice = make_voice(unit, rng)
    if kind == "report":
        fmt = report_format(year)
        # The variant has its own stream, so that adding variants left every clean report unchanged.
        vrng = rng_for("variant", seed, unit.full, year)
        variant = forced_variant(fmt, force) if force else draw_variant(vrng, fmt)
        return _report(rng, style, names, voice, unit, year, variant)
    doc = _OTHER_KINDS[kind](rng, unit, voice, year, style, names)
    head = [doc.title] if chance(rng, 0.25) else []
    blocks = [*head, *_styled(style, doc.blocks), *signature(style, doc.signed_by, doc.signed_date)]
    return Body(
        kind=kind,
        title=doc.title,
        blocks=tuple(blocks),
        signed_by=doc.signed_by,
        signed_date=doc.signed_date,
        report_year=None,
        report_format=None,
        stats={},
        tables={},
    )


_NUMERAL_HEADING = re.compile(r"^([一二三四五六七八九十]+)、(.+)$")


def _numbered(blocks: list[Block], headings: Sequence[str], numbering: str) -> list[Block]:
    """Top-level headings renumbered the way some reports write them: 【一】, spaced `一 、概 述`,
    or glued to the paragraph after them."""
    if numbering not in ("bracket", "spaced", "glued"):
        return blocks
    marked = set(headings)
    out: list[Block] = []
    glue = False
    for block in blocks:
        if glue and isinstance(block, str) and "。" in block and block not in marked:
            out[-1] = f"{out[-1]}{block}"
            glue = False
            continue
        glue = False
        found = _NUMERAL_HEADING.match(block) if isinstance(block, str) and block in marked else None
        if not found:
            out.append(block)
            continue
        numeral, words = found.groups()
        if numbering == "glued":
            out.append(block)
            glue = True
        elif numbering == "bracket":
            out.append(f"【{numeral}】{words}")
        else:
            out.append(f"{numeral} 、{' '.join(words) if len(words) <= 4 else words}")
    return out


def _features(variant: Variant, fmt: str, blocks: Sequence[Block], head: Sequence[str]) -> tuple[str, ...]:
    """The variant as realised, chance's departures included (the body's title split in two, the
    ㈠ sub-headings some writers use) so that the truth names every departure the text shows."""
    numbering, title = variant.numbering, variant.title_form
    if numbering == "plain" and any(isinstance(b, str) and b.startswith("㈠") for b in blocks):
        numbering = "parenthesised"
    if title == "plain" and len(head) == 2:
        title = "split"
    found = [f"table:{variant.table_style}"] if fmt != "free-form" else []
    found += [f"numbering:{numbering}", f"title:{title}", f"script:{variant.script}"]
    if variant.contacts:
        found.append("contacts:stated")
    return tuple(found)


def _report(
    rng: random.Random,
    style: Style,
    names: NameSource,
    voice: Voice,
    unit: Unit,
    year: int,
    variant: Variant,
) -> Body:
    fmt = report_format(year)
    if variant.numbering == "circled":
        style = replace(style, sub_open="①")
    elif variant.numbering == "parenthesised":
        style = replace(style, sub_open="㈠")
    title = report_title(rng, unit, year, variant.title_form)
    if fmt == "free-form":
        draft = freeform_report(rng, unit, voice, year, style, names, variant)
    else:
        draft = standard_report(rng, unit, voice, year, style, names, fmt, variant)
    head = title_lines(rng, unit, title, year, split=variant.title_form == "split")
    flaws = list(draft.flaws)
    anomalies = set(draft.anomalies)
    signed_by: str | None = None
    signed_date: str | None = None
    # A truncated report lost its end, signature included.
    if (chance(rng, 0.93) and not variant.has("truncated_text")) or variant.has("signed_before_period_end"):
        signed_date, early = report_signed_date(rng, unit, year, standard=fmt != "free-form")
        if variant.has("signed_before_period_end") and not early:
            signed_date, early = random_date(rng, year, 1, 11), True
        signed_by = unit.full
        if early:
            flaws.append("signed-in-report-year")
            anomalies.add("signed_before_period_end")
    content = _numbered(
        _styled(style, draft.blocks), [style.punct(h) for h in draft.headings], variant.numbering
    )
    blocks = [*head, *content, *signature(style, signed_by, signed_date)]
    contacts = dict(draft.contacts)
    if variant.script == "traditional":
        blocks = blocks_to_traditional(blocks)
        title = to_traditional(title)
        signed_by = to_traditional(signed_by) if signed_by else None
        contacts = {k: to_traditional(v) for k, v in contacts.items()}
    stats = {key: draft.stats.get(key) for key in STAT_KEYS}
    return Body(
        kind="report",
        title=title,
        blocks=tuple(blocks),
        signed_by=signed_by,
        signed_date=signed_date,
        report_year=year,
        report_format=fmt,
        stats=stats,
        tables=dict(draft.tables),
        flaws=tuple(flaws),
        anomalies=tuple(sorted(anomalies)),
        table_style=variant.table_style if fmt != "free-form" else None,
        period=draft.period,
        contacts=contacts,
        script=variant.script,
        features=_features(variant, fmt, content, head),
    )
