"""One response into the archive: extraction, parsing and archiving of a capture, as one job.

The job runs in a worker process (``pipelines.workers``) so that the crawler's thread only downloads
and schedules; everything CPU-bound per page — lxml parsing, the parser's regexes, gzip, JSON — runs
beside it. The archive is written through ``ArchiveStore`` only, whose files are safe for several
processes (atomic renames, versions created exclusively, single-write appends).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.archive.members import Deflated
from pipelines.archive.record import Fetched, attachment_document, page_document, schema_errors
from pipelines.archive.store import ArchiveStore, BlobRef, compress_raw, doc_id
from pipelines.archive.warc import RevisitRule, WarcRef, sha1_digest
from pipelines.health import challenge_page
from pipelines.page import AttachmentResult, PageResult, process_attachment, process_page
from pipelines.withdrawals import move


@dataclass(frozen=True)
class Capture:
    """A response to archive, with everything the job needs (it must pickle: it crosses processes)."""

    url: str
    site: str
    kind: str  # detail | attachment | list
    fetched_at: str
    status: int
    headers: dict[str, str]
    body: bytes
    http_charset: str | None
    referer: str | None
    groups: dict[str, str]
    profile: dict[str, Any] | None
    hints: dict[str, Any]
    archive: str
    fsync: bool
    run_id: str
    redirected_from: tuple[str, ...] = ()
    # The wire exchange (crawler/exchange.py) and what the WARC files' warcinfo says of the crawl;
    # without an exchange nothing goes to WARC (XXGK_WARC off, or a capture from elsewhere).
    exchange: dict[str, Any] | None = None
    warcinfo: dict[str, Any] | None = None
    # The WARC record an attachment's exchange was written to during the crawl (its document is
    # written after it).
    warc_ref: dict[str, Any] | None = None


@dataclass(frozen=True)
class Outcome:
    """What became of a capture: the counter to bump and its status, or the failure recorded."""

    counter: str  # documents | attachments | lists
    status: str | None = None  # new | changed | unchanged
    failure: str | None = None  # reason of the failure record written
    problems: tuple[str, ...] = field(default_factory=tuple)
    # An attachment whose bytes are kept and whose document waits for the after-crawl stage
    # (``derive_attachment``): the digest its bytes are stored under.
    deferred: str | None = None
    # What a detail page lacked (``title``, ``date``, ``body``), archived or not: the site's health
    # counts it per section (``pipelines.health``).
    missing: tuple[str, ...] = ()
    # Why the answer was a JavaScript challenge page rather than content (``failure`` is then
    # ``challenge_page``).
    challenge: str | None = None
    # The WARC record written for this exchange (for a deferred attachment, the pointer of its
    # document-to-be).
    warc: dict[str, Any] | None = None
    # When the content was found unchanged, the rule that decided it, as the WARC revisit record's
    # profile names it (identical-payload-digest, normalized-text, server-not-modified).
    revisit: str | None = None


_stores: dict[tuple[str, bool], ArchiveStore] = {}


def store_for(archive: str, fsync: bool) -> ArchiveStore:
    """One store per archive per process: it caches directories, open logs and latest digests."""
    key = (archive, fsync)
    if key not in _stores:
        _stores[key] = ArchiveStore(Path(archive), fsync=fsync)
    return _stores[key]


def failure_record(
    capture: Capture,
    stage: str,
    reason: str,
    message: str,
    raw_sha256: str | None,
    warc: WarcRef | None = None,
) -> dict[str, Any]:
    record = {
        "url": capture.url,
        "site": capture.site,
        "stage": stage,
        "reason": reason,
        "message": message,
        "status": capture.status,
        "referer": capture.referer,
        "raw_sha256": raw_sha256,
        "fetched_at": capture.fetched_at,
    }
    if warc is not None:
        record["warc"] = warc.as_dict()  # the answer as received, kept as evidence
    return record


def archive_capture(capture: Capture, defer_attachments: bool = False) -> Outcome:
    """Archive one response: raw bytes always; a document version for details and attachments
    (an attachment's text extracted and parsed like a page's when it has any)."""
    store = store_for(capture.archive, capture.fsync)
    if capture.status == 304:
        return _not_modified(store, capture)
    result = None
    # A 200 that is an anti-bot wall is no page of the site: its bytes are kept as evidence, never
    # archived as a document (its "text" would be a script, and would replace the real version).
    # An attachment too: a wall answers a PDF's URL with its HTML page.
    challenge = challenge_page(capture.body)
    if capture.kind == "detail" and challenge is None:
        result = process_page(capture.url, capture.body, capture.http_charset, capture.profile, capture.hints)
        packed = result.raw
    else:
        packed = compress_raw(capture.body)
    raw = store.put_compressed(packed)
    # The body is compressed once: the raw segment and the WARC response record share it.
    deflated = packed.deflated
    outcome = _archive_response(store, capture, raw, result, deflated, challenge, defer_attachments)
    line = {
        "url": capture.url,
        "kind": capture.kind,
        "status": capture.status,
        "sha256": raw.sha256,
        "fetched_at": capture.fetched_at,
        "size": raw.size,
        # What a later run needs to write an attachment's document if this run is cut off
        # before its after-crawl stage (pipelines.scrapy_pipelines recovers them).
        "site": capture.site,
        "content_type": capture.headers.get("Content-Type"),
        "referer": capture.referer,
    }
    store.record_capture(capture.run_id, {**line, **_proof(outcome)})
    return outcome


def _proof(outcome: Outcome) -> dict[str, Any]:
    """What a capture line adds about the archived proof: the WARC record of this fetch and, when
    the content was unchanged, the rule that said so (the JSON of a fetch that added no version)."""
    fields: dict[str, Any] = {}
    if outcome.warc is not None:
        fields["warc"] = {k: outcome.warc[k] for k in ("path", "offset", "length") if k in outcome.warc}
    if outcome.revisit is not None:
        fields["unchanged_by"] = outcome.revisit
    return fields


def _archive_response(
    store: ArchiveStore,
    capture: Capture,
    raw: BlobRef,
    result: PageResult | None,
    deflated: Deflated,
    challenge: str | None,
    defer_attachments: bool,
) -> Outcome:
    counter = {"list": "lists", "attachment": "attachments"}.get(capture.kind, "documents")
    if challenge is not None:
        ref = _write_exchange(store, capture, deflated)
        record = failure_record(capture, "extract", "challenge_page", challenge, raw.sha256, ref)
        store.record_failure(capture.run_id, record)
        return Outcome(counter, failure="challenge_page", challenge=challenge, warc=_pointer(ref))
    if capture.kind == "list":
        return Outcome("lists", warc=_pointer(_write_exchange(store, capture, deflated)))
    if capture.kind == "attachment" and defer_attachments:
        ref, rule = _attachment_exchange(store, capture, deflated)
        return Outcome("attachments", deferred=raw.sha256, warc=_pointer(ref), revisit=rule)
    return _archive_document(store, capture, raw, result, deflated)


def _pointer(ref: WarcRef | None) -> dict[str, Any] | None:
    return ref.as_dict() if ref is not None else None


def derive_attachment(capture: Capture, raw_sha256: str) -> Outcome:
    """The after-crawl stage of an attachment: its text extracted and parsed, its document written.

    Why after the crawl: reading a report's PDF costs 30–50 ms (pypdf; measured in
    docs/benchmarks.md), ten times a page's whole pipeline, and inline it held the crawl back
    whenever the machine was busy. The bytes were stored during the crawl; this reads them back.
    """
    store = store_for(capture.archive, capture.fsync)
    body = store.read_raw(raw_sha256)
    # The stored blob's reference, without compressing the bytes again to find it.
    raw = store.raw.get(raw_sha256) or store.put_raw(body)
    return _archive_document(store, replace(capture, body=body), raw, None)


def _archive_document(
    store: ArchiveStore,
    capture: Capture,
    raw: BlobRef,
    result: PageResult | None,
    deflated: Deflated | None = None,
) -> Outcome:
    attachment: AttachmentResult | None = None
    if capture.kind == "attachment":
        content_type = capture.headers.get("Content-Type")
        attachment = process_attachment(capture.url, capture.body, content_type, capture.hints)
    fetched = Fetched(
        url=capture.url,
        site=capture.site,
        fetched_at=capture.fetched_at,
        status=capture.status,
        headers=capture.headers,
        referer=capture.referer,
        raw=raw,
        groups=capture.groups,
    )
    if result is None:
        if attachment is not None and attachment.file.text and attachment.parsed is not None:
            text_ref = store.put_text(attachment.file.text)
            doc = attachment_document(
                fetched, file=attachment.file, text_ref=text_ref, parsed=attachment.parsed
            )
        else:
            doc = attachment_document(fetched, file=attachment.file if attachment else None)
        counter = "attachments"
    elif result.failure or result.parsed is None:
        # No partial document: the bytes are kept and the failure says why.
        reason = result.failure or "parse_error"
        message = "; ".join(result.extracted.problems)
        ref = _write_exchange(store, capture, deflated)
        record = failure_record(capture, "extract", reason, message, raw.sha256, ref)
        store.record_failure(capture.run_id, record)
        return Outcome(
            "documents",
            failure=reason,
            problems=result.extracted.problems,
            missing=missing_fields(result),
            warc=_pointer(ref),
        )
    else:
        text_ref = store.put_text(result.extracted.text)
        doc = page_document(fetched, text_ref=text_ref, extracted=result.extracted, parsed=result.parsed)
        counter = "documents"
    errors = schema_errors(doc)
    if errors:
        ref = _write_exchange(store, capture, deflated) if capture.warc_ref is None else None
        message = "; ".join(errors[:5])
        record = failure_record(capture, "archive", "schema_invalid", message, raw.sha256, ref)
        store.record_failure(capture.run_id, record)
        return Outcome(counter, failure="schema_invalid", missing=missing_fields(result), warc=_pointer(ref))
    if capture.redirected_from:
        doc["redirected_from"] = list(capture.redirected_from)
    rule: str | None = None
    if capture.warc_ref is not None:
        doc["warc"] = capture.warc_ref
    elif capture.exchange is not None:
        ref, rule = _warc_for_document(store, capture, doc, deflated)
        if ref is not None:
            doc["warc"] = ref.as_dict()
    status, _version = store.save_document(doc)
    for old_url in capture.redirected_from:
        # The page moved: its old address's history stays, and its latest version says where to.
        move(store, capture.site, old_url, to=capture.url, seen_at=capture.fetched_at)
    # An attachment's extraction problems travel with the outcome, as a page's do with its failure.
    problems = attachment.file.problems if attachment and attachment.file.kind != "image" else ()
    return Outcome(
        counter,
        status=status,
        problems=problems,
        missing=missing_fields(result),
        warc=doc.get("warc"),
        revisit=rule if status == "unchanged" else None,
    )


def missing_fields(result: PageResult | None) -> tuple[str, ...]:
    """Which of title, date and body a detail page lacked (nothing for attachments)."""
    if result is None:
        return ()
    page = result.extracted
    parsed = result.parsed or {}
    missing = []
    if not (parsed.get("title") or page.title):
        missing.append("title")
    if not (parsed.get("publish_date") or page.chrome.get("publish_date")):
        missing.append("date")
    if not page.text.strip():
        missing.append("body")
    return tuple(missing)


# WARC ---------------------------------------------------------------------------------------------


def _moment(stamp: str) -> datetime:
    """A fetch time as the crawl wrote it (with or without microseconds), as a UTC moment."""
    try:
        # fromisoformat, not strptime: 1 µs against 25 µs, once per exchange
        return datetime.fromisoformat(stamp.removesuffix("Z")).replace(tzinfo=UTC)
    except ValueError:
        return datetime.now(UTC)


def _head(exchange: dict[str, Any]) -> tuple[int, str, str, list[tuple[str, str]]]:
    return (
        int(exchange["status"]),
        str(exchange.get("reason") or ""),
        str(exchange.get("protocol") or "HTTP/1.1"),
        [tuple(pair) for pair in exchange.get("headers") or []],
    )


def _write_exchange(
    store: ArchiveStore, capture: Capture, deflated: Deflated | None = None, text: str | None = None
) -> WarcRef | None:
    """The exchange as ``request`` and ``response`` records; the body as it crossed the wire
    (``deflated``, the body compressed for the raw segment, is reused when it is those bytes);
    ``text``, a page's clean text, as a ``metadata`` record beside them."""
    exchange = capture.exchange
    if exchange is None:
        return None
    body = exchange["body"] if exchange.get("body") is not None else capture.body
    info, moment = capture.warcinfo or {}, _moment(capture.fetched_at)
    return _record_exchange(store, info, capture.url, exchange, body, moment, deflated, text)


