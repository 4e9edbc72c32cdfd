"""The arithmetic the standard tables must satisfy, checked on the values read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..anomalies import anomaly
from .labels import REVIEW_COLUMNS, REVIEW_GROUPS, SECTION3_COLUMNS, section3_rows

TABLE_IDENTITY_BROKEN = "table_identity_broken"
TABLE_TOTAL_MISMATCH = "table_total_mismatch"

Values = Mapping[str, int | float]


def _close(a: float, b: float) -> bool:
    # Counts are integers; the tolerance only matters if a report writes 3.0.
    return abs(a - b) < 1e-6


def _fmt(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else str(n)


def section3_checks(values: Values, evidence: Mapping[str, str]) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    rows = {key.split("/")[1] for key in values if key.startswith("三/")}
    fmt = "standard-2021" if any(r.startswith("三(六)") for r in rows) else "standard-2019"
    # Row totals: the 总计 column against the six applicant columns.
    for row in section3_rows(fmt):
        cells = [values.get(f"三/{row}/{c}") for c in SECTION3_COLUMNS]
        parts, total = cells[:-1], cells[-1]
        if total is None or any(p is None for p in parts):
            continue
        summed = sum(p for p in parts if p is not None)
        if not _close(summed, total):
            found.append(
                anomaly(
                    TABLE_TOTAL_MISMATCH,
                    f"三 row {row}: 总计 {_fmt(total)} but the applicant columns "
                    f"{' + '.join(_fmt(p) for p in parts if p is not None)} = {_fmt(summed)}",
                    evidence.get(f"三/{row}/总计"),
                )
            )
    results = [r for r in section3_rows(fmt) if r.startswith("三(") and r != "三(总计)"]
    for col in SECTION3_COLUMNS:
        # 三(总计) against the result rows, only when every result row was read.
        total = values.get(f"三/三(总计)/{col}")
        parts3 = [values.get(f"三/{r}/{col}") for r in results]
        if total is not None and all(p is not None for p in parts3):
            summed = sum(p for p in parts3 if p is not None)
            if not _close(summed, total):
                found.append(
                    anomaly(
                        TABLE_TOTAL_MISMATCH,
                        f"三 column {col}: 三(总计) {_fmt(total)} "
                        f"but the result rows add up to {_fmt(summed)}",
                        evidence.get(f"三/三(总计)/{col}"),
                    )
                )
        # The identity the form states: 第一项 + 第二项 = 第三项 + 第四项.
        a, b, c, d = (values.get(f"三/{r}/{col}") for r in ("一", "二", "三(总计)", "四"))
        if a is None or b is None or c is None or d is None:
            continue
        if not _close(a + b, c + d):
            rows_text = [evidence.get(f"三/{r}/{col}") for r in ("一", "二", "三(总计)", "四")]
            found.append(
                anomaly(
                    TABLE_IDENTITY_BROKEN,
                    f"三 column {col}: 一 {_fmt(a)} + 二 {_fmt(b)} = {_fmt(a + b)}, but "
                    f"三(总计) {_fmt(c)} + 四 {_fmt(d)} = {_fmt(c + d)}",
                    "\n".join(t for t in rows_text if t),
                )
            )
    return found


def section4_checks(values: Values, evidence: Mapping[str, str]) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    for group in REVIEW_GROUPS:
        cells = [values.get(f"四/{group}/{c}") for c in REVIEW_COLUMNS]
        parts, total = cells[:-1], cells[-1]
        if total is None or any(p is None for p in parts):
            continue
        summed = sum(p for p in parts if p is not None)
        if not _close(summed, total):
            found.append(
                anomaly(
                    TABLE_TOTAL_MISMATCH,
                    f"四 {group}: 总计 {_fmt(total)} but its four results add up to {_fmt(summed)}",
                    evidence.get(f"四/{group}/总计"),
                )
            )
    return found


def check_tables(values: Values, evidence: Mapping[str, str]) -> Sequence[dict[str, object]]:
    """table_total_mismatch and table_identity_broken anomalies of the values read."""
    return [*section3_checks(values, evidence), *section4_checks(values, evidence)]


__all__ = ["TABLE_IDENTITY_BROKEN", "TABLE_TOTAL_MISMATCH", "check_tables"]
