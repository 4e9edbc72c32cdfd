"""WARC capture (pipelines/archive/warc.py) and its CDXJ index (pipelines/archive/cdxj.py).

Bodies are the replica's real pages, fetched over HTTP as the crawler would; every file written is
checked with ``warcio check`` and read back with warcio's ArchiveIterator; a page is replayed with
pywb from a written WARC.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from pywb_support import PYWB_BIN, needs_pywb, replay, wayback
from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]
from warcio.warcwriter import WARCWriter as _WarcioWriter  # type: ignore[import-untyped]

from pipelines.archive.cdxj import cdxj_lines, compact_index, index_file, indexed_files, update_index, url_key
from pipelines.archive.warc import (
    REVISIT_PROFILES,
    Response,
    WarcRef,
    WarcWriter,
    complete_records,
    cut_torn_tail,
    software_version,
)
from replica.corpus import Corpus
from replica.server import ReplicaServer

VENV_BIN = Path(sys.executable).parent
WARCIO = VENV_BIN / "warcio"
SETTINGS = {"ROBOTSTXT_OBEY": True, "DOWNLOAD_DELAY": 0.5, "USER_AGENT": "xxgk-archive (test)"}
WHEN = datetime(2026, 11, 22, 1, 2, 3, 456789, tzinfo=UTC)
REVISITED = (datetime(2026, 12, 1, 8, tzinfo=UTC), datetime(2026, 12, 8, 8, tzinfo=UTC))


def sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def get(server: ReplicaServer, url: str) -> tuple[Response, tuple[str, list[tuple[str, str]], bytes]]:
    """GET a real URL from the replica; the response as received (status, reason, headers in
    order, body) and the request that was sent."""
    parts = urlsplit(url)
    req_headers = [
        ("Host", parts.netloc),
        ("User-Agent", "xxgk-archive (test)"),
        ("Accept-Encoding", "identity"),
    ]
    target = server.url + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = urllib.request.Request(target, headers=dict(req_headers))
    with urllib.request.urlopen(request, timeout=10) as answer:
        body: bytes = answer.read()
        response: Response = (answer.status, answer.reason, "HTTP/1.1", list(answer.headers.items()), body)
    return response, ("GET", req_headers, b"")


def _latin1(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("latin-1")


def check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WARCIO), "check", "-v", str(path)], capture_output=True, text=True, check=False
    )


def records(path: Path) -> list[dict[str, Any]]:
    """Every record of a file: type, WARC headers, HTTP start line, headers, raw header block and
    body exactly as stored (no decoding), offset and length."""
    out = []
    with open(path, "rb") as handle:
        it = ArchiveIterator(handle)
        for record in it:
            http = record.http_headers
            head = {
                "type": record.rec_type,
                "warc": dict(record.rec_headers.headers),
                "statusline": f"{http.protocol} {http.statusline}" if http else None,
                "headers": list(http.headers) if http else None,
                "body": record.raw_stream.read(),
            }
            head["offset"], head["length"] = it.get_record_offset(), it.get_record_length()
            out.append(head)
    with open(path, "rb") as handle:  # again, unparsed: the HTTP header block as stored
        for head, record in zip(out, ArchiveIterator(handle, no_record_parse=True), strict=True):
            block = record.raw_stream.read()
            head["block_head"] = block[: block.find(b"\r\n\r\n") + 4] if head["statusline"] else None
    return out


@pytest.fixture(scope="module")
def page_urls() -> list[str]:
    corpus = Corpus(seed=1, pages=300)
    return [*corpus.seed_urls().values(), corpus.list_pages("siping")[0]]


@pytest.fixture()
def writer(tmp_path: Path) -> Iterator[WarcWriter]:
    with WarcWriter(tmp_path, settings=SETTINGS, robots_obey=True, prefix="test") as w:
        yield w


# --- records ---------------------------------------------------------------------------------------


def test_exchange_round_trips_exactly(
    server: ReplicaServer, page_urls: list[str], writer: WarcWriter
) -> None:
    refs: list[tuple[str, Response, WarcRef]] = []
    for url in page_urls:
        response, request = get(server, url)
        assert response[4], "the replica served an empty page"
        refs.append(
            (url, response, writer.write_exchange(url, request=request, response=response, fetched_at=WHEN))
        )
    writer.close()
    assert len(writer.files) == 1
    path = writer.root / writer.files[0]
    assert check(path).returncode == 0, check(path).stdout

    got = records(path)
    assert [r["type"] for r in got] == ["warcinfo"] + ["response", "request"] * len(page_urls)
    by_offset = {r["offset"]: r for r in got}
    for url, (status, reason, _, headers, body), ref in refs:
        rec = by_offset[ref.offset]
        assert rec["length"] == ref.length and ref.path == writer.files[0]
        assert rec["warc"]["WARC-Target-URI"] == url
        assert rec["warc"]["WARC-Record-ID"] == ref.record_id
        assert rec["warc"]["WARC-Date"] == "2026-11-22T01:02:03.456789Z"
        assert rec["statusline"] == f"HTTP/1.1 {status} {reason}" == "HTTP/1.1 200 OK"
        # every header, in the order received, byte for byte (the replica's "Server: nginx " keeps
        # its trailing space, which a parser strips)
        expected = b"".join(_latin1(name) + b": " + _latin1(value) + b"\r\n" for name, value in headers)
        assert rec["block_head"] == b"HTTP/1.1 200 OK\r\n" + expected + b"\r\n"
        assert rec["headers"] == [(name, value.strip()) for name, value in headers]
        assert rec["body"] == body
        assert rec["warc"]["WARC-Payload-Digest"] == sha1_b32(body) == ref.payload_digest
        assert rec["warc"]["WARC-Block-Digest"] == sha1_b32(rec["block_head"] + body)
        req = [r for r in got if r["type"] == "request" and r["warc"]["WARC-Concurrent-To"] == ref.record_id]
        assert len(req) == 1
        assert req[0]["warc"]["WARC-Target-URI"] == url
        assert req[0]["statusline"] == f"GET {urlsplit(url).path} HTTP/1.1"
        assert ("Host", urlsplit(url).netloc) in req[0]["headers"]


def test_gzip_encoded_body_is_kept_encoded(
    server: ReplicaServer, page_urls: list[str], writer: WarcWriter
) -> None:
    (status, reason, protocol, headers, body), request = get(server, page_urls[0])
    encoded = gzip.compress(body, mtime=0)
    headers = [(n, v) for n, v in headers if n != "Content-Length"]
    headers += [("Content-Encoding", "gzip"), ("Content-Length", str(len(encoded)))]
    ref = writer.write_exchange(
        page_urls[0], request=request, response=(status, reason, protocol, headers, encoded), fetched_at=WHEN
    )
    writer.close()
    path = writer.root / ref.path
    assert check(path).returncode == 0
    rec = next(r for r in records(path) if r["type"] == "response")
    assert rec["body"] == encoded != body  # as received, not decompressed
    assert ref.payload_digest == sha1_b32(encoded)
    with open(path, "rb") as handle:  # and a reader that decodes gets the page
        response = next(r for r in ArchiveIterator(handle) if r.rec_type == "response")
        assert response.content_stream().read() == body


def test_non_ascii_header_bytes_are_kept(writer: WarcWriter) -> None:
    raw_value = "attachment; filename=年度报告.pdf".encode()
    ref = writer.write_exchange(
        "http://www.fxxh.gov.cn/a.pdf",
        request=("GET", [("Host", "www.fxxh.gov.cn")], b""),
        response=(200, "OK", "HTTP/1.1", [("Content-Disposition", raw_value)], b"%PDF-1.4"),
        fetched_at=WHEN,
    )
    writer.close()
    path = writer.root / ref.path
    assert check(path).returncode == 0
    rec = next(r for r in records(path) if r["type"] == "response")
    assert b"Content-Disposition: " + raw_value + b"\r\n" in rec["block_head"]  # not percent-encoded


def test_warcinfo_names_software_and_settings(writer: WarcWriter) -> None:
    writer.write_exchange(
        "http://a.gov.cn/",
        request=("GET", [], b""),
        response=(200, "OK", "HTTP/1.1", [], b"x"),
        fetched_at=WHEN,
    )
    writer.close()
    first = records(writer.root / writer.files[0])[0]
    assert first["type"] == "warcinfo" and first["offset"] == 0
    assert first["warc"]["WARC-Filename"] == Path(writer.files[0]).name
    fields = dict(line.split(": ", 1) for line in first["body"].decode().splitlines() if line)
    assert fields["software"] == f"xxgk-archive/{software_version()}"
    assert software_version() != "unknown"
    assert fields["format"] == "WARC File Format 1.1"
    assert fields["robots"] == "obey"
    assert json.loads(fields["xxgk-settings"]) == SETTINGS


def test_text_record_points_at_its_response(
    server: ReplicaServer, page_urls: list[str], writer: WarcWriter
) -> None:
    response, request = get(server, page_urls[1])
    ref = writer.write_exchange(page_urls[1], request=request, response=response, fetched_at=WHEN)
    text = "阜新市人民政府2018年政府信息公开工作年度报告\n一、概述\n\ud800坏"
    tref = writer.write_text(ref, page_urls[1], text)
    writer.close()
    path = writer.root / ref.path
    assert check(path).returncode == 0
    rec = next(r for r in records(path) if r["type"] == "metadata")
    assert rec["offset"] == tref.offset
    assert rec["warc"]["WARC-Refers-To"] == rec["warc"]["WARC-Concurrent-To"] == ref.record_id
    assert rec["warc"]["WARC-Target-URI"] == "metadata://" + page_urls[1].split("://", 1)[1]
    assert rec["warc"]["Content-Type"] == "text/plain; charset=utf-8"
    assert rec["body"].decode() == text.replace("\ud800", "?")  # a lone surrogate never raises


@pytest.mark.parametrize("rule", ["identical-payload-digest", "normalized-text"])
def test_revisit_records(server: ReplicaServer, page_urls: list[str], writer: WarcWriter, rule: str) -> None:
    response, request = get(server, page_urls[0])
    first = writer.write_exchange(page_urls[0], request=request, response=response, fetched_at=WHEN)
    body = response[4] if rule == "identical-payload-digest" else response[4] + b"<!-- views: 12 -->"
    later = datetime(2026, 12, 1, tzinfo=UTC)
    ref = writer.write_revisit(
        page_urls[0],
        first,
        response=response[:4],
        payload_digest=sha1_b32(body),
        fetched_at=later,
        profile=rule,  # type: ignore[arg-type]
    )
    writer.close()
    path = writer.root / ref.path
    result = check(path)
    assert result.returncode == 0, result.stdout
    rec = next(r for r in records(path) if r["type"] == "revisit")
    warc = rec["warc"]
    assert warc["WARC-Profile"] == REVISIT_PROFILES[rule]
    assert warc["WARC-Refers-To"] == first.record_id
    assert warc["WARC-Refers-To-Target-URI"] == page_urls[0]
    assert warc["WARC-Refers-To-Date"] == first.date
    assert warc["WARC-Date"] == "2026-12-01T00:00:00Z"  # warcio leaves out zero microseconds
    assert warc["WARC-Payload-Digest"] == first.payload_digest == ref.payload_digest
    if rule == "normalized-text":  # the bytes of this fetch differ: their digest is kept beside
        assert warc["XXGK-Received-Payload-Digest"] == sha1_b32(body) != first.payload_digest
    else:
        assert "XXGK-Received-Payload-Digest" not in warc
    assert ref.problems == ()
    assert rec["statusline"] == "HTTP/1.1 200 OK"
    assert rec["headers"] == [(name, value.strip()) for name, value in response[3]]
    assert rec["body"] == b""  # the content is the referred record's
    assert warc["WARC-Block-Digest"] == sha1_b32(rec["block_head"])


def test_identical_revisit_with_a_different_digest_is_reported(writer: WarcWriter) -> None:
    first = writer.write_exchange(
        "http://a.gov.cn/", request=("GET", [], b""), response=(200, "OK", "", [], b"one"), fetched_at=WHEN
    )
    ref = writer.write_revisit(
        "http://a.gov.cn/",
        first,
        response=(200, "OK", "", []),
        payload_digest=sha1_b32(b"two"),
        fetched_at=WHEN,
    )
    writer.close()
    rec = next(r for r in records(writer.root / ref.path) if r["type"] == "revisit")
    assert rec["warc"]["WARC-Profile"] == REVISIT_PROFILES["normalized-text"]
    assert rec["warc"]["XXGK-Received-Payload-Digest"] == sha1_b32(b"two")
    assert any("different digest" in p for p in ref.problems)


def test_hostile_url_and_headers_never_break_a_record(writer: WarcWriter) -> None:
    ref = writer.write_exchange(
        "http://a.gov.cn/x y\r\nWARC-Type: resource",
        request=("GET", [("X-Evil", "a\r\nWARC-Type: resource")], b""),
        response=(200, "OK\r\nX: y", "HTTP/1.1", [("Set\nCookie", b"v\x00\r\n")], b"body"),
        fetched_at=WHEN,
    )
    writer.close()
    path = writer.root / ref.path
    assert check(path).returncode == 0
    assert ref.problems and any("URL" in p for p in ref.problems)
    got = records(path)
    assert [r["type"] for r in got] == ["warcinfo", "response", "request"]
    assert got[1]["warc"]["WARC-Target-URI"] == "http://a.gov.cn/x%20y%0D%0AWARC-Type:%20resource"
    assert got[1]["body"] == b"body"


# --- files: rotation, names, torn tails ------------------------------------------------------------


def test_rotation_by_size(tmp_path: Path, server: ReplicaServer, page_urls: list[str]) -> None:
    pages = [(url, *get(server, url)) for url in page_urls]
    with WarcWriter(tmp_path, settings=SETTINGS, robots_obey=False, max_bytes=12_000) as w:
        refs = [
            w.write_exchange(u, request=q, response=r, fetched_at=WHEN) for _ in range(4) for u, r, q in pages
        ]
    assert len(w.files) >= 3 and len(set(w.files)) == len(w.files)
    seen = 0
    for name in w.files:
        path = tmp_path / name
        assert check(path).returncode == 0
        got = records(path)
        assert got[0]["type"] == "warcinfo"
        assert b"robots: ignore" in got[0]["body"]
        seen += sum(r["type"] == "response" for r in got)
        # past the limit only when a single exchange is larger than it
        assert path.stat().st_size <= 12_000 or len(got) == 3
    assert seen == len(refs)
    assert all(ref.path in w.files for ref in refs)


def _write_many(root: str, count: int, barrier: Any) -> None:
    barrier.wait()  # both processes open their first file at the same moment
    with WarcWriter(Path(root), settings=SETTINGS, robots_obey=True, max_bytes=4_000) as w:
        for n in range(count):
            body = f"<html>{os.getpid()} {n}</html>".encode() * 40
            w.write_exchange(
                f"http://a.gov.cn/{os.getpid()}/{n}.html",
                request=("GET", [("Host", "a.gov.cn")], b""),
                response=(200, "OK", "HTTP/1.1", [("Content-Type", "text/html")], body),
                fetched_at=datetime.now(UTC),
            )


def test_two_processes_never_share_a_file(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_write_many, args=(str(tmp_path), 30, barrier)) for _ in range(2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    files = sorted((tmp_path / "warc").glob("*.warc.gz"))
    assert len({f.name.split("-")[2] for f in files}) == 2  # both pids wrote
    uris = []
    for path in files:
        assert check(path).returncode == 0
        got = records(path)
        assert got[0]["type"] == "warcinfo"
        # every file holds one process's records only
        owners = {r["warc"]["WARC-Target-URI"].split("/")[3] for r in got if r["type"] == "response"}
        assert owners == {path.name.split("-")[2]}
        uris += [r["warc"]["WARC-Target-URI"] for r in got if r["type"] == "response"]
    assert len(uris) == len(set(uris)) == 60


def test_exclusive_names_skip_a_taken_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two writers stamped in the same microsecond with the same serial: the second moves on."""
    import pipelines.archive.warc as warc_module

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Frozen:
            return cls(2026, 1, 1, tzinfo=UTC)

    monkeypatch.setattr(warc_module, "datetime", Frozen)
    (tmp_path / "warc").mkdir()
    serial = next(warc_module._serial) + 1
    taken = tmp_path / "warc" / f"x-20260101000000000000-{os.getpid()}-{serial:05d}.warc.gz"
    taken.write_bytes(b"someone else's")
    with WarcWriter(tmp_path, settings={}, robots_obey=True, prefix="x") as w:
        w.write_exchange(
            "http://a.gov.cn/", request=("GET", [], b""), response=(200, "OK", "", [], b""), fetched_at=WHEN
        )
    assert taken.read_bytes() == b"someone else's"
    assert w.files == [f"warc/x-20260101000000000000-{os.getpid()}-{serial + 1:05d}.warc.gz"]


