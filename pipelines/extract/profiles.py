"""Extraction profiles (profiles.toml): CMS-family selectors as data, compiled once, merged with a
site definition's overrides, and family detection by markers.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from cssselect import HTMLTranslator, SelectorError
from lxml import etree

FAMILIES = ("trs", "jtopcms", "vsb", "hanweb", "generic")
#: Profile keys holding selector lists.
SELECTOR_KEYS = ("title", "body", "breadcrumb", "info", "views", "drop", "attachments")
_OVERRIDE_KEYS = frozenset((*SELECTOR_KEYS, "body_between", "attachment_extensions"))
#: Keys whose [common] list is appended to every family's.
_COMMON_KEYS = ("drop", "attachments")


@dataclass(frozen=True)
class Selector:
    """A compiled selector (CSS ones see only the context node's subtree; XPath may see more)."""

    source: str
    xpath: etree.XPath
    #: Literal strings (class names, ids, attribute values) the page source must contain for the
    #: selector to match anything: a substring test is far cheaper than an XPath pass.
    hints: tuple[str, ...] = ()
    #: (name test, attribute, predicate) when the XPath is just ``descendant-or-self::T/@a[P]/..``
    #: (see _attribute_step): such selectors on one attribute share one pass in a union.
    step: tuple[str, str, str] | None = None

    def possible(self, html: str | None) -> bool:
        return html is None or all(hint in html for hint in self.hints)

    def __call__(self, context: Any, html: str | None = None) -> list[Any]:
        if not self.possible(html):
            return []
        return _elements(self.xpath(context))


def _elements(result: object) -> list[Any]:
    return [el for el in result if isinstance(el, etree._Element)] if isinstance(result, list) else []


class SelectorSet(tuple[Selector, ...]):
    """Selectors evaluated together, as one XPath union (one call into C instead of one each), over
    the selectors whose hints the page contains."""

    _unions: dict[tuple[int, ...], etree.XPath | None]
    _tags: tuple[str, ...]  # selectors that are bare tag names (no hints: always possible)
    _others: tuple[int, ...]
    _tag_scan: re.Pattern[str] | None

    def __new__(cls, selectors: tuple[Selector, ...] = ()) -> SelectorSet:
        self = super().__new__(cls, selectors)
        self._unions = {}
        self._tags = tuple(s.source for s in selectors if _TAG_NAME.match(s.source))
        self._others = tuple(i for i, s in enumerate(selectors) if not _TAG_NAME.match(s.source))
        # Longest names first, so that a tag is found even when another one is its prefix.
        names = sorted(self._tags, key=len, reverse=True)
        self._tag_scan = re.compile("<(" + "|".join(map(re.escape, names)) + ")") if names else None
        return self

    def _union(self, indices: tuple[int, ...]) -> etree.XPath | None:
        if indices not in self._unions:
            exprs: list[str] = []
            by_attribute: dict[str, list[tuple[str, str, str]]] = {}
            for i in indices:
                step = self[i].step
                if step is None:
                    exprs.append(self[i].xpath.path)
                else:
                    by_attribute.setdefault(step[1], []).append(step)
            for attribute, steps in by_attribute.items():
                # One pass over the attribute for all of them: the union of the filters is the
                # filter by the disjunction (the owner element is the attribute's parent).
                names = {name for name, _, _ in steps}
                if len(names) == 1:
                    tests = [f"({predicate})" for _, _, predicate in steps]
                    path = f"descendant-or-self::{names.pop()}/{attribute}"
                else:
                    tests = [
                        f"({predicate})" if name == "*" else f"(parent::{name} and ({predicate}))"
                        for name, _, predicate in steps
                    ]
                    path = f"descendant-or-self::*/{attribute}"
                exprs.append(f"{path}[{' or '.join(tests)}]/..")
            self._unions[indices] = etree.XPath(" | ".join(exprs)) if exprs else None
        return self._unions[indices]

    def _possible(self, indices: tuple[int, ...], html: str | None) -> tuple[int, ...]:
        """The selectors among ``indices`` whose hints are all in ``html``: a hint shared by several
        selectors is looked for once (each look is a scan of the page)."""
        if html is None:
            return indices
        present: dict[str, bool] = {}
        possible = []
        for i in indices:
            for hint in self[i].hints:
                found = present.get(hint)
                if found is None:
                    found = present[hint] = hint in html
                if not found:
                    break
            else:
                possible.append(i)
        return tuple(possible)

    def all(self, context: Any, html: str | None = None) -> list[Any]:
        """Every match of any selector, in document order."""
        union = self._union(self._possible(tuple(range(len(self))), html))
        return _elements(union(context)) if union is not None else []

    def unordered(self, context: Any, html: str | None = None) -> list[Any]:
        """Every match, in no particular order: bare tag names go to lxml's C iterator, which is
        far cheaper than an XPath pass.

        ``html`` is lxml's serialization of ``context``: an element is in it as ``<`` + its tag (as
        the tree stores it, which is what ``iter`` matches), so the tags not found by one scan of it
        need no pass at all (usually none of them: bodies seldom hold scripts or forms).
        """
        tags: Sequence[str] = self._tags
        if html is not None and self._tag_scan is not None:
            seen = set(self._tag_scan.findall(html))
            tags = [tag for tag in self._tags if tag in seen]
        found = list(context.iter(*tags)) if tags else []
        rest = self._union(self._possible(self._others, html))
        if rest is not None:
            found.extend(_elements(rest(context)))
        return found


@dataclass(frozen=True)
class Profile:
    family: str
    markers: tuple[str, ...]
    url_patterns: tuple[re.Pattern[str], ...]
    title: SelectorSet
    #: Generic title selectors (``h1``…), trusted only when ``<title>`` agrees with what they find.
    title_common: SelectorSet
    body: SelectorSet
    body_between: tuple[tuple[str, str], ...]
    breadcrumb: SelectorSet
    #: The [common] breadcrumb selectors, tried when the family's find nothing.
    breadcrumb_common: SelectorSet
    info: SelectorSet
    views: SelectorSet
    drop: SelectorSet
    attachments: SelectorSet
    attachment_extensions: frozenset[str]


_TRANSLATOR = HTMLTranslator()
_TAG_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
#: Quoted values of a CSS selector (those with characters that serialization escapes stay: a colon
#: in them still means no hints).
_QUOTED = re.compile(r"""'[^'"&<>]*'|"[^'"&<>]*\"""")
#: Class names, ids and attribute values of a CSS selector: ".x", "#x", "[attr*=x]".
_HINT = re.compile(r"""[.#]([\w-]+)|\[\s*[\w-]+\s*[*^$|~]?=\s*['"]?([^'"\]]+)""")


#: The first location step of cssselect's translation of a simple selector (``div.x``, ``#x``,
#: ``[class*=x]``): one name test and one predicate on one attribute.
_FIRST_STEP = re.compile(r"descendant-or-self::(\*|[A-Za-z][\w-]*)\[")
_XPATH_TOKEN = re.compile(r"""'[^']*'|"[^"]*"|@[\w-]+|-?\d+|[A-Za-z][\w-]*|\s+|.""")
#: What such a predicate holds besides literals, numbers and its attribute: cssselect's string
#: functions and operators (no path, no other node, no variable, no position).
_PREDICATE_WORDS = frozenset(
    ("and", "or", "contains", "concat", "normalize-space", "starts-with", "substring", "string-length")
)
_PREDICATE_PUNCT = frozenset("(),=")


def _attribute_step(expr: str) -> tuple[str, str, str, str] | None:
    """(T, @a, P(.), rest) for ``descendant-or-self::T[@a and P(@a)]rest``, to be evaluated as
    ``descendant-or-self::T/@a[P(.)]/..rest``.

    The same node set: the elements having the attribute, whose value passes the predicate. But
    libxml2 reaches attribute nodes much faster than it evaluates ``@a`` as a predicate of every
    element (about twice as fast over a page, for the class selectors of every profile). Anything
    but that exact shape (another attribute, a path or position in the predicate, an ``or`` that
    could hold without the attribute, a positional predicate after it) gives None: the XPath of
    cssselect is kept as it is.
    """
    first = _FIRST_STEP.match(expr)
    if first is None:
        return None
    attribute: str | None = None
    words: list[str] = []  # the predicate's tokens, spaces aside
    depth = 0
    end = -1
    for m in _XPATH_TOKEN.finditer(expr, first.end()):
        token = m.group()
        if token == "]":
            end = m.end()
            break
        if token[0] in "'\"" or token.isspace() or token.lstrip("-").isdigit():
            pass
        elif token[0] == "@":
            if attribute not in (None, token):
                return None
            attribute = token
        elif token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif token == "or" and depth == 0:
            return None  # "@a and x or y" holds with y alone
        elif token not in _PREDICATE_WORDS and token not in _PREDICATE_PUNCT:
            return None
        if not token.isspace():
            words.append(token)
    rest = expr[end:]
    if (
        attribute is None
        or end < 0
        or not (rest == "" or rest.startswith("/") or rest.lstrip().startswith("|"))
    ):
        return None
    # The predicate must fail on an element without the attribute: "@a and …" or "@a = 'v'".
    if not (words[:2] == [attribute, "and"] or (len(words) == 3 and words[:2] == [attribute, "="])):
        return None
    predicate = "".join(
        "." if m.group() == attribute else m.group()
        for m in _XPATH_TOKEN.finditer(expr[first.end() : end - 1])
    )
    return first.group(1), attribute, predicate, rest


@lru_cache(maxsize=1024)
def compile_selector(source: str) -> Selector:
    """CSS, or XPath when it starts with ``/``, ``./`` or ``(``; ValueError when it is neither."""
    text = source.strip()
    is_xpath = text.startswith(("/", "./", "("))
    try:
        expr = text if is_xpath else _TRANSLATOR.css_to_xpath(text)
        found = None if is_xpath else _attribute_step(expr)
        if found is not None:
            name, attribute, predicate, rest = found
            expr = f"descendant-or-self::{name}/{attribute}[{predicate}]/..{rest}"
        # Pseudo-classes (":not(.x)") may match where a hint is absent: no hints for them. A colon
        # inside a quoted value ("[style*='display:none']") is no pseudo-class (unless escapes make
        # the quotes uncertain).
        unquoted = text if "\\" in text else _QUOTED.sub("", text)
        literal = not is_xpath and ":" not in unquoted
        hints = tuple(a or b for a, b in _HINT.findall(text)) if literal else ()
        step = (name, attribute, predicate) if found is not None and not rest else None
        return Selector(text, etree.XPath(expr), hints, step)
    except (SelectorError, etree.XPathSyntaxError) as exc:
        raise ValueError(f"bad selector {source!r}: {exc}") from exc


@cache
def _data() -> dict[str, Any]:
    raw = resources.files(__package__).joinpath("profiles.toml").read_text("utf-8")
    return tomllib.loads(raw)


def _as_list(value: object, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError(f"profile key {key!r}: expected a string or a list of strings")


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _build(family: str, overrides: Mapping[str, object]) -> Profile:
    data = _data()
    if family not in data["families"]:
        raise ValueError(f"unknown extraction family {family!r} (known: {', '.join(FAMILIES)})")
    base: dict[str, Any] = data["families"][family]
    common: dict[str, Any] = data["common"]

    def selectors(key: str, with_common: bool = True) -> SelectorSet:
        items = _as_list(overrides.get(key), key) + list(base.get(key, []))
        if with_common and key in _COMMON_KEYS:
            items += common.get(key, [])
        return SelectorSet(tuple(compile_selector(s) for s in _dedupe(items)))

    def common_only(key: str) -> SelectorSet:
        return SelectorSet(tuple(compile_selector(s) for s in common.get(key, [])))

    between = [tuple(pair) for pair in overrides.get("body_between") or []]  # type: ignore[attr-defined]
    between += [tuple(pair) for pair in base.get("body_between", [])]
    if any(len(pair) != 2 for pair in between):
        raise ValueError("profile key 'body_between': expected [begin, end] pairs")
    extensions = _as_list(overrides.get("attachment_extensions"), "attachment_extensions") or list(
        common["attachment_extensions"]
    )
    return Profile(
        family=family,
        markers=tuple(base.get("markers", [])),
        url_patterns=tuple(re.compile(p) for p in base.get("url_patterns", [])),
        title=selectors("title"),
        title_common=common_only("title"),
        body=selectors("body"),
        body_between=tuple((str(a), str(b)) for a, b in between),
        breadcrumb=selectors("breadcrumb", with_common=False),
        breadcrumb_common=common_only("breadcrumb"),
        info=selectors("info"),
        views=selectors("views"),
        drop=selectors("drop"),
        attachments=selectors("attachments"),
        attachment_extensions=frozenset(e.lower().lstrip(".") for e in extensions),
    )


@lru_cache(maxsize=256)
def _cached(family: str, overrides_json: str) -> Profile:
    return _build(family, json.loads(overrides_json))


def get_profile(profile: str | Mapping[str, object] | None, family: str | None = None) -> Profile:
    """The profile for a family name, or a site definition's mapping merged over its family.

    ``family`` is the detected family, used when ``profile`` is None or a mapping without "family".
    Raises ValueError for an unknown family or a bad selector (a definition error, not a page one).
    """
    if isinstance(profile, str):
        return _cached(profile, "{}")
    overrides = dict(profile or {})
    name = overrides.pop("family", None) or family or "generic"
    known = {k: v for k, v in overrides.items() if k in _OVERRIDE_KEYS}
    # Most definitions name their family and nothing else: no encoder for an empty mapping.
    key = json.dumps(known, sort_keys=True, ensure_ascii=False, default=_jsonable) if known else "{}"
    return _cached(str(name), key)


def _jsonable(value: object) -> object:
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def detect_family(html: str, url: str = "") -> str:
    """CMS family by markers in the page (and URL shape); ``generic`` when nothing matches."""
    data = _data()
    best, best_score = "generic", 0
    for name in data["detect_order"]:
        profile = get_profile(name)
        score = sum(1 for marker in profile.markers if marker in html)
        if score and url:
            score += sum(1 for pattern in profile.url_patterns if pattern.search(url))
        if score > best_score:
            best, best_score = name, score
    return best
