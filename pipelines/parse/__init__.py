"""Parsing: pure functions from clean text to document fields (no Scrapy; usable in the shell,
tests and the CLI)."""

from .agency import agency_from_title, resolve_agency
from .anomalies import (
    PUBLISHED_AFTER_DEADLINE,
    PUBLISHED_BEFORE_PERIOD_END,
    SIGNED_BEFORE_PERIOD_END,
    date_anomalies,
)
from .dates import DateMatch, find_dates, normalize_date
from .doctype import (
    ANNUAL_REPORT,
    DOC_TYPES,
    FUNCTIONS,
    GUIDE,
    NOTICE,
    OTHER,
    POLICY,
    classify_doc_type,
    find_report_year,
)
from .document import DOCUMENT_KEYS, parse_document
from .headings import Heading, parse_heading
from .numerals import cn_to_int, cn_year
from .region import normalize_street, resolve_region, split_region_prefix
from .report import ReportAnalysis, analyse_report, to_simplified
from .sections import build_sections
from .signature import Signature, find_signature
from .tables import StandardTables, read_standard_tables
from .titles import derive_title, is_chrome_line

__all__ = [
    "ANNUAL_REPORT",
    "DOCUMENT_KEYS",
    "DOC_TYPES",
    "FUNCTIONS",
    "GUIDE",
    "NOTICE",
    "OTHER",
    "POLICY",
    "PUBLISHED_AFTER_DEADLINE",
    "PUBLISHED_BEFORE_PERIOD_END",
    "SIGNED_BEFORE_PERIOD_END",
    "DateMatch",
    "Heading",
    "ReportAnalysis",
    "Signature",
    "StandardTables",
    "agency_from_title",
    "analyse_report",
    "build_sections",
    "classify_doc_type",
    "cn_to_int",
    "cn_year",
    "date_anomalies",
    "derive_title",
    "find_dates",
    "find_report_year",
    "find_signature",
    "is_chrome_line",
    "normalize_date",
    "normalize_street",
    "parse_document",
    "parse_heading",
    "read_standard_tables",
    "resolve_agency",
    "resolve_region",
    "split_region_prefix",
    "to_simplified",
]
