"""extract_page: bytes of a page -> clean body text, title, and what the chrome said. Pure."""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from pipelines.extract import chrome, links, listing, main_content, title
from pipelines.extract.chrome_lines import strip_edge_lines
from pipelines.extract.decode import decode_html
from pipelines.extract.page import Encoding, ExtractedPage
from pipelines.extract.profiles import Profile, SelectorSet, detect_family, get_profile
from pipelines.extract.sniff import page_kind
from pipelines.extract.text import element_lines, normalize_line, parse_html, raw_text

#: Trust trafilatura unless the densest block holds more than twice its text.
_TRAFILATURA_SHARE = 0.5
#: A densest block with this much prose makes a page with a dated list a detail page nonetheless.
_DETAIL_PROSE = 400
_FIELDS = ("publish_date", "views", "source", "editor")


def _empty_chrome() -> dict[str, object]:
    return {**dict.fromkeys(_FIELDS), "breadcrumb": []}


def _remove(el: Any) -> None:
    """Remove an element, keeping its tail text (the text after it belongs to its parent)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _inside(el: Any, container: Any) -> bool:
    return any(anc is container for anc in el.iterancestors())


def _drop(body: Any, selectors: SelectorSet) -> str:
    """Remove the chrome inside the body; returns the body's HTML after that."""
    # The body's own source decides which selectors can match at all (see Selector.hints).
    before = _serialize(body)
    dropped = False
    for el in selectors.unordered(body, before):
        if el is not body and _inside(el, body):
            _remove(el)
            dropped = True
    return _serialize(body) if dropped else before


def _has_text(el: Any) -> bool:
    return any(not text.isspace() for text in el.itertext() if text)


def _body_by_selectors(root: Any, profile: Profile, html: str) -> Any | None:
    first = None
    for selector in profile.body:
        for el in selector(root, html):
            if _has_text(el):
                return el
            first = first if first is not None else el
    return first


def _body_between(html: str, profile: Profile) -> Any | None:
    for begin, end in profile.body_between:
        start = html.find(begin)
        stop = html.find(end, start + len(begin)) if start >= 0 else -1
        if start >= 0 and stop > start:
            root = parse_html(html[start + len(begin) : stop])
            if root is not None:
                body = root.find("body")
                return body if body is not None else root
    return None


def _serialize(el: Any) -> str:
    return etree.tostring(el, encoding="unicode", method="html", with_tail=False)


def _merge(into: dict[str, object], found: Mapping[str, object], keys: tuple[str, ...]) -> None:
    for key in keys:
        if into.get(key) is None and found.get(key) is not None:
            into[key] = found[key]


def _base_url(root: Any, url: str) -> str:
    # root.find(".//base[@href]") without ElementPath's generators.
    base = next((el for el in root.iterdescendants("base") if el.get("href") is not None), None)
    if base is not None:
        try:
            return urljoin(url, str(base.get("href")).strip())
        except ValueError:
            return url
    return url


def _attachment_areas(root: Any, body: Any, anchor: Any, profile: Profile, html: str) -> list[Any]:
    """The body, what follows it within its two nearest ancestors, and the profile's 附件 blocks."""
    areas = [body]
    cur = anchor
    for _ in range(2):
        if cur is None or cur.tag in ("body", "html"):
            break
        areas.extend(sib for sib in cur.itersiblings() if isinstance(sib.tag, str))
        cur = cur.getparent()
    areas.extend(profile.attachments.all(root, html))
    return areas


def _title(
    root: Any,
    html: str,
    lowered: dict[str, str],
    profile: Profile,
    anchor: Any | None,
    title_line: str | None,
) -> str | None:
    found = chrome.lowered_meta_field(lowered, "title")
    if found:
        return found
    found = title.from_selectors(root, profile.title, anchor, html)
    if found:
        return found
    if title_line:
        return title_line
    tag = root.find(".//title")
    raw = normalize_line(raw_text(tag)) if tag is not None else ""
    found = title.from_selectors(root, profile.title_common, anchor, html)
    if found and (not raw or found in raw):
        return found
    return title.title_tag(root)


