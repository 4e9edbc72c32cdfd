"""`xxgk list`, `xxgk show`, `xxgk history`: reading the archive from a terminal (docs/browse.md).

Human-readable by default (rich, so Chinese columns line up), ``--json`` for scripts. A reference the
user gives is checked by ``pipelines.index.documents.parse_ref`` before anything touches a file.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipelines.index.documents import (
    DocumentNotFoundError,
    clean_text,
    diff_texts,
    list_documents,
    locate,
    raw_bytes,
    version_marks,
)
from pipelines.index.search import Filters
from pipelines.index.tokens import QueryError

__all__ = ["register"]

EXIT_NOT_FOUND, EXIT_USAGE = 1, 2
DOC_TYPES = ["annual_report", "notice", "guide", "functions", "policy", "other"]
#: The fields `show` lists first, in this order (the rest of the JSON is in ``--json``).
FIELDS = [
    "id", "url", "site", "kind", "version", "fetched_at", "title", "agency", "doc_type", "report_year",
    "format", "publish_date", "signed_by", "signed_date", "parent", "content_type",
]  # fmt: skip


def _console(out: IO[str]) -> Console:
    # Piped output keeps whole lines (a wide virtual terminal), as `xxgk search` does.
    tty = out.isatty()
    width = shutil.get_terminal_size().columns if tty else 400
    return Console(file=out, width=width, highlight=False, soft_wrap=not tty, markup=False, emoji=False)


def _table(*columns: str) -> Table:
    table = Table(box=None, pad_edge=False, show_header=bool(columns))
    for name in columns or ("", ""):
        table.add_column(name)
    return table


def _json(data: Any, out: IO[str]) -> None:
    json.dump(data, out, ensure_ascii=False, indent=1)
    out.write("\n")


def _fail(command: str, exc: Exception) -> int:
    print(f"xxgk {command}: {exc}", file=sys.stderr)
    # A well-formed reference to nothing is not a usage error: scripts can tell the two apart.
    return EXIT_NOT_FOUND if isinstance(exc, DocumentNotFoundError) else EXIT_USAGE


def cmd_list(args: argparse.Namespace) -> int:
    try:
        filters = Filters(site=args.site, doc_type=args.type, report_year=args.year)
        rows, total = list_documents(Path(args.archive), filters, limit=args.limit)
    except QueryError as exc:
        return _fail("list", exc)
    if args.json:
        _json({"total": total, "documents": rows}, sys.stdout)
        return 0
    table = _table("id", "site", "date", "type", "agency", "title")
    for row in rows:
        table.add_row(
            row["id"], row["site"], row["publish_date"] or "", row["doc_type"] or "", row["agency"] or "",
            row["title"] or "",
        )  # fmt: skip
    console = _console(sys.stdout)
    console.print(table)
    console.print(f"{len(rows)} of {total} documents shown")
    return 0


def _show_document(doc: dict[str, Any], versions: int, console: Console) -> None:
    fields = _table()
    for name in FIELDS:
        if doc.get(name) not in (None, ""):
            fields.add_row(name, str(doc[name]))
    fields.add_row("versions", str(versions))
    for mark in version_marks(doc):
        fields.add_row("note", mark)
    console.print(fields)
    sections = doc.get("sections") or []
    if sections:
        console.print("\nsections")
        _print_sections(sections, console, 1)
    stats = {k: v for k, v in (doc.get("stats") or {}).items() if v is not None}
    if stats:
        console.print("\nfigures")
        figures = _table("figure", "value", "from")
        evidence = doc.get("evidence") or {}
        for name, value in stats.items():
            figures.add_row(name, str(value), str(evidence.get(name) or ""))
        console.print(figures)
    if doc.get("tables"):
        console.print(f"\ntables: {len(doc['tables'])} cells (`--json` has them all)")
    if doc.get("anomalies"):
        console.print("\nanomalies")
        for anomaly in doc["anomalies"]:
            console.print(f"  {anomaly.get('code')}: {anomaly.get('message')}")
            if anomaly.get("evidence"):
                console.print(f"    evidence: {anomaly['evidence']}")
    if doc.get("attachments"):
        console.print("\nattachments")
        for item in doc["attachments"]:
            console.print(f"  {item.get('id', '')}  {item.get('text') or ''}  {item.get('url')}")
    warc = doc.get("warc")
    if warc:
        console.print(f"\nwarc  {warc.get('path')} offset {warc.get('offset')} length {warc.get('length')}")
        console.print(f"      {warc.get('record_id')}")


def _print_sections(sections: list[dict[str, Any]], console: Console, depth: int) -> None:
    for section in sections:
        console.print(f"{'  ' * depth}{section.get('marker') or ''}{section.get('title') or ''}")
        _print_sections(section.get("children") or [], console, depth + 1)


def cmd_show(args: argparse.Namespace) -> int:
    try:
        found = locate(Path(args.archive), args.ref)
        doc = found.load()
        if args.raw:
            data = raw_bytes(found.store, doc)
        elif args.text:
            text = clean_text(found.store, doc)
    except QueryError as exc:
        return _fail("show", exc)
    if args.raw:
        # As received: bytes, whatever their encoding, so `> page.html` keeps them exactly.
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    elif args.text:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    elif args.json:
        _json(doc, sys.stdout)
    else:
        _show_document(doc, len(found.versions), _console(sys.stdout))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    try:
        found = locate(Path(args.archive), args.ref)
        docs = [found.load(v) for v in found.versions]
        diff: list[str] | None = None
        if args.diff:
            old, new = (found.load(v) for v in args.diff)
            diff = diff_texts(
                clean_text(found.store, old),
                clean_text(found.store, new),
                f"v{old['version']} {old.get('fetched_at')}",
                f"v{new['version']} {new.get('fetched_at')}",
            )
    except QueryError as exc:
        return _fail("history", exc)
    if args.json:
        versions = [
            {
                "version": d["version"],
                "fetched_at": d.get("fetched_at"),
                "content_digest": d.get("content_digest"),
                "withdrawn": d.get("withdrawn"),
                "moved_to": d.get("moved_to"),
                "marks": version_marks(d),
            }
            for d in docs
        ]
        result: dict[str, Any] = {"site": found.site, "id": found.id, "url": docs[-1]["url"]}
        result["versions"] = versions
        if diff is not None:
            result["diff"] = diff
        _json(result, sys.stdout)
        return 0
    console = _console(sys.stdout)
    console.print(f"{docs[-1].get('title') or ''}\n{docs[-1]['url']}  ({found.site} {found.id})")
    table = _table("version", "fetched_at", "notes")
    for d in docs:
        table.add_row(f"v{d['version']}", d.get("fetched_at") or "", "; ".join(version_marks(d)))
    console.print(table)
    if diff is not None:
        console.print()
        for line in diff or ["(the clean texts are the same)"]:
            # Colour only shows in a terminal; piped output stays the plain unified diff.
            colour = {"+": "green", "-": "red", "@": "cyan"}.get(line[:1], "")
            console.print(Text(line, style="" if line[:3] in ("+++", "---") else colour))
    return 0


def _archive(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--archive", default="archive", help="archive directory (default ./archive)")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `list`, `show` and `history` to the `xxgk` command's subparsers."""
    lister = sub.add_parser("list", help="list archived documents, newest first (from the index)")
    _archive(lister)
    lister.add_argument("--site", help="site name, e.g. siping")
    lister.add_argument("--type", choices=DOC_TYPES, help="document type")
    lister.add_argument("--year", type=int, help="report year")
    lister.add_argument("--limit", type=int, default=50, help="at most N documents (default 50)")
    lister.add_argument("--json", action="store_true", help="the documents as JSON")
    lister.set_defaults(func=cmd_list)

    show = sub.add_parser("show", help="one document's latest version: fields, figures, anomalies")
    show.add_argument("ref", metavar="ID|URL", help="document id (16 hex characters) or its URL")
    _archive(show)
    output = show.add_mutually_exclusive_group()
    output.add_argument("--text", action="store_true", help="the clean text")
    output.add_argument("--raw", action="store_true", help="the archived bytes as received")
    output.add_argument("--json", action="store_true", help="the version's JSON as archived")
    show.set_defaults(func=cmd_show)

    history = sub.add_parser("history", help="every version of a document, and a diff between two")
    history.add_argument("ref", metavar="URL|ID", help="document URL or id (16 hex characters)")
    _archive(history)
    history.add_argument(
        "--diff", nargs=2, type=int, metavar=("A", "B"), help="unified diff of versions A and B's text"
    )
    history.add_argument("--json", action="store_true", help="the versions (and diff) as JSON")
    history.set_defaults(func=cmd_history)
