"""The spider every portal spider derives from: navigation driven by a site definition.

A spider only navigates. It classifies every URL with the site's patterns, follows the kinds of links
the definition says, and hands raw responses to the pipelines as items. Anything that fails to download
becomes a FailureItem, so the archive records it and the crawl goes on.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urljoin

from scrapy import Request, Spider
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from crawler.failures import describe_failure
from crawler.http import charset_from_content_type, header
from crawler.items import FailureItem, PageItem
from crawler.known import Validators, known_pages
from crawler.pickup import failed_to_retry
from crawler.profiles import apply_profile
from crawler.runs import crawls_before, last_runs
from crawler.sites import Site
from pipelines.archive.files import read_log
from pipelines.archive.store import ArchiveStore
from pipelines.extract import get_profile
from pipelines.extract.links import attachment_ext

#: Response headers worth keeping with a capture.


def file_attribute_pattern(extensions: Iterable[str]) -> re.Pattern[bytes]:
    """href=… / src=… values (quoted or not) that name a file of one of ``extensions``, in the path
    (``P020180320.pdf``) or in a download script's query (``downfile.jsp?filename=1.pdf``).

    On bytes: the page is not decoded on the crawler's thread (for a page that declares no charset,
    Scrapy's decoding runs a charset detector that cost 8 ms a page)."""
    exts = "|".join(sorted((re.escape(e) for e in extensions), key=len, reverse=True))
    value = rf"""[^"'\s>]*?\.(?:{exts})(?:[?#&][^"'\s>]*)?"""
    return re.compile(rf"""\b(?:href|src)\s*=\s*["']?({value})(?=["'\s>])""".encode(), re.IGNORECASE)


