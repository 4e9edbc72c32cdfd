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


# What an element is to the walk, by its tag.
_INLINE, _SKIP, _BREAK, _ROW, _BLOCK = range(5)
#: Distinct tags kept at most (pages of Word exports invent prefixed ones: ``o:p``, ``st1:chsdate``).
_MAX_KINDS = 4096


class _Kinds(dict[object, int]):
    """Kind of each tag lxml gives (a name, or the Comment / ProcessingInstruction / Entity factory
    for nodes that have no text of their own): one dict lookup per node instead of lower-casing and
    four set tests, in the hottest loop of extraction."""

    def __missing__(self, tag: object) -> int:
        if not isinstance(tag, str):
            kind = _SKIP
        else:
            name = tag.lower()
            kind = (
                _SKIP
                if name in SKIP_TAGS
                else _BREAK
                if name == "br"
                else _ROW
                if name == "tr"
                else _BLOCK
                if name in BLOCK_TAGS
                else _INLINE
            )
        if len(self) < _MAX_KINDS:
            self[tag] = kind
        return kind


_KINDS = _Kinds()


class _Stop(Exception):
    """Raised when the walk reaches the element it must stop at (see ``lines_until``)."""


def _walk(el: Any, lines: list[str], current: list[str]) -> None:
    """Append the lines of ``el``'s children to ``lines``; ``current`` is the open line's pieces.

    The hot loop of extraction (every body, every line of chrome around it): plain lists, one dict
    lookup per node, each lxml property read once, no function call per line. ``_walk_until`` is the
    same walk with a subtree to leave out and an element to stop at.
    """
    kinds = _KINDS
    add = current.append
    for child in el:
        kind = kinds[child.tag]
        if kind == _INLINE:
            text = child.text
            if text:
                add(text)
            if len(child):
                _walk(child, lines, current)
        elif kind == _BLOCK:
            if current:  # the check inline: most elements have no open line
                _flush(lines, current)
            text = child.text
            if text:
                add(text)
            if len(child):
                _walk(child, lines, current)
            if current:
                _flush(lines, current)
        elif kind == _BREAK:
            if current:
                _flush(lines, current)
        elif kind == _ROW:
            if current:
                _flush(lines, current)
            row = " ".join(_row_text(child, None).split())
            if row:
                lines.append(row)
        # Comments, processing instructions and skipped elements still own their tail text.
        tail = child.tail
        if tail:
            add(tail)


def _walk_until(el: Any, lines: list[str], current: list[str], skip: Any, stop: Any, path: Any) -> None:
    """``_walk`` leaving out the subtree ``skip`` and stopping at ``stop`` (``path``: the ancestors
    of ``stop``). Subtrees that hold neither go to ``_walk``."""
    for child in el:
        if child is stop:
            raise _Stop
        kind = _KINDS[child.tag] if child is not skip else _SKIP
        on_path = child in path
        if kind == _BREAK:
            _flush(lines, current)
        elif kind == _ROW and not on_path:
            _flush(lines, current)
            row = " ".join(_row_text(child, skip).split())
            if row:
                lines.append(row)
        elif kind in (_BLOCK, _ROW):
            _flush(lines, current)
            if child.text:
                current.append(child.text)
            if len(child):
                if on_path or skip is not None:
                    _walk_until(child, lines, current, skip, stop, path)
                else:
                    _walk(child, lines, current)
            _flush(lines, current)
        elif kind == _INLINE:
            if child.text:
                current.append(child.text)
            if len(child):
                if on_path or skip is not None:
                    _walk_until(child, lines, current, skip, stop, path)
                else:
                    _walk(child, lines, current)
        # Comments, processing instructions and skipped elements still own their tail text.
        if child.tail:
            current.append(child.tail)


def _row_text(tr: Any, skip: Any) -> str:
    """The cells of a row joined by `` | ``, to be whitespace-normalized by the caller.

    Since the whole row is normalized, a cell need not be: its lines joined by spaces and its raw
    text with a space at every line boundary give the same row. Cells of Word-made tables hold
    paragraphs (``<td><p><span>0</span></p></td>``), hundreds per report: they are read by
    ``_cell_pieces``, which builds no lines.
    """
    pieces: list[str] = []
    add = pieces.append
    first = True
    for cell in tr:
        tag = cell.tag
        if (tag == "td" or tag == "th" or (isinstance(tag, str) and tag.lower() in _CELL_TAGS)) and (
            cell is not skip
        ):
            if not first:
                add(" | ")
            first = False
            if skip is not None and len(cell):
                add(" ".join(_element_lines(cell, skip)))
                continue
            text = cell.text
            if text:
                add(text)
            if len(cell):
                _cell_pieces(cell, pieces)
    return "".join(pieces)


def _cell_pieces(el: Any, pieces: list[str]) -> None:
    """``_walk`` for the inside of a table cell: texts in order, a space for every line boundary."""
    kinds = _KINDS
    add = pieces.append
    for child in el:
        kind = kinds[child.tag]
        if kind == _INLINE:
            text = child.text
            if text:
                add(text)
            if len(child):
                _cell_pieces(child, pieces)
        elif kind == _BLOCK:
            add(" ")
            text = child.text
            if text:
                add(text)
            if len(child):
                _cell_pieces(child, pieces)
            add(" ")
        elif kind == _BREAK:
            add(" ")
        elif kind == _ROW:
            add(" ")
            add(_row_text(child, None))
            add(" ")
        tail = child.tail
        if tail:
            add(tail)


def _element_lines(el: Any, skip: Any = None) -> list[str]:
    kind = _KINDS[el.tag]
    if kind in (_SKIP, _BREAK) or el is skip:
        return []
    lines: list[str] = []
    if kind == _ROW:
        row = " ".join(_row_text(el, skip).split())
        return [row] if row else []
    text = el.text
    current: list[str] = [text] if text else []
    if skip is None:
        _walk(el, lines, current)
    else:
        _walk_until(el, lines, current, skip, None, ())
    _flush(lines, current)
    return lines


def lines_until(el: Any, stop: Any) -> list[str]:
    """Clean lines of ``el`` that come before its descendant ``stop`` in document order."""
    lines: list[str] = []
    current: list[str] = [el.text] if el.text else []
    with contextlib.suppress(_Stop):
        _walk_until(el, lines, current, None, stop, set(stop.iterancestors()))
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


def parse_html(html: str, utf8: bytes | None = None) -> Any:
    """Parse a document or fragment into an lxml tree (None when there is nothing to parse).

    ``utf8`` is ``html`` encoded as UTF-8 when the caller holds it already (the bytes of a page that
    decoded as UTF-8): encoding it again costs as much as a walk of its text.
    """
    if not html or html.isspace():
        return None
    data = html.encode("utf-8", "replace") if utf8 is None else utf8
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
    if not len(el):  # no child node at all: the string value is the element's own text
        return el.text or ""
    return str(_STRING(el))


def html_to_text(element_or_html: object) -> str:
    """Clean text (docs/design.md) of an lxml element, a parsel Selector(List), or HTML str/bytes."""
    lines: list[str] = []
    for el in _as_elements(element_or_html):
        lines.extend(_element_lines(el))
    return "\n".join(lines)
