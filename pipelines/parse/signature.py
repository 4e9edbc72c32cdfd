"""The signature block at the end of a document: issuing body line(s) then a date line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .dates import find_dates
from .textnorm import compact

# Endings of the names of bodies that sign reports.
ORG_SUFFIXES = (
    "办事处",
    "街道",
    "人民政府",
    "政府",
    "委员会",
    "工委",
    "党委",
    "办公室",
    "管委会",
    "管理委员会",
    "中心",
    "局",
    "厅",
    "委",
    "办",
    "院",
    "所",
    "站",
    "处",
    "科",
    "队",
    "部",
    "署",
    "镇",
    "乡",
    "社区",
    "村委会",
    "公司",
    "馆",
    "会",
    "室",
    "组",
)
_ORG_END = re.compile(r"(?:" + "|".join(ORG_SUFFIXES) + r")[)）]?$")
# A name line carries no sentence punctuation; a short paragraph ending in 局 would.
_SENTENCE_PUNCT = re.compile(r"[。，,；;：:！!？?、“”\"]")
MAX_ORG_LINE = 40


@dataclass(frozen=True)
class Signature:
    """`orgs` are the name lines as written; `start` is the index of the first signature line."""

    orgs: tuple[str, ...]
    date_raw: str
    date: str
    start: int

    @property
    def signed_by(self) -> str | None:
        """The signing body or bodies; None when the document closes with a date alone."""
        if not self.orgs:
            return None
        # A long name wrapped over two lines has no organisation ending on its first line.
        if len(self.orgs) == 2 and not is_org_line(self.orgs[0]):
            return self.orgs[0] + self.orgs[1]
        return " ".join(self.orgs)

    @property
    def issuer(self) -> str | None:
        """The body that issues the document: the last name when two bodies sign."""
        if not self.orgs:
            return None
        if len(self.orgs) == 2 and not is_org_line(self.orgs[0]):
            return self.orgs[0] + self.orgs[1]
        return self.orgs[-1]


def is_org_line(line: str) -> bool:
    c = compact(line)
    return (
        0 < len(c) <= MAX_ORG_LINE
        and not _SENTENCE_PUNCT.search(c)
        and not any(ch.isdigit() for ch in c)
        and bool(_ORG_END.search(c))
    )


def _date_only(line: str) -> tuple[str, str] | None:
    """(raw, iso) when `line` is nothing but a date (trailing punctuation allowed)."""
    dates = find_dates(line)
    if len(dates) != 1:
        return None
    d = dates[0]
    outside = compact(line[: d.start] + line[d.end :]).strip("。.")
    if outside:
        return None
    return line[d.start : d.end].strip(), d.iso


# Lines a CMS appends after the signature: the list of attached files.
_ATTACHMENT_LINE = re.compile(
    r"^(附件\s*\d*\s*[:：]|\d+[.、．]?\s*\S.*\.(pdf|docx?|xlsx?|wps|et|zip|rar|ofd)$)", re.IGNORECASE
)


def find_signature(lines: Sequence[str]) -> Signature | None:
    """The signature closing the clean lines `lines`, or None.

    The last line (attachment lines after it aside) must be a date alone, preceded by one or two
    organisation lines, or by none (a notice closing with its date only: signed_by is then None);
    or a single line holding an organisation name and then the date.
    """
    last = len(lines) - 1
    while last >= 0 and _ATTACHMENT_LINE.match(lines[last].strip()):
        last -= 1
    if last < 0:
        return None
    dated = _date_only(lines[last])
    if dated is None:
        return _same_line_signature(lines[last], last)
    raw, iso = dated
    orgs: list[str] = []
    i = last - 1
    while i >= 0 and len(orgs) < 2:
        line = lines[i]
        wrapped_head = bool(orgs) and _could_be_wrapped_head(line, orgs[0])
        if not is_org_line(line) and not wrapped_head:
            break
        orgs.insert(0, line)
        i -= 1
    return Signature(tuple(orgs), raw, iso, i + 1)


def _could_be_wrapped_head(line: str, name: str) -> bool:
    # A name wrapped after its region prefix: `四平市铁西区` / `站前街道办事处`.
    c = compact(line)
    return (
        0 < len(c) <= 20
        and not _SENTENCE_PUNCT.search(c)
        and not any(ch.isdigit() for ch in c)
        and bool(re.search(r"[省市区县旗]$", c))
        and is_org_line(name)
    )


def _same_line_signature(line: str, index: int) -> Signature | None:
    dates = find_dates(line)
    if len(dates) != 1:
        return None
    d = dates[0]
    head, tail = line[: d.start].strip(), compact(line[d.end :]).strip("。.")
    if tail or not head or not is_org_line(head):
        return None
    return Signature((head,), line[d.start : d.end].strip(), d.iso, index)
