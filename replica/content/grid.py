"""Where the cells of a spanned table land on the full grid (for PDF, DOCX and XLSX output)."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Cell, Table


@dataclass(frozen=True)
class Placed:
    cell: Cell
    row: int
    col: int


def place(table: Table) -> tuple[list[Placed], int, int]:
    """(cells with their grid origin, grid height, grid width). Raises ValueError when cells
    overlap, which would mean the table is malformed."""
    occupied: set[tuple[int, int]] = set()
    placed: list[Placed] = []
    width = 0
    height = len(table.rows)
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while (r, c) in occupied:
                c += 1
            placed.append(Placed(cell, r, c))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    if (r + dr, c + dc) in occupied:
                        raise ValueError(f"cell {cell.text!r} overlaps at row {r + dr}, col {c + dc}")
                    occupied.add((r + dr, c + dc))
            c += cell.colspan
            width = max(width, c)
            height = max(height, r + cell.rowspan)
    return placed, height, width


def table_rows(table: Table) -> list[list[str]]:
    """The table as a full grid of strings, each spanned cell's text at its top-left position and
    empty strings in the positions it covers (the way a spreadsheet stores merged cells)."""
    placed, height, width = place(table)
    grid = [[""] * width for _ in range(height)]
    for p in placed:
        grid[p.row][p.col] = p.cell.text
    return grid
