"""The labelled set and its scoring, for the extraction-quality gate (``tests/test_quality_gate.py``).

Three sources, each a list of ``Case`` (what the parser produced, what is true):
- the two real seed pages, parsed as ``xxgk parse`` reads them, with the team's labels in
  ``tests/labelled/seeds/*.json``;
- every detail page of the replica (``Corpus(seed=1, pages=300)``), served bytes → ``extract_page`` →
  ``parse_extracted`` as the crawl does, against the generator's ground truth; and the reports it
  publishes as PDF/DOCX files, through ``process_attachment``;
- the hand-made variants in ``tests/labelled/<kind>/`` (``x.txt`` with ``x.json`` beside it: every table
  flattening style, prose variant and anomaly), parsed from text.

A field is scored only on the cases that label it. Scalars count exact matches; ``stats.<key>`` too (a
null that should be null is right); ``tables`` counts cells over the union of expected and produced keys
(a spurious cell is an error); anomalies give recall over expected codes and precision over produced
codes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.http import charset_from_content_type
from crawler.parse_file import parse_file
from crawler.sites import site_for_url
from pipelines.extract import extract_page
from pipelines.page import FATAL_PROBLEMS, parse_extracted, process_attachment
from pipelines.parse import parse_document
from replica.corpus import Corpus
from replica.pages import Responder

HERE = Path(__file__).resolve().parent
LABELLED = HERE / "labelled"
SEEDS = HERE.parent / "replica" / "seeds"

SCALARS = (
    "title",
    "publish_date",
    "agency",
    "doc_type",
    "report_year",
    "format",
    "signed_by",
    "signed_date",
    "period",
    "contacts",
)


@dataclass
class Case:
    name: str
    source: str  # seed | replica | labelled/<kind>
    parsed: Mapping[str, Any]
    expected: Mapping[str, Any]


@dataclass
class Tally:
    right: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, case: str, detail: str) -> None:
        self.total += 1
        if ok:
            self.right += 1
        elif len(self.misses) < 5:
            self.misses.append(f"{case}: {detail}")

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 1.0


def seed_cases() -> list[Case]:
    cases = []
    for label in sorted((LABELLED / "seeds").glob("*.json")):
        data = json.loads(label.read_text(encoding="utf-8"))
        parsed = parse_file(SEEDS / f"{label.stem}.txt")
        cases.append(Case(label.stem, "seed", parsed, data["expected"]))
    return cases


def _served(responder: Responder, url: str) -> tuple[bytes, str | None] | None:
    parts = urlsplit(url)
    page = responder.respond(parts.netloc, parts.path + (f"?{parts.query}" if parts.query else ""))
    if page.status != 200:
        return None
    body = page.body
    if page.views is not None:  # a live hit counter: prefix + count + suffix
        body = page.views[0] + str(page.views[2]).encode() + page.views[1]
    return body, charset_from_content_type(page.content_type)


def _truth_expected(truth: Any) -> dict[str, Any]:
    expected: dict[str, Any] = {
        "title": truth.title,
        "publish_date": truth.publish_date,
        "agency": truth.agency,
        "doc_type": truth.doc_type,
        "report_year": truth.report_year,
        "signed_by": truth.signed_by,
        "signed_date": truth.signed_date,
    }
    if truth.doc_type == "annual_report":
        expected["format"] = truth.report_format
        expected["stats"] = dict(truth.stats)
        # Fields the generator records only where it knows them (tables of standard reports,
        # the codes of the flaws it planted, the stated period and contacts).
        for name in ("tables", "period", "contacts"):
            value = getattr(truth, name, None)
            if value is not None:
                expected[name] = value
        anomalies = getattr(truth, "anomalies", None)
        if anomalies is not None:
            expected["anomalies"] = list(anomalies)
        # A standard report has six parts, whatever its numbering style or table flattening (the
        # rows 一…四 of the 三 table, even one cell per line, are not parts).
        cut = {"missing_section", "truncated_text"} & set(anomalies or ())
        if (truth.report_format or "").startswith("standard") and not cut:
            expected["parts"] = list("一二三四五六")
    return expected


def replica_cases(seed: int = 1, pages: int = 300) -> list[Case]:
    corpus = Corpus(seed=seed, pages=pages)
    responder = Responder(corpus)
    cases = []
    for truth in corpus.documents():
        if truth.kind in ("attachment", "image") or truth.fault or truth.removed or truth.seed:
            continue
        served = _served(responder, truth.url)
        if served is None:
            continue
        site = site_for_url(truth.url)
        extracted = extract_page(truth.url, served[0], served[1], dict(site.extract) if site else None)
        if any(p.split(":")[0] in FATAL_PROBLEMS for p in extracted.problems):
            parsed: Mapping[str, Any] = {"title": None}
        else:
            parsed = parse_extracted(extracted, site.hints() if site else {})
        cases.append(Case(truth.url, "replica", parsed, _truth_expected(truth)))
    return cases


def attachment_cases(seed: int = 1, pages: int = 300) -> list[Case]:
    """Reports published as a file (PDF, DOCX): the served bytes through ``process_attachment``, as
    the archive does, against the report's truth. The page's chrome (publication date, title) is not
    the file's, so those fields and the date anomalies are not scored here."""
    corpus = Corpus(seed=seed, pages=pages)
    responder = Responder(corpus)
    cases = []
    for truth in corpus.documents():
        if truth.kind != "attachment" or truth.doc_type != "annual_report":
            continue
        served = _served(responder, truth.url)
        if served is None:
            continue
        site = site_for_url(truth.url)
        result = process_attachment(truth.url, served[0], truth.content_type, site.hints() if site else {})
        expected = _truth_expected(truth)
        for name in ("title", "publish_date", "agency", "anomalies"):
            expected.pop(name, None)
        cases.append(Case(truth.url, "attachment", result.parsed or {}, expected))
    return cases


