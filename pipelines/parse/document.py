"""parse_document: clean text (+ chrome fields and site hints) -> the fields of a document."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from .agency import breadcrumb_unit, resolve_agency
from .anomalies import date_anomalies
from .dates import normalize_date
from .doctype import ANNUAL_REPORT, classify_doc_type, find_report_year
from .headings import parse_heading
from .region import normalize_street, resolve_region
from .report import analyse_report, has_traditional, to_simplified
from .report.text import looks_truncated
from .sections import build_sections
from .signature import Signature, find_signature
from .tables import StandardTables, read_standard_tables
from .textnorm import clean_line, clean_lines
from .titles import derive_title

DOCUMENT_KEYS = (
    "title",
    "publish_date",
    "publish_date_raw",
    "agency",
    "region",
    "doc_type",
    "report_year",
    "sections",
    "signed_by",
    "signed_date",
    "signed_date_raw",
    "stats",
    "evidence",
    "format",
    "tables",
    "period",
    "contacts",
    "anomalies",
    # Keep this tuple in step with the dict built below; tests compare the two.
)

TRUNCATED_TEXT = "truncated_text"


def parse_document(
    text: str,
    *,
    title: str | None = None,
    publish_date: str | None = None,
    chrome: Mapping[str, object] | None = None,
    hints: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """Fields of a document from its clean body text.

    `title` and `publish_date` are what the page chrome said (None when the extractor found
    nothing; the title is then derived from the first lines, and the date taken from
    `chrome["publish_date"]`). `chrome` may carry `source`, `editor`, `views`, `breadcrumb`;
    `hints` what the site definition knows (`region`, `unit_name`, `agency_breadcrumb_level`).
    Text that does not follow the clean-text contract (blank lines, runs of spaces) is cleaned
    first; chrome lines are not removed, only never taken for the title.
    """
    lines = clean_lines(text)
    given_title = clean_line(title) if isinstance(title, str) else ""
    if given_title:
        doc_title: str | None = given_title
        body = lines
    else:
        doc_title, used = derive_title(lines)
        body = lines[used:]

    signature = _signature(body)
    if signature is not None:
        body = body[: signature.start]

    doc_type = classify_doc_type(doc_title, body)
    report_year = find_report_year(doc_title, body) if doc_type == ANNUAL_REPORT else None

    # Callers hand over chrome values as they found them; anything but a string is no date.
    raw_date = publish_date if isinstance(publish_date, str) else None
    if raw_date is None and chrome is not None:
        chrome_date = chrome.get("publish_date")
        raw_date = chrome_date if isinstance(chrome_date, str) else None
    iso_date = normalize_date(raw_date)

    agency = resolve_agency(signature, doc_title, chrome, hints)
    source = chrome.get("source") if chrome else None
    region = resolve_region(
        hints,
        [
            signature.signed_by if signature else None,
            agency,
            source if isinstance(source, str) else None,
        ],
        titles=[doc_title],
    )
    if region["street"] is None:
        # A street office publishing another body's document (a district notice it forwards):
        # the document still belongs to the street's section of the portal.
        region["street"] = normalize_street(breadcrumb_unit(chrome, hints))

    signed_date = signature.date if signature else None
    signed_raw = signature.date_raw if signature else None
    tables: StandardTables | None = None
    report: dict[str, object] = {
        "stats": {},
        "evidence": {},
        "format": None,
        "tables": {},
        "period": None,
        "contacts": None,
        "anomalies": [],
    }
    if doc_type == ANNUAL_REPORT:
        dated = date_anomalies(
            report_year,
            signed_date=signed_date,
            signed_raw=signed_raw,
            publish_date=iso_date,
            publish_raw=raw_date,
        )
        tables = None if _points_to_attachment(body) else read_standard_tables(body)
        if tables is None:
            # The report is the attached file (its text is parsed when the attachment is archived):
            # the page itself states no figures and is not a truncated report.
            report["anomalies"] = dated
            report["contacts"] = {}
        else:
            report = _report_fields(body, tables, report_year, signature is not None, dated)

    return {
        "title": doc_title,
        "publish_date": iso_date,
        "publish_date_raw": raw_date,
        "agency": agency,
        "region": region,
        "doc_type": doc_type,
        "report_year": report_year,
        "sections": build_sections(body, tables.table_lines if tables else frozenset()),
        "signed_by": signature.signed_by if signature else None,
        "signed_date": signed_date,
        "signed_date_raw": signed_raw,
        **report,
    }


def _signature(body: list[str]) -> Signature | None:
    """The signature block; a traditional-script one is found on a simplified copy (辦事處 is a
    body's name as much as 办事处) and reported as written."""
    found = find_signature(body)
    if (found is not None and found.orgs) or not any(has_traditional(line) for line in body[-8:]):
        return found
    simple = [to_simplified(line) for line in body]
    again = find_signature(simple)
    if again is None or not again.orgs:
        return found
    written = dict(zip(simple[again.start :], body[again.start :], strict=True))
    return replace(again, orgs=tuple(written.get(org, org) for org in again.orgs))


def _points_to_attachment(body: list[str]) -> bool:
    """A body that only sends the reader to an attachment (``详见附件``, ``请下载附件``)."""
    prose = "".join(line for line in body if not line.lstrip().startswith("附件"))
    return len(prose) <= 30 and "附件" in "".join(body)


def _cut_short(body: list[str], table_lines: frozenset[int]) -> bool:
    """Whether the last line of prose stops mid-sentence. Table rows, cells flattened one per line,
    numbers, the 附件 line and the 附表 caption are not prose: a report may well end with them."""
    for i in range(len(body) - 1, -1, -1):
        line = body[i].strip()
        if i in table_lines or "|" in line or line.startswith(("附件", "附表")):
            continue
        cut = looks_truncated([line])
        if cut and (len(line) < 8 or sum(c.isdigit() for c in line) * 2 > len(line)):
            continue  # a table cell on its own line, not prose
        return cut and parse_heading(line) is None
    return False


def _report_fields(
    body: list[str],
    tables: StandardTables,
    report_year: int | None,
    signed: bool,
    dated: list[dict[str, object]],
) -> dict[str, object]:
    """What an annual report says as data: its tables (sections 二–四 of the standard formats), the
    nine stats with the sentence or row each came from, format, period, contacts, and its flaws.

    The tables are read first: the prose reader skips their lines, takes the stats from them when
    present, and reports where the prose disagrees (the table wins).
    """
    analysis = analyse_report(
        body,
        report_year=report_year,
        table_values=tables.values,
        table_evidence=tables.evidence,
        table_lines=tables.table_lines,
        format_hint=tables.format_hint,
    )
    anomalies: list[dict[str, object]] = [*dated, *tables.anomalies, *analysis.anomalies]
    # A report cut off mid-sentence with no signature block: what was read is kept, the gap named.
    if not signed and _cut_short(body, tables.table_lines):
        anomalies.append(
            {
                "code": TRUNCATED_TEXT,
                "message": "the report stops mid-sentence and has no signature: the text was cut",
                "evidence": body[-1][-60:],
            }
        )
    return {
        "stats": dict(analysis.stats),
        "evidence": dict(analysis.evidence),
        "format": analysis.format,
        "tables": dict(tables.values),
        "period": dict(analysis.period) if analysis.period else None,
        "contacts": dict(analysis.contacts or {}),
        "anomalies": anomalies,
    }
