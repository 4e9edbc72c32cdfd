"""The health of a site's crawl: answers that are not content, and sections that went quiet (pure).

A portal that changes its template, or puts an anti-bot wall in front of its pages, does not fail:
it answers 200 and the crawl archives nothing, or documents without a title, a date or a body. This
module decides, from counts per section (the site definition's unit / column), whether a run looks
like that, so that ``xxgk crawl`` can say so and exit non-zero. No Scrapy and no I/O here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

#: Default lowest share of a section's documents that must have a title, a date and a body.
DEFAULT_MIN_SHARE = 0.8
#: A section is judged only when it had at least this many documents (a share of 2 pages is noise).
DEFAULT_MIN_DOCUMENTS = 5
#: The fields whose absence is counted per section, and the counter of each.
FIELDS = {"title": "no_title", "date": "no_date", "body": "no_body"}
SITE_SECTION = "(site)"
#: The "section" of a problem the site-wide rule found (the counts of every section summed).
ALL_SECTIONS = "(all sections)"

# --- challenge pages -------------------------------------------------------------------------------

# Challenge pages are small: a script and next to nothing to read. Anything longer is not looked at.
_MAX_CHALLENGE_BYTES = 256 * 1024
# Visible text (bytes, outside scripts, styles and tags) a challenge page may show: "Just a moment…",
# "请开启JavaScript并刷新该页". An article's shortest real page shows far more (title, date, footer).
_MAX_VISIBLE = 400

# Byte strings one of which every challenge page holds (aliyun's acw_sc__ pages set document.cookie,
# Cloudflare's load challenge-platform). Tested with ``in``: one case-insensitive regex of the
# alternatives cost 0.4 ms on a 14 KB page, a sixth of its whole pipeline; these scans 0.05 ms.
_MARKERS = (
    b"document.cookie",
    b"__jsl",
    b"$_ts",
    b"_$",
    b"challenge-platform",
    b"<noscript",
    b"<NOSCRIPT",
    b"_0x",
)
_LEADING = b"\xef\xbb\xbf \t\r\n"  # a BOM and blank lines may come before the markup
_SCRIPT = re.compile(rb"<script\b", re.IGNORECASE)
_INVISIBLE = re.compile(
    rb"<(script|style|noscript|template|textarea)\b.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL
)
_TAG = re.compile(rb"<[^>]*>")
_SPACE = re.compile(rb"\s+|&nbsp;|&#160;|\xe3\x80\x80", re.IGNORECASE)
_COOKIE_SET = re.compile(rb"document\.cookie\s*=", re.IGNORECASE)
_RELOAD = re.compile(
    rb"location\.reload|location\.replace|location(\.href)?\s*=|location\.assign|window\.location\s*=",
    re.IGNORECASE,
)
# "Please turn JavaScript on", as UTF-8 and as GBK pages write it.
_ENABLE_WORDS = ("开启", "启用", "打开", "允许", "支持")
_NOSCRIPT_ASK = re.compile(
    rb"<noscript\b[^>]*>(?:(?!</noscript).){0,300}?(?:(?:"
    + b"|".join(re.escape(w.encode(c)) for w in _ENABLE_WORDS for c in ("utf-8", "gb18030"))
    + rb")\s*javascript|enable\s+javascript)",
    re.IGNORECASE | re.DOTALL,
)
# Known walls in front of Chinese government sites, by the names their scripts cannot hide.
_WAF_MARKERS: tuple[tuple[re.Pattern[bytes], str], ...] = (
    (re.compile(rb"__jsl_clearance|__jsluid"), "jiasule __jsl_clearance cookie script"),
    (re.compile(rb"\$_ts\s*=|\$_ts\["), "ruishu $_ts obfuscated script"),
    (re.compile(rb"acw_sc__v2|acw_sc__v3"), "aliyun acw_sc__ cookie script"),
    (re.compile(rb"cf_chl_opt|challenge-platform|cf-browser-verification"), "cloudflare challenge"),
)
# Identifiers an obfuscator generates: _$aB (ruishu), _0x1a2b (javascript-obfuscator). Dozens of them
# in a page with nothing to read is a challenge script, not a site's own scripting.
_OBFUSCATED = re.compile(rb"_\$[a-zA-Z]{2}|_0x[0-9a-f]{4,6}\b")
_MIN_OBFUSCATED = 20


def visible_bytes(body: bytes) -> int:
    """How many non-space bytes of a page a reader sees: outside scripts, styles, comments, tags."""
    text = _TAG.sub(b"", _INVISIBLE.sub(b"", body))
    return len(_SPACE.sub(b"", text))


def challenge_page(body: bytes) -> str | None:
    """Why ``body`` is a JavaScript challenge / anti-bot interstitial rather than content, or None.

    A challenge is a page with next to nothing to read whose script proves a browser: it sets a
    cookie and reloads, carries a known wall's marker (``__jsl_clearance``, ``$_ts``,
    ``acw_sc__v2``, Cloudflare's), is obfuscated (``_$xx`` / ``_0x…`` identifiers), or only asks
    in a ``<noscript>`` to turn JavaScript on. Pages that merely mention cookies or scripts, or
    redirect with a script without setting a cookie, are not challenges. Never raises.
    """
    if not body or len(body) > _MAX_CHALLENGE_BYTES or not body[:1024].lstrip(_LEADING).startswith(b"<"):
        return None  # not markup at all: a file (PDF, Word, an image), or a page too long to be one
    if not any(m in body for m in _MARKERS):
        return None  # the common case: a few scans of the bytes in C
    if not _SCRIPT.search(body) or visible_bytes(body) > _MAX_VISIBLE:
        return None
    for pattern, reason in _WAF_MARKERS:
        if pattern.search(body):
            return reason
    if _COOKIE_SET.search(body) and _RELOAD.search(body):
        return "script sets a cookie and reloads"
    if len(_OBFUSCATED.findall(body)) >= _MIN_OBFUSCATED:
        return "obfuscated script and no content"
    if _NOSCRIPT_ASK.search(body):
        return "noscript asks to enable JavaScript"
    return None


# --- sections and their counts ---------------------------------------------------------------------


def section_key(groups: Mapping[str, str]) -> str:
    """The section a page belongs to: its ``unit`` and ``column`` pattern groups (``fgw_12305/ndbg``)."""
    parts = [str(groups[k]) for k in ("unit", "column") if groups.get(k)]
    return "/".join(parts) or SITE_SECTION


@dataclass
class SectionCounts:
    """What one run saw of one section."""

    groups: dict[str, str] = field(default_factory=dict)
    documents: int = 0  # detail pages answered (archived or not)
    archived: int = 0  # of them, the ones that became (or already were) a document
    no_title: int = 0  # of the pages not in ``repeats``, the ones without a title; and so on
    no_date: int = 0
    no_body: int = 0
    repeats: int = 0  # pages that failed last run too: old news, left out of the field shares
    unreadable: int = 0  # empty or not HTML: a server's fault, not a template's; left out too
    lists: int = 0
    linked: int = 0  # links to detail pages on the section's list pages (known pages included)
    challenges: int = 0

    def produced(self) -> int:
        """How many documents the section showed: archived, or linked from its lists (a re-crawl
        does not fetch the pages the archive holds, but still finds them listed)."""
        return max(self.archived, self.linked)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SectionCounts:
        """Counts as a run record holds them; anything unreadable counts as 0."""
        out = cls()
        groups = data.get("groups")
        if isinstance(groups, Mapping):
            out.groups = {str(k): str(v) for k, v in groups.items()}
        for name in _COUNTERS:
            value = data.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                setattr(out, name, value)
        return out


_COUNTERS = tuple(f for f in SectionCounts.__dataclass_fields__ if f != "groups")


@dataclass(frozen=True)
class HealthProblem:
    """One thing wrong with a run: ``code`` (section_empty | fields_missing | challenge_page)."""

    code: str
    section: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def min_share_from_env(environ: Mapping[str, str] | None = None) -> float:
    """``XXGK_HEALTH_MIN_SHARE`` as a share in [0, 1]; the default when unset or unreadable."""
    raw = (os.environ if environ is None else environ).get("XXGK_HEALTH_MIN_SHARE", "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_MIN_SHARE
    return value if 0.0 <= value <= 1.0 else DEFAULT_MIN_SHARE


def assess_run(
    sections: Mapping[str, SectionCounts],
    previous: Mapping[str, SectionCounts],
    *,
    min_share: float = DEFAULT_MIN_SHARE,
    min_documents: int = DEFAULT_MIN_DOCUMENTS,
) -> list[HealthProblem]:
    """What is wrong with a run, given its counts per section and the counts of the site's previous
    runs (``previous``: the sections a last run produced documents in).

    - ``challenge_page``: answers that were challenge pages, per section.
    - ``section_empty``: a section that produced ≥ ``min_documents`` documents before (archived, or
      linked from its lists) produces none now: its lists link no page and nothing was archived, or
      ≥ ``min_documents`` of its pages were fetched and not one became a document.
    - ``fields_missing``: of the section's pages (≥ ``min_documents``, not counting the ones that
      failed last run too, nor empty or non-HTML answers), the share with a title, a date or a
      body is below ``min_share``, and at least two pages lack it (``details["rule"]``:
      ``section``). Then the same over every section summed, less the sections already reported
      for that field (section ``ALL_SECTIONS``, rule ``site``; see ``site_fields_missing``).
    """
    problems: list[HealthProblem] = []
    for key in sorted(sections):
        counts = sections[key]
        if counts.challenges:
            problems.append(
                HealthProblem(
                    "challenge_page",
                    key,
                    f"{counts.challenges} answer(s) were JavaScript challenge pages, not content",
                    {"challenges": counts.challenges},
                )
            )
    for key in sorted(previous):
        before = previous[key].produced()
        now = sections.get(key, SectionCounts())
        silent = now.linked == 0 and now.archived == 0
        failing = now.documents >= min_documents and now.archived == 0
        # "(site)" holds pages reached from no section (a re-crawl's revisits of pages without unit
        # or column in their URL); how many land there says nothing about the portal.
        if key == SITE_SECTION and not failing:
            continue
        if before >= min_documents and (silent or failing):
            problems.append(
                HealthProblem(
                    "section_empty",
                    key,
                    f"produced {before} documents last time, none now"
                    + (f" ({now.documents} pages fetched, none archived)" if now.documents else ""),
                    {"previous": before, "documents": now.documents, "linked": now.linked},
                )
            )
    reported: dict[str, set[str]] = {name: set() for name in FIELDS}
    for key in sorted(sections):
        counts = sections[key]
        judged = _judged(counts)
        if judged < min_documents:
            continue
        for name, counter in FIELDS.items():
            lacking = getattr(counts, counter)
            share = 1.0 - lacking / judged
            if _too_few(share, lacking, min_share):
                reported[name].add(key)
                problems.append(
                    HealthProblem(
                        "fields_missing",
                        key,
                        f"only {share:.0%} of {judged} pages have a {name} (minimum {min_share:.0%})",
                        {"field": name, "share": round(share, 3), "documents": judged, "rule": "section"},
                    )
                )
    problems += site_fields_missing(sections, reported, min_share=min_share, min_documents=min_documents)
    return problems


def _judged(counts: SectionCounts) -> int:
    """The pages whose fields say something of the template: answered, less repeats and unreadable."""
    return counts.documents - counts.repeats - counts.unreadable


def _too_few(share: float, lacking: int, min_share: float) -> bool:
    # One odd page is no template change, whatever share it makes in a small section.
    return share < min_share and lacking >= 2


def site_fields_missing(
    sections: Mapping[str, SectionCounts],
    reported: Mapping[str, set[str]],
    *,
    min_share: float = DEFAULT_MIN_SHARE,
    min_documents: int = DEFAULT_MIN_DOCUMENTS,
) -> list[HealthProblem]:
    """``fields_missing`` judged over every section summed, for each field leaving out the sections
    ``reported`` for it already (field -> section keys).

    Why: a re-crawl fetches only new pages and a rotating share of the held ones, a few per section,
    so that a redesign of the detail pages alone leaves every section below ``min_documents``; summed,
    the site's pages are enough to judge. ``details["sections"]`` says where the lacking pages were.
    """
    problems: list[HealthProblem] = []
    for name, counter in FIELDS.items():
        left = [key for key in sorted(sections) if key not in reported.get(name, ())]
        judged = sum(max(0, _judged(sections[key])) for key in left)
        lacking_in = {key: n for key in left if (n := getattr(sections[key], counter))}
        lacking = sum(lacking_in.values())
        if judged < min_documents:
            continue
        share = 1.0 - lacking / judged
        if not _too_few(share, lacking, min_share):
            continue
        worst = sorted(lacking_in, key=lambda k: (-lacking_in[k], k))
        named = ", ".join(f"{key} ({lacking_in[key]})" for key in worst[:5]) + (
            ", …" if len(worst) > 5 else ""
        )
        problems.append(
            HealthProblem(
                "fields_missing",
                ALL_SECTIONS,
                f"only {share:.0%} of {judged} pages have a {name} (minimum {min_share:.0%}),"
                f" all sections summed; lacking in {named}",
                {
                    "field": name,
                    "share": round(share, 3),
                    "documents": judged,
                    "rule": "site",
                    "sections": {key: lacking_in[key] for key in worst},
                },
            )
        )
    return problems


def previous_sections(records: Iterable[Mapping[str, Any]]) -> dict[str, SectionCounts]:
    """Per section, its counts in the latest of ``records`` (run records, newest first) where it
    produced documents.

    Why not only the last run: a section that broke stays broken until someone acts, and a run after
    the first broken one must still report it (cron mails on every failing run, not once).
    """
    found: dict[str, SectionCounts] = {}
    for record in records:
        health = record.get("health")
        sections = health.get("sections") if isinstance(health, Mapping) else None
        if not isinstance(sections, Mapping):
            continue
        for key, data in sections.items():
            if key in found or not isinstance(data, Mapping):
                continue
            counts = SectionCounts.from_dict(data)
            if counts.produced() or counts.documents:
                found[str(key)] = counts
    return found


def health_record(sections: Mapping[str, SectionCounts], problems: Iterable[HealthProblem]) -> dict[str, Any]:
    """The ``health`` object of a run record."""
    listed = [p.as_dict() for p in problems]
    return {
        "ok": not listed,
        "problems": listed,
        "sections": {key: sections[key].as_dict() for key in sorted(sections)},
    }
