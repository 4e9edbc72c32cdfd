"""``xxgk stats`` and ``xxgk export``: what the archive holds, and its data as a table (docs/browse.md).

Both read the index (``xxgk index`` builds it; crawls keep it current) and the reports' JSON; neither
writes to the archive.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.table import Table

from pipelines.index.coverage import Coverage, coverage
from pipelines.index.export import export
from pipelines.index.search import Filters
from pipelines.index.tokens import QueryError

__all__ = ["cmd_export", "cmd_stats", "print_coverage", "register"]

EXIT_USAGE = 2
_TYPES = ["annual_report", "notice", "guide", "functions", "policy", "other"]


def _percent(n: int, of: int) -> str:
    return f"{100 * n / of:.1f}%" if of else "-"


def print_coverage(found: Coverage, out: IO[str]) -> None:
    """Tables aligned for Chinese (rich counts a Chinese character as two columns)."""
    tty = out.isatty()
    # markup off: agency names come from crawled pages, and "[/]" in one must print as is
    console = Console(
        file=out,
        width=shutil.get_terminal_size().columns if tty else 200,
        highlight=False,
        soft_wrap=not tty,
        markup=False,
        emoji=False,
    )
    console.print(
        f"{found.documents} documents ({found.withdrawn} withdrawn), {found.reports} annual reports"
    )
    for name, pairs in found.counts.items():
        table = Table(title=f"documents per {name}", title_justify="left", box=None, pad_edge=False)
        table.add_column(name)
        table.add_column("documents", justify="right")
        for value, n in pairs:
            table.add_row("(none)" if value is None else str(value), str(n))
        console.print(table)
    table = Table(title="coverage", title_justify="left", box=None, pad_edge=False)
    for column in ("field", "of", "have it", "share"):
        table.add_column(column, justify="left" if column in ("field", "of") else "right")
    for name, n in found.fields.items():
        table.add_row(name, "documents", str(n), _percent(n, found.documents))
    for key, n in found.figures.items():
        table.add_row(key, "reports", str(n), _percent(n, found.reports))
    console.print(table)


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def cmd_stats(args: argparse.Namespace) -> int:
    try:
        found = coverage(Path(args.archive))
    except QueryError as exc:
        print(f"xxgk stats: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        json.dump(found.as_json(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print_coverage(found, sys.stdout)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if args.excel and args.format != "csv":
        print("xxgk export: --excel applies to CSV only", file=sys.stderr)
        return EXIT_USAGE
    filters = Filters(site=args.site, doc_type=args.type, report_year=args.year)
    # The BOM is what makes Excel read the file as UTF-8 rather than the system's code page.
    encoding = "utf-8-sig" if args.excel else "utf-8"
    options: dict[str, Any] = {"fmt": args.format, "reports": args.reports, "filters": filters}
    try:
        if args.out:
            with open(args.out, "w", encoding=encoding, newline="") as out:
                count = export(Path(args.archive), out, **options)
        else:
            if args.excel:
                sys.stdout.write("\ufeff")
            count = export(Path(args.archive), sys.stdout, **options)
            sys.stdout.flush()
    except BrokenPipeError:
        # `xxgk export | head`: the reader has what it wanted; Python would complain at exit.
        _silence_stdout()
        return 0
    except QueryError as exc:
        print(f"xxgk export: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.out:
        what = "annual reports" if args.reports else "documents"
        print(f"exported {count} {what} to {args.out}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``stats`` and ``export`` to the ``xxgk`` command's subparsers."""
    archive_help = "archive directory (default ./archive)"
    stats = sub.add_parser("stats", help="documents per site / agency / year / type, and field coverage")
    stats.add_argument("--archive", default="archive", help=archive_help)
    stats.add_argument("--json", action="store_true", help="the counts and coverage as JSON")
    stats.set_defaults(func=cmd_stats)

    exp = sub.add_parser("export", help="one row per document (or per annual report) as CSV or JSON Lines")
    exp.add_argument("--archive", default="archive", help=archive_help)
    exp.add_argument("--format", choices=["csv", "jsonl"], default="csv", help="default csv")
    exp.add_argument(
        "--reports", action="store_true", help="one row per annual report, one column per figure"
    )
    exp.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    exp.add_argument("--excel", action="store_true", help="CSV with a UTF-8 BOM, for Excel")
    exp.add_argument("--site", help="site name, e.g. siping")
    exp.add_argument("--type", choices=_TYPES, help="document type")
    exp.add_argument("--year", type=int, help="report year")
    exp.set_defaults(func=cmd_export)