def test_a_forked_writer_opens_its_own_file(tmp_path: Path) -> None:
    w = WarcWriter(tmp_path, settings={}, robots_obey=True)
    w.write_exchange(
        "http://a.gov.cn/p", request=("GET", [], b""), response=(200, "OK", "", [], b"p"), fetched_at=WHEN
    )
    parent_file = w.current
    pid = os.fork()
    if pid == 0:  # the child writes with the writer it inherited
        try:
            w.write_exchange(
                "http://a.gov.cn/c",
                request=("GET", [], b""),
                response=(200, "OK", "", [], b"c"),
                fetched_at=WHEN,
            )
            w.close()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    w.write_exchange(
        "http://a.gov.cn/p2", request=("GET", [], b""), response=(200, "OK", "", [], b"q"), fetched_at=WHEN
    )
    assert w.current == parent_file
    w.close()
    assert w.current is None
    by_file = {
        f.name: [r["warc"]["WARC-Target-URI"] for r in records(f) if r["type"] == "response"]
        for f in (tmp_path / "warc").glob("*.warc.gz")
    }
    assert sorted(by_file.values()) == [["http://a.gov.cn/c"], ["http://a.gov.cn/p", "http://a.gov.cn/p2"]]
    assert all(check(f).returncode == 0 for f in (tmp_path / "warc").glob("*.warc.gz"))


