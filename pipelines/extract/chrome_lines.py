"""Chrome in text lines: recognise it, capture what it says, drop it without ever dropping body.

The patterns are data (chrome_lines.toml). Two kinds of chrome line:

* info lines, parsed field by field (``发布日期:2018-03-19 点击数:``): every ``label[:：] value`` must
  carry a value of the announced kind, and nothing else may stand on the line;
* whole-line patterns (login bar, breadcrumb, print/close/font controls, share, QR code, footer), some
  of them trusted only in the closing run of chrome lines of a page (``where = "tail"``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from pipelines.extract.text import normalize_line

#: Fields captured from chrome; ``views`` is an int (None when the page leaves the counter to a script).
FIELDS = ("publish_date", "views", "source", "editor")

DATE_PATTERN = (
    r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
    r"(?:\s*\d{1,2}\s*[:：时]\s*\d{1,2}(?:\s*[:：分]\s*\d{1,2}\s*秒?)?)?"
)
_DATE = re.compile(DATE_PATTERN)
_COUNT = re.compile(r"(\d+)\s*次?")
_SEPARATORS = " |｜丨/·•"
_BRACKETS_OPEN = "【[（("
_BRACKETS_CLOSE = "】]）)"
_SENTENCE_PUNCT = re.compile(r"[，。；！？]")
_CRUMB_SPLIT = re.compile(r"\s*(?:>>|>|»|›|＞|→|/)\s*")
_LOCATION_LABEL = re.compile(
    r"^(?:当前位置|您现在的位置|您当前的位置|您的位置|你的位置|你现在的位置|所在位置|现在位置|位置)\s*[:：]\s*"
)
#: A text value (source, editor, author) longer than this is a sentence, not a name.
_MAX_NAME = 40


@dataclass(frozen=True)
class _Rules:
    label: re.Pattern[str]
    field_of: dict[str, str]
    weak: frozenset[str]
    trailing_control: re.Pattern[str]
    controls_only: re.Pattern[str]
    anywhere: tuple[tuple[str, re.Pattern[str]], ...]
    tail: tuple[tuple[str, re.Pattern[str]], ...]


@cache
def _rules() -> _Rules:
    data = tomllib.loads(resources.files(__package__).joinpath("chrome_lines.toml").read_text("utf-8"))
    field_of = {label: name for name, labels in data["labels"].items() for label in labels}
    labels = sorted(field_of, key=len, reverse=True)
    # The lookahead on first characters spares the alternation at most positions of a line.
    first = "".join(sorted({re.escape(name[0]) for name in labels}))
    label = re.compile(
        "(?:^|(?<=[\\s|｜丨/【\\[（(\\d]))(?=["
        + first
        + "])("
        + "|".join(map(re.escape, labels))
        + r")\s*[:：]"
    )
    words = "|".join(map(re.escape, sorted(data["controls"]["words"], key=len, reverse=True)))
    token = rf"[【\[（(]?\s*(?:{words})\s*[】\]）)]?"
    trailing = re.compile(rf"(?:^|(?<=[\s|｜丨/】\]）)]))\s*{token}[\s|｜丨/·•]*$")
    controls_only = re.compile(rf"^(?:[\s|｜丨/·•]*{token})*[\s|｜丨/·•]*$")
    anywhere: list[tuple[str, re.Pattern[str]]] = []
    tail: list[tuple[str, re.Pattern[str]]] = []
    for rule in data["lines"]:
        (tail if rule["where"] == "tail" else anywhere).append((rule["name"], re.compile(rule["pattern"])))
    return _Rules(
        label,
        field_of,
        frozenset(data["weak"]["labels"]),
        trailing,
        controls_only,
        tuple(anywhere),
        tuple(tail),
    )


def _strip_controls(value: str) -> str:
    trailing = _rules().trailing_control
    while True:
        value = value.strip(_SEPARATORS)
        m = trailing.search(value)
        if not m or m.start() == m.end():
            return value
        value = value[: m.start()]


def _strip_brackets(value: str) -> str:
    return value.strip(_SEPARATORS + _BRACKETS_OPEN + _BRACKETS_CLOSE)


def parse_info_line(
    line: str, *, weak_ok: Collection[str] = (), bare_date: bool = False
) -> dict[str, object] | None:
    """Fields of an info line, or None when the line is not one.

    ``weak_ok`` lists the fields whose weak labels (``时间``, ``编辑``…) may alone make an info line;
    ``bare_date`` accepts a line that is only a date (``2023-12-01 14:43`` under a title).
    """
    found = _info_items(line, frozenset(weak_ok), bare_date)
    return dict(found) if found is not None else None


# Cached as items (every caller gets a dict of its own): the lines around a body are asked about
# twice, first whether the header holds an info line at all, then for its fields.
@lru_cache(maxsize=256)
def _info_items(line: str, weak_ok: frozenset[str], bare_date: bool) -> tuple[tuple[str, object], ...] | None:
    fields = _parse_info_line(line, weak_ok, bare_date)
    return tuple(fields.items()) if fields is not None else None


def _parse_info_line(line: str, weak_ok: frozenset[str], bare_date: bool) -> dict[str, object] | None:
    rules = _rules()
    text = normalize_line(line)
    if len(text) >= 2 and text[0] in "（(【[" and text[-1] in "）)】]":
        text = text[1:-1].strip()
    if not text:
        return None
    if bare_date and _DATE.fullmatch(text):
        return {"publish_date": text}
    if ":" not in text and "：" not in text:  # every label ends with one: most lines go no further
        return None
    matches = list(rules.label.finditer(text))
    if not matches or _strip_brackets(text[: matches[0].start()]):
        return None
    fields: dict[str, object] = {}
    strong = False
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        raw = text[m.end() : end]
        name = rules.field_of[m.group(1)]
        if name == "controls":
            if not rules.controls_only.match(raw):
                return None
            strong = True
            continue
        value = _strip_brackets(_strip_controls(raw))
        if name == "publish_date":
            if value and not _DATE.fullmatch(value):
                return None
            if value:
                fields.setdefault(name, value)
        elif name == "views":
            count = _COUNT.fullmatch(value) if value else None
            if value and count is None:
                return None
            fields.setdefault(name, int(count.group(1)) if count else None)
        else:
            if len(value) > _MAX_NAME or _SENTENCE_PUNCT.search(value):
                return None
            if value and name != "author":
                fields.setdefault(name, value)
        if m.group(1) not in rules.weak or name in weak_ok:
            strong = True
    if not strong and len(matches) < 2:
        return None
    return fields


def line_kind(line: str, *, tail: bool = False) -> str | None:
    """Name of the chrome pattern a line matches (``tail`` also tries the footer-only ones)."""
    text = normalize_line(line)
    if not text:
        return None
    rules = _rules()
    for name, pattern in rules.anywhere:
        if pattern.match(text):
            return name
    if tail:
        for name, pattern in rules.tail:
            if pattern.match(text):
                return name
    return None


def breadcrumb_of(line: str) -> list[str]:
    """Crumbs of a breadcrumb line, without the ``当前位置：`` label and the separators."""
    text = _LOCATION_LABEL.sub("", normalize_line(line))
    return [part for part in _CRUMB_SPLIT.split(text) if part]


def _merge(fields: dict[str, object], found: dict[str, object]) -> None:
    for key, value in found.items():
        if fields.get(key) is None:
            fields[key] = value


def _kind_of(text: str, *, tail: bool, weak_ok: Collection[str]) -> object:
    """None (body or blank), a dict of info fields, or the name of a chrome pattern."""
    text = normalize_line(text)
    if not text:
        return None
    info = parse_info_line(text, weak_ok=weak_ok)
    return info if info is not None else line_kind(text, tail=tail)


def _classify(lines: Sequence[str]) -> list[object]:
    """Kinds of all lines; the tail-only patterns count in the page's closing run of chrome."""
    kinds: list[object] = [None] * len(lines)
    in_tail = True
    for i in range(len(lines) - 1, -1, -1):
        if not lines[i].strip():
            continue
        kind = _kind_of(lines[i], tail=in_tail, weak_ok=())
        kinds[i] = kind
        if kind is None:
            in_tail = False
    return kinds


