"""The issuing body (agency) of a document."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .numerals import CN_DIGIT_CHARS
from .signature import Signature
from .textnorm import clean_line, compact

# 来源 values that name the website or a wire service rather than an issuing body.
_GENERIC_SOURCES = frozenset(
    {
        "本网",
        "本站",
        "本网站",
        "原创",
        "网络",
        "转载",
        "互联网",
        "新华网",
        "新华社",
        "人民网",
        "未知",
        "无",
    }
)
_SOURCE_LABEL = re.compile(r"^(?:信息来源|来源|发布机构|发文机关)\s*[:：]\s*")
_YEAR = re.compile(rf"(?:\d{{4}}|[{CN_DIGIT_CHARS}]{{4}})\s*年度?")
_DISCLOSURE = re.compile(r"(?:政府信息公开|政务信息公开|政务公开|信息公开)")


def agency_from_title(title: str | None) -> str | None:
    """The body a report title names before its year (`细河区学苑街道2017年…` -> `细河区学苑街道`),
    or before `政府信息公开` when the year comes first or is missing."""
    if not title:
        return None
    t = compact(title)
    year = _YEAR.search(t)
    head = t[: year.start()] if year else ""
    if not head:
        tail = t[year.end() :] if year else t
        disclosure = _DISCLOSURE.search(tail)
        head = tail[: disclosure.start()] if disclosure else ""
    head = head.removesuffix("关于").removeprefix("关于")
    return head if len(head) >= 2 else None


def _source(chrome: Mapping[str, object] | None) -> str | None:
    value = chrome.get("source") if chrome else None
    if not isinstance(value, str):
        return None
    value = _SOURCE_LABEL.sub("", clean_line(value))
    return value if value and compact(value) not in _GENERIC_SOURCES else None


def breadcrumb_unit(chrome: Mapping[str, object] | None, hints: Mapping[str, object] | None) -> str | None:
    crumbs = chrome.get("breadcrumb") if chrome else None
    level = hints.get("agency_breadcrumb_level") if hints else None
    if not isinstance(crumbs, list | tuple) or isinstance(level, bool) or not isinstance(level, int):
        return None
    if not -len(crumbs) <= level < len(crumbs):
        return None
    entry = crumbs[level]
    return clean_line(entry) or None if isinstance(entry, str) else None


def resolve_agency(
    signature: Signature | None,
    title: str | None,
    chrome: Mapping[str, object] | None = None,
    hints: Mapping[str, object] | None = None,
) -> str | None:
    """Issuing body, in order of trust: the signature, the page's 来源, the breadcrumb entry at
    `hints["agency_breadcrumb_level"]`, `hints["unit_name"]`, the title."""
    if signature is not None and signature.issuer:
        return signature.issuer
    unit = hints.get("unit_name") if hints else None
    for candidate in (
        _source(chrome),
        breadcrumb_unit(chrome, hints),
        clean_line(unit) if isinstance(unit, str) else None,
    ):
        if candidate:
            return candidate
    return agency_from_title(title)
