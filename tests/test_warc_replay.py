"""Issue 4: a page is replayed with pywb from the WARC files a crawl wrote itself.

One replica (both sites) is crawled three times into one archive with WARC capture on: a first
crawl; one detail page edited, then a ``--full`` re-crawl (conditional requests: unchanged pages
answer 304, the edited one 200 with its new bytes); then a ``--full`` re-crawl without conditional
requests (unchanged pages answer 200: revisits by identical payload on siping, by normalised text on
fuxin, whose hit counters change the bytes). pywb's ``wayback`` serves the archive's own
``warc/*.warc.gz`` and ``warc/index.cdxj`` as they are: the test builds no index.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import pytest
from pywb_support import get, needs_pywb, replay, wayback
from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

from conftest import Archive, crawl
from replica.corpus import Corpus
from replica.server import ReplicaServer

SITES = ("siping", "fuxin")
EDIT = "补充说明：本页于复核后更正。"
NOT_MODIFIED, UNCONDITIONAL = 1, 2  # the re-crawls, by their index among a site's runs

pytestmark = pytest.mark.crawl


@dataclass(frozen=True)
class Replayed:
    archive: Archive
    base: str  # the pywb collection's URL
    edited: str  # the detail page edited before the first re-crawl


def _next_second() -> None:
    """CDXJ timestamps have whole seconds: two captures of one URL in one second could not be told
    apart, so a crawl starts in a later second than the last one's captures."""
    time.sleep(1.01 - time.time() % 1)


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replayed]:
    needs_pywb()
    root = tmp_path_factory.mktemp("replay")
    archive = Archive(root / "archive")
    # A corpus of its own: the edit must not reach the session's shared replica.
    corpus = Corpus(seed=1, pages=300)
    with ReplicaServer(corpus) as server:
        # XXGK_WARC stays explicit whatever the default: these tests are about the WARC files.
        crawl(archive.root, server, *SITES, "-s", "XXGK_WARC=True")
        edited = next(t.url for t in corpus.documents("siping") if t.kind != "attachment" and not t.fault)
        server.edit(edited, EDIT)
        _next_second()
        crawl(archive.root, server, *SITES, "--full", "-s", "XXGK_WARC=True")
        _next_second()
        crawl(archive.root, server, *SITES, "--full", "-s", "XXGK_WARC=True", "-s", "XXGK_CONDITIONAL=False")
    warc = archive.root / "warc"
    with wayback(root / "pywb", sorted(warc.glob("*.warc.gz")), warc / "index.cdxj") as base:
        yield Replayed(archive, base, edited)


