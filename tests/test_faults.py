"""Every network fault a small government server throws, against the replica's fault modes.

Five crawls of one small replica (``Corpus(seed=3, pages=60)``), each with one fault plan:

- ``server_errors``: 500 / 502 / 503 / 503+Retry-After / 429+Retry-After on detail pages and a 500
  on a list page, one request at a time (so that arrival times show the host's pause);
- ``network``: reset, hang, trickle, short body, gzip bomb, huge page, redirect loop, off-site
  redirect, challenge page, wrong / missing charset, malformed HTML, one detail page each;
- ``recovery``: half of the attempts fail at random: the retries bring most pages in;
- ``robots``: robots.txt answering 500 (tiedong), unreachable (fuxin), disallowing a section
  (siping), and a Retry-After too long to wait for;
- ``unreachable``: a host whose name does not resolve and one that refuses connections.

Each fault is drawn by the replica's ``FaultPlan`` from a hash of (seed, URL, attempt); the plans are
"sticky" (a faulty URL fails on every attempt) except in ``recovery``. Assertions read the archive
(documents, failure records, WARC records) and the replica's request log (``.at``, ``.fault``).
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
import socket
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

from conftest import Archive, run_xxgk
from crawler.failures import PERMANENT_REASONS, RETRYABLE_REASONS, retryable
from crawler.retry import backoff_delay, parse_retry_after
from replica.corpus import Corpus
from replica.degraded import challenge_html
from replica.faults import OFFSITE_HOST, RETRY_AFTER_MODES, FaultPlan
from replica.server import ReplicaServer, RequestRecord
from replica.sites import SITE_BY_HOST

pytestmark = [pytest.mark.crawl]

SITE = "siping"
HOST = "txqxxgk.siping.gov.cn"
BASE = f"http://{HOST}"
UNIT = "fgw_12305"
LIST_TZGG = f"{BASE}/zsts/{UNIT}/tzgg/"
RETRY_TIMES = 2  # passed to every crawl (the replica profile's own is 1): 3 attempts per page
LIST_ATTEMPTS = 5  # XXGK_RETRY_TIMES_LIST (4) + 1
TOLERANCE = 0.05  # seconds: the replica logs arrivals, the crawler measures from answers


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus(seed=3, pages=60)


@pytest.fixture(scope="module")
def replica(corpus: Corpus) -> Iterator[ReplicaServer]:
    with ReplicaServer(corpus) as server:
        yield server


@dataclass
class Faulted:
    """One crawl under a fault plan: its archive, its requests, and which URL got which fault."""

    archive: Archive
    requests: list[RequestRecord]
    chosen: dict[str, str]  # fault mode -> the URL drawn for it
    result: subprocess.CompletedProcess[str]

    def attempts(self, url: str) -> list[RequestRecord]:
        """The GETs of ``url`` (path and query as given) that reached the replica, in arrival order."""
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        return sorted(
            (r for r in self.requests if r.host == parts.netloc and r.path == target), key=lambda r: r.at
        )

    def failure(self, url: str) -> dict[str, Any]:
        found = [f for f in self.archive.failures() if f["url"] == url]
        assert len(found) == 1, (url, found, self.result.stderr[-3000:])
        return found[0]

    def document(self, url: str, site: str = SITE) -> dict[str, Any] | None:
        return self.archive.latest(url, site)

    def runs_finished(self) -> bool:
        runs = self.archive.runs()
        return bool(runs) and all(run["finish_reason"] == "finished" for run in runs)


def detail_urls(corpus: Corpus, *columns: str) -> list[str]:
    """The unit's detail pages in these columns (no planted corpus fault), in corpus order."""
    return [
        t.url
        for t in corpus.documents(site=SITE)
        if t.kind != "attachment"
        and not t.fault
        and any(f"/zsts/{UNIT}/{column}/" in t.url for column in columns)
    ]


