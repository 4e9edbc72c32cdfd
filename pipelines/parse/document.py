"""parse_document: clean text (+ chrome fields and site hints) -> the fields of a document."""

from __future__ import annotations

from collections.abc import Mapping

from .agency import breadcrumb_unit, resolve_agency
from .anomalies import date_anomalies
from .dates import normalize_date
from .doctype import ANNUAL_REPORT, classify_doc_type, find_report_year
from .region import normalize_street, resolve_region
from .sections import build_sections
from .signature import find_signature
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
    "anomalies",
    # Keep this tuple in step with the dict built below; tests compare the two.
)


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

    signature = find_signature(body)
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
    anomalies = (
        date_anomalies(
            report_year,
            signed_date=signed_date,
            signed_raw=signed_raw,
            publish_date=iso_date,
            publish_raw=raw_date,
        )
        if doc_type == ANNUAL_REPORT
        else []
    )

    return {
        "title": doc_title,
        "publish_date": iso_date,
        "publish_date_raw": raw_date,
        "agency": agency,
        "region": region,
        "doc_type": doc_type,
        "report_year": report_year,
        "sections": build_sections(body),
        "signed_by": signature.signed_by if signature else None,
        "signed_date": signed_date,
        "signed_date_raw": signed_raw,
        "stats": {},
        "anomalies": anomalies,
    }