def _record_exchange(
    store: ArchiveStore,
    warcinfo: dict[str, Any],
    url: str,
    exchange: dict[str, Any],
    body: bytes,
    moment: datetime,
    deflated: Deflated | None = None,
    text: str | None = None,
) -> WarcRef:
    status, reason, protocol, headers = _head(exchange)
    request_headers = [tuple(pair) for pair in exchange.get("request_headers") or []]
    return store.warc(warcinfo).write_exchange(
        url,
        request=(str(exchange.get("method") or "GET"), request_headers, b""),
        response=(status, reason, protocol, headers, body),
        fetched_at=moment,
        deflated=deflated,
        text=text,
    )


def archive_exchange(archive: str, fsync: bool, warcinfo: dict[str, Any], exchange: dict[str, Any]) -> str:
    """An exchange no page item carries (a redirect, an error answer, a retried one, robots.txt, a
    start page): its request and response records, nothing else. Returns the record's file."""
    store = store_for(archive, fsync)
    url = str(exchange.get("url") or "")
    moment = _moment(str(exchange.get("fetched_at") or ""))
    body = exchange.get("body")
    ref = _record_exchange(store, warcinfo, url, exchange, body if isinstance(body, bytes) else b"", moment)
    return ref.path


def _latest_warc(store: ArchiveStore, capture: Capture) -> WarcRef | None:
    ident = doc_id(capture.url)
    if store.latest_digest(capture.site, ident) is None:
        return None  # nothing held (a first crawl, mostly): known from the store's cache
    versions = store.versions(capture.site, ident)
    if not versions:
        return None
    pointer = store.load_version(capture.site, ident, versions[-1]).get("warc")
    if not isinstance(pointer, dict):
        return None
    try:
        return WarcRef(
            **{
                k: pointer[k]
                for k in ("path", "offset", "length", "record_id", "payload_digest", "target_uri", "date")
            }
        )
    except (KeyError, TypeError):
        return None