def choose(
    modes: tuple[str, ...], candidates: Iterable[str], fixed: dict[str, tuple[str, ...]] | None = None
) -> tuple[int, dict[str, str]]:
    """A plan seed under which every mode falls on one of the candidate URLs (the first such URL
    per mode is the one faulted) and each ``fixed`` URL gets one of its allowed modes."""
    candidates = list(candidates)
    for seed in range(5000):
        plan = FaultPlan(rate=1.0, modes=modes, seed=seed, sticky=True)
        if any(plan.fault_for(url, 0) not in allowed for url, allowed in (fixed or {}).items()):
            continue
        chosen: dict[str, str] = {}
        for url in candidates:
            mode = plan.fault_for(url, 0)
            if mode is not None:
                chosen.setdefault(mode, url)
        if set(modes) <= chosen.keys():
            return seed, chosen
    raise AssertionError(f"no seed puts every one of {modes} on {len(candidates)} pages")


def truth_text(corpus: Corpus, url: str) -> str:
    truth = corpus.truth(url)
    assert truth is not None, url
    return str(truth.text)


def only(urls: Iterable[str]) -> str:
    """A ``FaultPlan.paths`` pattern matching exactly these URLs' paths (a TRS folder also as
    ``index.html``)."""
    paths = []
    for url in urls:
        path = re.escape(urlsplit(url).path)
        paths.append(path + r"(?:index\.html)?" if url.endswith("/") else path)
    return "^(?:" + "|".join(paths) + ")$"


def run_crawl(
    replica: ReplicaServer,
    root: Path,
    plan: FaultPlan | None,
    chosen: dict[str, str],
    *args: str,
    sites: tuple[str, ...] = (SITE,),
    columns: str = "ndbg,tzgg",
) -> Faulted:
    replica.requests.clear()
    replica.set_faults(plan)
    try:
        result = run_xxgk(
            "crawl",
            *sites,
            "--archive",
            str(root),
            "--replica",
            replica.url,
            "-a",
            f"units={UNIT}",
            "-a",
            f"columns={columns}",
            "-s",
            "LOG_LEVEL=WARNING",
            "-s",
            "DOWNLOAD_TIMEOUT=2",
            "-s",
            f"RETRY_TIMES={RETRY_TIMES}",
            *args,
            timeout=240,
        )
    finally:
        replica.set_faults(None)
    # 0, or 4 when the health check saw a challenge wall: the crawl itself finished either way.
    assert result.returncode in (0, 4), result.stdout[-3000:] + result.stderr[-5000:]
    return Faulted(Archive(root), list(replica.requests), chosen, result)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def gaps(records: list[RequestRecord]) -> list[float]:
    return [b.at - a.at for a, b in itertools.pairwise(records)]


# --- server errors: retries, backoff, Retry-After and the host's pause -----------------------------

SERVER_MODES = ("http_500", "http_502", "http_503", "http_503_retry_after", "http_429_retry_after")


@pytest.fixture(scope="module")
def server_errors(
    replica: ReplicaServer, corpus: Corpus, tmp_path_factory: pytest.TempPathFactory
) -> Faulted:
    seed, chosen = choose(
        SERVER_MODES, detail_urls(corpus, "ndbg"), fixed={LIST_TZGG: ("http_500", "http_502", "http_503")}
    )
    plan = FaultPlan(
        rate=1.0, modes=SERVER_MODES, seed=seed, sticky=True, paths=only([*chosen.values(), LIST_TZGG])
    )
    return run_crawl(
        replica,
        tmp_path_factory.mktemp("server_errors"),
        plan,
        {**chosen, "list": LIST_TZGG},
        # One request at a time, so that arrival order shows what waited for what. No download delay:
        # Scrapy 2.19's slots then start every queued request at once, and the host gate
        # (crawler/politeness.py) is what holds the limit.
        "-s",
        "CONCURRENT_REQUESTS_PER_DOMAIN=1",
        "-s",
        "XXGK_RETRY_BACKOFF=0.2",
        "-s",
        "XXGK_RETRY_BACKOFF_MAX=0.4",
    )