def _result(url: str, family: str, encoding: Encoding, problems: list[str], **fields: Any) -> ExtractedPage:
    page_title = fields.pop("title", None)
    text = fields.pop("text", "")
    if not text and "not_html" not in problems:
        problems.append("empty_body")
    if page_title is None:
        problems.append("no_title")
    return ExtractedPage(
        url=url,
        family=family,
        title=page_title,
        text=text,
        body_html=fields.pop("body_html", None),
        meta=fields.pop("meta", {}),
        chrome=fields.pop("chrome", None) or _empty_chrome(),
        attachments=fields.pop("attachments", ()),
        images=fields.pop("images", ()),
        encoding=encoding,
        problems=tuple(dict.fromkeys(problems)),
    )


def extract_page(
    url: str,
    body: bytes,
    encoding: str | None = None,
    profile: str | Mapping[str, object] | None = None,
) -> ExtractedPage:
    """Clean body text, title and chrome fields of a page (see docs/extraction.md).

    ``encoding`` is the HTTP charset if any; ``profile`` a family name, a site definition's mapping of
    overrides, or None to detect the family. Never raises on page content (problems are reported in
    ``problems``); a bad profile (unknown family, invalid selector) raises ValueError.
    """
    # A definition error must surface as such, not as a page problem: a named family's profile is
    # built (or found in the cache) before the page is read, and then used.
    named = isinstance(profile, str) or (isinstance(profile, Mapping) and bool(profile.get("family")))
    known = get_profile(profile) if named else None
    html, enc = decode_html(body, encoding)
    problems: list[str] = ["decode_replacements"] if enc.replacements else []
    kind = page_kind(body, html)
    if kind != "html":
        if kind == "not_html":
            problems.append("not_html")
        return _result(url, "generic", enc, problems)
    # Bytes that decoded as UTF-8 (or ASCII) without a BOM or a replacement are the UTF-8 of html.
    if "\x00" in html:
        # NUL bytes in a page (a broken CMS export, a hostile one) would reach the text as U+FFFD
        # (lxml's reading of them); no text of a page means a NUL, so they go before parsing.
        html, body = html.replace("\x00", ""), body.replace(b"\x00", b"")
    same = enc.used in ("utf-8", "ascii") and not enc.replacements and not body.startswith(codecs.BOM_UTF8)
    root = parse_html(html, body if same else None)
    if root is None:
        return _result(url, "generic", enc, problems)
    family = (
        profile
        if isinstance(profile, str)
        else str(profile["family"])
        if isinstance(profile, Mapping) and profile.get("family")
        else detect_family(html, url)
    )
    prof = known if known is not None else get_profile(profile, family)
    try:
        return _extract(url, html, root, prof, enc, problems)
    except Exception as exc:  # never let one strange page stop a crawl
        problems.append(f"extract_error:{type(exc).__name__}")
        return _result(url, prof.family, enc, problems)


@dataclass
class _Body:
    """Where the body text comes from, and where the body sits in the page."""

    element: Any | None
    anchor: Any | None  # in the page's tree: the chrome around it is read from there
    html: str | None = None  # set when the text came from elsewhere (trafilatura's output)
    lines: list[str] | None = None


def _list_container(root: Any) -> Any | None:
    """The item list of a page without a detail body, unless the page has real prose elsewhere."""
    found = listing.find_listing(root)
    if found is None:
        return None
    dense = main_content.densest_block(root)
    if (
        dense is None
        or main_content.prose_length(dense) < _DETAIL_PROSE
        or any(anc is found[0] for anc in dense.iterancestors())
    ):
        return found[0]
    return None


