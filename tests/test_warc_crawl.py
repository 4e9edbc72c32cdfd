"""Issue 4: every HTTP exchange of a crawl is in its WARC files, not only the pages it archived.

Redirects, 404s, robots.txt and the start and category pages never reach an item; they are written
from the downloader middleware's signal (crawler/exchange.py). The replica logs every answer it
gave, so the test compares the two lists exactly.
"""

from __future__ import annotations

import gzip
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from conftest import Archive, crawl, run_xxgk
from pipelines.archive.cdxj import cdxj_lines
from replica.corpus import Corpus
from replica.server import ReplicaServer

SITE = "siping"


def _records(archive: Path) -> list[dict[str, Any]]:
    found = []
    for path in sorted((archive / "warc").glob("*.warc.gz")):
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                http = record.http_headers
                status = int(http.get_statuscode()) if http and record.rec_type != "request" else None
                found.append(
                    {
                        "type": record.rec_type,
                        "uri": record.rec_headers.get_header("WARC-Target-URI"),
                        "status": status,
                        "location": http.get_header("Location") if http else None,
                        "host": http.get_header("Host") if http else None,
                        "body": record.content_stream().read(),
                    }
                )
    return found


def _answers(server: ReplicaServer, since: int = 0) -> Counter[tuple[str, int]]:
    return Counter((f"http://{r.host}{r.path}", r.status) for r in list(server.requests)[since:])


def _written(records: list[dict[str, Any]]) -> Counter[tuple[str, int]]:
    return Counter((r["uri"], r["status"]) for r in records if r["type"] in ("response", "revisit"))


def test_every_answer_of_a_crawl_is_a_warc_record(tmp_path: Path) -> None:
    corpus = Corpus(seed=3, pages=120)
    archive = Archive(tmp_path / "archive")
    with ReplicaServer(corpus) as server:
        docs = [d.url for d in corpus.documents() if d.site == SITE and d.kind != "report" and not d.fault]
        moved, gone = docs[3], docs[5]
        new_url = moved.replace(".html", "_new.html")
        server.move(moved, new_url)
        server.remove(gone)
        crawl(archive.root, server, SITE, "-s", "XXGK_WARC=True")
        first = _answers(server)
        records = _records(archive.root)
        assert _written(records) == first  # each answer exactly once, with its status

        statuses = {status for _url, status in first}
        assert {200, 301, 404} <= statuses
        by_uri = {(r["uri"], r["type"]): r for r in records}
        redirect = by_uri[(moved, "response")]
        assert redirect["status"] == 301 and redirect["location"] == new_url
        assert by_uri[(gone, "response")]["status"] == 404
        robots = [r for r in records if r["type"] == "response" and r["uri"].endswith("/robots.txt")]
        assert robots and b"User-agent" in robots[0]["body"]
        # every response has its request record
        requests = Counter(r["uri"] for r in records if r["type"] == "request")
        assert requests == Counter(uri for uri, _status in first.elements())
        # as sent: with the real host (the replica answered it), as Twisted's client adds it
        assert all(r["host"] == r["uri"].split("/")[2] for r in records if r["type"] == "request")

        # A re-crawl: 304s and unchanged pages are revisits, and again every answer is written.
        before = sum(first.values())
        crawl(archive.root, server, SITE, "-s", "XXGK_WARC=True")
        second = _answers(server, since=before)
        assert 304 in {status for _url, status in second}
        assert _written(_records(archive.root)) == first + second


def test_body_compressed_once_reads_back_the_same_from_both_copies(tmp_path: Path) -> None:
    """The raw segment and the WARC record share one compression of the body: both decompress to
    the bytes served, and the raw blob is a gzip member of its own."""
    corpus = Corpus(seed=3, pages=60)
    archive = Archive(tmp_path / "archive")
    with ReplicaServer(corpus) as server:
        crawl(archive.root, server, SITE, "-s", "XXGK_WARC=True")
    store = archive.store
    docs = [d for d in archive.documents() if d["kind"] == "page"]
    assert docs
    for doc in docs:
        raw = store.read_raw(doc["raw"]["sha256"])
        blob = store.raw.read(store.raw.get(doc["raw"]["sha256"]))  # type: ignore[arg-type]
        assert gzip.decompress(blob) == raw
        pointer = doc["warc"]
        with open(archive.root / pointer["path"], "rb") as handle:
            handle.seek(pointer["offset"])
            member = handle.read(pointer["length"])
        record = next(iter(ArchiveIterator(io.BytesIO(member))))  # one record, one gzip member
        assert record.content_stream().read() == raw


def test_the_index_holds_every_record_of_a_crawl_of_several_sites(tmp_path: Path) -> None:
    """Sites crawled in one process share the worker processes, and so WARC files: the index is
    written once every crawl is done (an earlier index left out the records written after it)."""
    corpus = Corpus(seed=3, pages=150)
    archive = Archive(tmp_path / "archive")
    with ReplicaServer(corpus) as server:
        for extra in ((), ("--full",)):  # a re-crawl too: one site's revisits outlast the other's
            crawl(archive.root, server, "siping", "fuxin", *extra)  # WARC capture is on by default
    files = sorted((archive.root / "warc").glob("*.warc.gz"))
    assert files
    expected = sorted(line for path in files for line in cdxj_lines(path)[0])
    index = (archive.root / "warc" / "index.cdxj").read_text("utf-8").splitlines()
    assert index == expected
    hosts = {line.split(")", 1)[0] for line in index}
    assert {"cn,gov,siping,txqxxgk", "cn,gov,fxxh"} <= hosts


def test_files_rotate_by_size_and_every_pointer_resolves(tmp_path: Path) -> None:
    corpus = Corpus(seed=3, pages=60)
    archive = Archive(tmp_path / "archive")
    with ReplicaServer(corpus) as server:
        crawl(archive.root, server, SITE, "-s", "XXGK_WARC_MAX_BYTES=100000")
    files = sorted((archive.root / "warc").glob("*.warc.gz"))
    assert len(files) > 3
    for path in files:
        with path.open("rb") as handle:
            kinds = [record.rec_type for record in ArchiveIterator(handle)]
        assert kinds[0] == "warcinfo" and "warcinfo" not in kinds[1:]  # every file starts with its own
        # Over the limit only when one exchange (response, request, text) is larger on its own.
        assert path.stat().st_size <= 100000 or len(kinds) <= 4, (path.name, path.stat().st_size)
    result = run_xxgk("verify", "--archive", str(archive.root))
    assert result.returncode == 0, result.stdout[-2000:]
    index = (archive.root / "warc" / "index.cdxj").read_text("utf-8").splitlines()
    assert {json.loads(line.split(" ", 2)[2])["filename"] for line in index} == {path.name for path in files}
