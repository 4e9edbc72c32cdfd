"""Extraction profiles (profiles.toml): CMS-family selectors as data, compiled once, merged with a
site definition's overrides, and family detection by markers.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
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

    def __new__(cls, selectors: tuple[Selector, ...] = ()) -> SelectorSet:
        self = super().__new__(cls, selectors)
        self._unions = {}
        self._tags = tuple(s.source for s in selectors if _TAG_NAME.match(s.source))
        self._others = tuple(i for i, s in enumerate(selectors) if not _TAG_NAME.match(s.source))
        return self

    def _union(self, indices: tuple[int, ...]) -> etree.XPath | None:
        if indices not in self._unions:
            exprs = [self[i].xpath.path for i in indices]
            self._unions[indices] = etree.XPath(" | ".join(exprs)) if exprs else None
        return self._unions[indices]

    def all(self, context: Any, html: str | None = None) -> list[Any]:
        """Every match of any selector, in document order."""
        union = self._union(tuple(i for i, s in enumerate(self) if s.possible(html)))
        return _elements(union(context)) if union is not None else []

    def unordered(self, context: Any, html: str | None = None) -> list[Any]:
        """Every match, in no particular order: bare tag names go to lxml's C iterator, which is
        far cheaper than an XPath pass."""
        found = list(context.iter(*self._tags)) if self._tags else []
        rest = self._union(tuple(i for i in self._others if self[i].possible(html)))
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
#: Class names, ids and attribute values of a CSS selector: ".x", "#x", "[attr*=x]".
_HINT = re.compile(r"""[.#]([\w-]+)|\[\s*[\w-]+\s*[*^$|~]?=\s*['"]?([^'"\]]+)""")


@lru_cache(maxsize=1024)
def compile_selector(source: str) -> Selector:
    """CSS, or XPath when it starts with ``/``, ``./`` or ``(``; ValueError when it is neither."""
    text = source.strip()
    is_xpath = text.startswith(("/", "./", "("))
    try:
        expr = text if is_xpath else _TRANSLATOR.css_to_xpath(text)
        # Pseudo-classes (":not(.x)") may match where a hint is absent: no hints for them.
        literal = not is_xpath and ":" not in text
        hints = tuple(a or b for a, b in _HINT.findall(text)) if literal else ()
        return Selector(text, etree.XPath(expr), hints)
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
    known = {
        k: v for k, v in overrides.items() if k in (*SELECTOR_KEYS, "body_between", "attachment_extensions")
    }
    key = json.dumps(known, sort_keys=True, ensure_ascii=False, default=_jsonable)
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
