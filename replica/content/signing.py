"""Report titles and the signature lines that close a document."""

from __future__ import annotations

import random

from .model import Unit
from .style import Style, chance, iso_date, pick, random_date

# Endings some reports use instead of 年度报告; parsers must still know them for reports.
UNUSUAL_TAILS = {
    "nianbao": ("政府信息公开工作年报", "政府信息公开年报"),
    "work-report": ("政府信息公开年度工作报告",),
    "situation-report": ("政府信息公开工作情况报告",),
}


def report_title(rng: random.Random, unit: Unit, year: int, form: str = "plain") -> str:
    """The report's title; `form` "no-year" or "no-agency" leaves that part out, and the
    UNUSUAL_TAILS forms end it unusually."""
    prefix = pick(
        rng,
        (
            unit.short,
            unit.short,
            unit.district + unit.short,
            unit.district + unit.short,
            unit.city + unit.district + unit.short,
        ),
    )
    span = pick(rng, (f"{year}年", f"{year}年", f"{year}年度"))
    tail = pick(
        rng,
        (
            "政府信息公开工作年度报告",
            "政府信息公开工作年度报告",
            "政府信息公开工作年度报告",
            "政府信息公开年度报告",
            "政府信息公开年度报告",
            "政府信息公开工作年报",
            "政府信息公开年报",
            "信息公开年度报告",
        ),
    )
    if form in UNUSUAL_TAILS:
        tail = pick(rng, UNUSUAL_TAILS[form])
        span = f"{year}年度" if form == "situation-report" else span
    elif form == "no-year":
        span = ""
    elif form == "no-agency":
        prefix = ""
    return prefix + span + tail


def title_lines(rng: random.Random, unit: Unit, title: str, year: int, split: bool = False) -> list[str]:
    """The title as the body repeats it, if it does: the same, a fuller prefix (seed 000) or split
    in two lines after the agency (seed 004; always when `split`)."""
    roll = rng.random()
    if split:
        roll = 0.9
    if roll < 0.45:
        return []
    if roll < 0.75:
        return [title]
    body_title = title
    if not title.startswith(unit.city):
        stem = title.removeprefix(unit.district)
        body_title = unit.city + unit.district + stem if stem.startswith(unit.short) else title
    if roll < 0.88:
        return [body_title]
    head, sep, rest = title.partition(str(year))
    if not sep or not head:
        return [title]
    return [head, sep + rest]


def report_signed_date(rng: random.Random, unit: Unit, year: int, standard: bool) -> tuple[str, bool]:
    """(date, signed inside the report year). Reports are due by 31 March (departments by 31
    January from 2019 on); a few are signed before the period they cover has ended."""
    if not standard and chance(rng, 0.08):
        return random_date(rng, year, 1, 3), True
    if standard and unit.kind == "department" and chance(rng, 0.8):
        return iso_date(year + 1, 1, rng.randint(8, 31)), False
    last = 4 if chance(rng, 0.07) else 3
    return random_date(rng, year + 1, 1, last), False


def signature(style: Style, signer: str | None, date: str | None) -> list[str]:
    lines: list[str] = []
    if signer:
        lines.append(signer)
    if date:
        lines.append(style.date(date))
    return lines
