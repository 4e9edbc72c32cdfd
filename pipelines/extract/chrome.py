"""What the chrome around a body says: meta tags, breadcrumb, hit counter, info line, editor line."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from lxml import etree

from pipelines.extract.chrome_lines import breadcrumb_of, line_kind, parse_info_line
from pipelines.extract.profiles import SelectorSet
from pipelines.extract.text import element_lines, lines_until, normalize_line, raw_text

#: Meta names (lower case) that carry each field, in order of trust.
META_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("articletitle",),
    "publish_date": ("pubdate", "publishdate", "firstpublishedtime", "article:published_time", "publishtime"),
    "source": ("contentsource", "source"),
    "editor": ("editor",),
}
_CRUMB_SEPARATOR = re.compile(r"^\s*(?:>>|>|»|›|＞|→|/|-|\||＼|\\)\s*")
_CRUMB_SEPARATORS = re.compile(r"\s*(?:>>|>|»|›|＞|→|/|\|)\s*")
_LOCATION = re.compile(
    r"^(?:当前位置|您现在的位置|您当前的位置|您的位置|你的位置|你现在的位置|所在位置|现在位置|位置)\s*[:：]?\s*"
)
#: What some templates print as the last crumb of every detail page: not a place in the site.
_NOT_CRUMBS = frozenset(("正文", "详情", "内容", "正文内容", "文章详情", "详细内容", "浏览文章"))
_COUNT = re.compile(r"^\s*(\d+)\s*次?\s*$")
_META = etree.XPath("//meta[@name][@content]")


def _metas(root: Any) -> Any:
    """``//meta[@name][@content]``, in document order."""
    top = root.getroottree().getroot()
    siblings = [*top.itersiblings(preceding=True), *top.itersiblings()]
    if any(isinstance(el.tag, str) for el in siblings):
        return _META(root)
    # The document is one element's subtree (parse_html makes it so): lxml's C iterator is cheaper
    # than an XPath pass.
    return (el for el in top.iter("meta") if el.get("name") is not None and el.get("content") is not None)


def collect_meta(root: Any) -> dict[str, str]:
    """``<meta name content>`` pairs; the first non-empty content of a name wins."""
    meta: dict[str, str] = {}
    for el in _metas(root):
        name = (el.get("name") or "").strip()
        content = normalize_line(el.get("content") or "")
        if name and (content or name not in meta) and not meta.get(name):
            meta[name] = content
    return meta


def meta_field(meta: dict[str, str], name: str) -> str | None:
    return lowered_meta_field(lower_meta(meta), name)


def lower_meta(meta: dict[str, str]) -> dict[str, str]:
    """The non-empty meta tags by lower-case name (the last of a name wins), for lowered_meta_field:
    made once per page rather than once per field."""
    return {k.lower(): v for k, v in meta.items() if v}


def lowered_meta_field(lowered: dict[str, str], name: str) -> str | None:
    for key in META_FIELDS[name]:
        if lowered.get(key):
            return lowered[key]
    return None


def breadcrumb(root: Any, html: str | None, *selector_sets: SelectorSet) -> list[str]:
    """Crumbs: the link texts of the breadcrumb, plus a trailing unlinked crumb after a separator.

    The first set that matches anything wins; within a set the first match in document order.
    """
    found: list[Any] = []
    for selectors in selector_sets:
        found = selectors.all(root, html)
        if found:
            break
    if not found:
        return []
    if all(el.tag == "a" for el in found):
        # The selector names the crumbs themselves (TRS: a.CurrChnlCls).
        return [t for t in (normalize_line(raw_text(el)) for el in found) if t]
    box = found[0]
    links = list(box.iter("a"))
    if not links:
        return [c for c in _CRUMB_SEPARATORS.split(_LOCATION.sub("", " ".join(element_lines(box)))) if c]
    crumbs = [t for t in (normalize_line(raw_text(a)) for a in links) if t]
    crumbs = [c for c in crumbs if not _LOCATION.fullmatch(c)]
    # The current page is often plain text after the last link: "首页 > 要闻 > 山西要闻".
    text, pos = " ".join(element_lines(box)), 0
    for crumb in crumbs:
        found_at = text.find(crumb, pos)
        if found_at >= 0:
            pos = found_at + len(crumb)
    after = text[pos:]
    m = _CRUMB_SEPARATOR.match(after)
    if m:
        last = _CRUMB_SEPARATORS.split(after[m.end() :])[0].strip()
        if last and len(last) <= 30 and last not in _NOT_CRUMBS:
            crumbs.append(last)
    return crumbs


