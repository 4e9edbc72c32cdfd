"""Scrapy item pipelines: thin glue between the crawl and the pure extraction / parsing / archive code.

Spiders hand over raw responses (PageItem) and failures (FailureItem); ArchivePipeline sends each
response to a worker process that extracts, parses and archives it (``pipelines.capture``). A page
that cannot become a document leaves its raw bytes and a failure record, and the crawl goes on.

A crawl on Redis (``--redis``, docs/distributed.md) is one of several workers writing one archive:
its run id names the microsecond it started (one run record and failure log per worker), it leaves
no running marker (Redis holds the crawl's state), repairs only what dead processes left, parks
deferred attachments with the frontier until their documents are written, compares no section
with earlier runs (it saw only part of each), and updates the indexes under the index lock.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from dataclasses import fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from crawler.archiving import archives
from crawler.distributed import frontier_of, redis_mode
from crawler.exchange import exchange_received
from crawler.items import FailureItem, PageItem
from crawler.sites import all_sites
from pipelines.archive.cdxj import compact_index, indexed_extent, update_index, whole_end
from pipelines.archive.files import atomic_write, read_log
from pipelines.archive.lock import index_lock, lock_holder
from pipelines.archive.store import doc_id
from pipelines.archive.warc import cut_torn_tail
from pipelines.capture import (
    Capture,
    Outcome,
    archive_capture,
    archive_exchange,
    derive_attachment,
    failure_record,
    store_for,
)
from pipelines.health import (
    HealthProblem,
    SectionCounts,
    assess_run,
    challenge_page,
    health_record,
    min_share_from_env,
    previous_sections,
    section_key,
)
from pipelines.index.build import index_after_crawl
from pipelines.spool import Spool
from pipelines.withdrawals import GONE, withdraw
from pipelines.workers import acquire_pool, release_pool

logger = logging.getLogger(__name__)

Item = PageItem | FailureItem
#: Failures that say nothing of a template: the answer had no page in it at all.
UNREADABLE = ("empty_body", "not_html")
#: Archives whose WARC tails this process has repaired (once, before any of its crawls wrote).
_REPAIRED: set[Path] = set()
#: Pipelines of this process whose crawl is still fetching: the shared worker pool grows for the
#: after-crawl stage only once none is (a site that finished first must not take the core of the
#: sites still crawling, nor add a worker's memory to theirs).
_FETCHING: set[int] = set()
#: Attachment jobs of the after-crawl stage sent at once, per worker: all at once, a 100,000-page
#: crawl had 18,000 tasks and their pickled jobs in the crawler's memory.
DERIVE_JOBS_PER_WORKER = 8
#: How far back a section's last production is looked for: a month of daily runs. A section broken
#: for longer is no longer reported (its owner has had a month of mails).
EARLIER_RUNS = 30


def _failure(item: PageItem, stage: str, reason: str, message: str) -> FailureItem:
    return FailureItem(
        url=item.url,
        site=item.site,
        stage=stage,
        reason=reason,
        message=message,
        status=item.status,
        referer=item.referer,
        fetched_at=item.fetched_at,
        body=item.body,
    )


def default_workers() -> int:
    """One worker per core but one (the crawler's), at least one, at most four."""
    return max(1, min(4, (os.cpu_count() or 2) - 1))


class ArchivePipeline:
    """Every response into the archive, through the one writer (``ArchiveStore``).

    Pages are extracted, parsed and archived by ``pipelines.capture.archive_capture`` in worker
    processes (``XXGK_PARSE_WORKERS``; 0 runs it inline); failures from the spider (downloads, HTTP
    errors) and the run record are written here.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        settings = crawler.settings
        self.archive = str(Path(settings.get("XXGK_ARCHIVE") or "archive"))
        self.fsync = settings.getbool("XXGK_FSYNC")
        # One worker of a crawl shared through Redis (crawler/distributed/).
        self.shared = redis_mode(settings)
        self.store = store_for(self.archive, self.fsync)
        workers = settings.get("XXGK_PARSE_WORKERS")
        self.pool = acquire_pool(
            default_workers() if workers in (None, "") else int(workers), preload=("pipelines.capture",)
        )
        self.started_at = datetime.now(UTC)
        self.run_id: str = ""
        self._sites: dict[str, tuple[dict[str, Any] | None, dict[str, Any]]] = {}
        # Attachments whose documents are written after the crawl (see derive_attachments).
        self.defer_attachments = settings.getbool("XXGK_DEFER_ATTACHMENTS", True)
        self.warc = settings.getbool("XXGK_WARC")
        # On disk, not in a list: 1.1 KB a capture, a fifth of a KB per page (pipelines/spool.py).
        self._deferred: Spool[tuple[Capture, str]] = Spool(self.store.root / "jobs")
        self._spool_lost = False
        # What this run saw per section (unit / column), for the site's health (pipelines.health).
        self.sections: dict[str, SectionCounts] = {}
        # List URL -> its pattern groups: a detail URL that names no section (JTopCMS's
        # /content/YYYY/id.html) belongs to the list it was found on.
        self._list_groups: dict[str, dict[str, str]] = {}
        # One dict per distinct groups, shared by the lists of a section (its pages 1, 2, …).
        self._groups: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
        # URLs whose page failed in the site's last run (read at open): failing again is no news.
        self._failed_before: frozenset[str] = frozenset()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)
        self._finish_reason: str | None = None
        # Set once the after-crawl work is done and the run record written: only then may the
        # running marker go (a signal during that work stops the engine with the crawl "finished").
        self._completed = False
        # What every WARC file's warcinfo record says of this crawl.
        self._warcinfo = {
            "settings": crawl_settings(settings),
            "robots_obey": settings.getbool("ROBOTSTXT_OBEY"),
            "max_bytes": settings.getint("XXGK_WARC_MAX_BYTES"),
        }
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        # Exchanges no page item carries (redirects, error answers, robots.txt): WARC records only.
        self._exchanges: set[asyncio.Future[str]] = set()
        if self.warc:
            crawler.signals.connect(self.exchange_received, signal=exchange_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        if not archives(spider):
            return  # scrapy shell's spider: it archives nothing (crawler/archiving.py)
        _FETCHING.add(id(self))
        name = spider.name if spider else "crawl"
        if self.shared:
            # Workers start in the same second: the microseconds keep their run records and
            # failure logs apart (runs/*Z-<site>.json still finds them).
            self.run_id = f"{self.started_at:%Y%m%dT%H%M%S.%f}Z-{name}"
        else:
            self.run_id = f"{self.started_at:%Y%m%dT%H%M%SZ}-{name}"
        self.stats.set_value("xxgk/run_id", self.run_id)
        self.stats.set_value("xxgk/archive", str(self.store.root.resolve()))
        self._failed_before = self._last_failures(name)
        if self.shared:
            self._repair_shared()
        else:
            self._mark_running(name)
            self._repair()
        for unfinished in self._unfinished_attachments(name):
            self._deferred.append(unfinished)
        self.pool.start()

    def _unfinished_attachments(self, site: str) -> list[tuple[Capture, str]]:
        """Attachments an earlier run stored the bytes of but was cut off (killed) before writing
        their documents: they join this run's after-crawl stage, so that nothing fetched is lost.
        Only a run that resumes a cut-off one (its marker was left) can have any: others skip the
        capture logs."""
        if not self.stats.get_value("xxgk/resume_of"):
            return []
        pending: dict[str, tuple[Capture, str]] = {}
        for path in sorted((self.store.root / "runs").glob(f"*-{site}.captures.jsonl")):
            for entry in read_log(path):
                if entry.get("kind") != "attachment" or not entry.get("sha256") or entry.get("status") != 200:
                    continue
                url = str(entry["url"])
                if self.store.versions(site, doc_id(url)):
                    pending.pop(url, None)
                    continue
                content_type = entry.get("content_type")
                item = PageItem(
                    url=url,
                    site=site,
                    kind="attachment",
                    fetched_at=str(entry.get("fetched_at") or ""),
                    status=200,
                    headers={"Content-Type": str(content_type)} if content_type else {},
                    body=b"",
                    referer=entry.get("referer"),
                )
                pending[url] = (self._capture(item), str(entry["sha256"]))
        if pending:
            self.stats.set_value("xxgk/derive/recovered", len(pending))
        return list(pending.values())

    def _last_failures(self, site: str) -> frozenset[str]:
        """URLs of the pages that could not become documents in the site's last run."""
        earlier = self._earlier_runs(site, limit=1)
        if not earlier:
            return frozenset()
        path = self.store.root / "failures" / f"{earlier[0].get('run_id')}.jsonl"
        return frozenset(str(r.get("url")) for r in read_log(path) if r.get("stage") == "extract")

    async def process_item(self, item: Item) -> Item:
        if isinstance(item, FailureItem):
            self._record_failure(item)
            return item
        capture = self._capture(item)
        try:
            outcome = await self.pool.run(archive_capture, capture, self.defer_attachments)
        except Exception as exc:  # a bug or a dead worker must not stop the crawl; the failure is recorded
            logger.exception("archiving failed for %s", item.url)
            self._record_failure(_failure(item, "archive", "archive_error", f"{type(exc).__name__}: {exc}"))
            return item
        if outcome.deferred:
            # The bytes are stored; the document is written after the crawl. Keep no body in memory.
            later = replace(capture, body=b"", exchange=None, warc_ref=outcome.warc)
            self._deferred.append((later, outcome.deferred))
            if (frontier := frontier_of(self.crawler)) is not None:
                # Its request stays held in Redis until the document is written: a worker killed
                # before then leaves it to be fetched again.
                frontier.park(item.url)
            return item
        self._count(outcome)
        self._tally(item, outcome)
        return item

    def _one_copy(self, groups: dict[str, str]) -> dict[str, str]:
        key = tuple(sorted(groups.items()))
        found = self._groups.get(key)
        if found is None:
            found = self._groups[key] = dict(groups)
        return found

    def _section(self, groups: dict[str, str]) -> SectionCounts:
        key = section_key(groups)
        counts = self.sections.get(key)
        if counts is None:
            wanted = {k: v for k, v in groups.items() if k in ("unit", "column")}
            counts = self.sections[key] = SectionCounts(groups=wanted)
        return counts

    @staticmethod
    def _detail_links(response: Response, spider: Spider) -> int:
        """How many detail pages a list links, by the site's own patterns.

        The spider reads the same links next (the response keeps its parsed tree): a re-crawl
        requests only new pages, and this count is how the health check knows the section still
        lists its known ones."""
        links, site = getattr(spider, "links", None), getattr(spider, "site", None)
        if not callable(links) or site is None:
            return 0
        found = set()
        for url in links(response):
            classified = site.classify(url)
            if classified is not None and classified[0] == "detail":
                found.add(url)
        return len(found)

    def _tally(self, item: PageItem, outcome: Outcome) -> None:
        """Count a detail or list page in its section: what it lacked, whether it was a wall."""
        if item.kind == "attachment" and outcome.challenge:
            self._section(item.groups).challenges += 1
        if item.kind not in ("detail", "list"):
            return
        groups = item.groups
        if item.kind == "detail" and not ({"unit", "column"} & groups.keys()) and item.referer:
            listed = self._list_groups.get(item.referer)
            if listed is None:
                # A re-crawl's revisit names the list it was found on in an earlier run, which this
                # run may not have fetched (lists are walked only as far as they bring new pages):
                # the site's patterns say which section that list is.
                site = getattr(self.crawler.spider, "site", None)
                classified = site.classify(item.referer) if site is not None else None
                listed = self._list_groups[item.referer] = self._one_copy(
                    classified[1] if classified else groups
                )
            groups = listed
        counts = self._section(groups)
        if outcome.challenge:
            counts.challenges += 1
        if item.kind == "list":
            counts.lists += 1
            return
        if outcome.challenge:
            return  # a wall is no page of the section: neither a document nor one lacking fields
        counts.documents += 1
        if item.status == 304:
            # Not modified: the archive's version stands, with whatever fields it had.
            counts.archived += 1
            return
        if outcome.status:
            counts.archived += 1
        if item.url in self._failed_before and outcome.failure:
            counts.repeats += 1
            return
        if outcome.failure in UNREADABLE:
            counts.unreadable += 1
            return
        for name in outcome.missing:
            setattr(counts, f"no_{name}", getattr(counts, f"no_{name}") + 1)

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        """Challenge pages among the answers no item carries (start, category and unit pages).

        Why here: a wall in front of the start page leaves the spider no link to follow and the
        pipeline no item; without this the run would only look empty, not say why.
        """
        kind = request.meta.get("xxgk_kind")
        if kind == "list":
            # Before the spider's callback runs: known before any detail found on the list arrives.
            groups = self._one_copy(request.meta.get("xxgk_groups") or {})
            self._list_groups[response.url] = groups
            self._section(groups).linked += self._detail_links(response, spider)
        if kind is None or kind in ("detail", "list", "attachment"):
            return  # robots.txt, or an answer the item pipeline checks in a worker
        reason = challenge_page(response.body)
        if reason is None:
            return
        groups = dict(request.meta.get("xxgk_groups") or {})
        self._section(groups).challenges += 1
        failure = FailureItem(
            url=response.url,
            site=spider.name,  # spiders are named after their site definition
            stage="extract",
            reason="challenge_page",
            message=reason,
            status=response.status,
            referer=request.meta.get("xxgk_referer"),
            fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            body=response.body,
        )
        self._record_failure(failure)

    def exchange_received(self, exchange: dict[str, Any]) -> None:
        """Write an exchange no item carries (crawler/exchange.py) in a worker, in the background;
        the run waits for them before it ends."""
        job = asyncio.ensure_future(
            self.pool.run(archive_exchange, self.archive, self.fsync, self._warcinfo, exchange)
        )
        self._exchanges.add(job)
        job.add_done_callback(self._exchange_written)

    def _exchange_written(self, job: asyncio.Future[str]) -> None:
        self._exchanges.discard(job)
        error = "cancelled" if job.cancelled() else job.exception()
        if error is not None:
            # The page's own failure (if any) is recorded by the spider; this is the WARC copy.
            logger.error("a WARC record could not be written: %s", error)
            self.stats.inc_value("xxgk/warc/errors")
        else:
            self.stats.inc_value("xxgk/warc/other_exchanges")

    def _count(self, outcome: Outcome) -> None:
        if outcome.revisit:
            self.stats.inc_value(f"xxgk/unchanged_by/{outcome.revisit}")
        if outcome.failure:
            self._count_failure(outcome.failure)
        elif outcome.status:
            self.stats.inc_value(f"xxgk/{outcome.counter}/{outcome.status}")
        else:
            self.stats.inc_value(f"xxgk/{outcome.counter}")

    def _capture(self, item: PageItem) -> Capture:
        """The worker's job for a page item, with what its site's extraction and parsing need."""
        profile, hints = self._site_data(item.site)
        return Capture(
            url=item.url,
            site=item.site,
            kind=item.kind,
            fetched_at=item.fetched_at,
            status=item.status,
            headers=item.headers,
            body=item.body,
            http_charset=item.http_charset,
            referer=item.referer,
            groups=item.groups,
            profile=profile,
            hints=hints,
            archive=self.archive,
            fsync=self.fsync,
            run_id=self.run_id,
            redirected_from=tuple(item.redirected_from),
            exchange=item.exchange,
            warcinfo=self._warcinfo,
        )

    def _site_data(self, name: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """Extraction profile and parsing hints of a site, computed once per site."""
        if name not in self._sites:
            site = all_sites().get(name)
            self._sites[name] = (dict(site.extract), site.hints()) if site else (None, {})
        return self._sites[name]

    def _count_failure(self, reason: str) -> None:
        self.stats.inc_value("xxgk/failures")
        self.stats.inc_value(f"xxgk/failures/{reason}")

    def _record_failure(self, item: FailureItem) -> None:
        raw_sha = self.store.put_raw(item.body).sha256 if item.body is not None else None
        if item.status in GONE and withdraw(
            self.store, item.site, item.url, status=item.status, seen_at=item.fetched_at or ""
        ):
            # A page the archive holds is gone: a withdrawn version, counted as such (still a failure).
            self.stats.inc_value("xxgk/documents/withdrawn")
        self._count_failure(item.reason)
        # The same fields as the failures the workers record (pipelines.capture.failure_record).
        record = {f.name: getattr(item, f.name) for f in fields(item) if f.name != "body"}
        self.store.record_failure(self.run_id, {**record, "raw_sha256": raw_sha})

    def _repair(self) -> None:
        """What a killed crawl left behind, undone before anything is written (this run holds the
        archive's lock, and the dead run's workers died with it): torn last records of WARC files
        are cut, and temporary files of writes it never finished are removed (a version file's
        temporary copy; the version itself is written whole or not at all)."""
        holder = lock_holder(self.store.root)
        if holder is not None and holder.pid != os.getpid():
            return
        if self.store.root in _REPAIRED:
            # Another site's crawl in this process came first: its workers may be writing now, and
            # a record or a temporary file being written is no leftover.
            return
        _REPAIRED.add(self.store.root)
        for directory in ("documents", "runs", "jobs", "warc", "failures"):
            for leftover in (self.store.root / directory).rglob("*.tmp"):
                leftover.unlink(missing_ok=True)
                logger.warning("removed %s, left by a crawl that was killed", leftover)
                self.stats.inc_value("xxgk/repair/tmp_removed")
        if not self.warc:
            return
        for path in sorted((self.store.root / "warc").glob("*.warc.gz")):
            cut = cut_torn_tail(path)
            if cut:
                logger.warning("cut a torn record (%d bytes) off the end of %s", cut, path)
                self.stats.inc_value("xxgk/warc/torn_bytes_cut", cut)

    def _repair_shared(self) -> None:
        """A worker's repair (crawler/distributed/repair.py): the leftovers of processes that are
        gone, never what a live worker is writing. At the start of the run and again at its end, so
        that a worker killed meanwhile leaves nothing for ``xxgk verify`` to find."""
        from crawler.distributed.registry import URL_SETTING, live_worker_hosts, redis_client
        from crawler.distributed.repair import dead_local_warcs, stale_tmp_files, tmp_age

        try:
            hosts = live_worker_hosts(redis_client(str(self.crawler.settings.get(URL_SETTING))))
        except Exception as exc:  # Redis unreachable: assume workers elsewhere (the cautious age)
            logger.warning("repair: could not list the live workers (%s)", exc)
            hosts = {""}
        directories = ("documents", "runs", "jobs", "warc", "failures")
        for leftover in stale_tmp_files(self.store.root, directories, tmp_age(hosts)):
            leftover.unlink(missing_ok=True)
            logger.warning("removed %s, left by a worker that was killed", leftover)
            self.stats.inc_value("xxgk/repair/tmp_removed")
        if not self.warc or not (self.store.root / "warc").is_dir():
            return
        extent = indexed_extent(self.store.root)
        for path in dead_local_warcs(self.store.root / "warc"):
            # Only files with bytes after their last whole record are cut (read from where the
            # index stops, not from the start).
            if whole_end(path, extent.get(path.name, 0)) < path.stat().st_size:
                cut = cut_torn_tail(path)
                if cut:
                    logger.warning("cut a torn record (%d bytes) off the end of %s", cut, path)
                    self.stats.inc_value("xxgk/warc/torn_bytes_cut", cut)

    def _update_indexes(self) -> None:
        """warc/index.cdxj and the search index, one process at a time (``.index.lock``): the workers
        of a shared crawl finish at about the same time, and the last one leaves both complete."""
        with index_lock(self.store.root):
            if self.shared:
                self._repair_shared()  # a worker killed during the crawl: its torn tails first
            self._index_warc()
            index_after_crawl(self.store.root, self.stats)

    def _index_warc(self) -> None:
        """The run's WARC files into warc/index.cdxj (pywb's format), sorted for lookups."""
        if not self.warc or not (self.store.root / "warc").is_dir():
            return
        _files, problems = update_index(self.store.root)
        compact_index(self.store.root)
        for problem in problems:
            logger.warning("WARC index: %s", problem)

    def _running_marker(self, site: str) -> Path:
        return self.store.root / "jobs" / f"{site}.running"

    def _mark_running(self, site: str) -> None:
        """Note that a crawl of ``site`` is under way; a marker left by an earlier run means that run
        was cut off (killed, power lost): this run resumes it (the spider walks every list and
        fetches every page the archive lacks; see PortalSpider.resuming)."""
        holder = lock_holder(self.store.root)
        if holder is not None and holder.pid != os.getpid():
            return  # another run holds the archive: this one writes nothing (archive_lock closes it)
        marker = self._running_marker(site)
        try:
            cut_off = marker.read_text(encoding="utf-8").strip()
        except OSError:
            cut_off = ""
        if cut_off:
            self.stats.set_value("xxgk/resume_of", cut_off)
        atomic_write(marker, self.run_id.encode("utf-8"), fsync=self.fsync)

    def engine_stopped(self) -> None:
        """A crawl that finished, and whose after-crawl work (attachments' documents, indexes, run
        record) was done, removes its marker; one stopped any other way leaves it, and the next run
        resumes. A crawl that had finished but was stopped during that work must be resumed too:
        its attachments' documents were never written."""
        spider = self.crawler.spider
        if self.shared:
            return  # no marker: Redis holds the shared crawl's state
        if (
            archives(spider)
            and spider is not None
            and self._finish_reason == "finished"
            and self._completed
            and not self._spool_lost
        ):
            self._running_marker(spider.name).unlink(missing_ok=True)

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        """After the crawl: the deferred attachments' documents, then the run record."""
        self._finish_reason = reason
        _FETCHING.discard(id(self))
        if reason == "archive_locked" or not archives(spider):
            # Another run holds the archive (crawler/extensions/archive_lock.py): write nothing.
            await release_pool(self.pool)
            return
        try:
            await self.derive_attachments()
            if (frontier := frontier_of(self.crawler)) is not None:
                frontier.derived()  # the parked attachments' documents are written
        finally:
            if self._exchanges:
                await asyncio.gather(*self._exchanges, return_exceptions=True)
            # The last crawl of the process to close waits for every worker's last job, and only
            # then are the WARC files whole: indexing one earlier (while another site's crawl in the
            # same process still appended to it) left that crawl's records out of the index.
            if await release_pool(self.pool):
                self._update_indexes()
            health = self.assess(spider, reason)
            self.store.write_run(run_record(self.crawler, self.run_id, self.started_at, reason, health))
            self.store.close()
            self._completed = True

    def assess(self, spider: Spider, reason: str) -> dict[str, Any]:
        """The run's health against the site's earlier runs; the problems go to the stats too."""
        previous = previous_sections(self._earlier_runs(spider.name))
        in_scope = getattr(spider, "in_scope", None)
        if callable(in_scope):
            # A crawl limited to some units / columns says nothing of the others.
            previous = {k: v for k, v in previous.items() if in_scope(v.groups)}
        if reason != "finished" or self.shared:
            # A crawl stopped early (a page limit, a kill) did not reach every section; a worker of
            # a shared crawl saw only its part of each (its peers fetched the rest).
            previous = {}
        problems = assess_run(self.sections, previous, min_share=min_share_from_env())
        for problem in problems:
            logger.warning("site health: %s %s: %s", problem.code, problem.section, problem.message)
        self.stats.set_value("xxgk/health/ok", not problems)
        self.stats.set_value("xxgk/health/problems", [problem_line(p) for p in problems])
        record = health_record(self.sections, problems)
        if self.shared:
            record["compared_with_earlier_runs"] = False
            record["why_not_compared"] = (
                "one worker of a shared crawl: it fetched only part of each section, so a section "
                "that went silent cannot be told from one its peers crawled"
            )
        return record

    def _earlier_runs(self, site: str, limit: int = EARLIER_RUNS) -> list[dict[str, Any]]:
        """The site's latest ``limit`` earlier run records, newest first (unreadable ones skipped)."""
        records: list[dict[str, Any]] = []
        for path in sorted((self.store.root / "runs").glob(f"*Z-{site}.json"), reverse=True):
            if len(records) >= limit:
                break
            if path.stem == self.run_id:
                continue
            try:
                data = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and data.get("site") == site:
                records.append(data)
        return records

    async def derive_attachments(self) -> None:
        """Extract, parse and archive the attachments the crawl stored the bytes of.

        Why after the crawl: a report's PDF takes 30–50 ms to read (pypdf), ten times a page's whole
        pipeline; inline, on a busy machine, the worker fell behind and held the crawl back. Here the
        crawl is over (Scrapy's clock stopped before this signal handler runs), every worker takes
        part, and the run record counts the outcome. A crawl killed before this stage keeps the
        attachments' bytes and capture lines; their documents are written by the next crawl that
        fetches them. ``xxgk/derive/seconds`` in the stats says what the stage cost.
        """
        total = len(self._deferred)
        if not total:
            return
        deferred = self._deferred.drain()
        started = time.perf_counter()
        # The crawler's thread is idle now (unless another site's crawl in this process still
        # fetches): its core can read files too.
        if not _FETCHING:
            self.pool.grow(os.cpu_count() or 1)

        async def one(capture: Capture, sha: str) -> None:
            try:
                self._count(await self.pool.run(derive_attachment, capture, sha))
            except Exception as exc:  # one unreadable file must not stop the others
                logger.exception("archiving failed for %s", capture.url)
                self._count_failure("archive_error")
                record = failure_record(
                    capture, "archive", "archive_error", f"{type(exc).__name__}: {exc}", sha
                )
                self.store.record_failure(self.run_id, record)

        # A few runners take the attachments in turn, so that a few jobs per worker are out at a
        # time, not one task and one pickled job per attachment.
        async def runner() -> None:
            for capture, sha in deferred:
                await one(capture, sha)

        try:
            await asyncio.gather(
                *(runner() for _ in range(DERIVE_JOBS_PER_WORKER * max(1, self.pool.workers)))
            )
        except OSError as exc:
            # The spool could not be read back: the attachments' bytes and capture lines are stored,
            # so the crawl is left "running" and the next one derives them (_unfinished_attachments).
            logger.error("deferred attachments could not be read back (%s): the next crawl derives them", exc)
            self.stats.inc_value("xxgk/derive/spool_errors")
            self._spool_lost = True
        self.stats.set_value("xxgk/derive/attachments", total)
        self.stats.set_value("xxgk/derive/seconds", round(time.perf_counter() - started, 3))


def problem_line(problem: HealthProblem) -> str:
    """One problem as the summary prints it."""
    return f"{problem.code} {problem.section}: {problem.message}"


def crawl_settings(settings: Any) -> dict[str, Any]:
    """The settings that say how gently a crawl went: in the run record and each WARC's warcinfo.

    A worker of a shared crawl reports the delay its gate keeps for all workers together (its local
    ``DOWNLOAD_DELAY`` is 0), and says so (``politeness``)."""
    shared = redis_mode(settings)
    delay = settings.getfloat("XXGK_GATE_DELAY") if shared else settings.getfloat("DOWNLOAD_DELAY")
    found = {
        "profile": settings.get("XXGK_PROFILE"),
        "replica": settings.get("XXGK_REPLICA") or None,
        "robotstxt_obey": settings.getbool("ROBOTSTXT_OBEY"),
        "concurrent_requests_per_domain": settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
        "download_delay": delay,
        "autothrottle": settings.getbool("AUTOTHROTTLE_ENABLED"),
        "user_agent": settings.get("USER_AGENT"),
    }
    if shared:
        found["politeness"] = "shared by every worker of the crawl (Redis)"
    return found


def run_record(
    crawler: Crawler, run_id: str, started_at: datetime, reason: str, health: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What a run did: the summary printed at the end and written to ``runs/<run_id>.json``."""
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    settings = crawler.settings

    def count(key: str) -> int:
        return int(stats.get(key, 0) or 0)

    def counts_under(prefix: str) -> dict[str, int]:
        """The counters ``prefix<name>`` by name."""
        return {key.removeprefix(prefix): v for key, v in sorted(stats.items()) if key.startswith(prefix)}

    # A worker of a shared crawl says which crawl (and which of its crawls, 1, 2, …) and which
    # worker; an embedded run has neither.
    shared = (
        {
            "crawl": settings.get("XXGK_REDIS_CRAWL"),
            "crawl_number": stats.get("xxgk/redis/generation"),
            "worker": stats.get("xxgk/redis/worker"),
        }
        if redis_mode(settings)
        else {}
    )
    return {
        "run_id": run_id,
        **shared,
        "site": crawler.spider.name if crawler.spider else None,
        "started_at": started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "finish_reason": reason,
        # The cut-off run this one resumed (its marker was left), if any.
        "resumed": stats.get("xxgk/resume_of"),
        "recovered_attachments": count("xxgk/derive/recovered"),
        "settings": crawl_settings(settings),
        "pages_fetched": count("response_received_count"),
        "bytes_downloaded": count("downloader/response_bytes"),
        "documents": {k: count(f"xxgk/documents/{k}") for k in ("new", "changed", "unchanged", "withdrawn")},
        "attachments": {k: count(f"xxgk/attachments/{k}") for k in ("new", "changed", "unchanged")},
        "lists": count("xxgk/lists"),
        # Which rule found the unchanged ones unchanged (the WARC revisit profiles).
        "unchanged_by": counts_under("xxgk/unchanged_by/"),
        # What the retries did (crawler/retry.py): attempts by reason, pages given up, pauses asked for.
        "retries": counts_under("xxgk/retry/"),
        "failures": count("xxgk/failures"),
        "failures_by_reason": counts_under("xxgk/failures/"),
        "health": health if health is not None else {"ok": True, "problems": [], "sections": {}},
    }