def _fallback_body(root: Any, html: str) -> _Body:
    """trafilatura's main content, unless the densest block holds more than twice its text."""
    dense = main_content.densest_block(root)
    extracted = main_content.trafilatura_text(html)
    dense_length = len("\n".join(element_lines(dense))) if dense is not None else 0
    if extracted and len(extracted[0]) >= _TRAFILATURA_SHARE * dense_length:
        text, out = extracted
        return _Body(parse_html(out), dense, out, text.split("\n"))
    return _Body(dense, dense)


def _chrome_fields(
    root: Any, html: str, lowered: dict[str, str], prof: Profile, anchor: Any
) -> tuple[dict[str, object], str | None, list[str]]:
    """Fields the chrome around the body states (first source wins), the title line above the info
    line, and the lines before the body."""
    fields: dict[str, object] = dict.fromkeys(_FIELDS)
    for key in ("publish_date", "source"):
        fields[key] = chrome.lowered_meta_field(lowered, key)
    has_counter, count = chrome.views(root, prof.views, html)
    if has_counter:
        fields["views"] = count
    _merge(fields, chrome.info_fields(prof.info.all(root, html)), _FIELDS)
    if anchor is None:
        return fields, None, []
    before = chrome.lines_before(anchor)
    header, title_line = chrome.header_fields(before)
    _merge(fields, header, _FIELDS)
    return fields, title_line, before


def _extract(
    url: str, html: str, root: Any, prof: Profile, enc: Encoding, problems: list[str]
) -> ExtractedPage:
    meta = chrome.collect_meta(root)
    crumbs = chrome.breadcrumb(root, html, prof.breadcrumb, prof.breadcrumb_common)
    element = _body_by_selectors(root, prof, html)
    if element is not None:
        body = _Body(element, element)
    else:
        between = _body_between(html, prof)
        if between is not None:
            body = _Body(between, None)
        else:
            container = _list_container(root)
            if container is not None:
                problems.append("list_page")
                return _result(
                    url,
                    prof.family,
                    enc,
                    problems,
                    title=crumbs[-1] if crumbs else title.title_tag(root),
                    text="\n".join(element_lines(container)),
                    body_html=_serialize(container),
                    meta=meta,
                    chrome={**_empty_chrome(), "breadcrumb": crumbs},
                )
            if prof.family != "generic":
                problems.append("body_fallback")
            body = _fallback_body(root, html)
    lowered = chrome.lower_meta(meta)  # what the meta_field lookups read, made once
    fields, title_line, before = _chrome_fields(root, html, lowered, prof, body.anchor)
    if not crumbs:
        crumbs = chrome.crumbs_from_lines(before)
    page_title = _title(root, html, lowered, prof, body.anchor, title_line)
    if body.element is None:
        return _result(
            url,
            prof.family,
            enc,
            problems,
            title=page_title,
            meta=meta,
            chrome={**fields, "breadcrumb": crumbs},
        )
    cleaned = _drop(body.element, prof.drop)
    lines = body.lines if body.lines is not None else element_lines(body.element)
    kept, edge = strip_edge_lines(lines)
    _merge(fields, edge, _FIELDS)
    if body.anchor is not None:
        _merge(fields, chrome.footer_fields(chrome.lines_after(body.anchor)), ("source", "editor"))
    edge_crumbs = edge.get("breadcrumb")
    if not crumbs and isinstance(edge_crumbs, list):
        crumbs = [str(c) for c in edge_crumbs]
    if fields.get("editor") is None:
        fields["editor"] = chrome.lowered_meta_field(lowered, "editor")
    base = _base_url(root, url)
    anchor = body.anchor if body.anchor is not None else body.element
    areas = _attachment_areas(root, body.element, anchor, prof, html)
    return _result(
        url,
        prof.family,
        enc,
        problems,
        title=page_title,
        text="\n".join(kept),
        body_html=body.html if body.html is not None else cleaned,
        meta=meta,
        chrome={**fields, "breadcrumb": crumbs},
        attachments=links.attachments(areas, base, prof.attachment_extensions),
        images=links.images(body.element, base),
    )