def labelled_cases(kind: str) -> list[Case]:
    """Hand-made variants: ``x.txt`` parsed as a body text, ``x.json`` with ``expected`` (and optional
    ``title`` / ``publish_date`` given to the parser as the page chrome would)."""
    cases = []
    for label in sorted((LABELLED / kind).glob("**/*.json")):
        text_path = label.with_suffix(".txt")
        if not text_path.exists():
            continue
        data = json.loads(label.read_text(encoding="utf-8"))
        title = data.get("title")
        if "values" in data:
            # A table variant (tests/labelled/tables): a report body whose tables are the subject.
            # Its title is not part of it, and only the table anomalies are labelled.
            expected: dict[str, Any] = {"tables": data["values"], "anomalies": data.get("anomalies", [])}
            title = title or "某某局2021年政府信息公开工作年度报告"
            scope = "table_"
        else:
            expected = data.get("expected", data)
            scope = ""
        parsed = dict(
            parse_document(
                text_path.read_text(encoding="utf-8"), title=title, publish_date=data.get("publish_date")
            )
        )
        if scope:
            parsed["anomalies"] = [a for a in parsed["anomalies"] if str(a["code"]).startswith(scope)]
        cases.append(Case(str(label.relative_to(LABELLED)), f"labelled/{kind}", parsed, expected))
    return cases


@cache
def all_cases() -> tuple[Case, ...]:
    kinds = sorted(p.name for p in LABELLED.iterdir() if p.is_dir() and p.name != "seeds")
    return (
        *seed_cases(),
        *replica_cases(),
        *attachment_cases(),
        *(case for kind in kinds for case in labelled_cases(kind)),
    )


def _codes(value: Any) -> list[str]:
    return [str(a["code"]) if isinstance(a, Mapping) else str(a) for a in (value or [])]


def score(cases: Iterable[Case]) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}

    def tally(name: str) -> Tally:
        return tallies.setdefault(name, Tally())

    for case in cases:
        got, want = case.parsed, case.expected
        for name in SCALARS:
            if name in want:
                ok = got.get(name) == want[name]
                tally(name).add(ok, case.name, f"{got.get(name)!r} != {want[name]!r}")
        if "parts" in want:
            parts = [str(p["number"]) for p in got.get("sections") or [] if p.get("level") == 1]
            tally("sections.parts").add(parts == want["parts"], case.name, f"{parts} != {want['parts']}")
        stats = got.get("stats") or {}
        for key, value in (want.get("stats") or {}).items():
            tally(f"stats.{key}").add(stats.get(key) == value, case.name, f"{stats.get(key)!r} != {value!r}")
        if "tables" in want:
            cells = got.get("tables") or {}
            expected_cells = want["tables"] or {}
            for key in sorted(set(cells) | set(expected_cells)):
                tally("tables.cells").add(
                    cells.get(key) == expected_cells.get(key),
                    case.name,
                    f"{key}: {cells.get(key)!r} != {expected_cells.get(key)!r}",
                )
        if "anomalies" in want:
            produced, wanted = _codes(got.get("anomalies")), _codes(want["anomalies"])
            for code in wanted:
                tally("anomalies.recall").add(code in produced, case.name, f"missed {code}")
            for code in produced:
                tally("anomalies.precision").add(code in wanted, case.name, f"spurious {code}")
    return tallies


def by_source(cases: Iterable[Case]) -> Iterator[tuple[str, list[Case]]]:
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(case.source.split("/")[0], []).append(case)
    yield "all", [c for cs in groups.values() for c in cs]
    yield from sorted(groups.items())


def report(tallies: Mapping[str, Tally]) -> str:
    width = max(len(name) for name in tallies) if tallies else 10
    lines = [f"{'field':{width}}  accuracy   right/total"]
    for name in sorted(tallies):
        t = tallies[name]
        lines.append(f"{name:{width}}  {t.accuracy:8.4f}   {t.right}/{t.total}")
    return "\n".join(lines)
