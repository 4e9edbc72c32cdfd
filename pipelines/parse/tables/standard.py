"""Logical rows of the 二, 三 and 四 tables mapped to the keys of `Body.tables` ("section/row/column")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..anomalies import anomaly
from .labels import (
    SECTION2_COLUMNS,
    SECTION3_COLUMNS,
    SECTION4_KEYS,
    section2_row,
    section3_row,
)
from .rows import ValueRow

TABLE_MISSING_COLUMN = "table_missing_column"


@dataclass
class Reading:
    """What one section's table gave: values and their source rows, by key."""

    values: dict[str, int | float] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)
    anomalies: list[dict[str, object]] = field(default_factory=list)
    last_line: int = -1  # the last line of a row that was read

    def put(
        self, keys: Sequence[str], values: Sequence[int | float | None], evidence: str, last: int
    ) -> None:
        for key, value in zip(keys, values, strict=True):
            if value is not None:
                self.values[key] = value
                self.evidence[key] = evidence
        self.last_line = max(self.last_line, last)


def _fit(
    reading: Reading,
    keys: Sequence[str],
    row: ValueRow,
    evidence: str,
    what: str,
) -> None:
    """Store a row's values under `keys`, or as much of them as can be placed without guessing."""
    values = row.values
    need = len(keys)
    if len(values) > need:
        # A value row's numbers are its last N cells (a numbering cell may precede them).
        values = values[-need:]
    if len(values) == need:
        reading.put(keys, values, evidence, row.last_line)
        blanks = [k.rsplit("/", 1)[1] for k, v in zip(keys, values, strict=True) if v is None]
        if blanks:
            reading.anomalies.append(
                anomaly(
                    TABLE_MISSING_COLUMN,
                    f"{what}: no value for {', '.join(blanks)} ({need - len(blanks)} of {need} numbers)",
                    evidence,
                )
            )
        return
    numbers = [v for v in values if v is not None]
    # Fewer cells than columns: which column is missing cannot be known, so nothing is placed.
    reading.last_line = max(reading.last_line, row.last_line)
    reading.anomalies.append(
        anomaly(
            TABLE_MISSING_COLUMN,
            f"{what}: {len(numbers)} numbers where the table has {need} columns "
            f"({', '.join(map(str, numbers))}); none placed",
            evidence,
        )
    )


def _joined(lines: Sequence[str], indices: Sequence[int]) -> str:
    # A caller breaking the contract with a non-str line gets evidence without it, not an exception.
    return " ".join(line for line in (lines[i] for i in indices) if isinstance(line, str))


def _evidence(lines: Sequence[str], row: ValueRow, at: int) -> str:
    return _joined(lines, range(row.label_line(at), row.last_line + 1))


def read_section2(lines: Sequence[str], rows: Sequence[ValueRow], fmt: str | None) -> Reading:
    reading = Reading()
    for row in rows:
        found = section2_row(row.label)
        if found is None:
            continue
        name, at = found
        columns = _section2_columns(name, fmt, len(row.values))
        if columns is None:
            continue
        key_prefix = f"二/{name}/"
        if any(key_prefix + c in reading.values for c in columns):
            continue  # the first table wins over a repeated row
        _fit(reading, [key_prefix + c for c in columns], row, _evidence(lines, row, at), f"二 row {name}")
    return reading


def _section2_columns(name: str, fmt: str | None, count: int) -> tuple[str, ...] | None:
    if fmt in SECTION2_COLUMNS and name in SECTION2_COLUMNS[fmt]:
        return SECTION2_COLUMNS[fmt][name]
    # Without a format, the row's label and its number of values decide.
    options = [cols[name] for cols in SECTION2_COLUMNS.values() if name in cols]
    for columns in options:
        if len(columns) == count:
            return columns
    return options[0] if options else None


def read_section3(lines: Sequence[str], rows: Sequence[ValueRow]) -> Reading:
    reading = Reading()
    for row in rows:
        found = section3_row(row.label)
        if found is None:
            continue
        name, at = found
        keys = [f"三/{name}/{c}" for c in SECTION3_COLUMNS]
        if any(k in reading.values for k in keys):
            continue
        _fit(reading, keys, row, _evidence(lines, row, at), f"三 row {name}")
    return reading


def read_section4(lines: Sequence[str], rows: Sequence[ValueRow]) -> Reading:
    """The 15 numbers of 四: one row of 15 (the usual case), or rows that add up to exactly 15."""
    reading = Reading()
    if not rows:
        return reading
    need = len(SECTION4_KEYS)
    whole = next((r for r in rows if len(r.values) >= need), None)
    if whole is not None:
        _fit(reading, SECTION4_KEYS, whole, _evidence(lines, whole, len(whole.label)), "四")
        return reading
    values = tuple(v for r in rows for v in r.values)
    merged = ValueRow(label="", label_lines=(), values=values, last_line=rows[-1].last_line)
    text = _joined(lines, sorted({r.last_line for r in rows}))
    _fit(reading, SECTION4_KEYS, merged, text, "四")
    return reading
