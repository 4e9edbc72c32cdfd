"""The replica's fault modes on the wire, read with raw clients: statuses, resets, hangs, trickles,
cut and inflated bodies, redirects, wrong charsets, mangled HTML; the draw's determinism; delays,
robots.txt modes and duplicate links."""

from __future__ import annotations

import gzip
import http.client
import re
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from lxml import html as lxml_html
from test_replica import body_element, clean_text

from replica.corpus import Corpus, DocTruth
from replica.degraded import challenge_html
from replica.faults import FAULT_MODES, OFFSITE_HOST, FaultPlan, gzip_bomb, huge_page
from replica.routes import SHARE_QUERIES, is_tracking
from replica.server import ReplicaServer
from replica.sites import SITES

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def target_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def get(server: ReplicaServer, url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> Reply:
    """GET a real URL from the replica with http.client (no decompression, no redirects)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request("GET", target_of(url), headers={"Host": urlsplit(url).netloc, **(headers or {})})
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


def raw_request(server: ReplicaServer, url: str, timeout: float) -> socket.socket:
    """A socket with one GET of `url` sent on it."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    sock.sendall(f"GET {target_of(url)} HTTP/1.1\r\nHost: {urlsplit(url).netloc}\r\n\r\n".encode())
    return sock


def read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    """(status line and headers, body bytes read past them)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, f"closed before the headers ended: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def header(head: bytes, name: str) -> str | None:
    for line in head.decode("latin-1").split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None


def logged(server: ReplicaServer, url: str) -> list[tuple[int, str | None]]:
    """(status, fault) of each logged request of `url`."""
    parts = urlsplit(url)
    return [
        (r.status, r.fault) for r in server.requests if r.host == parts.netloc and r.path == target_of(url)
    ]


def only(mode: str, url: str, **options: Any) -> FaultPlan:
    """A plan that faults exactly `url`, every time, with `mode`."""
    return FaultPlan(1.0, (mode,), paths=f"^{re.escape(target_of(url))}$", **options)


def wait_for_log(server: ReplicaServer, url: str, count: int = 1) -> None:
    for _ in range(200):
        if len(logged(server, url)) >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"{url} was never logged")


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus(seed=5, pages=150)


@pytest.fixture(scope="module")
def server(corpus: Corpus) -> Iterator[ReplicaServer]:
    with ReplicaServer(corpus) as srv:
        yield srv


@pytest.fixture(autouse=True)
def calm(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts and ends with a well-behaved module server."""
    yield
    if "server" in request.fixturenames:
        srv: ReplicaServer = request.getfixturevalue("server")
        srv.set_faults(None)
        srv.set_delay(0)
        srv.set_duplicate_links(False)


@pytest.fixture(scope="module")
def truths(corpus: Corpus) -> list[DocTruth]:
    return list(corpus.documents())


def pick(truths: list[DocTruth], site: str, encoding: str = "utf-8", tables: bool = False) -> DocTruth:
    for t in truths:
        if (
            t.site == site
            and t.kind != "attachment"
            and t.fault is None
            and t.encoding == encoding
            and t.title
            and t.text
            and bool(t.tables) == tables
            and t.table_style in (None, "html")
        ):
            return t
    raise AssertionError(f"no clean {site} page in {encoding}")


@pytest.fixture(scope="module")
def trs_page(truths: list[DocTruth]) -> DocTruth:
    return pick(truths, "siping")


@pytest.fixture(scope="module")
def gb_page(truths: list[DocTruth]) -> DocTruth:
    return pick(truths, "siping", "gb18030")


@pytest.fixture(scope="module")
def jt_page(truths: list[DocTruth]) -> DocTruth:
    return pick(truths, "fuxin")


@pytest.fixture(scope="module")
def table_page(truths: list[DocTruth]) -> DocTruth:
    return pick(truths, "siping", tables=True)


@pytest.fixture(scope="module")
def attachment(truths: list[DocTruth]) -> DocTruth:
    return next(t for t in truths if t.kind == "attachment" and t.site == "siping")


# --- the draw ------------------------------------------------------------------------------------

URLS = [f"http://txqxxgk.siping.gov.cn/zsts/fgw_{i % 97}/ndbg/t{i}.html" for i in range(10_000)]


def test_rate_and_even_modes() -> None:
    plan = FaultPlan(0.1, seed=3)
    drawn = [plan.fault_for(url, 0) for url in URLS]
    share = sum(d is not None for d in drawn) / len(URLS)
    assert 0.08 <= share <= 0.12, share
    every = Counter(FaultPlan(1.0).fault_for(url, 0) for url in URLS)
    assert set(every) == set(FAULT_MODES)
    expected = len(URLS) / len(FAULT_MODES)
    assert all(0.75 * expected < n < 1.25 * expected for n in every.values()), every
    assert not any(FaultPlan(0.0).fault_for(url, 0) for url in URLS[:500])


def test_same_draw_in_another_instance_and_process() -> None:
    ours = [FaultPlan(0.3, seed=9).fault_for(url, i % 4) for i, url in enumerate(URLS[:300])]
    assert ours == [FaultPlan(0.3, seed=9).fault_for(url, i % 4) for i, url in enumerate(URLS[:300])]
    code = (
        "import sys\nfrom replica.faults import FaultPlan\n"
        "urls = sys.stdin.read().split()\n"
        "print(repr([FaultPlan(0.3, seed=9).fault_for(u, i % 4) for i, u in enumerate(urls)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        input="\n".join(URLS[:300]),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        env={"PYTHONHASHSEED": "123", "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert done.stdout.strip() == repr(ours)
    assert ours != [FaultPlan(0.3, seed=10).fault_for(url, i % 4) for i, url in enumerate(URLS[:300])]


def test_sticky_repeats_and_per_attempt_varies() -> None:
    sticky = FaultPlan(0.2, sticky=True)
    faulty = [url for url in URLS[:500] if sticky.fault_for(url, 0)]
    assert faulty
    for url in faulty:
        assert {sticky.fault_for(url, attempt) for attempt in range(8)} == {sticky.fault_for(url, 0)}
    fresh = FaultPlan(0.2)
    varied = [url for url in URLS[:200] if len({fresh.fault_for(url, a) for a in range(8)}) > 1]
    assert len(varied) > 100


def test_paths_and_robots_never_fault() -> None:
    plan = FaultPlan(1.0, paths=r"/ndbg/")
    assert plan.fault_for("http://txqxxgk.siping.gov.cn/zsts/fgw_1/ndbg/", 0) is not None
    assert plan.fault_for("http://txqxxgk.siping.gov.cn/zsts/fgw_1/tzgg/", 0) is None
    assert plan.fault_for("https://www.fxxh.gov.cn/channel/list/5.html?x=/ndbg/", 0) is not None
    assert FaultPlan(1.0).fault_for("http://txqxxgk.siping.gov.cn/robots.txt", 0) is None
    with pytest.raises(ValueError):
        FaultPlan(1.5)
    with pytest.raises(ValueError):
        FaultPlan(0.5, ("http_500", "nonsense"))


def test_server_draws_what_the_plan_says(server: ReplicaServer, corpus: Corpus) -> None:
    urls = corpus.list_pages("siping")[:6]
    plan = FaultPlan(0.5, ("http_500", "http_503"), seed=4)
    for _ in range(2):  # set_faults starts the attempt counts again: the same sequence twice
        server.set_faults(plan)
        server.requests.clear()
        for url in urls:
            for _ in range(4):
                get(server, url)
        for url in urls:
            expected = [plan.fault_for(url, attempt) for attempt in range(4)]
            assert [fault for _, fault in logged(server, url)] == expected, url
            assert [status for status, _ in logged(server, url)] == [
                {"http_500": 500, "http_503": 503, None: 200}[f] for f in expected
            ]
    assert any(f for url in urls for _, f in logged(server, url))
    assert get(server, urlsplit(urls[0])._replace(path="/robots.txt").geturl()).status == 200


# --- one test per mode -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "status"),
    [
        ("http_500", 500),
        ("http_502", 502),
        ("http_503", 503),
        ("http_503_retry_after", 503),
        ("http_429", 429),
        ("http_429_retry_after", 429),
    ],
)
def test_error_statuses(server: ReplicaServer, trs_page: DocTruth, mode: str, status: int) -> None:
    server.set_faults(only(mode, trs_page.url, retry_after=7))
    got = get(server, trs_page.url, {"If-None-Match": "*"})
    assert got.status == status
    assert got.headers["Content-Length"] == str(len(got.body))
    assert f"<h1>{status} ".encode() in got.body
    assert got.headers.get("Retry-After") == ("7" if mode.endswith("retry_after") else None)
    assert got.headers.get("ETag") is None and got.headers.get("Last-Modified") is None
    assert logged(server, trs_page.url)[-1] == (status, mode)


def test_reset_is_a_tcp_rst(server: ReplicaServer, trs_page: DocTruth) -> None:
    server.set_faults(only("reset", trs_page.url))
    sock = raw_request(server, trs_page.url, timeout=5)
    try:
        with pytest.raises(ConnectionResetError):
            data = sock.recv(4096)
            raise AssertionError(f"no reset, read {data!r}")  # b"" would be an orderly close
    finally:
        sock.close()
    wait_for_log(server, trs_page.url)
    assert logged(server, trs_page.url)[-1] == (0, "reset")
    with pytest.raises(ConnectionResetError):  # http.client sees it as well
        get(server, trs_page.url)


def test_hang_holds_then_closes(server: ReplicaServer, trs_page: DocTruth) -> None:
    server.set_faults(only("hang", trs_page.url, hang_seconds=1.0))
    sock = raw_request(server, trs_page.url, timeout=0.3)
    try:
        with pytest.raises(TimeoutError):
            sock.recv(4096)
        sock.settimeout(10)
        assert sock.recv(4096) == b""  # closed after hang_seconds, nothing ever sent
    finally:
        sock.close()
    assert logged(server, trs_page.url)[-1] == (0, "hang")


def test_trickle_sends_a_byte_at_a_time(server: ReplicaServer, trs_page: DocTruth) -> None:
    normal = get(server, trs_page.url)
    server.set_faults(only("trickle", trs_page.url))
    sock = raw_request(server, trs_page.url, timeout=5)
    try:
        head, body = read_head(sock)
        assert head.startswith(b"HTTP/1.1 200")
        assert header(head, "Content-Length") == str(len(normal.body))
        assert header(head, "ETag") is None and header(head, "Last-Modified") is None
        while len(body) < 2:
            body += sock.recv(4096)
        assert body == normal.body[:2]  # two seconds: two bytes
    finally:
        sock.close()
    assert logged(server, trs_page.url)[-1] == (200, "trickle")


def test_short_body_is_an_incomplete_read(server: ReplicaServer, trs_page: DocTruth) -> None:
    normal = get(server, trs_page.url)
    server.set_faults(only("short_body", trs_page.url))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        conn.request("GET", target_of(trs_page.url), headers={"Host": urlsplit(trs_page.url).netloc})
        response = conn.getresponse()
        assert int(response.headers["Content-Length"]) > len(normal.body) + 1024
        with pytest.raises(http.client.IncompleteRead) as cut:
            response.read()
        assert cut.value.partial == normal.body
    finally:
        conn.close()
    assert logged(server, trs_page.url)[-1] == (200, "short_body")


def test_gzip_bomb(server: ReplicaServer, jt_page: DocTruth) -> None:
    server.set_faults(only("gzip_bomb", jt_page.url))
    got = get(server, jt_page.url)
    assert got.status == 200
    assert got.headers["Content-Encoding"] == "gzip"
    assert got.headers["Content-Type"] == "text/html; charset=utf-8"
    assert len(got.body) < 2 << 20  # 1 GiB inflated
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    first = inflater.decompress(got.body, 8 << 20)
    assert len(first) == 8 << 20 and first.count(0) == len(first)
    assert int.from_bytes(got.body[-4:], "little") == (1 << 30) & 0xFFFFFFFF
    assert logged(server, jt_page.url)[-1] == (200, "gzip_bomb")


def test_gzip_bomb_inflates_to_exactly_its_size() -> None:
    size = (3 << 20) + 12345
    assert gzip.decompress(gzip_bomb(size)) == bytes(size)  # CRC and length checked by gzip


def test_huge_page(server: ReplicaServer, trs_page: DocTruth) -> None:
    server.set_faults(only("huge_page", trs_page.url, huge_bytes=(3 << 20) + 7))
    got = get(server, trs_page.url)
    assert got.status == 200 and got.headers["Content-Length"] == str((3 << 20) + 7)
    assert len(got.body) == (3 << 20) + 7
    text = got.body.decode("utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.endswith("</html>\n")
    assert len(lxml_html.fromstring(got.body).cssselect("ul.list li")) > 10_000
    for size in (0, 50, 200, (1 << 16) + 3):
        assert len(b"".join(huge_page(size))) == size
    # The default 48 MiB: a client that leaves after the first chunk does not stop the server.
    server.set_faults(only("huge_page", trs_page.url))
    sock = raw_request(server, trs_page.url, timeout=5)
    try:
        head, _ = read_head(sock)
        assert header(head, "Content-Length") == str(48 << 20)
    finally:
        sock.close()
    server.set_faults(None)
    assert get(server, trs_page.url).status == 200


def test_redirect_loop(server: ReplicaServer, corpus: Corpus) -> None:
    url = next(u for u in corpus.list_pages("fuxin") if "pageNo=2" in u)
    server.set_faults(FaultPlan(1.0, ("redirect_loop",), paths=r"^/channel/list/"))
    first = get(server, url)
    assert first.status == 302
    assert first.headers["Location"] == url + "&_r=1"
    back = get(server, first.headers["Location"])
    assert back.status == 302 and back.headers["Location"] == url
    assert first.headers.get("ETag") is None
    plain = urlsplit(url)._replace(query="").geturl()
    assert get(server, plain).headers["Location"] == plain + "?_r=1"
    # The way back is a 302 whatever the plan draws for the marked URL.
    server.set_faults(FaultPlan(1.0, ("http_500",), paths=r"pageNo=2$"))
    assert get(server, url + "&_r=1").headers["Location"] == url
    assert logged(server, url + "&_r=1")[-1] == (302, "redirect_loop")


def test_redirect_offsite(server: ReplicaServer, trs_page: DocTruth) -> None:
    server.set_faults(only("redirect_offsite", trs_page.url))
    got = get(server, trs_page.url)
    assert got.status == 302
    assert got.headers["Location"] == f"http://{OFFSITE_HOST}{urlsplit(trs_page.url).path}"


@pytest.mark.parametrize("page", ["trs_page", "gb_page", "jt_page"])
def test_charset_wrong(server: ReplicaServer, page: str, request: pytest.FixtureRequest) -> None:
    truth: DocTruth = request.getfixturevalue(page)
    server.set_faults(only("charset_wrong", truth.url))
    got = get(server, truth.url)
    assert got.status == 200
    assert got.headers["Content-Type"] == "text/html; charset=utf-8"
    assert got.headers.get("ETag") is None and got.headers.get("Last-Modified") is None
    head = got.body[:1024].decode("ascii", "replace").lower()
    assert "charset=utf-8" in head.replace('"', "") or '<meta charset="utf-8">' in head
    assert "gb2312" not in head
    with pytest.raises(UnicodeDecodeError):
        got.body.decode("utf-8")
    doc = lxml_html.fromstring(got.body.decode("gb18030"))
    assert (doc.findtext(".//h1") or "").strip() == truth.title
    assert logged(server, truth.url)[-1] == (200, "charset_wrong")


def test_charset_missing(server: ReplicaServer, trs_page: DocTruth, jt_page: DocTruth) -> None:
    for truth in (trs_page, jt_page):
        server.set_faults(only("charset_missing", truth.url))
        got = get(server, truth.url)
        assert got.status == 200 and got.headers["Content-Type"] == "text/html"
        assert b"charset" not in got.body.lower()
        doc = lxml_html.fromstring(got.body.decode("gb18030"))
        assert (doc.findtext(".//h1") or "").strip() == truth.title
        assert clean_text(body_element(doc, truth.site)) == truth.text


def test_html_faults_leave_files_alone(server: ReplicaServer, attachment: DocTruth) -> None:
    normal = get(server, attachment.url)
    for mode in ("charset_wrong", "charset_missing", "malformed_html"):
        server.set_faults(only(mode, attachment.url))
        got = get(server, attachment.url)
        assert got.body == normal.body and got.headers["ETag"] == normal.headers["ETag"]
        assert logged(server, attachment.url)[-1] == (200, None)
        # ... and a conditional request of it still gets its 304.
        assert get(server, attachment.url, {"If-None-Match": normal.headers["ETag"]}).status == 304


def test_challenge(server: ReplicaServer, trs_page: DocTruth) -> None:
    server.set_faults(only("challenge", trs_page.url))
    got = get(server, trs_page.url)
    assert got.status == 200
    assert got.body == challenge_html(SITES["siping"], urlsplit(trs_page.url).path).encode()


@pytest.mark.parametrize("page", ["trs_page", "gb_page", "jt_page", "table_page"])
def test_malformed_html_keeps_the_text(
    server: ReplicaServer, page: str, request: pytest.FixtureRequest
) -> None:
    truth: DocTruth = request.getfixturevalue(page)
    normal = get(server, truth.url)
    server.set_faults(only("malformed_html", truth.url))
    got = get(server, truth.url)
    assert got.status == 200 and got.headers["Content-Type"] == normal.headers["Content-Type"]
    assert got.headers.get("ETag") is None
    assert got.body.count(b"\x00") >= 3
    for tag in (b"</p>", b"</div>"):
        assert got.body.count(tag) < normal.body.count(tag), tag
    if page == "table_page":
        assert got.body.count(b"</td>") < normal.body.count(b"</td>")
    encoding = "gb18030" if truth.encoding == "gb18030" else "utf-8"
    text = got.body.decode(encoding)  # NULs went between characters, never inside one
    assert " < " in text
    # A reader that drops NULs gets the page's text; lxml alone reads them as U+FFFD.
    clean = lxml_html.fromstring(got.body.replace(b"\x00", b"").decode(encoding))
    assert clean_text(body_element(clean, truth.site)) == truth.text
    assert (clean.findtext(".//h1") or "").strip() == truth.title
    raw = clean_text(body_element(lxml_html.fromstring(text), truth.site))
    assert "\ufffd" in raw or "\x00" in raw
    assert re.sub(r"\s+", "", raw.replace("\ufffd", "")) == re.sub(r"\s+", "", truth.text or "")


def test_faults_replace_conditional_answers(server: ReplicaServer, trs_page: DocTruth) -> None:
    normal = get(server, trs_page.url)
    etag = normal.headers["ETag"]
    assert get(server, trs_page.url, {"If-None-Match": etag}).status == 304
    server.set_faults(only("charset_missing", trs_page.url))
    got = get(server, trs_page.url, {"If-None-Match": etag})
    assert got.status == 200 and got.body and got.headers.get("ETag") is None
    assert get(server, trs_page.url, {"If-None-Match": etag}).status == 200


def test_faults_replace_moves_and_keep_empty_pages_empty(
    server: ReplicaServer, truths: list[DocTruth], trs_page: DocTruth
) -> None:
    empty = next(t for t in truths if t.fault == "empty")
    server.set_faults(only("malformed_html", empty.url))
    got = get(server, empty.url)
    assert (got.status, got.body) == (200, b"")
    moved = next(t for t in truths if t.site == "siping" and t.kind == "notice" and t.url != trs_page.url)
    server.move(moved.url, moved.url.replace(".html", "_new.html"))
    assert get(server, moved.url).status == 301
    server.set_faults(only("redirect_offsite", moved.url))
    got = get(server, moved.url)
    assert got.status == 302 and got.headers["Location"].startswith(f"http://{OFFSITE_HOST}/")
    assert server.errors == []


def test_head_requests_never_fault(server: ReplicaServer, trs_page: DocTruth) -> None:
    server.set_faults(only("reset", trs_page.url))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        conn.request("HEAD", target_of(trs_page.url), headers={"Host": urlsplit(trs_page.url).netloc})
        assert conn.getresponse().status == 200
    finally:
        conn.close()


# --- delay -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "delay"), [(16, 0.3), (64, 1.0)])
def test_delay_is_served_concurrently(
    server: ReplicaServer, corpus: Corpus, count: int, delay: float
) -> None:
    urls = [f"{u}?n={i}" for i, u in enumerate((corpus.list_pages("siping") * 8)[:count])]
    server.set_delay(delay)
    server.requests.clear()
    elapsed: dict[str, float] = {}
    statuses: dict[str, int] = {}

    def one(url: str) -> None:
        began = time.monotonic()
        statuses[url] = get(server, url).status
        elapsed[url] = time.monotonic() - began

    threads = [threading.Thread(target=one, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert set(statuses.values()) == {200} and len(statuses) == count
    assert min(elapsed.values()) >= delay - 0.01  # every answer waited
    arrivals = sorted(r.at for r in server.requests)
    assert len(arrivals) == count
    # Every request line was read before the first answer could go out: they waited together.
    assert arrivals[-1] - arrivals[0] < delay
    began = time.monotonic()
    robots = get(server, "http://txqxxgk.siping.gov.cn/robots.txt")
    assert robots.status == 200 and time.monotonic() - began >= delay - 0.01


def test_request_records_carry_arrival_time(server: ReplicaServer, trs_page: DocTruth) -> None:
    before = time.time()
    get(server, trs_page.url)
    record = server.requests.snapshot()[-1]
    assert before <= record.at <= time.time() and record.fault is None


# --- robots ----------------------------------------------------------------------------------------


def test_robots_modes(server: ReplicaServer) -> None:
    siping = "http://txqxxgk.siping.gov.cn/robots.txt"
    fuxin = "https://www.fxxh.gov.cn/robots.txt"
    server.set_faults(FaultPlan(1.0, ("reset",)))  # robots.txt is not for a plan
    assert get(server, fuxin).status == 200
    server.set_faults(None)
    server.set_robots("siping", status=500)
    server.set_robots("fuxin", disallow=["/content/2019/", "/channel/"])
    try:
        assert get(server, siping).status == 500
        rules = get(server, fuxin)
        assert rules.status == 200
        lines = rules.body.decode().splitlines()
        assert lines[0] == "User-agent: *"
        assert {"Disallow: /search.thtml", "Disallow: /content/2019/", "Disallow: /channel/"} <= set(lines)
        assert get(server, "http://tdqxxgk.siping.gov.cn/robots.txt").status == 200
        with pytest.raises(KeyError):
            server.set_robots("nowhere", status=500)
    finally:
        server.set_robots("siping")
        server.set_robots("fuxin")
    assert get(server, siping).body == b"User-agent: *\nDisallow: /was5/web/search\nDisallow: /wcm/\n"


# --- duplicate links -------------------------------------------------------------------------------


def links(server: ReplicaServer, url: str, selector: str) -> list[str]:
    doc = lxml_html.fromstring(get(server, url).body)
    return [urljoin(url, a.get("href")) for a in doc.cssselect(selector)]


def test_duplicate_links(server: ReplicaServer, corpus: Corpus, truths: list[DocTruth]) -> None:
    before = [t.url for t in truths]
    server.set_duplicate_links(True)
    queries: set[str] = set()
    for site, selector in (("siping", "ul.list li a"), ("fuxin", "ul.xxgk_rul li a")):
        lists = corpus.list_pages(site)[:4]
        for list_url in lists:
            hrefs = links(server, list_url, selector)
            canonical = [h for h in hrefs if "?" not in h]
            variants = [h for h in hrefs if "?" in h]
            assert len(canonical) == len(variants) > 0
            assert [v.split("?")[0] for v in variants] == canonical
            for variant in variants:
                query = urlsplit(variant).query
                assert all(is_tracking(name) for name, _ in parse_qsl(query)), query
                queries.add(query)
        detail = links(server, lists[0], selector)[:2]
        plain, shared = get(server, detail[0]), get(server, detail[1])
        assert plain.status == shared.status == 200
        if site == "fuxin":  # the view count grows on every fetch; the rest is the same page
            views = re.compile(rb"\xe6\xb5\x8f\xe8\xa7\x88\xe9\x87\x8f:\d+")  # 浏览量:N
            assert views.sub(b"", plain.body) == views.sub(b"", shared.body)
        else:
            assert plain.body == shared.body
            assert plain.headers["ETag"] == shared.headers["ETag"]
    assert len(queries) > 2 and queries <= set(SHARE_QUERIES)
    # Fuxin list pages keep their page number under tracking parameters.
    paged = next(u for u in corpus.list_pages("fuxin") if "pageNo=2" in u)
    assert get(server, paged + "&utm_source=wechat&from=timeline").body == get(server, paged).body
    # TRS home, category and unit pages link each folder also as index.html, which serves the same.
    home = "http://txqxxgk.siping.gov.cn/"
    for page in (home, home + "zsts/", links(server, home + "zsts/", "ul.dw_list li a")[0]):
        folders = links(server, page, "ul.xxgk_ml li a, ul.dw_list li a")
        assert [f for f in folders if f.endswith("/index.html")] == [
            f + "index.html" for f in folders if f.endswith("/")
        ]
        assert get(server, folders[0]).body == get(server, folders[1]).body
    assert [t.url for t in corpus.documents()] == before
    server.set_duplicate_links(False)
    assert all("?" not in h for h in links(server, corpus.list_pages("siping")[0], "ul.list li a"))


# --- stopping and the command line ----------------------------------------------------------------


@pytest.mark.parametrize("mode", ["hang", "trickle"])
def test_stop_is_prompt_while_a_request_is_held(mode: str) -> None:
    server = ReplicaServer(Corpus(seed=2, pages=40)).start()
    url = "http://txqxxgk.siping.gov.cn/zsts/"
    server.set_faults(FaultPlan(1.0, (mode,), hang_seconds=120))
    sock = raw_request(server, url, timeout=10)
    try:
        wait_for_log(server, url)
        stopper = threading.Thread(target=server.stop)
        stopper.start()
        stopper.join(timeout=5)
        assert not stopper.is_alive()
        data = b""
        while chunk := sock.recv(65536):  # the held answer ends with the server: EOF, no hang
            data += chunk
        assert len(data) < 2000
    finally:
        sock.close()


def test_cli_serves_faults_and_delay() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "replica",
            "--pages",
            "40",
            "--faults",
            "1",
            "--fault-modes",
            "http_503_retry_after",
            "--sticky",
            "--delay",
            "0.05",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.match(r"replica serving (http://127\.0\.0\.1:(\d+)) \(sites: .*; seed=1; (.*)\)$", line)
        assert found, line
        assert found[3] == "faults=1 modes=http_503_retry_after fault_seed=0 sticky=yes; delay=0.05s"
        conn = http.client.HTTPConnection("127.0.0.1", int(found[2]), timeout=10)
        conn.request("GET", "/zsts/", headers={"Host": "txqxxgk.siping.gov.cn"})
        response = conn.getresponse()
        assert response.status == 503 and response.headers["Retry-After"] == "1"
        conn.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
