"""Picking one wording among several and filling it from the document's context."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

from .style import Style, pick

T = TypeVar("T")


class Writer:
    def __init__(self, rng: random.Random, style: Style, ctx: dict[str, str]) -> None:
        self.rng = rng
        self.style = style
        self.ctx = ctx

    def say(self, options: Sequence[str], **extra: object) -> str:
        return pick(self.rng, options).format(**self.ctx, **extra)

    def some(self, options: Sequence[T], low: int, high: int) -> list[T]:
        """Between low and high distinct options, in their given order."""
        count = min(len(options), self.rng.randint(low, high))
        chosen = sorted(self.rng.sample(range(len(options)), count))
        return [options[i] for i in chosen]

    def ordinal_list(self, clauses: Sequence[str]) -> str:
        """一是…。二是…。 the way reports chain measures inside one paragraph."""
        marks = "一二三四五六七八九"
        return "".join(f"{marks[i]}是{c}" for i, c in enumerate(clauses))