def _half_record() -> bytes:
    out = BytesIO()
    writer = _WarcioWriter(out, gzip=True, warc_version="1.1")
    record = writer.create_warc_record(
        "http://a.gov.cn/torn", "resource", payload=BytesIO(b"z" * 5000), length=5000
    )
    writer.write_record(record)
    data = out.getvalue()
    return data[: len(data) // 2]


@pytest.mark.parametrize("tail", ["half-record", "garbage", "partial-header"])
def test_cut_torn_tail_restores_a_valid_file(
    tmp_path: Path, server: ReplicaServer, page_urls: list[str], tail: str
) -> None:
    with WarcWriter(tmp_path, settings=SETTINGS, robots_obey=True) as w:
        refs = [
            w.write_exchange(u, request=q, response=r, fetched_at=WHEN)
            for u in page_urls
            for r, q in [get(server, u)]
        ]
    path = tmp_path / w.files[0]
    whole = path.read_bytes()
    assert cut_torn_tail(path) == 0 and path.read_bytes() == whole
    torn = {"half-record": _half_record(), "garbage": b"\x00junk" * 7, "partial-header": b"\x1f\x8b\x08"}[
        tail
    ]
    with open(path, "ab") as handle:  # what a kill in the middle of a write leaves
        handle.write(torn)
    # (warcio check passes a file with a torn gzip tail: it stops reading quietly)
    assert complete_records(path)[-1][0] + complete_records(path)[-1][1] == len(whole)
    assert cut_torn_tail(path) == len(torn)
    assert path.read_bytes() == whole
    assert check(path).returncode == 0
    assert [(o, n) for o, n in complete_records(path)][1::2] == [(r.offset, r.length) for r in refs]


def test_cut_torn_tail_inside_the_first_record(tmp_path: Path) -> None:
    with WarcWriter(tmp_path, settings=SETTINGS, robots_obey=True) as w:
        w.write_exchange(
            "http://a.gov.cn/",
            request=("GET", [], b""),
            response=(200, "OK", "", [], b"a" * 999),
            fetched_at=WHEN,
        )
    path = tmp_path / w.files[0]
    info_end = complete_records(path)[1][0]
    path.write_bytes(path.read_bytes()[: info_end + 40])
    assert cut_torn_tail(path) == 40
    assert path.stat().st_size == info_end and check(path).returncode == 0


_KILL_WRITER = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from pipelines.archive.warc import WarcWriter
w = WarcWriter(Path(sys.argv[1]), settings={}, robots_obey=True, max_bytes=1 << 40)
body = open(sys.argv[2], 'rb').read()
print('ready', flush=True)
n = 0
while True:
    n += 1
    w.write_exchange(f'http://a.gov.cn/{n}', request=('GET', [], b''),
                     response=(200, 'OK', 'HTTP/1.1', [('Content-Type', 'text/html')], body * (1 + n % 50)),
                     fetched_at=datetime.now(UTC))
"""


def test_sigkill_while_writing_then_cut(tmp_path: Path, server: ReplicaServer, page_urls: list[str]) -> None:
    (tmp_path / "body.html").write_bytes(get(server, page_urls[0])[0][4])
    for attempt in range(3):
        root = tmp_path / f"run{attempt}"
        proc = subprocess.Popen(
            [sys.executable, "-c", _KILL_WRITER, str(root), str(tmp_path / "body.html")],
            stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        # kill once it has written a while (a busy machine may start it late), at a moment that
        # differs between attempts
        for _ in range(600):
            files = list((root / "warc").glob("*.warc.gz"))
            if files and files[0].stat().st_size > 200_000:
                break
            time.sleep(0.05)
        time.sleep(0.01 + 0.037 * attempt)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        (path,) = list((root / "warc").glob("*.warc.gz"))
        cut_torn_tail(path)
        assert check(path).returncode == 0
        got = records(path)
        assert len(got) > 3 and got[0]["type"] == "warcinfo"
        # whole exchanges only: one write(2) per exchange, so the pair survives or neither does
        assert [r["type"] for r in got[1:]] == ["response", "request"] * ((len(got) - 1) // 2)


# --- CDXJ --------------------------------------------------------------------------------------------


def _cdx_indexer(path: Path) -> list[str]:
    needs_pywb()
    out = subprocess.run(
        [str(PYWB_BIN / "cdx-indexer"), "-j", "-s", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return out.splitlines()


def test_cdxj_is_pywbs_format(tmp_path: Path, server: ReplicaServer, page_urls: list[str]) -> None:
    with WarcWriter(tmp_path, settings=SETTINGS, robots_obey=True) as w:
        for url in page_urls:
            response, request = get(server, url)
            ref = w.write_exchange(url, request=request, response=response, fetched_at=WHEN)
            w.write_text(ref, url, "正文")
            w.write_revisit(
                url, ref, response=response[:4], payload_digest=ref.payload_digest, fetched_at=WHEN
            )
    path = tmp_path / w.files[0]
    lines, problems = cdxj_lines(path)
    assert problems == []
    assert sorted(lines) == _cdx_indexer(path)  # pywb's own indexer agrees line for line
    first = json.loads(lines[0].split(" ", 2)[2])
    assert lines[0].split(" ")[:2] == [url_key(page_urls[0]), "20261122010203"]
    assert first["status"] == "200" and first["mime"] == "text/html" and first["filename"] == path.name


def test_cdxj_incremental_append(tmp_path: Path) -> None:
    def one_file(n: int) -> str:
        with WarcWriter(tmp_path, settings={}, robots_obey=True) as w:
            for k in range(3):
                w.write_exchange(
                    f"http://b.gov.cn/{n}/{2 - k}.html",
                    request=("GET", [], b""),
                    response=(200, "OK", "", [("Content-Type", "text/html")], b"p"),
                    fetched_at=WHEN,
                )
        return Path(w.files[0]).name

    a = one_file(1)
    assert update_index(tmp_path) == ([a], [])
    assert update_index(tmp_path) == ([], [])  # nothing twice
    index = tmp_path / "warc" / "index.cdxj"
    before = index.read_bytes()
    b = one_file(2)
    with open(index, "ab") as handle:
        handle.write(b'cn,gov,b)/torn 2026 {"url": "ht')  # a line cut by a kill
    assert update_index(tmp_path, skip=set()) == ([b], [])
    after = index.read_bytes()
    assert after.startswith(before)
    assert indexed_files(tmp_path) == {a, b}
    assert compact_index(tmp_path) == 6
    lines = index.read_text().splitlines()
    assert lines == sorted(lines) and len(lines) == 6 and all("torn" not in line for line in lines)


def test_cdxj_of_a_torn_file_keeps_what_it_read(tmp_path: Path) -> None:
    with WarcWriter(tmp_path, settings={}, robots_obey=True) as w:
        for k in range(3):
            w.write_exchange(
                f"http://c.gov.cn/{k}",
                request=("GET", [], b""),
                response=(200, "OK", "", [], b"q" * 300),
                fetched_at=WHEN,
            )
    path = tmp_path / w.files[0]
    with open(path, "ab") as handle:
        handle.write(b"\x1f\x8b\x08\x00garbage")
    count, problems = index_file(tmp_path, path)
    assert count == 3 and len(problems) == 1


# --- replay with pywb --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pywb_collection(
    tmp_path_factory: pytest.TempPathFactory, server: ReplicaServer, page_urls: list[str]
) -> Iterator[tuple[str, list[tuple[str, bytes, bool]]]]:
    """A pywb collection built from a written WARC and its CDXJ index, served by ``wayback`` on a
    free local port; yields the collection's base URL and (url, body, gzip-encoded) per page."""
    needs_pywb()
    tmp_path = tmp_path_factory.mktemp("pywb")
    archive = tmp_path / "archive"
    pages: list[tuple[str, bytes, bool]] = []
    with WarcWriter(archive, settings=SETTINGS, robots_obey=True) as w:
        for n, url in enumerate(page_urls):
            response, request = get(server, url)
            status, reason, protocol, headers, body = response
            encoded = n == 1  # one page kept gzip-encoded as a server would send it
            if encoded:
                headers = [(k, v) for k, v in headers if k != "Content-Length"]
                headers += [
                    ("Content-Encoding", "gzip"),
                    ("Content-Length", str(len(gzip.compress(body, mtime=0)))),
                ]
                response = (status, reason, protocol, headers, gzip.compress(body, mtime=0))
            ref = w.write_exchange(url, request=request, response=response, fetched_at=WHEN)
            w.write_text(ref, url, "chrome-stripped text")
            pages.append((url, body, encoded))
            # a re-crawl: unchanged bytes, then bytes changed by a hit counter but not the text
            w.write_revisit(
                url, ref, response=response[:4], payload_digest=ref.payload_digest, fetched_at=REVISITED[0]
            )
            w.write_revisit(
                url,
                ref,
                response=response[:4],
                payload_digest=sha1_b32(body + b"<!-- 13 -->"),
                fetched_at=REVISITED[1],
                profile="normalized-text",
            )
    update_index(archive)
    compact_index(archive)
    warcs = [archive / name for name in w.files]
    with wayback(tmp_path / "pywb", warcs, archive / "warc" / "index.cdxj") as base:
        yield base, pages


def test_pywb_replays_the_captured_pages(pywb_collection: tuple[str, list[tuple[str, bytes, bool]]]) -> None:
    base, pages = pywb_collection
    assert any(encoded for _, _, encoded in pages)
    for url, body, _ in pages:
        got, when = replay(base, "20261122010203", url)
        assert got == body, url
        assert when == "Sun, 22 Nov 2026 01:02:03 GMT"


@pytest.mark.parametrize("which", [0, 1], ids=["identical-payload-digest", "normalized-text"])
def test_pywb_replays_a_revisit_from_its_original(
    pywb_collection: tuple[str, list[tuple[str, bytes, bool]]], which: int
) -> None:
    base, pages = pywb_collection
    moment = REVISITED[which]
    for url, body, _ in pages:
        got, when = replay(base, moment.strftime("%Y%m%d%H%M%S"), url)
        assert when == moment.strftime("%a, %d %b %Y %H:%M:%S GMT")  # the revisit was chosen
        assert got == body, url  # and its content came from the record it refers to
