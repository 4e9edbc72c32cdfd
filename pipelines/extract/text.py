"""The clean-text contract of docs/design.md: HTML -> one paragraph per line.

Rules (exactly those of the contract): block elements and ``<br>`` end a line; a table row is one line,
its ``td``/``th`` texts joined by `` | ``; inside a line every whitespace run (ASCII, U+3000, U+00A0,
tabs…) becomes one space and the line is stripped; empty lines are dropped; scripts, styles and
comments never produce text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from lxml import etree

from pipelines.extract.decode import decode_html

#: Elements that end a line before and after themselves.
_BLOCKS = """address article aside blockquote body caption center dd details dialog dir div dl dt
fieldset figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main
menu nav noframes ol p pre section summary table tbody td tfoot th thead tr ul"""
BLOCK_TAGS = frozenset(_BLOCKS.split())
#: Elements whose content is never text a reader sees.
SKIP_TAGS = frozenset(["script", "style", "noscript", "template", "head", "title"])
_CELL_TAGS = frozenset(("td", "th"))


def normalize_line(text: str) -> str:
    """Every whitespace run -> one ASCII space, stripped (str.split knows U+3000 and U+00A0)."""
    return " ".join(text.split())


def _flush(lines: list[str], current: list[str]) -> None:
    """Close the line being accumulated (a block boundary)."""
    if current:
        line = " ".join("".join(current).split())
        current.clear()
        if line:
            lines.append(line)


class _Stop(Exception):
    """Raised when the walk reaches the element it must stop at (see ``lines_until``)."""


def _walk(el: Any, lines: list[str], current: list[str], skip: Any, stop: Any = None) -> None:
    # The hot loop of extraction: plain lists and no recursion into leaves, on purpose.
    for child in el:
        if child is stop:
            raise _Stop
        tag = child.tag
        if tag.__class__ is str and child is not skip:
            name = tag.lower()
            if name in SKIP_TAGS:
                pass
            elif name == "br":
                _flush(lines, current)
            elif name == "tr" and (stop is None or not _contains(child, stop)):
                _flush(lines, current)
                row = " ".join(_row_text(child, skip).split())
                if row:
                    lines.append(row)
            elif name in BLOCK_TAGS:
                _flush(lines, current)
                if child.text:
                    current.append(child.text)
                if len(child):
                    _walk(child, lines, current, skip, stop)
                _flush(lines, current)
            else:
                if child.text:
                    current.append(child.text)
                if len(child):
                    _walk(child, lines, current, skip, stop)
        # Comments, processing instructions and skipped elements still own their tail text.
        if child.tail:
            current.append(child.tail)


def _row_text(tr: Any, skip: Any) -> str:
    cells = []
    for cell in tr:
        tag = cell.tag
        if tag.__class__ is str and tag.lower() in _CELL_TAGS and cell is not skip:
            if len(cell):
                cells.append(" ".join(_element_lines(cell, skip)))
            else:  # most cells hold bare text
                cells.append(" ".join((cell.text or "").split()))
    return " | ".join(cells)


def _element_lines(el: Any, skip: Any = None) -> list[str]:
    tag = el.tag
    if tag.__class__ is not str or el is skip:
        return []
    name = tag.lower()
    if name in SKIP_TAGS or name == "br":
        return []
    lines: list[str] = []
    if name == "tr":
        row = " ".join(_row_text(el, skip).split())
        return [row] if row else []
    current: list[str] = [el.text] if el.text else []
    _walk(el, lines, current, skip)
    _flush(lines, current)
    return lines


def _contains(el: Any, other: Any) -> bool:
    return any(anc is el for anc in other.iterancestors())


def lines_until(el: Any, stop: Any) -> list[str]:
    """Clean lines of ``el`` that come before its descendant ``stop`` in document order."""
    lines: list[str] = []
    current: list[str] = [el.text] if el.text else []
    with contextlib.suppress(_Stop):
        _walk(el, lines, current, None, stop)
    _flush(lines, current)
    return lines


def element_lines(el: Any, skip: Any = None) -> list[str]:
    """Clean lines of an lxml element (its tail excluded); ``skip`` is a subtree left out."""
    return _element_lines(el, skip)


def _as_elements(obj: object) -> Iterable[Any]:
    if obj is None:
        return ()
    if isinstance(obj, etree._Element):
        return (obj,)
    if isinstance(obj, etree._ElementTree):
        return (obj.getroot(),)
    if isinstance(obj, bytes):
        obj = decode_html(obj)[0]
    if isinstance(obj, str):
        root = parse_html(obj)
        return () if root is None else (root,)
    root = getattr(obj, "root", None)  # parsel.Selector
    if root is not None:
        return _as_elements(root) if not isinstance(root, str) else ()
    if isinstance(obj, Iterable):  # parsel.SelectorList, a list of elements
        return [el for item in obj for el in _as_elements(item)]
    raise TypeError(f"html_to_text: cannot read {type(obj).__name__}")


def parse_html(html: str) -> Any:
    """Parse a document or fragment into an lxml tree (None when there is nothing to parse)."""
    if not html.strip():
        return None
    data = html.encode("utf-8", "replace")
    try:
        root = etree.fromstring(data, parser=_UTF8_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    # libxml2 leaves what follows a premature </html> outside the root element (gov.cn pages put the
    # whole article there): move it into <body>, where a browser shows it.
    stray = [el for el in root.itersiblings() if isinstance(el.tag, str)]
    if stray:
        body = root.find("body")
        if body is None:
            body = etree.SubElement(root, "body")
        for el in stray:
            body.append(el)
    return root


# lxml.etree's parser, not lxml.html's: the latter looks up a Python element class for every node
# touched, which costs more than the whole text walk.
_UTF8_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=False)
_STRING = etree.XPath("string()")


def raw_text(el: Any) -> str:
    """All text of an element's subtree as the DOM has it (comments excluded), not normalized."""
    return str(_STRING(el))


def html_to_text(element_or_html: object) -> str:
    """Clean text (docs/design.md) of an lxml element, a parsel Selector(List), or HTML str/bytes."""
    lines: list[str] = []
    for el in _as_elements(element_or_html):
        lines.extend(_element_lines(el))
    return "\n".join(lines)