_BASE_HREF = re.compile(rb"""<base\b[^>]*?\bhref\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)


def _attribute_text(value: bytes, charset: str | None) -> str:
    """An attribute value as text: URLs are ASCII or UTF-8 almost always, else the page's charset."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return value.decode(charset or "gb18030", errors="replace")
        except LookupError:
            return value.decode("gb18030", errors="replace")


KEPT_HEADERS = ("Content-Type", "Content-Length", "Last-Modified", "ETag", "Date", "Server")


def _exchange_of(response: Response) -> dict[str, Any] | None:
    """The wire exchange of this response (crawler/exchange.py), not a redirect's before it."""
    exchange = response.meta.get("xxgk_exchange")
    if isinstance(exchange, dict) and exchange.get("url") == response.url:
        return exchange
    return None


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _csv(value: str | Iterable[str] | None) -> frozenset[str]:
    if value is None:
        return frozenset()
    items = value.split(",") if isinstance(value, str) else value
    return frozenset(item.strip() for item in items if item.strip())


class PortalSpider(Spider):
    """Crawl one portal described by ``site``; subclasses add their CMS family's pagination.

    Spider arguments: ``units`` and ``columns`` (comma-separated) limit the crawl to those values of the
    ``unit`` / ``column`` groups of the site's URL patterns (``-a units=fgw_12305 -a columns=ndbg``).
    """

    site: ClassVar[Site]

    def __init__(
        self, *args: Any, units: str | None = None, columns: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_domains = list(self.site.hosts)
        self.units = _csv(units)
        self.columns = _csv(columns)
        # What counts as an attachment comes from the site's extraction profile, so that the files
        # fetched and the files a page's document lists are the same.
        self.attachment_extensions = get_profile(dict(self.site.extract)).attachment_extensions
        self._file_attribute = file_attribute_pattern(self.attachment_extensions)
        self._validators: dict[str, Validators] | None = None
        self._known: frozenset[str] | None = None
        self._revisit: tuple[int, int] | None = None
        self._seen_before: frozenset[str] | None = None

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        apply_profile(settings)

    async def start(self) -> AsyncIterator[Request]:
        for url in self.site.start_urls:
            classified = self.site.classify(url)
            kind = classified[0] if classified else "start"
            yield self._request(url, "start" if kind not in self.site.follow else kind, None, {})
        # Pages that failed last run for a reason that may pass (a 503, a timeout, a cut body) are
        # asked for again here: an incremental walk stops before their list page (seen_before).
        for pickup in self._pickup_requests():
            yield pickup
        # A re-crawl revalidates the pages it holds that are due this run, wherever they are listed
        # (conditional requests: an unchanged page costs a 304).
        if self.incremental:
            for url in sorted(self.known):
                if self.due(url) and (request := self._revisit_request(url)) is not None:
                    yield request
        if self.resuming:
            for request in self._files_of_cut_off_pages():
                yield request

    def _pickup_requests(self) -> Iterator[Request]:
        """Requests for the pages of the site's last run (or shared crawl) that failed for a reason
        that may pass and that the archive does not hold (crawler/pickup.py), within this crawl's
        units / columns."""
        archive = Path(str(self.crawler.settings.get("XXGK_ARCHIVE") or "archive"))
        began = self.crawler.stats.get_value("start_time") if self.crawler.stats is not None else None
        before = began.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(began, datetime) else None
        for failed in failed_to_retry(archive, self.site.name, self.known, before=before):
            classified = self.site.classify(failed.url)
            listed = self.site.classify(failed.referer) if failed.referer else None
            if not self.site.owns(failed.url) or any(
                found is not None and not self.in_scope(found[1]) for found in (classified, listed)
            ):
                continue
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("xxgk/pickup/requests")
            if classified is None:
                yield self._file_request(failed.url, failed.referer)
            else:
                yield self._request(failed.url, classified[0], failed.referer, classified[1])

    def _files_of_cut_off_pages(self) -> Iterator[Request]:
        """Resuming: the files linked by the pages the cut-off run(s) archived, which may have been
        killed before fetching them. Those pages are held, so the resumed run neither fetches them
        again nor finds their links there; the archive has their bytes, and the links are found in
        them as the crawl finds them. Pages archived since the site's last finished run ended are
        the cut-off runs' (a finished run fetched its pages' files; a run stopped by a signal did
        not, though it wrote a run record)."""
        archive = Path(str(self.crawler.settings.get("XXGK_ARCHIVE") or "archive"))
        since = ""
        # A run stopped by SIGTERM or SIGINT writes its record too ("shutdown"): it was cut off all
        # the same, so only a run that finished marks where the cut-off runs began.
        for record in sorted((archive / "runs").glob(f"*Z-{self.name}.json"), reverse=True):
            try:
                run = json.loads(record.read_text("utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(run, dict) and run.get("finish_reason") == "finished":
                since = str(run.get("finished_at") or "")
                break
        store = ArchiveStore(archive, fsync=False)
        asked: set[str] = set()
        for url, held in sorted(self.validators.items()):
            if not held.page or not held.raw_sha256 or held.fetched_at < since:
                continue
            try:
                body = store.read_raw(held.raw_sha256)
            except (KeyError, OSError, ValueError):  # unreadable: `xxgk verify` reports it
                continue
            headers = {"Content-Type": held.content_type} if held.content_type else {}
            for file_url in self._attachment_links(HtmlResponse(url, body=body, headers=headers)):
                if (
                    file_url not in asked
                    and self.site.classify(file_url) is None
                    and file_url not in self.known
                ):
                    asked.add(file_url)
                    yield self._file_request(file_url, url)

    def _file_request(self, url: str, referer: str | None) -> Request:
        return Request(
            url,
            callback=self.parse_attachment,
            errback=self.on_error,
            meta={"xxgk_kind": "attachment", "xxgk_referer": referer, "xxgk_groups": {}},
        )

    def _revisit_request(self, url: str) -> Request | None:
        """The request revalidating a held page, or None when the crawl's units / columns exclude it.

        It carries the referer the page was archived with (the list it was found on): the page's
        next version keeps it, and the health check counts the page in that list's section, which a
        JTopCMS detail URL (/content/YYYY/id.html) does not name."""
        held = self.validators.get(url)
        referer = held.referer if held is not None else None
        classified = self.site.classify(url)
        if classified is None:
            return self._file_request(url, referer)
        kind, groups = classified
        if kind != "detail" or not self.in_scope(groups):
            return None
        if referer and not ({"unit", "column"} & groups.keys()):
            listed = self.site.classify(referer)
            if listed is not None and not self.in_scope(listed[1]):
                return None  # listed in a column this crawl was not asked for
        return self._request(url, "detail", referer, groups)

    # Navigation -------------------------------------------------------------------------------

    def _request(
        self, url: str, kind: str, referer: str | None, groups: dict[str, str], **meta: Any
    ) -> Request:
        callback = self.parse_detail if kind == "detail" else self.parse
        return Request(
            url,
            callback=callback,
            errback=self.on_error,
            cb_kwargs={"kind": kind},
            meta={"xxgk_kind": kind, "xxgk_groups": groups, "xxgk_referer": referer, **meta},
        )

    def in_scope(self, groups: dict[str, str]) -> bool:
        """Whether the unit/column filters given as spider arguments admit these pattern groups."""
        if self.units and "unit" in groups and groups["unit"] not in self.units:
            return False
        return not (self.columns and "column" in groups and groups["column"] not in self.columns)

    def links(self, response: Response) -> Iterator[str]:
        """Absolute URLs of every link on an HTML page (hrefs only: link texts are costly)."""
        if not isinstance(response, TextResponse):
            return
        for href in response.xpath("//a/@href").getall():
            href = href.strip()
            if href and not href.startswith(("javascript:", "mailto:", "#")):
                # One page, one URL: a share link's tracking parameters or an index file named
                # would make a held page look new (crawler/canonical.py).
                yield self.site.canonical_url(response.urljoin(href))

    # Re-crawls ---------------------------------------------------------------------------------

    @property
    def validators(self) -> dict[str, Validators]:
        """This site's documents already in the archive, with the validators of their last capture
        (empty on a first crawl); read once, shared with the conditional-request middleware."""
        if self._validators is None:
            crawler = getattr(self, "crawler", None)
            archive = crawler.settings.get("XXGK_ARCHIVE") if crawler is not None else None
            self._validators = known_pages(archive, self.site.name) if archive else {}
        return self._validators

    @property
    def known(self) -> frozenset[str]:
        """URLs of this site's documents already in the archive (empty on a first crawl)."""
        if self._known is None:
            self._known = frozenset(self.validators)
        return self._known

    @property
    def seen_before(self) -> frozenset[str]:
        """What a list page may link without being "new": the pages held, and the pages that failed in
        the site's last run (a page answering 500 run after run must not keep every walk going)."""
        if self._seen_before is None:
            archive = Path(str(self.crawler.settings.get("XXGK_ARCHIVE") or "archive"))
            # Every worker's log when the last run was a shared crawl (--redis), as the pick-up reads.
            failed = {
                str(r.get("url"))
                for run_id in last_runs(archive, self.name)
                for r in read_log(archive / "failures" / f"{run_id}.jsonl")
            }
            self._seen_before = self.known | failed
        return self._seen_before

    @property
    def resuming(self) -> bool:
        """This run picks up a crawl that was cut off (its marker was left; see ArchivePipeline):
        every list is walked again, and only the pages the archive lacks are fetched."""
        crawler = getattr(self, "crawler", None)
        stats = crawler.stats if crawler is not None else None
        return bool(stats.get_value("xxgk/resume_of")) if stats is not None else False

    @property
    def incremental(self) -> bool:
        """Walk lists only as far as they bring new pages: on a re-crawl, unless switched off
        (``XXGK_INCREMENTAL_LISTS = False`` walks every list page every time) or resuming."""
        crawler = getattr(self, "crawler", None)
        enabled = crawler.settings.getbool("XXGK_INCREMENTAL_LISTS", True) if crawler is not None else False
        return enabled and bool(self.known) and not self.resuming

    def due(self, url: str) -> bool:
        """Whether a page the archive holds is to be fetched again this run.

        A re-crawl revalidates a rotating share of the pages it holds (``XXGK_REVISIT_SHARE``, default
        0.1: every page once in ten runs), so that edits and withdrawals are found without asking the
        portal for every page every time; pages on the list pages walked are new ones, always fetched.
        """
        if self._revisit is None:
            share = self.crawler.settings.getfloat("XXGK_REVISIT_SHARE", 0.1)
            period = max(1, round(1 / share)) if share > 0 else 0
            archive = Path(str(self.crawler.settings.get("XXGK_ARCHIVE") or "archive"))
            settings = self.crawler.settings
            crawl = settings.get("XXGK_REDIS_CRAWL")
            number = self.crawler.stats.get_value("xxgk/redis/generation") if self.crawler.stats else None
            current = (str(crawl), int(number)) if crawl and number is not None else None
            runs = crawls_before(archive, self.name, current)
            self._revisit = (period, runs % period if period else 0)
        period, turn = self._revisit
        if period == 0:
            return False
        return int(hashlib.sha1(url.encode("utf-8")).hexdigest()[:8], 16) % period == turn

    def wanted(self, url: str) -> bool:
        """A URL to request from a page: anything new. Pages the archive holds are requested at the
        start of a re-crawl when due (``start``), not where they are linked."""
        if not (self.incremental or self.resuming) or url not in self.known:
            return True
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("xxgk/revisit/skipped")
        return False

    def follow_links(self, response: Response, kind: str) -> Iterator[Request]:
        wanted = self.site.follow.get(kind, ())
        found: list[tuple[str, str, dict[str, str]]] = []
        for url in self.links(response) if wanted else ():
            classified = self.site.classify(url)
            if classified and classified[0] in wanted and self.in_scope(classified[1]):
                found.append((url, classified[0], classified[1]))
        walk_on = True
        if kind == "list" and self.incremental:
            # Lists are newest first: a page that brings no page the archive lacks ends the walk.
            walk_on = any(k == "detail" and url not in self.seen_before for url, k, _g in found)
            if not walk_on and self.crawler.stats is not None:
                self.crawler.stats.inc_value("xxgk/lists/walk_stopped")
        for url, target, groups in found:
            pagination = target == "list" and kind == "list" and self.incremental
            if pagination and (not walk_on or not self.is_next_page(response.url, url)):
                continue
            if target == "detail" and not self.wanted(url):
                continue
            yield self._request(url, target, response.url, groups)
        if kind == "list" and walk_on:
            yield from self.paginate(response, kind)

    def is_next_page(self, current: str, link: str) -> bool:
        """Whether ``link`` is the page after ``current`` in the same list; the CMS family knows."""
        return True

    def paginate(self, response: Response, kind: str) -> Iterator[Request]:
        """Requests for the other pages of a paginated list; the CMS family knows how."""
        return iter(())

    def parse(self, response: Response, kind: str = "start") -> Iterator[PageItem | Request]:
        if kind == "list":
            yield self.capture(response, "list")
        if response.status == 304:  # unchanged since the last crawl: nothing new behind it
            return
        yield from self.follow_links(response, kind)

    def parse_detail(self, response: Response, kind: str = "detail") -> Iterator[Any]:
        yield self.capture(response, "detail")
        if response.status == 304:  # unchanged: its attachments are already archived
            return
        seen: set[str] = set()
        for url in self._attachment_links(response):
            if url not in seen and self.site.classify(url) is None and self.wanted(url):
                seen.add(url)
                yield self._file_request(url, response.url)

    def _attachment_links(self, response: Response) -> Iterator[str]:
        """URLs of the files a detail page links or shows (PDF, DOC, XLS, images…).

        A scan of the attribute values rather than an HTML parse: the page is parsed once, by
        extraction, in a worker process; navigation only needs the URLs (their link texts are in
        the page's archived document). Only values naming a file type are resolved.
        """
        if not isinstance(response, TextResponse):
            return
        body = response.body
        charset = charset_from_content_type(header(response, "Content-Type") or "")
        base = response.url
        found_base = _BASE_HREF.search(body, 0, 8192)
        if found_base:
            base = urljoin(base, html.unescape(_attribute_text(found_base[1], charset)).strip())
        for match in self._file_attribute.finditer(body):
            value = html.unescape(_attribute_text(match[1], charset)).strip()
            if not value.startswith(("javascript:", "mailto:", "#")):
                try:
                    url = urljoin(base, value)
                except ValueError:  # a mangled value (http://[x…) is no link; the page is kept
                    continue
                if url.startswith(("http://", "https://")) and attachment_ext(
                    url, self.attachment_extensions
                ):
                    yield url

    def parse_attachment(self, response: Response) -> Iterator[PageItem]:
        yield self.capture(response, "attachment")

    # Items ------------------------------------------------------------------------------------

    def capture(self, response: Response, kind: str) -> PageItem:
        headers = {name: value for name in KEPT_HEADERS if (value := header(response, name))}
        charset = charset_from_content_type(headers.get("Content-Type", ""))
        meta = response.meta
        return PageItem(
            url=response.url,
            site=self.site.name,
            kind=kind,
            fetched_at=utc_now(),
            status=response.status,
            headers=headers,
            body=response.body,
            http_charset=charset,
            referer=meta.get("xxgk_referer"),
            groups=dict(meta.get("xxgk_groups") or {}),
            redirected_from=[str(u) for u in meta.get("redirect_urls") or []],
            exchange=_exchange_of(response),
        )

    def on_error(self, failure: Failure) -> Iterator[FailureItem]:
        """A request that could not be archived becomes a failure record with the real reason
        (``http_503``, ``timeout``, ``too_large``, ``robots_disallowed``…; crawler/failures.py) and
        what the retries did ("gave up after 3 attempts (Retry-After 1 s honoured)")."""
        request = failure.request  # type: ignore[attr-defined]
        described = describe_failure(failure, request.meta)
        yield FailureItem(
            url=described.url or request.url,
            site=self.site.name,
            stage=described.stage,
            reason=described.reason,
            message=described.message,
            status=described.status,
            referer=request.meta.get("xxgk_referer"),
            fetched_at=utc_now(),
        )