def test_server_errors_retried_then_recorded(server_errors: Faulted) -> None:
    for mode in SERVER_MODES:
        url = server_errors.chosen[mode]
        attempts = server_errors.attempts(url)
        assert [a.fault for a in attempts] == [mode] * (RETRY_TIMES + 1), (mode, url)
        record = server_errors.failure(url)
        status = attempts[0].status
        assert record["reason"] == f"http_{status}" and record["status"] == status
        assert record["stage"] == "http"
        assert record["message"].startswith(f"HTTP {status} "), record
        assert f"gave up after {RETRY_TIMES + 1} attempts" in record["message"], record
        if mode in RETRY_AFTER_MODES:
            assert "(Retry-After 1 s honoured)" in record["message"], record
        # The referer (the list page) survived the retries: meta is kept.
        assert record["referer"] == f"{BASE}/zsts/{UNIT}/ndbg/"
        assert server_errors.document(url) is None


def test_list_pages_get_more_retries(server_errors: Faulted) -> None:
    attempts = server_errors.attempts(LIST_TZGG)
    assert len(attempts) == LIST_ATTEMPTS and all(a.fault for a in attempts), attempts
    record = server_errors.failure(LIST_TZGG)
    assert record["reason"] == f"http_{attempts[0].status}"
    assert f"gave up after {LIST_ATTEMPTS} attempts" in record["message"]
    # What the lost list page lists was never found.
    listed = [r.path for r in server_errors.requests if r.path.startswith(f"/zsts/{UNIT}/tzgg/")]
    assert set(listed) == {f"/zsts/{UNIT}/tzgg/"}, listed


def test_backoff_grows_between_attempts(server_errors: Faulted) -> None:
    """XXGK_RETRY_BACKOFF=0.2, at most 0.4, half of it jitter: retry n waits at least
    min(0.4, 0.2 * 2^(n-1)) / 2."""
    for url in (server_errors.chosen["http_500"], server_errors.chosen["http_502"], LIST_TZGG):
        spacing = gaps(server_errors.attempts(url))
        for n, gap in enumerate(spacing, start=1):
            assert gap >= min(0.4, 0.2 * 2 ** (n - 1)) / 2 - 0.01, (url, spacing)


def test_retry_after_honoured_and_pauses_the_host(server_errors: Faulted) -> None:
    told = [r for r in server_errors.requests if r.fault in RETRY_AFTER_MODES]
    assert len(told) == 2 * (RETRY_TIMES + 1)
    host_requests = sorted((r for r in server_errors.requests if r.host == HOST), key=lambda r: r.at)
    for answer in told:
        # The retry of the page waited at least Retry-After (1 s)...
        later = [a for a in server_errors.attempts(f"{BASE}{answer.path}") if a.at > answer.at]
        if later:
            assert later[0].at - answer.at >= 1 - TOLERANCE, (answer.path, later[0].at - answer.at)
        # ... and so did every other request to the host: nothing arrived during the pause.
        during = [r for r in host_requests if answer.at < r.at < answer.at + 1 - TOLERANCE]
        assert during == [], (answer.path, [(r.path, r.at - answer.at) for r in during])
    # Other pages were waiting: the first request after each pause is often another page's.
    after = [next((r for r in host_requests if r.at > answer.at), None) for answer in told]
    assert any(r is not None and r.path != answer.path for r, answer in zip(after, told, strict=True))


def test_untouched_pages_archived(server_errors: Faulted, corpus: Corpus) -> None:
    faulted = set(server_errors.chosen.values())
    for url in detail_urls(corpus, "ndbg"):
        if url not in faulted:
            doc = server_errors.document(url)
            assert doc is not None and doc["text"] == truth_text(corpus, url), url
    assert server_errors.runs_finished()


# --- network faults, size caps, redirects, walls, charsets ------------------------------------------

NETWORK_MODES = (
    "reset",
    "hang",
    "trickle",
    "short_body",
    "gzip_bomb",
    "huge_page",
    "redirect_loop",
    "redirect_offsite",
    "challenge",
    "charset_wrong",
    "charset_missing",
    "malformed_html",
)