def _revisit(
    store: ArchiveStore, capture: Capture, previous: WarcRef, received: str, rule: RevisitRule
) -> tuple[WarcRef, str]:
    """A ``revisit`` of ``previous`` for this fetch (its status line and headers), and its rule."""
    assert capture.exchange is not None
    status, reason, protocol, headers = _head(capture.exchange)
    ref = store.warc(capture.warcinfo or {}).write_revisit(
        capture.url,
        previous,
        response=(status, reason, protocol, headers),
        payload_digest=received,
        fetched_at=_moment(capture.fetched_at),
        profile=rule,
    )
    return ref, rule


def _received_digest(capture: Capture) -> str:
    """The payload digest of the body as it crossed the wire."""
    assert capture.exchange is not None
    body = capture.exchange.get("body")
    return sha1_digest(body if isinstance(body, bytes) else capture.body)


def _warc_for_document(
    store: ArchiveStore, capture: Capture, doc: dict[str, Any], deflated: Deflated | None
) -> tuple[WarcRef | None, str | None]:
    """A page's exchange: a revisit of the record already holding it when its content is unchanged
    (identical bytes, or the same normalised text: the rule is returned with it), else the exchange
    itself and the clean text as a metadata record beside it."""
    latest = store.latest_digest(str(doc["site"]), str(doc["id"]))
    previous = _latest_warc(store, capture) if latest and latest[1] == doc["content_digest"] else None
    if previous is not None:
        received = _received_digest(capture)
        same = received == previous.payload_digest
        return _revisit(
            store, capture, previous, received, "identical-payload-digest" if same else "normalized-text"
        )
    text = doc.get("text")
    return _write_exchange(store, capture, deflated, text if isinstance(text, str) else None), None


