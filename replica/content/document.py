"""The draft every kind of document generator returns before signing and styling."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Block


@dataclass
class Doc:
    title: str
    blocks: list[Block]
    signed_by: str | None
    signed_date: str | None  # YYYY-MM-DD
