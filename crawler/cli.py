"""The ``xxgk`` command: crawl portals, verify an archive, serve the replica, parse a saved page, run the
demo."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.commands.browse import register as register_browse
from crawler.commands.data import register as register_data
from crawler.commands.serve import register as register_serve
from crawler.summary import format_summary


def _project_settings_env() -> None:
    # Installed as a console script, the command may run far from scrapy.cfg: name the settings.
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")


def _key_value(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    name, value = text.split("=", 1)
    return name, value


def crawl_sites(
    sites: Sequence[str],
    *,
    archive: Path,
    replica: str | None = None,
    profile: str | None = None,
    spider_args: dict[str, str] | None = None,
    settings_overrides: dict[str, str] | None = None,
    spider_cls: type | None = None,
    redis: str | None = None,
    crawl_id: str | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """Crawl ``sites`` (every known site when empty) into ``archive``; return each crawl's stats.

    ``spider_cls`` replaces the site spiders by one spider class (the benchmark's bare crawler).
    ``redis`` (a ``redis://`` URL) makes this process one worker of the shared crawl ``crawl_id``
    (default: the site names; docs/distributed.md).
    """
    _project_settings_env()
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from crawler.sites import all_sites

    known = all_sites()
    names = list(sites) or sorted(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UnknownSiteError(f"unknown site(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    settings = get_project_settings()
    settings.set("XXGK_ARCHIVE", str(archive), priority="cmdline")
    if replica:
        settings.set("XXGK_REPLICA", replica, priority="cmdline")
    chosen_profile = profile or ("replica" if replica else None)
    if chosen_profile:
        settings.set("XXGK_PROFILE", chosen_profile, priority="cmdline")
    for name, value in (settings_overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    if redis:
        from crawler.distributed.settings import apply_redis, default_crawl_id

        apply_redis(settings, redis, crawl_id or default_crawl_id(names))
    process = CrawlerProcess(settings)
    # Scrapy filters by level in its log handler, after every DEBUG record (one per response and per
    # item) has been built; setting the level on the root logger drops them before that.
    logging.getLogger().setLevel(settings.get("LOG_LEVEL") or "DEBUG")
    crawlers = []
    targets: list[Any] = [spider_cls] if spider_cls is not None else names
    for target in targets:
        crawler = process.create_crawler(target)
        crawlers.append(crawler)
        process.crawl(crawler, **(spider_args or {}))
    process.start()
    return [
        (crawler.spidercls.name, crawler.stats.get_stats() if crawler.stats else {}) for crawler in crawlers
    ]


class UnknownSiteError(ValueError):
    """A site name given on the command line has no definition."""


#: Exit statuses of ``xxgk crawl`` (docs/operations.md): cron and systemd act on them.
EXIT_FINISHED, EXIT_UNFINISHED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3
# A site's health check failed (a section went silent, fields went missing, a challenge wall):
# the crawl finished, but cron should mail the owner.
EXIT_UNHEALTHY = 4


def _lock_wanted(options: dict[str, Any]) -> bool:
    value = str((options.get("settings_overrides") or {}).get("XXGK_ARCHIVE_LOCK", "1"))
    return value.strip().lower() not in ("0", "false", "no", "off")


def _check_redis_options(options: dict[str, Any]) -> str | None:
    """The one-line reason ``--redis`` / ``--crawl-id`` cannot be used, or None when they can (or
    are not given). Redis is asked before anything is started or locked."""
    url, crawl_id = options.get("redis"), options.get("crawl_id")
    if not url:
        return "--crawl-id needs --redis" if crawl_id else None
    from crawler.distributed.settings import RedisUnavailableError, check_redis, valid_crawl_id

    if crawl_id is not None and not valid_crawl_id(crawl_id):
        return f"--crawl-id {crawl_id!r}: use letters, digits and . _ + - (at most 128)"
    try:
        check_redis(url)
    except RedisUnavailableError as exc:
        return str(exc)
    return None


def run_crawl(sites: Sequence[str], *, archive: Path, **options: Any) -> int:
    """Crawl and print the summary; exit status 0 when every crawl finished, 3 when another run
    holds the archive's lock (checked before Scrapy starts, so nothing is written).

    With ``redis`` the process is one worker of a shared crawl: it takes the lock shared (workers
    coexist, an embedded crawl excludes them and they it), and a Redis it cannot reach is a usage
    error (2)."""
    from pipelines.archive.lock import ArchiveLock, ArchiveLockedError

    problem = _check_redis_options(options)
    if problem is not None:
        print(f"xxgk crawl: {problem}", file=sys.stderr)
        return EXIT_USAGE
    shared = bool(options.get("redis"))
    if shared and not options.get("crawl_id"):
        from crawler.distributed.settings import default_crawl_id
        from crawler.sites import all_sites

        options["crawl_id"] = default_crawl_id(sites or all_sites())
    lock = ArchiveLock(archive, shared=shared, crawl=options.get("crawl_id"))
    try:
        if _lock_wanted(options):
            lock.acquire()
    except ArchiveLockedError as exc:
        print(f"xxgk crawl: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    try:
        results = crawl_sites(sites, archive=archive, **options)
    except UnknownSiteError as exc:
        print(f"xxgk crawl: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        lock.release()
    print(format_summary(results, archive))
    finished = all(stats.get("finish_reason") == "finished" for _name, stats in results)
    healthy = all(stats.get("xxgk/health/ok", True) for _name, stats in results)
    if not finished:
        return EXIT_UNFINISHED
    return EXIT_FINISHED if healthy else EXIT_UNHEALTHY


def cmd_crawl(args: argparse.Namespace) -> int:
    return run_crawl(
        args.sites,
        archive=Path(args.archive),
        replica=args.replica,
        profile=args.profile,
        redis=args.redis,
        crawl_id=args.crawl_id,
        spider_args=dict(args.arg or []),
        # --full: every list page walked and every page asked for (still conditionally), as on a
        # first crawl; the default re-crawl walks lists until nothing is new and revisits a share.
        settings_overrides={
            **({"XXGK_INCREMENTAL_LISTS": "False"} if args.full else {}),
            **dict(args.set or []),
        },
    )


def cmd_verify(args: argparse.Namespace) -> int:
    """Check an archive; one line per problem, then a summary. 0: no errors (warnings allowed),
    1: errors found, 2: not an archive directory."""
    from pipelines.archive.lock import lock_holder
    from pipelines.archive.verify import verify_archive

    root = Path(args.archive)
    if not root.is_dir():
        print(f"xxgk verify: {root} is not a directory", file=sys.stderr)
        return EXIT_USAGE
    holder = lock_holder(root)
    if holder is not None:
        # A running crawl leaves temporary files and segment tails being written: say so first.
        print(f"note: a crawl holds this archive ({holder.describe()}); its work in progress may show")
    report = verify_archive(root)
    for problem in report.problems:
        print(problem.line())
    print(report.summary())
    return 1 if report.errors else 0


def cmd_parse(args: argparse.Namespace) -> int:
    from crawler.parse_file import ParseInputError, parse_file

    try:
        result = parse_file(Path(args.path), url=args.url, site_name=args.site)
    except ParseInputError as exc:
        print(f"xxgk parse: {exc}", file=sys.stderr)
        return 2
    import json

    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


def cmd_replica(args: argparse.Namespace) -> int:
    from replica.cli import main as replica_main

    argv = ["--port", str(args.port), "--pages", str(args.pages), "--seed", str(args.seed)]
    # The misbehaving server on demand (docs/replica.md, "Fault modes"), for trying the crawler.
    for name in ("faults", "fault_modes", "fault_seed", "fault_paths", "delay"):
        if (value := getattr(args, name)) is not None:
            argv += [f"--{name.replace('_', '-')}", str(value)]
    if args.sticky:
        argv.append("--sticky")
    return replica_main(argv)


def cmd_demo(args: argparse.Namespace) -> int:
    """Serve the replica in this process and crawl every site of it into a fresh archive."""
    from replica.corpus import Corpus
    from replica.server import ReplicaServer

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    archive = Path(args.archive) if args.archive else Path("archive") / f"demo-{stamp}"
    if archive.exists() and any(archive.iterdir()):
        print(f"xxgk demo: {archive} is not empty; the demo writes a fresh archive", file=sys.stderr)
        return 2
    server = ReplicaServer(Corpus(seed=args.seed, pages=args.pages))
    server.start()
    try:
        print(f"replica serving {server.url}; crawling it into {archive}", flush=True)
        status = run_crawl(
            [],
            archive=archive,
            replica=server.url,
            settings_overrides={"LOG_LEVEL": args.log_level},
        )
    finally:
        server.stop()
    print(f"browse it: .venv/bin/xxgk browse --archive {archive}  (or xxgk search 复议 --archive {archive})")
    return status


def cmd_index(args: argparse.Namespace) -> int:
    """Rebuild the archive's search index from its JSON, with a progress bar (docs/browse.md)."""
    from rich.console import Console
    from rich.progress import Progress

    from pipelines.index import index_path, rebuild

    root = Path(args.archive)
    if not (root / "documents").is_dir():
        print(f"xxgk index: {root} holds no documents", file=sys.stderr)
        return EXIT_USAGE
    # On stderr, and only in a terminal: stdout keeps the one result line for scripts.
    console = Console(stderr=True)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("indexing", total=None)
        result = rebuild(
            root,
            total=lambda n: progress.update(task, total=n),
            progress=lambda n: progress.advance(task, n),
        )
    skipped = f", {result.skipped} unreadable skipped (see the log)" if result.skipped else ""
    print(f"indexed {result.indexed} documents into {index_path(root)}{skipped}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """Full-text search of the index; 2 with a one-line message for a query or filter it cannot run."""
    from pipelines.index import Filters, QueryError, search
    from pipelines.index.render import print_json, print_table

    filters = Filters(
        site=args.site,
        agency=args.agency,
        region=args.region,
        doc_type=args.type,
        report_year=args.year,
        format=args.format,
        anomalies=args.anomalies,
        since=args.since,
        until=args.until,
    )
    try:
        hits, total = search(Path(args.archive), args.query, filters, limit=args.limit)
    except QueryError as exc:
        print(f"xxgk search: {exc}", file=sys.stderr)
        return EXIT_USAGE
    (print_json if args.json else print_table)(hits, total, sys.stdout)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xxgk", description="Archive government information-disclosure portals (政府信息公开)."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    crawl = sub.add_parser("crawl", help="crawl portals into the archive")
    crawl.add_argument("sites", nargs="*", help="site names (default: every site definition)")
    crawl.add_argument("--archive", default="archive", help="archive directory (default ./archive)")
    crawl.add_argument("--replica", metavar="URL", help="fetch the real URLs from a replica at URL")
    crawl.add_argument(
        "--profile",
        choices=["polite", "replica", "bench"],
        help="settings profile (default: polite; replica with --replica)",
    )
    crawl.add_argument(
        "--full",
        action="store_true",
        help="walk every list page and ask for every page held (default: lists until nothing is new, "
        "and a rotating share of the pages held)",
    )
    crawl.add_argument(
        "--redis",
        metavar="URL",
        help="be one worker of a crawl shared through Redis (redis://HOST:PORT/DB): one frontier, one "
        "duplicate filter, one politeness for every worker; see docs/distributed.md",
    )
    crawl.add_argument(
        "--crawl-id",
        metavar="NAME",
        help="with --redis: the shared crawl to join (default: the site names joined by +)",
    )
    crawl.add_argument(
        "-a",
        "--arg",
        action="append",
        type=_key_value,
        metavar="NAME=VALUE",
        help="spider argument, e.g. -a units=fgw_12305 -a columns=ndbg",
    )
    crawl.add_argument(
        "-s",
        "--set",
        action="append",
        type=_key_value,
        metavar="NAME=VALUE",
        help="Scrapy setting override",
    )
    crawl.set_defaults(func=cmd_crawl)

    parse = sub.add_parser("parse", help="parse one saved page (HTML or extracted text) to JSON")
    parse.add_argument("path", help="file to parse")
    parse.add_argument("--url", help="the page's URL (resolves links; selects the site definition)")
    parse.add_argument("--site", help="site definition to use for selectors and hints")
    parse.set_defaults(func=cmd_parse)

    verify = sub.add_parser("verify", help="check an archive: JSON, schema, versions, blobs, digests")
    verify.add_argument("--archive", default="archive", help="archive directory (default ./archive)")
    verify.set_defaults(func=cmd_verify)

    rep = sub.add_parser("replica", help="serve the local replica of the portals")
    rep.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    rep.add_argument("--pages", type=int, default=300, help="approximate number of pages")
    rep.add_argument("--seed", type=int, default=1, help="corpus seed")
    rep.add_argument("--faults", type=float, metavar="RATE", help="share of requests answered with a fault")
    rep.add_argument("--fault-modes", metavar="A,B", help="faults drawn from these (default: every mode)")
    rep.add_argument("--fault-seed", type=int, help="seed of the fault draw")
    rep.add_argument("--fault-paths", metavar="REGEX", help="only requests whose path+query match may fault")
    rep.add_argument("--sticky", action="store_true", help="a faulty URL fails on every attempt")
    rep.add_argument("--delay", type=float, metavar="SECONDS", help="every answer waits this long first")
    rep.set_defaults(func=cmd_replica)

    demo = sub.add_parser("demo", help="serve the replica and crawl it into a fresh archive")
    demo.add_argument("--archive", help="archive directory (default archive/demo-<time>)")
    demo.add_argument("--pages", type=int, default=300)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--log-level", default="WARNING")
    demo.set_defaults(func=cmd_demo)

    index = sub.add_parser("index", help="rebuild the archive's search index (index.sqlite)")
    index.add_argument("--archive", default="archive", help="archive directory (default ./archive)")
    index.set_defaults(func=cmd_index)

    search = sub.add_parser("search", help="full-text search of the archive (Chinese words of any length)")
    search.add_argument("query", help="words to find; every whitespace-separated term must occur")
    search.add_argument("--archive", default="archive", help="archive directory (default ./archive)")
    search.add_argument("--site", help="site name, e.g. siping")
    search.add_argument("--agency", help="part of the agency's name, e.g. 财政局")
    search.add_argument("--region", help="part of the region (province … street) or a unit folder")
    search.add_argument("--year", type=int, help="report year")
    search.add_argument(
        "--type",
        choices=["annual_report", "notice", "guide", "functions", "policy", "other"],
        help="document type",
    )
    search.add_argument("--format", choices=["free-form", "standard-2019", "standard-2021"])
    search.add_argument("--anomalies", action="store_true", help="only documents with anomalies")
    search.add_argument("--since", metavar="DATE", help="published on or after (YYYY-MM-DD)")
    search.add_argument("--until", metavar="DATE", help="published on or before (YYYY-MM-DD)")
    search.add_argument("--limit", type=int, default=20, help="at most N documents (default 20)")
    search.add_argument("--json", action="store_true", help="the matching documents as JSON")
    search.set_defaults(func=cmd_search)
    # Reading the archive: list, show, history (crawler/commands/browse.py); stats, export
    # (crawler/commands/data.py).
    register_browse(sub)
    register_data(sub)
    register_serve(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except BrokenPipeError:
        # The reader went away (`xxgk list | head`): stop quietly, as Unix tools do, and keep Python
        # from complaining when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return result


if __name__ == "__main__":
    sys.exit(main())
