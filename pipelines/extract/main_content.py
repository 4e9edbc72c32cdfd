"""Main content of a page no profile selector covers: trafilatura, checked by a text-density heuristic
(which also stands in when trafilatura finds nothing, or far less than the densest block holds)."""

from __future__ import annotations

import logging
from typing import Any

from pipelines.extract.text import html_to_text, normalize_line, raw_text

#: A paragraph shorter than this (non-link characters) is navigation or a caption, not prose.
_MIN_PARAGRAPH = 20
_MIN_BLOCK = 80
_INLINE = frozenset(("br", "span", "font", "strong", "b", "em", "i", "u", "a"))
_PARAGRAPH_TAGS = ("p", "pre", "td", "div", "li", "blockquote", "section", "article", "font", "span")


def prose_length(el: Any) -> int:
    """Characters of an element's text outside its links."""
    total = len(normalize_line(raw_text(el)))
    links = sum(len(normalize_line(raw_text(a))) for a in el.iter("a"))
    return max(total - links, 0)


def _own_text(el: Any) -> str:
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag in (
            "br",
            "span",
            "font",
            "strong",
            "b",
            "em",
            "i",
            "u",
            "a",
        ):
            parts.append(raw_text(child))
        parts.append(child.tail or "")
    return normalize_line("".join(parts))


def densest_block(root: Any) -> Any | None:
    """The element whose paragraphs hold the most prose (readability-style scoring)."""
    scores: dict[Any, float] = {}
    for el in root.iter(*_PARAGRAPH_TAGS):
        if el.tag in ("div", "td", "section", "article", "font", "span"):
            text = _own_text(el)
            if len(text) < _MIN_PARAGRAPH:
                continue
            length = len(text)
        else:
            length = prose_length(el)
            if length < _MIN_PARAGRAPH:
                continue
        score = 1 + min(length / 100, 3)
        parent = el.getparent() if el.tag in ("p", "pre", "li", "blockquote") else el
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + score
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0.0) + score / 2
    best, best_score = None, 0.0
    for el, score in scores.items():
        if el.tag in ("html", "body"):
            continue
        text_length = len(normalize_line(raw_text(el))) or 1
        link_length = sum(len(normalize_line(raw_text(a))) for a in el.iter("a"))
        score *= 1 - min(link_length / text_length, 1)
        if score > best_score:
            best, best_score = el, score
    if best is None or prose_length(best) < _MIN_BLOCK:
        return None
    return best


def trafilatura_html(html: str) -> str | None:
    """trafilatura's main content as HTML (None when it finds none or fails)."""
    try:
        import trafilatura

        logging.getLogger("trafilatura").setLevel(logging.ERROR)
        out = trafilatura.extract(
            html,
            output_format="html",
            include_tables=True,
            include_images=True,
            include_links=True,
            include_comments=False,
            deduplicate=False,
            with_metadata=False,
            favor_recall=True,
            fast=True,  # its own fallbacks (readability, jusText) are slow; the density check is ours
        )
    except Exception:  # a third-party extractor must never break extraction
        return None
    return out if isinstance(out, str) and out.strip() else None


def trafilatura_text(html: str) -> tuple[str, str] | None:
    out = trafilatura_html(html)
    if out is None:
        return None
    text = html_to_text(out)
    return (text, out) if text else None
