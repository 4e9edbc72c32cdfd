"""Report fields read from the prose of an annual disclosure report: format, the nine stats with
their evidence, statistics period, contacts and the prose's defects; `to_simplified` for matching
traditional-script copies."""

from __future__ import annotations

from .analysis import STAT_KEYS, TABLE_CELLS, ReportAnalysis, analyse_report
from .fmt import FORMATS, FREE_FORM, STANDARD_2019, STANDARD_2021
from .script import has_traditional, to_simplified

__all__ = [
    "FORMATS",
    "FREE_FORM",
    "STANDARD_2019",
    "STANDARD_2021",
    "STAT_KEYS",
    "TABLE_CELLS",
    "ReportAnalysis",
    "analyse_report",
    "has_traditional",
    "to_simplified",
]