@pytest.fixture(scope="module")
def network(replica: ReplicaServer, corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Faulted:
    seed, chosen = choose(NETWORK_MODES, detail_urls(corpus, "ndbg", "tzgg"))
    plan = FaultPlan(rate=1.0, modes=NETWORK_MODES, seed=seed, sticky=True, paths=only(chosen.values()))
    return run_crawl(replica, tmp_path_factory.mktemp("network"), plan, chosen)


@pytest.mark.parametrize("mode", ["hang", "trickle"])
def test_download_timeout_bounds_hang_and_trickle(network: Faulted, mode: str) -> None:
    url = network.chosen[mode]
    attempts = network.attempts(url)
    assert [a.fault for a in attempts] == [mode] * (RETRY_TIMES + 1)
    # Each attempt was cut at DOWNLOAD_TIMEOUT (2 s), the whole download included for the trickle
    # (its page would take hours at a byte a second; the hang holds the connection 120 s). The
    # timeout runs from the request's start, connecting included, the replica logs arrivals: the
    # lower bound has room for a slow connect.
    for gap in gaps(attempts):
        assert 1.5 <= gap < 30, gaps(attempts)
    record = network.failure(url)
    assert record["reason"] == "timeout" and record["stage"] == "download"
    assert "no complete answer within 2 s (DOWNLOAD_TIMEOUT)" in record["message"]
    assert f"gave up after {RETRY_TIMES + 1} attempts" in record["message"]
    assert "127.0.0.1" not in record["message"]
    assert network.document(url) is None


def test_reset_recorded(network: Faulted) -> None:
    url = network.chosen["reset"]
    assert network.attempts(url) and all(a.fault == "reset" for a in network.attempts(url))
    record = network.failure(url)
    assert record["reason"] == "connection_reset", record
    assert f"gave up after {RETRY_TIMES + 1} attempts" in record["message"]
    assert network.document(url) is None


def test_reset_attempts_bounded(network: Faulted) -> None:
    assert len(network.attempts(network.chosen["reset"])) == RETRY_TIMES + 1


def test_short_body_is_data_loss_never_content(network: Faulted) -> None:
    url = network.chosen["short_body"]
    assert [a.fault for a in network.attempts(url)] == ["short_body"] * (RETRY_TIMES + 1)
    record = network.failure(url)
    assert record["reason"] == "data_loss", record
    assert "Content-Length" in record["message"]
    assert record["raw_sha256"] is None  # the cut bytes are not kept as if they were the page
    assert network.document(url) is None
    assert not [c for c in network.archive.captures() if c["url"] == url]


def test_huge_page_and_gzip_bomb_stopped_at_the_page_cap(network: Faulted) -> None:
    huge, bomb = network.chosen["huge_page"], network.chosen["gzip_bomb"]
    for url in (huge, bomb):
        assert len(network.attempts(url)) == 1, url  # too large is never retried
        record = network.failure(url)
        assert record["reason"] == "too_large", record
        assert "16 MiB, the cap for a detail page (XXGK_PAGE_MAXSIZE)" in record["message"], record
        assert network.document(url) is None
        assert not [c for c in network.archive.captures() if c["url"] == url]
    assert network.failure(huge)["message"].startswith("48 MiB announced by Content-Length")
    # The bomb (1 GiB of zeros in about 1 MiB of gzip) was inflated only to the cap.
    assert re.match(
        r"a 1(\.\d)? MiB compressed body inflated past 16 MiB.*\(stopped at 16(\.\d)? MiB\)",
        network.failure(bomb)["message"],
    ), network.failure(bomb)["message"]


def test_redirect_loop_stopped_after_one_round(network: Faulted) -> None:
    url = network.chosen["redirect_loop"]
    path = urlsplit(url).path
    asked = [r.path for r in sorted(network.requests, key=lambda r: r.at) if r.path.startswith(path)]
    assert asked == [path, f"{path}?_r=1"]
    record = network.failure(url)
    assert record["reason"] == "redirect_loop"
    assert f"{url} -> {url}?_r=1 -> {url}" in record["message"], record
    assert network.document(url) is None


def _warc_uris(root: Path) -> list[str]:
    uris: list[str] = []
    for path in sorted((root / "warc").glob("*.warc.gz")):
        with path.open("rb") as handle:
            uris.extend(str(r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(handle))
    return uris


def test_offsite_redirect_never_followed(network: Faulted) -> None:
    url = network.chosen["redirect_offsite"]
    target = f"http://{OFFSITE_HOST}{urlsplit(url).path}"
    assert len(network.attempts(url)) == 1
    record = network.failure(url)
    assert record["reason"] == "redirect_offsite"
    assert target in record["message"], record
    # Never requested: not through the replica (no request named the host), and not anywhere else
    # (every exchange the crawler made is a WARC record; the 302 is there, nothing after it).
    assert not [r for r in network.requests if OFFSITE_HOST in r.host]
    uris = _warc_uris(network.archive.root)
    assert url in uris
    assert not [u for u in uris if OFFSITE_HOST in u]
    assert not [f for f in network.archive.failures() if OFFSITE_HOST in f["url"]]


def test_challenge_page_kept_as_evidence_not_document(network: Faulted) -> None:
    url = network.chosen["challenge"]
    assert len(network.attempts(url)) == 1  # a 200: nothing to retry in this run
    record = network.failure(url)
    assert record["reason"] == "challenge_page" and record["status"] == 200
    wall = challenge_html(SITE_BY_HOST[HOST], urlsplit(url).path).encode()
    assert record["raw_sha256"] == hashlib.sha256(wall).hexdigest()
    assert network.archive.store.read_raw(record["raw_sha256"]) == wall
    assert network.document(url) is None


@pytest.mark.parametrize("mode", ["charset_wrong", "charset_missing"])
def test_misdeclared_charsets_decoded(network: Faulted, corpus: Corpus, mode: str) -> None:
    url = network.chosen[mode]
    assert [a.fault for a in network.attempts(url)] == [mode]
    doc = network.document(url)
    assert doc is not None
    assert doc["encoding"]["used"] == "gb18030" and doc["encoding"]["replacements"] == 0
    assert doc["text"] == truth_text(corpus, url)


def test_malformed_html_text_intact(network: Faulted, corpus: Corpus) -> None:
    """Unclosed tags, NUL bytes and a stray ``<``: the document is the page, its text the truth."""
    url = network.chosen["malformed_html"]
    assert [a.fault for a in network.attempts(url)] == ["malformed_html"]
    doc = network.document(url)
    assert doc is not None and doc["title"]
    assert doc["text"] == truth_text(corpus, url)


# --- recovery: retries bring in what failed once ---------------------------------------------------

RECOVERY_MODES = ("http_500", "http_503", "http_429", "short_body")


@pytest.fixture(scope="module")
def recovery(replica: ReplicaServer, corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Faulted:
    urls = detail_urls(corpus, "ndbg")
    for seed in range(1000):
        plan = FaultPlan(rate=0.5, modes=RECOVERY_MODES, seed=seed, paths=only(urls))
        firsts = {_first_answer(plan, url) for url in urls}
        if {0, 1, 2, None} <= firsts:  # clean, recovered at the 2nd and 3rd attempt, lost
            break
    # robots.txt answering 404 means no rules at all (RFC 9309 §2.3.1.3): the crawl goes on.
    replica.set_robots(SITE, status=404)
    try:
        return run_crawl(replica, tmp_path_factory.mktemp("recovery"), plan, {}, columns="ndbg")
    finally:
        replica.set_robots(SITE)


def _first_answer(plan: FaultPlan, url: str) -> int | None:
    """The attempt (0-based) that gets the page, or None when all RETRY_TIMES + 1 fail."""
    return next((k for k in range(RETRY_TIMES + 1) if plan.fault_for(url, k) is None), None)


def test_retries_recover_pages(recovery: Faulted, corpus: Corpus) -> None:
    urls = detail_urls(corpus, "ndbg")
    faulted = [r for r in recovery.requests if r.fault]
    assert faulted, "the plan faulted nothing"
    outcomes = []
    for url in urls:
        attempts = recovery.attempts(url)
        first_ok = next((k for k, a in enumerate(attempts) if a.fault is None), None)
        outcomes.append(first_ok)
        if first_ok is None:
            assert len(attempts) == RETRY_TIMES + 1, (url, attempts)
            assert recovery.document(url) is None
            assert recovery.failure(url)["reason"] in ("http_500", "http_503", "http_429", "data_loss")
        else:
            assert len(attempts) == first_ok + 1, (url, attempts)  # no attempt after the page came
            doc = recovery.document(url)
            assert doc is not None and doc["text"] == truth_text(corpus, url), url
            assert not [f for f in recovery.archive.failures() if f["url"] == url]
    assert {0, 1, 2, None} <= set(outcomes), outcomes


def test_robots_404_allows_everything(recovery: Faulted) -> None:
    robots = [r for r in recovery.requests if r.path == "/robots.txt"]
    assert [r.status for r in robots] == [404]
    assert not [f for f in recovery.archive.failures() if f["reason"].startswith("robots")]
    assert len(recovery.archive.documents()) > 5


# --- robots.txt: 500, unreachable, disallow; Retry-After too long -----------------------------------


@pytest.fixture(scope="module")
def robots(replica: ReplicaServer, corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Faulted:
    page = detail_urls(corpus, "ndbg")[0]
    plan = FaultPlan(
        rate=1.0, modes=("http_503_retry_after",), sticky=True, paths=only([page]), retry_after=30
    )
    replica.set_robots("tiedong", status=500)
    replica.set_robots(SITE, disallow=[f"/zsts/{UNIT}/tzgg/"])
    try:
        return run_crawl(
            replica,
            tmp_path_factory.mktemp("robots"),
            plan,
            {"http_503_retry_after": page},
            "-s",
            f'XXGK_HOST_MAP={{"www.fxxh.gov.cn": "http://127.0.0.1:{closed_port()}"}}',
            "-s",
            "XXGK_RETRY_AFTER_MAX=0.5",
            sites=("siping", "tiedong", "fuxin"),
        )
    finally:
        replica.set_robots("tiedong")
        replica.set_robots(SITE)


def test_robots_500_disallows_the_host(robots: Faulted) -> None:
    tiedong = [r for r in robots.requests if r.host == "tdqxxgk.siping.gov.cn"]
    # robots.txt retried like any page, then nothing else asked of the host.
    assert [(r.path, r.status) for r in tiedong] == [("/robots.txt", 500)] * (RETRY_TIMES + 1)
    held = [f for f in robots.archive.failures() if f["site"] == "tiedong"]
    assert {f["url"] for f in held} == {
        "http://tdqxxgk.siping.gov.cn/zsts/",
        "http://tdqxxgk.siping.gov.cn/zcbm/",
    }
    for record in held:
        assert record["reason"] == "robots_unavailable" and record["stage"] == "robots"
        assert "robots.txt answered HTTP 500 Internal Server Error" in record["message"], record
        assert f"gave up after {RETRY_TIMES + 1} attempts" in record["message"]
        assert "RFC 9309" in record["message"]


def test_robots_unreachable_disallows_the_host(robots: Faulted) -> None:
    held = [f for f in robots.archive.failures() if f["site"] == "fuxin"]
    assert [f["url"] for f in held] == ["https://www.fxxh.gov.cn/"]
    assert held[0]["reason"] == "robots_unavailable"
    assert "robots.txt could not be fetched (connection_refused" in held[0]["message"], held[0]


def test_robots_disallowed_section_not_fetched(robots: Faulted) -> None:
    section = f"/zsts/{UNIT}/tzgg/"
    assert not [r for r in robots.requests if r.host == HOST and r.path.startswith(section)]
    held = [f for f in robots.archive.failures() if f["reason"] == "robots_disallowed"]
    assert [f["url"] for f in held] == [f"{BASE}{section}"]
    assert held[0]["stage"] == "robots"
    assert f"robots.txt disallows {BASE}{section}" in held[0]["message"]
    # The rest of the site was crawled.
    assert [d for d in robots.archive.documents() if f"/zsts/{UNIT}/ndbg/" in d["url"]]


def test_retry_after_too_long_gives_up_at_once(robots: Faulted) -> None:
    url = robots.chosen["http_503_retry_after"]
    assert [a.fault for a in robots.attempts(url)] == ["http_503_retry_after"]
    record = robots.failure(url)
    assert record["reason"] == "http_503"
    assert "Retry-After 30 s is more than XXGK_RETRY_AFTER_MAX (0.5 s)" in record["message"], record


# --- unreachable hosts: DNS and refused connections ---------------------------------------------------


@pytest.fixture(scope="module")
def unreachable(replica: ReplicaServer, tmp_path_factory: pytest.TempPathFactory) -> Faulted:
    hosts = (
        f'{{"{HOST}": "http://nothing.invalid", "tdqxxgk.siping.gov.cn": "http://127.0.0.1:{closed_port()}"}}'
    )
    return run_crawl(
        replica,
        tmp_path_factory.mktemp("unreachable"),
        None,
        {},
        "-s",
        f"XXGK_HOST_MAP={hosts}",
        "-s",
        "ROBOTSTXT_OBEY=False",
        sites=("siping", "tiedong"),
    )


def test_dns_failure_retried_once(unreachable: Faulted) -> None:
    held = [f for f in unreachable.archive.failures() if f["site"] == SITE]
    assert {f["url"] for f in held} == {f"{BASE}/zsts/", f"{BASE}/zcbm/"}
    for record in held:
        assert record["reason"] == "dns", record
        assert "gave up after 2 attempts" in record["message"], record


def test_connection_refused_retried(unreachable: Faulted) -> None:
    held = [f for f in unreachable.archive.failures() if f["site"] == "tiedong"]
    assert len(held) == 2
    for record in held:
        assert record["reason"] == "connection_refused", record
        assert f"gave up after {RETRY_TIMES + 1} attempts" in record["message"], record
    assert not unreachable.requests  # neither host reached the replica


# --- every archive stays whole -----------------------------------------------------------------------


@pytest.mark.parametrize("crawl_name", ["server_errors", "network", "recovery", "robots", "unreachable"])
def test_archive_verifies(crawl_name: str, request: pytest.FixtureRequest) -> None:
    faulted: Faulted = request.getfixturevalue(crawl_name)
    assert faulted.runs_finished()
    result = run_xxgk("verify", "--archive", str(faulted.archive.root))
    assert result.returncode == 0, result.stdout[-3000:]
    for path in faulted.archive.root.rglob("*.tmp"):
        raise AssertionError(f"temporary file left behind: {path}")


# --- the pure parts -------------------------------------------------------------------------------------


def test_retry_after_header_forms() -> None:
    """Seconds, or an HTTP-date measured from the answer's Date (a server whose clock is off still
    gets the wait it asked for); the replica sends only seconds."""
    assert parse_retry_after(b"120") == 120
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT", b"Wed, 21 Oct 2026 07:27:00 GMT") == 60
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # a date gone by: no wait
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_doubles_up_to_its_cap() -> None:
    rng = random.Random(1)
    for attempt, full in ((1, 2.0), (2, 4.0), (3, 8.0), (9, 120.0)):
        delays = [backoff_delay(attempt, 2.0, 120.0, rng) for _ in range(200)]
        assert all(full / 2 <= d <= full for d in delays), (attempt, min(delays), max(delays))
        assert max(delays) - min(delays) > full / 4  # jittered, not a fixed beat


def test_reasons_for_the_next_run() -> None:
    passing = [
        *("http_500", "http_502", "http_503", "http_429", "http_408", "http_599", "timeout"),
        *("connection_reset", "connection_refused", "data_loss", "dns", "robots_unavailable"),
        *("challenge_page", "redirect_loop"),
    ]
    for reason in passing:
        assert retryable(reason), reason
    for reason in ("http_404", "http_410", "too_large", "redirect_offsite", "robots_disallowed"):
        assert not retryable(reason) and reason in PERMANENT_REASONS, reason
    assert not RETRYABLE_REASONS & PERMANENT_REASONS
