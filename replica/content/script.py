"""Traditional-script copies: what a mirror or a Hong Kong/Taiwan-facing page serves.

OpenCC's "s2t" conversion works on phrases (发布 → 發佈, 干部 → 幹部), which a hand-written character
table gets wrong; one converter is built per process and kept.
"""

from __future__ import annotations

import functools

import opencc

from .model import Block, Cell, Table


@functools.cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    return str(_converter().convert(text))


def _cell(cell: Cell) -> Cell:
    text = to_traditional(cell.text)
    return cell if text == cell.text else Cell(text, cell.rowspan, cell.colspan, cell.header)


def blocks_to_traditional(blocks: list[Block]) -> list[Block]:
    return [
        to_traditional(b) if isinstance(b, str) else Table(tuple(tuple(_cell(c) for c in r) for r in b.rows))
        for b in blocks
    ]
