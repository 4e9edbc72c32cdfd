"""What an archive holds and how complete it is: documents per site / agency / year / type, and the
share of documents with each field, of annual reports with each figure (``xxgk stats``).

Counts come from the index; the figures of reports from their JSON (the index does not hold them),
one report at a time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.index.export import open_index
from pipelines.parse.report.analysis import STAT_KEYS

__all__ = ["BREAKDOWNS", "DOCUMENT_FIELDS", "Coverage", "coverage"]

#: Breakdown name -> ``docs`` column.
BREAKDOWNS = {"site": "site", "agency": "agency", "year": "report_year", "type": "doc_type"}
#: Field -> SQL true when a document has it. The body is the FTS text: a clean text with at least
#: one letter, digit or Chinese character (punctuation alone is no body).
DOCUMENT_FIELDS = {
    "title": "coalesce(d.title, '') != ''",
    "publish_date": "coalesce(d.publish_date, '') != ''",
    "agency": "coalesce(d.agency, '') != ''",
    "body": "coalesce(f.body, '') != ''",
}


@dataclass
class Coverage:
    documents: int = 0
    withdrawn: int = 0
    #: Breakdown name -> [(value, documents)], most documents first; value None: not known.
    counts: dict[str, list[tuple[Any, int]]] = field(default_factory=dict)
    #: Field -> documents that have it.
    fields: dict[str, int] = field(default_factory=dict)
    reports: int = 0
    #: Stat key -> reports that state it (not None).
    figures: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        def share(n: int, of: int) -> float | None:
            return round(n / of, 4) if of else None

        return {
            "documents": self.documents,
            "withdrawn": self.withdrawn,
            **{
                f"by_{name}": [{name: value, "documents": n} for value, n in pairs]
                for name, pairs in self.counts.items()
            },
            "coverage": {
                "documents": {
                    name: {"count": n, "share": share(n, self.documents)} for name, n in self.fields.items()
                },
                "reports": self.reports,
                "figures": {
                    key: {"count": n, "share": share(n, self.reports)} for key, n in self.figures.items()
                },
            },
        }


def coverage(archive: Path | str) -> Coverage:
    root = Path(archive)
    result = Coverage()
    conn = open_index(root)
    try:
        result.documents, result.withdrawn = conn.execute(
            "SELECT count(*), coalesce(sum(withdrawn), 0) FROM docs"
        ).fetchone()
        for name, column in BREAKDOWNS.items():
            # Ties in a stable order, so two runs print the same table.
            sql = f"SELECT {column}, count(*) AS n FROM docs GROUP BY {column} ORDER BY n DESC, {column}"
            result.counts[name] = [(value, n) for value, n in conn.execute(sql)]
        sums = ", ".join(f"coalesce(sum({test}), 0)" for test in DOCUMENT_FIELDS.values())
        found = conn.execute(
            f"SELECT {sums} FROM docs d LEFT JOIN docs_fts f ON f.rowid = d.rowid"
        ).fetchone()
        result.fields = dict(zip(DOCUMENT_FIELDS, found, strict=True))
        result.figures = dict.fromkeys(STAT_KEYS, 0)
        for (path,) in conn.execute("SELECT path FROM docs WHERE doc_type = 'annual_report'"):
            doc = json.loads((root / path).read_text(encoding="utf-8"))
            result.reports += 1
            stats = doc.get("stats") or {}
            for key in STAT_KEYS:
                if stats.get(key) is not None:
                    result.figures[key] += 1
    finally:
        conn.close()
    return result
