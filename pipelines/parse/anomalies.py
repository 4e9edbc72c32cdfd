"""Date anomalies of annual reports: signed or published before the year ended, published late."""

from __future__ import annotations

import datetime as dt

from .dates import parse_iso

SIGNED_BEFORE_PERIOD_END = "signed_before_period_end"
PUBLISHED_BEFORE_PERIOD_END = "published_before_period_end"
PUBLISHED_AFTER_DEADLINE = "published_after_deadline"


def anomaly(code: str, message: str, evidence: str | None) -> dict[str, object]:
    return {"code": code, "message": message, "evidence": evidence}


def date_anomalies(
    report_year: int | None,
    *,
    signed_date: str | None,
    signed_raw: str | None,
    publish_date: str | None,
    publish_raw: str | None,
) -> list[dict[str, object]]:
    """Anomalies of a report on `report_year` given its ISO signature and publication dates.

    The deadline is 31 March of the following year (2008 regulations, and governments under the
    2019 ones); the earlier 31 January deadline for departments is not checked here.
    """
    if report_year is None:
        return []
    period_end = dt.date(report_year, 12, 31)
    deadline = dt.date(report_year + 1, 3, 31)
    found: list[dict[str, object]] = []
    signed = parse_iso(signed_date)
    if signed is not None and signed < period_end:
        found.append(
            anomaly(
                SIGNED_BEFORE_PERIOD_END,
                f"report on {report_year} signed {signed_date}, before the year ended",
                signed_raw,
            )
        )
    published = parse_iso(publish_date)
    # Published on 31 December is too early as well: the period's last day is not over.
    if published is not None and published <= period_end:
        found.append(
            anomaly(
                PUBLISHED_BEFORE_PERIOD_END,
                f"report on {report_year} published {publish_date}, before the year was over",
                publish_raw,
            )
        )
    if published is not None and published > deadline:
        found.append(
            anomaly(
                PUBLISHED_AFTER_DEADLINE,
                f"report on {report_year} published {publish_date}, after the deadline {deadline}",
                publish_raw,
            )
        )
    return found
