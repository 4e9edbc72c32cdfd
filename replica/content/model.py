"""The value types of generated documents: what a page body says and what is true about it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[Cell, ...], ...]


Block = str | Table


@dataclass(frozen=True)
class Unit:
    """The publishing body, supplied by the caller (the replica's site structure)."""

    short: str
    full: str
    kind: str
    province: str
    city: str
    district: str


@dataclass(frozen=True)
class Body:
    """A document body and its ground truth.

    `stats` holds, for reports, exactly the figures the text states (None when it states nothing);
    `tables` holds every numeric cell of the standard tables the page shows, under keys
    "section/row/column" (see `replica.content.standard_tables`), however they are rendered, and
    nothing for a table left out; `flaws` names the deliberate defects of this body and `anomalies`
    the codes a parser must report for them. `table_style` says how a standard report shows its
    tables (`replica.content.variants.TABLE_STYLES`); `period` is the statistics period the text
    states ({"start", "end"}, ISO dates, None for a part written unreadably); `contacts` the phone,
    address, postcode and web address it states; `script` "simplified" or "traditional" (then the
    text, title and signature are served converted while stats and tables keep their values);
    `features` lists the variant's departures from the clean form ("group:value").
    """

    kind: str
    title: str
    blocks: tuple[Block, ...]
    signed_by: str | None
    signed_date: str | None
    report_year: int | None
    report_format: str | None
    stats: dict[str, int | float | None]
    tables: dict[str, int | float]
    flaws: tuple[str, ...] = field(default=())
    anomalies: tuple[str, ...] = field(default=())
    table_style: str | None = None
    period: dict[str, str | None] | None = None
    contacts: dict[str, str] = field(default_factory=dict)
    script: str = "simplified"
    features: tuple[str, ...] = field(default=())


KINDS = ("report", "notice", "functions", "guide", "policy")
UNIT_KINDS = ("street", "town", "department", "zone")
STAT_KEYS = (
    "proactive_total",
    "requests_received",
    "requests_carried_over",
    "requests_granted",
    "requests_partly_granted",
    "requests_refused",
    "fees_collected",
    "reconsideration_count",
    "litigation_count",
)
