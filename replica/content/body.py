"""`make_body`: one deterministic document body of any kind, with its ground truth."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from .document import Doc
from .freeform import freeform_report
from .functions import functions
from .guides import guide
from .model import KINDS, STAT_KEYS, Block, Body, Cell, Table, Unit
from .notices import notice
from .people import NameSource
from .policies import policy
from .signing import report_signed_date, report_title, signature, title_lines
from .standard import standard_report
from .style import Style, chance, make_style, rng_for
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


def make_body(seed: str, *, kind: str, unit: Unit, year: int) -> Body:
    """A document of `kind` published by `unit`; `year` is the report year for reports and the year
    of issue for the other kinds. Same arguments, same Body."""
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
        return _report(rng, style, names, voice, unit, year)
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


def _report(rng: random.Random, style: Style, names: NameSource, voice: Voice, unit: Unit, year: int) -> Body:
    fmt = report_format(year)
    title = report_title(rng, unit, year)
    if fmt == "free-form":
        draft = freeform_report(rng, unit, voice, year, style, names)
    else:
        draft = standard_report(rng, unit, voice, year, style, names, fmt)
    head = title_lines(rng, unit, title, year)
    flaws = list(draft.flaws)
    signed_by: str | None = None
    signed_date: str | None = None
    if chance(rng, 0.93):
        signed_date, early = report_signed_date(rng, unit, year, standard=fmt != "free-form")
        signed_by = unit.full
        if early:
            flaws.append("signed-in-report-year")
    blocks = [*head, *_styled(style, draft.blocks), *signature(style, signed_by, signed_date)]
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
    )