def _moment(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _stamp(iso: str) -> str:
    return _moment(iso).strftime("%Y%m%d%H%M%S")


def _http_date(iso: str) -> str:
    return _moment(iso).strftime("%a, %d %b %Y %H:%M:%S GMT")


def _captures(archive: Archive, site: str, crawl_index: int) -> list[dict[str, Any]]:
    """The capture log of one crawl of a site (the archive's own record of what it fetched when)."""
    runs = sorted(run["run_id"] for run in archive.runs() if run["site"] == site)
    assert len(runs) == 3, runs
    path = archive.root / "runs" / f"{runs[crawl_index]}.captures.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _revisits(archive: Archive) -> dict[tuple[str, str], str]:
    """(target URI, timestamp) -> WARC-Profile of every revisit record in the crawl's WARC files."""
    found: dict[tuple[str, str], str] = {}
    for path in sorted((archive.root / "warc").glob("*.warc.gz")):
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type == "revisit":
                    headers = record.rec_headers
                    key = (headers.get_header("WARC-Target-URI"), _stamp(headers.get_header("WARC-Date")))
                    found[key] = headers.get_header("WARC-Profile")
    return found


def _record_at(archive: Archive, pointer: dict[str, Any]) -> tuple[str, str]:
    """(type, target URI) of the record a pointer names, read from its offset alone."""
    with (archive.root / pointer["path"]).open("rb") as handle:
        handle.seek(pointer["offset"])
        record = next(iter(ArchiveIterator(handle)))
        return record.rec_type, record.rec_headers.get_header("WARC-Target-URI")


def test_every_archived_page_version_replays_as_archived(replayed: Replayed) -> None:
    archive = replayed.archive
    pages = [doc for doc in archive.documents() if doc["kind"] == "page"]
    assert {doc["site"] for doc in pages} == set(SITES) and len(pages) > 100
    for doc in pages:
        when = doc["warc"]["date"]
        body, memento = replay(replayed.base, _stamp(when), doc["url"])
        assert body == archive.store.read_raw(doc["raw"]["sha256"]), (doc["url"], doc["version"])
        assert memento == _http_date(when)


@pytest.mark.parametrize("crawl_index", [pytest.param(UNCONDITIONAL, id="200")])
def test_unchanged_pages_replay_from_their_revisits(replayed: Replayed, crawl_index: int) -> None:
    archive = replayed.archive
    revisits = _revisits(archive)
    profiles: set[str] = set()
    checked = 0
    for site in SITES:
        for capture in _captures(archive, site, crawl_index):
            versions = archive.versions(capture["url"], site) if capture["kind"] == "detail" else []
            held = [v for v in versions if _moment(v["warc"]["date"]) < _moment(capture["fetched_at"])]
            if not held or len(held) < len(versions):
                continue  # no document, or this crawl found it changed (a response, not a revisit)
            stamp = _stamp(capture["fetched_at"])
            assert (capture["url"], stamp) in revisits, capture
            profiles.add(revisits[capture["url"], stamp])
            # The fetch's own JSON line says which rule found it unchanged, and where its record is.
            assert revisits[capture["url"], stamp].endswith("/" + capture["unchanged_by"])
            assert _record_at(archive, capture["warc"]) == ("revisit", capture["url"])
            body, memento = replay(replayed.base, stamp, capture["url"])
            assert memento == _http_date(capture["fetched_at"])  # the revisit was chosen
            assert body == archive.store.read_raw(held[-1]["raw"]["sha256"]), capture["url"]
            checked += 1
    assert checked > 100
    if crawl_index == UNCONDITIONAL:
        assert {p.rsplit("/", 1)[-1] for p in profiles} == {"identical-payload-digest", "normalized-text"}


def test_a_not_modified_answer_replays_as_received_and_names_its_original(replayed: Replayed) -> None:
    """A 304 is a ``server-not-modified`` revisit keeping the 304 as received: pywb replays it as
    that 304 (it does for any 3xx revisit), and the record names the capture holding the content,
    which replays at its own time."""
    archive = replayed.archive
    revisits = _revisits(archive)
    checked = 0
    for site in SITES:
        for capture in _captures(archive, site, NOT_MODIFIED):
            if capture["status"] != 304 or capture["kind"] != "detail":
                continue
            stamp = _stamp(capture["fetched_at"])
            assert revisits[capture["url"], stamp].endswith("/server-not-modified"), capture
            assert capture["unchanged_by"] == "server-not-modified"
            assert _record_at(archive, capture["warc"]) == ("revisit", capture["url"])
            status, headers, _body = get(f"{replayed.base}/{stamp}id_/{capture['url']}")
            assert status == 304, (status, capture["url"], stamp)
            assert headers["Memento-Datetime"] == _http_date(capture["fetched_at"])
            [held] = [v for v in archive.versions(capture["url"], site) if v["version"] == 1]
            body, _ = replay(replayed.base, _stamp(held["warc"]["date"]), capture["url"])
            assert body == archive.store.read_raw(held["raw"]["sha256"])
            checked += 1
    assert checked > 50


def test_the_edited_page_replays_each_version_at_its_time(replayed: Replayed) -> None:
    archive = replayed.archive
    first, second = archive.versions(replayed.edited, "siping")
    old, _ = replay(replayed.base, _stamp(first["warc"]["date"]), replayed.edited)
    new, _ = replay(replayed.base, _stamp(second["warc"]["date"]), replayed.edited)
    assert old == archive.store.read_raw(first["raw"]["sha256"]) and EDIT not in old.decode("utf-8")
    assert new == archive.store.read_raw(second["raw"]["sha256"]) and EDIT in new.decode("utf-8")
    # The unconditional re-crawl found the new text unchanged: its revisit replays the new text.
    [later] = [c for c in _captures(archive, "siping", UNCONDITIONAL) if c["url"] == replayed.edited]
    again, memento = replay(replayed.base, _stamp(later["fetched_at"]), replayed.edited)
    assert again == new and memento == _http_date(later["fetched_at"])


def test_rewritten_replay_of_a_page(replayed: Replayed) -> None:
    """Without ``id_`` pywb answers its banner frame, whose iframe loads the page from ``mp_``: the
    page with its links rewritten into the collection at the same time, and no banner."""
    archive = replayed.archive
    url = replayed.edited
    for version in archive.versions(url, "siping"):
        stamp = _stamp(version["warc"]["date"])
        status, _, frame = get(f"{replayed.base}/{stamp}/{url}")
        assert status == 200
        top = frame.decode("utf-8")
        assert f'"url": "{url}"' in top and f'"request_ts": "{stamp}"' in top and "replay_iframe" in top
        assert EDIT not in top  # the frame holds pywb's banner, not the page

        status, headers, page = get(f"{replayed.base}/{stamp}mp_/{url}")
        assert status == 200 and headers["Memento-Datetime"] == _http_date(version["warc"]["date"])
        text = page.decode("utf-8")
        assert (EDIT in text) == (version["version"] == 2)
        archived = archive.store.read_raw(version["raw"]["sha256"]).decode("utf-8")
        links = [
            href
            for href in re.findall(r'<a\s[^>]*href="([^"]+)"', archived)
            if not href.startswith(("javascript:", "#", "mailto:"))
        ]
        assert len(links) > 5
        for href in links:
            assert f'href="/xxgk/{stamp}mp_/{urljoin(url, href)}"' in text, href
        assert 'href="../"' in archived and 'href="../"' not in text


def test_an_attachment_replays_byte_identical(replayed: Replayed) -> None:
    archive = replayed.archive
    pdfs = [doc for doc in archive.documents() if doc["kind"] == "attachment" and doc["url"].endswith(".pdf")]
    assert pdfs
    for doc in pdfs:
        status, headers, body = get(f"{replayed.base}/{_stamp(doc['warc']['date'])}id_/{doc['url']}")
        assert status == 200 and headers["Content-Type"] == "application/pdf", doc["url"]
        assert body.startswith(b"%PDF") and body == archive.store.read_raw(doc["raw"]["sha256"]), doc["url"]


def test_an_unchanged_attachment_is_a_revisit_not_a_second_copy(replayed: Replayed) -> None:
    """The unconditional re-crawl fetched every attachment again (200, same bytes): each is a
    revisit of the one response record holding the file, which replays at the revisit's time."""
    archive = replayed.archive
    revisits = _revisits(archive)
    responses: dict[str, int] = {}
    for path in sorted((archive.root / "warc").glob("*.warc.gz")):
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type == "response":
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    responses[uri] = responses.get(uri, 0) + 1
    checked = 0
    for site in SITES:
        for capture in _captures(archive, site, UNCONDITIONAL):
            if capture["kind"] != "attachment" or capture["status"] != 200:
                continue
            [doc] = archive.versions(capture["url"], site)  # unchanged: still one version
            stamp = _stamp(capture["fetched_at"])
            assert capture["unchanged_by"] == "identical-payload-digest"
            assert revisits[capture["url"], stamp].endswith("/identical-payload-digest"), capture
            assert responses[capture["url"]] == 1, capture["url"]
            body, memento = replay(replayed.base, stamp, capture["url"])
            assert body == archive.store.read_raw(doc["raw"]["sha256"])
            assert memento == _http_date(capture["fetched_at"])
            checked += 1
    assert checked > 20