def _attachment_exchange(
    store: ArchiveStore, capture: Capture, deflated: Deflated
) -> tuple[WarcRef | None, str | None]:
    """An attachment's exchange, written before its document (which waits for the after-crawl
    stage): a revisit when the file is the one archived (same payload digest), else the response;
    and the revisit's rule, if it is one."""
    if capture.exchange is None:
        return None, None
    previous = _latest_warc(store, capture)
    received = _received_digest(capture)
    if previous is None or previous.payload_digest != received:
        return _write_exchange(store, capture, deflated), None
    return _revisit(store, capture, previous, received, "identical-payload-digest")


def _not_modified(store: ArchiveStore, capture: Capture) -> Outcome:
    """A 304 to a conditional request: the page is as archived. The capture line records that it was
    asked and found unchanged (no bytes came); no version is added."""
    ref: WarcRef | None = None
    rule: str | None = None
    if capture.exchange is not None:
        previous = _latest_warc(store, capture)
        if previous is not None:
            # The server said "not modified": a revisit of the record holding the content.
            ref, rule = _revisit(store, capture, previous, previous.payload_digest, "server-not-modified")
        else:
            ref = _write_exchange(store, capture)
    counter = {"detail": "documents", "attachment": "attachments"}.get(capture.kind, "lists")
    outcome = Outcome(
        counter, status="unchanged" if counter != "lists" else None, warc=_pointer(ref), revisit=rule
    )
    line = {
        "url": capture.url,
        "kind": capture.kind,
        "status": 304,
        "sha256": None,
        "fetched_at": capture.fetched_at,
        "size": 0,
    }
    store.record_capture(capture.run_id, {**line, **_proof(outcome)})
    return outcome