def _previous(lines: Sequence[str], i: int) -> str | None:
    """The last non-blank line before ``lines[i]``, normalized."""
    for line in reversed(lines[:i]):
        text = normalize_line(line)
        if text:
            return text
    return None


def _apply(lines: Sequence[str], kinds: list[object]) -> tuple[list[str], dict[str, object]]:
    fields: dict[str, object] = dict.fromkeys(FIELDS)
    kept: list[str] = []
    for i, (line, kind) in enumerate(zip(lines, kinds, strict=True)):
        if kind is None:
            kept.append(line)
        elif isinstance(kind, dict):
            # The line above is looked for only here (not tracked line by line: bodies are long).
            if "publish_date" in kind and "title_line" not in fields:
                previous = _previous(lines, i)
                if previous is not None:
                    fields["title_line"] = previous
            _merge(fields, kind)
        elif kind in ("breadcrumb", "location") and "breadcrumb" not in fields:
            crumbs = breadcrumb_of(line)
            if crumbs:
                fields["breadcrumb"] = crumbs
    return kept, fields


def strip_chrome_lines(lines: Sequence[str]) -> tuple[list[str], dict[str, object]]:
    """Drop the chrome lines of naively extracted page text; return kept lines and captured fields.

    Kept lines are returned unchanged (blank ones included). Fields: ``publish_date`` (raw string),
    ``views`` (int or None), ``source``, ``editor``; ``title_line`` (the line right before the date
    line) and ``breadcrumb`` (list of crumbs) when present.
    """
    return _apply(lines, _classify(lines))


def strip_edge_lines(lines: Sequence[str]) -> tuple[list[str], dict[str, object]]:
    """Chrome left at the edges of an extracted body: leading and trailing chrome lines only.

    At the end of a body a lone ``编辑：…`` / ``作者：…`` line is chrome too (news templates).
    """
    kinds: list[object] = [None] * len(lines)
    start = 0
    while start < len(lines):
        kind = _kind_of(lines[start], tail=False, weak_ok=())
        if kind is None:
            break
        kinds[start] = kind
        start += 1
    end = len(lines)
    while end > start:
        # Footer patterns stay out: a notice may end with its own 主办单位 line.
        kind = _kind_of(lines[end - 1], tail=False, weak_ok=("editor", "author"))
        if kind is None:
            break
        kinds[end - 1] = kind
        end -= 1
    return _apply(lines, kinds)
