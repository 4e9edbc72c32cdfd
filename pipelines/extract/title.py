"""The page title: meta ArticleTitle, the title element of the detail area, the line above the info
line, or ``<title>`` without its site-name suffix."""

from __future__ import annotations

from typing import Any

from lxml import etree

from pipelines.extract.profiles import SelectorSet
from pipelines.extract.text import element_lines, normalize_line, raw_text

#: Longer than this, a "title" is a paragraph that happens to match a selector.
MAX_TITLE = 200
_COUNT_BEFORE = etree.XPath("count(preceding::*) + count(ancestor::*)")


def _position(el: Any) -> float:
    """Index of an element in document order (what XPath's preceding axis counts)."""
    found: Any = _COUNT_BEFORE(el)
    return float(found)


#: Separators that TRS and most CMS put between title, column and site name in ``<title>``.
_SPACED_SEPARATORS = (" - ", " – ", " — ", " | ", "｜", " :: ", "--", "——")


def strip_site_suffix(title: str) -> str:
    """``X - 山西省人民政府门户网站`` / ``X_栏目_站点`` / ``X-中国科普网`` -> ``X``."""
    text = normalize_line(title)
    head = text.split("_")[0].strip()
    if "_" in text and len(head) >= 4:
        return head
    for sep in _SPACED_SEPARATORS:
        head = text.split(sep)[0].strip()
        if sep in text and len(head) >= 4:
            return head
    for sep in ("-", "—", "|"):
        head, found, tail = text.rpartition(sep)
        head, tail = head.strip(), tail.strip()
        # "1-10月德清县…" is a title with a hyphen, not a suffix: digits on either side keep it.
        if (
            found
            and len(head) >= 4
            and 0 < len(tail) <= 20
            and not tail[0].isdigit()
            and not head[-1].isdigit()
        ):
            return head
    return text


def title_tag(root: Any) -> str | None:
    el = root.find(".//title")
    if el is None:
        return None
    text = strip_site_suffix(raw_text(el) or "")
    return text or None


def element_title(el: Any) -> str:
    return normalize_line(" ".join(element_lines(el)))


def _inside(el: Any, container: Any) -> bool:
    return el is container or any(anc is container for anc in el.iterancestors())


def from_selectors(
    root: Any, selectors: SelectorSet, body: Any | None, html: str | None = None
) -> str | None:
    """Text of the title element: the match closest before the body (the first one without a body)."""
    body_pos = _position(body) if body is not None else None
    best: tuple[float, str] | None = None
    for el in selectors.all(root, html):
        text = element_title(el)
        if not text or len(text) > MAX_TITLE:
            continue
        if body is None or body_pos is None:
            return text
        if _inside(el, body) or _inside(body, el):
            continue
        pos = _position(el)
        if pos < body_pos and (best is None or pos > best[0]):
            best = (pos, text)
    return best[1] if best is not None else None