def views(root: Any, selectors: SelectorSet, html: str | None = None) -> tuple[bool, int | None]:
    """(found, count) from a counter element; count is None when a script fills it at run time."""
    found = selectors.all(root, html)
    if not found:
        return False, None
    m = _COUNT.match(raw_text(found[0]) or "")
    return True, int(m.group(1)) if m else None


def info_fields(elements: Iterable[Any]) -> dict[str, object]:
    """Fields of the info line(s) inside the given elements."""
    fields: dict[str, object] = {}
    for el in elements:
        for line in element_lines(el):
            parsed = parse_info_line(line, weak_ok=("publish_date", "editor", "source", "views"))
            if parsed:
                for key, value in parsed.items():
                    fields.setdefault(key, value)
    return fields


def lines_before(body: Any, *, levels: int = 5, enough: int = 12) -> list[str]:
    """Lines that precede ``body`` in reading order (nearest last), climbing at most ``levels``."""
    chunks: list[list[str]] = []
    count = 0
    cur = body
    for _ in range(levels):
        parent = cur.getparent()
        if parent is None:
            break
        chunk = lines_until(parent, cur)
        chunks.append(chunk)
        count += len(chunk)
        if count >= enough or _has_info(chunk):
            break
        cur = parent
    lines = [line for chunk in reversed(chunks) for line in chunk]
    return lines[-enough:]


def _has_info(lines: Sequence[str]) -> bool:
    return any(parse_info_line(line, weak_ok=_ALL, bare_date=True) for line in lines)


_ALL = ("publish_date", "views", "source", "editor", "author")
_TOOLBARS = ("controls", "share", "qr_code")


def lines_after(body: Any, *, levels: int = 3, enough: int = 6) -> list[str]:
    """The first lines that follow ``body`` in reading order, climbing at most ``levels``."""
    lines: list[str] = []
    cur = body
    for _ in range(levels):
        if cur.tail and cur.tail.strip():
            lines.append(normalize_line(cur.tail))
        for sib in cur.itersiblings():
            if isinstance(sib.tag, str):
                lines.extend(element_lines(sib))
            if sib.tail and sib.tail.strip():
                lines.append(normalize_line(sib.tail))
            if len(lines) >= enough:
                return lines[:enough]
        cur = cur.getparent()
        if cur is None or cur.tag in ("body", "html"):
            break
    return lines[:enough]


def header_fields(lines: Sequence[str]) -> tuple[dict[str, object], str | None]:
    """Fields of the info line nearest the body, and the title line right above it."""
    for i in range(len(lines) - 1, -1, -1):
        parsed = parse_info_line(lines[i], weak_ok=_ALL, bare_date=True)
        if parsed is None or ("publish_date" not in parsed and len(parsed) == 0):
            continue
        fields = dict(parsed)
        # Info spread over several lines (来源 / 作者 / date on lines of their own): take them all.
        j = i - 1
        while j >= 0:
            more = parse_info_line(lines[j], weak_ok=_ALL, bare_date=True)
            if more is None:
                break
            for key, value in more.items():
                fields.setdefault(key, value)
            j -= 1
        # Toolbars may sit between title and info line; any other chrome (a breadcrumb) means the
        # page shows no title line there.
        while j >= 0 and line_kind(lines[j]) in _TOOLBARS:
            j -= 1
        fit = j >= 0 and len(lines[j]) <= 200 and line_kind(lines[j]) is None
        title = lines[j] if fit else None
        return fields, title
    return {}, None


def footer_fields(lines: Sequence[str]) -> dict[str, object]:
    """Editor / source lines just after the body (``责任编辑：张毅``)."""
    fields: dict[str, object] = {}
    for line in lines:
        parsed = parse_info_line(line, weak_ok=("editor", "author", "source"))
        if parsed:
            for key, value in parsed.items():
                fields.setdefault(key, value)
    return fields


def crumbs_from_lines(lines: Sequence[str]) -> list[str]:
    for line in lines:
        if line_kind(line) in ("breadcrumb", "location"):
            return breadcrumb_of(line)
    return []
