"""Site definitions: everything that differs between two portals of one CMS family, as data.

A definition is a TOML file in this folder (or any file passed to :func:`load_site`). Adding a portal of
a known family (the twin ``tdqxxgk.siping.gov.cn``, ``www.fuxin.gov.cn``, …) means adding a file here;
the spider loader turns each definition into a spider named after it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.canonical import DEFAULT_RULES, CanonicalRules, canonical_url, dropped_names, rules_from_table

SITES_DIR = Path(__file__).resolve().parent

#: The CMS families a spider base class exists for.
FAMILIES = ("trs", "jtopcms")


class SiteDefinitionError(ValueError):
    """A site definition file is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class Site:
    """One portal: its hosts, where to start, how to classify its URLs and what to extract."""

    name: str
    """Spider name and the archive folder of the site's documents."""
    title: str
    """Human name of the portal."""
    family: str
    """CMS family; selects the spider base class and the default extraction profile."""
    hosts: tuple[str, ...]
    """Hosts that belong to the site (``allowed_domains``; replica host-map keys)."""
    start_urls: tuple[str, ...]
    """Real URLs the crawl starts from."""
    patterns: Mapping[str, re.Pattern[str]]
    """Page kind → regex over ``path[?query]``; the first match classifies a URL."""
    follow: Mapping[str, tuple[str, ...]]
    """Page kind → kinds of links followed from it (``start`` is the kind of start URLs)."""
    region: Mapping[str, str] = field(default_factory=dict)
    """province / city / district the site belongs to (parsing hints)."""
    extract: Mapping[str, Any] = field(default_factory=dict)
    """Extraction profile overrides (``family`` plus selector lists), passed to ``extract_page``."""
    canonical: CanonicalRules = DEFAULT_RULES
    """Which URLs of the site are one page (``[canonical]``; crawler/canonical.py, docs/urls.md)."""

    def canonical_url(self, url: str) -> str:
        """The one URL of the page ``url`` names, by this site's rules."""
        return canonical_url(url, self.canonical)

    def owns(self, url: str) -> bool:
        """Whether ``url`` is on one of the site's hosts."""
        try:
            return urlsplit(url).hostname in self.hosts
        except ValueError:
            return False

    def classify(self, url: str) -> tuple[str, dict[str, str]] | None:
        """Return ``(kind, named groups)`` of a URL of this site, or None when it is not one.

        The URL is classified as the page it names (its canonical form): a detail page linked with
        share parameters, or a folder linked as ``…/index.html``, is the page it is, and is
        requested under its canonical URL (crawler.canonical.CanonicalUrlMiddleware)."""
        parts = urlsplit(canonical_url(url, self.canonical))
        if parts.hostname not in self.hosts:
            return None
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        for kind, pattern in self.patterns.items():
            match = pattern.match(target)
            if match:
                return kind, {k: v for k, v in match.groupdict().items() if v is not None}
        return None

    def hints(self) -> dict[str, Any]:
        """What parsing may assume about every document of this site."""
        hints: dict[str, Any] = {"region": dict(self.region)}
        level = self.extract.get("agency_breadcrumb_level")
        if level is not None:
            hints["agency_breadcrumb_level"] = level
        return hints


def _require(data: Mapping[str, Any], key: str, kind: type, source: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind):
        raise SiteDefinitionError(f"{source}: `{key}` must be a {kind.__name__}")
    return value


def parse_site(data: Mapping[str, Any], source: str = "<site>") -> Site:
    """Validate a decoded definition and build a :class:`Site` (errors name ``source``)."""
    name = _require(data, "name", str, source)
    family = _require(data, "family", str, source)
    if family not in FAMILIES:
        raise SiteDefinitionError(f"{source}: unknown family {family!r} (known: {FAMILIES})")
    hosts = tuple(_require(data, "hosts", list, source))
    start_urls = tuple(_require(data, "start_urls", list, source))
    raw_patterns = _require(data, "patterns", dict, source)
    try:
        patterns = {kind: re.compile(rx) for kind, rx in raw_patterns.items()}
    except re.error as exc:
        raise SiteDefinitionError(f"{source}: bad pattern: {exc}") from exc
    follow_raw = _require(data, "follow", dict, source)
    follow = {kind: tuple(kinds) for kind, kinds in follow_raw.items()}
    for kind, kinds in follow.items():
        unknown = [k for k in kinds if k not in patterns]
        if unknown:
            raise SiteDefinitionError(f"{source}: follow.{kind} names unknown kinds {unknown}")
    for url in start_urls:
        if urlsplit(url).hostname not in hosts:
            raise SiteDefinitionError(f"{source}: start URL {url} is not on {hosts}")
    canonical = _canonical_rules(data.get("canonical"), patterns, source)
    return Site(
        name=name,
        title=str(data.get("title", name)),
        family=family,
        hosts=hosts,
        start_urls=start_urls,
        patterns=patterns,
        follow=follow,
        region=dict(data.get("region", {})),
        extract=dict(data.get("extract", {"family": family})),
        canonical=canonical,
    )


#: ``name=`` in a pattern: a query parameter the site's URLs are classified by (``pageNo``).
_PATTERN_PARAM = re.compile(r"([A-Za-z_][\w.-]*)=")


def _canonical_rules(table: Any, patterns: Mapping[str, re.Pattern[str]], source: str) -> CanonicalRules:
    """The ``[canonical]`` table, checked: well formed, and dropping no parameter a pattern reads
    (dropping ``pageNo`` would fold every page of a list into its first)."""
    try:
        rules = rules_from_table(table, source)
    except ValueError as exc:
        raise SiteDefinitionError(str(exc)) from exc
    read = {name for pattern in patterns.values() for name in _PATTERN_PARAM.findall(pattern.pattern)}
    dropped = dropped_names(rules, read)
    if dropped:
        raise SiteDefinitionError(
            f"{source}: [canonical] drop_params would drop {dropped}, which the site's patterns read"
        )
    return rules


def load_site(path: Path | Traversable) -> Site:
    """Read one definition file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SiteDefinitionError(f"{path}: {exc}") from exc
    return parse_site(data, str(path))


@cache
def all_sites(directory: Path | None = None) -> dict[str, Site]:
    """Every definition in ``directory`` (default: this package's) by name (cached: definitions do
    not change at run time). Read as package resources, so that they are found inside the zipped egg
    scrapyd runs as well as in a checkout."""
    root: Path | Traversable = directory if directory is not None else resources.files(__name__)
    sites: dict[str, Site] = {}
    entries = sorted((e for e in root.iterdir() if e.name.endswith(".toml")), key=lambda e: e.name)
    for path in entries:
        site = load_site(path)
        if site.name in sites:
            raise SiteDefinitionError(f"{path}: duplicate site name {site.name!r}")
        sites[site.name] = site
    return sites


def site_for_url(url: str) -> Site | None:
    """The known site a URL belongs to, if any (used by ``scrapy shell`` and ``xxgk parse``)."""
    host = urlsplit(url).hostname
    for site in all_sites().values():
        if host in site.hosts:
            return site
    return None
