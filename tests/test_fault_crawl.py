"""A crawl of a replica where a tenth of the requests misbehave (every fault mode of replica/faults.py),
and a handful of pages fail on every attempt: every page ends archived, or listed as failed with its
reason (or behind a page that is); the summary's numbers are the archive's; and once the replica is
healed, the next run asks for the pages that failed for a passing reason and archives them.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import Archive, fetch, run_xxgk
from crawler.failures import retryable
from crawler.pickup import Failed, failed_to_retry
from crawler.runs import crawls_before, last_runs
from crawler.sites import Site, all_sites
from crawler.spiders.trs import trs_page_urls
from crawler.summary import format_summary
from replica.corpus import Corpus, DocTruth
from replica.faults import FAULT_MODES, FaultPlan
from replica.server import ReplicaServer, RequestRecord

pytestmark = [pytest.mark.crawl, pytest.mark.slow]

SITES = ("siping", "fuxin", "tiedong")
#: What the pages that fail on every attempt answer: one of each way a server can be down a while.
ALWAYS_MODES = ("http_503", "reset", "short_body", "http_429_retry_after")


@dataclass(frozen=True)
class PlanWithDownPages(FaultPlan):
    """The replica's fault plan (a share of all requests, drawn anew at each attempt), and besides it
    a few pages that fail at every attempt, as a page does while its server is down: retries in the
    run cannot save them, only the next run can. (One FaultPlan is either sticky or not.)"""

    down: tuple[tuple[str, str], ...] = ()  # (real URL, fault mode)

    def fault_for(self, url: str, attempt: int) -> str | None:
        for down_url, mode in self.down:
            if url == down_url:
                return mode
        return super().fault_for(url, attempt)


def _hrefs(body: bytes, base: str) -> Iterator[str]:
    for href in re.findall(rb"""href\s*=\s*["']([^"'#]+)["']""", body):
        yield urljoin(base, href.decode("utf-8", "replace").strip())


def navigation(server: ReplicaServer, corpus: Corpus, site: Site) -> dict[str, set[str]]:
    """Page -> the pages a crawl reaches from it, as the site definition navigates, read from the
    replica without faults: start, category, unit and list pages by their links (and TRS lists by
    their createPageHTML pager), detail pages by the truth's attachments and images."""
    graph: dict[str, set[str]] = {}
    todo = [(url, "start") for url in site.start_urls]
    while todo:
        url, kind = todo.pop()
        if url in graph:
            continue
        graph[url] = set()
        if kind == "detail":
            continue
        body = fetch(server, url)
        for link in (site.canonical_url(link) for link in _hrefs(body, url)):
            classified = site.classify(link)
            if classified is not None and classified[0] in site.follow.get(kind, ()):
                graph[url].add(link)
                todo.append((link, classified[0]))
        if kind == "list" and site.family == "trs":  # the pager is a script call, not links
            for page in trs_page_urls(body.decode("utf-8", "replace"), url):
                graph[url].add(page)
                todo.append((page, "list"))
    for truth in corpus.documents(site.name):
        graph.setdefault(truth.url, set())
        if truth.parent:
            graph.setdefault(truth.parent, set()).add(truth.url)
        for image in truth.images:
            graph[truth.url].add(image)
            graph.setdefault(image, set())
    return graph


def reachable(graph: Mapping[str, set[str]], starts: tuple[str, ...], stopped: set[str]) -> set[str]:
    """The pages reached from ``starts`` when the pages in ``stopped`` lead nowhere (they failed)."""
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        if url not in stopped:
            todo.extend(graph.get(url, ()))
    return seen


@dataclass
class Run:
    stdout: str
    stderr: str
    requests: list[RequestRecord]
    failures: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # site -> its run's records
    held: dict[str, set[str]] = field(default_factory=dict)  # site -> URLs with a document after the run


@dataclass
class FaultCrawl:
    corpus: Corpus
    truth: dict[str, DocTruth]
    graphs: dict[str, dict[str, set[str]]]
    down: tuple[tuple[str, str], ...]
    first: Run
    second: Run


def _run(archive: Archive, server: ReplicaServer, *settings: str) -> Run:
    served = len(server.requests)
    before = {run["run_id"] for run in archive.runs()}
    result = run_xxgk(
        "crawl", "--archive", str(archive.root), "--replica", server.url, "-s", "LOG_LEVEL=INFO", *settings
    )
    # 4: finished, with site-health problems (a challenge page now and then is one).
    assert result.returncode in (0, 4), result.stdout[-3000:] + result.stderr[-5000:]
    run = Run(result.stdout, result.stderr, server.requests.snapshot()[served:])
    for record in archive.runs():
        if record["run_id"] not in before:
            path = archive.root / "failures" / f"{record['run_id']}.jsonl"
            run.failures[record["site"]] = _log(path)
    for doc in archive.latest_documents().values():
        run.held.setdefault(doc["site"], set()).add(doc["url"])
    assert set(run.failures) == set(SITES)
    return run


def _log(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _down_pages(corpus: Corpus, graphs: Mapping[str, dict[str, set[str]]]) -> tuple[tuple[str, str], ...]:
    """Two detail pages per site listed only beyond the first page of their list: a re-crawl walks
    a list only as far as it brings new pages, so only the pick-up asks for these again."""
    chosen: list[str] = []
    for name in ("siping", "fuxin"):
        site, graph = all_sites()[name], graphs[name]
        listed_on: dict[str, set[str]] = {}
        for page, links in graph.items():
            if (site.classify(page) or ("",))[0] == "list":
                for link in links:
                    listed_on.setdefault(link, set()).add(page)
        later = sorted(
            url
            for url, lists in listed_on.items()
            if (site.classify(url) or ("",))[0] == "detail"
            and not getattr(corpus.truth(url), "fault", "unknown")
            and all(re.search(r"index_\d+\.html$|pageNo=([2-9]|\d\d)", page) for page in lists)
        )
        assert len(later) >= 2, f"{name}: too few pages beyond the first list pages"
        chosen += later[:: max(1, len(later) // 2)][:2]
    return tuple((url, ALWAYS_MODES[i % len(ALWAYS_MODES)]) for i, url in enumerate(chosen))


@pytest.fixture(scope="module")
def fault_crawl(tmp_path_factory: pytest.TempPathFactory) -> FaultCrawl:
    corpus = Corpus(seed=5, pages=150)
    archive = Archive(tmp_path_factory.mktemp("faults"))
    with ReplicaServer(corpus) as server:
        graphs = {name: navigation(server, corpus, all_sites()[name]) for name in SITES}
        down = _down_pages(corpus, graphs)
        # hang and trickle included: a 2 s download timeout bounds them (a hang is held for 3 s).
        server.set_faults(PlanWithDownPages(rate=0.1, modes=FAULT_MODES, seed=1, hang_seconds=3, down=down))
        first = _run(archive, server, "-s", "DOWNLOAD_TIMEOUT=2")
        server.set_faults(None)
        second = _run(archive, server)
    truth = {t.url: t for t in corpus.documents()}
    truth.update({image: t for t in corpus.documents() for image in t.images})
    return FaultCrawl(corpus, truth, graphs, down, first, second)


def _failed(run: Run, site: str) -> dict[str, dict[str, Any]]:
    return {record["url"]: record for record in run.failures[site]}


def test_a_tenth_of_the_requests_were_faulty(fault_crawl: FaultCrawl) -> None:
    """The premise: faults of most modes, on about a tenth of the first run's requests."""
    down = {urlsplit(url).path for url, _mode in fault_crawl.down}
    drawn = [r for r in fault_crawl.first.requests if r.path != "/robots.txt" and r.path not in down]
    faulty = [r for r in drawn if r.fault]
    assert 0.06 < len(faulty) / len(drawn) < 0.16, (len(faulty), len(drawn))
    assert len({r.fault for r in faulty}) >= 12, Counter(r.fault for r in faulty)
    assert not [r for r in fault_crawl.second.requests if r.fault]


def test_every_page_archived_or_failed_with_a_reason(fault_crawl: FaultCrawl) -> None:
    """After the first run, each page the crawl could reach is a document or a failure record with a
    reason (never both); the pages it could not reach are behind a page that failed."""
    first = fault_crawl.first
    problems: list[str] = []
    unreached = 0
    for name in SITES:
        site, graph = all_sites()[name], fault_crawl.graphs[name]
        failed = _failed(first, name)
        assert all(record["reason"] and record["message"] for record in failed.values())
        # A page whose bytes arrived but made no document (stage "extract": a wall, no title) was
        # read for links all the same; the others lead nowhere.
        stopped = {url for url, record in failed.items() if record["stage"] != "extract"}
        reached = reachable(graph, site.start_urls, stopped)
        for url in (u for u in graph if u in fault_crawl.truth):
            held, listed = url in first.held.get(name, set()), url in failed
            if url in reached and held == listed:
                problems.append(f"{url}: {'archived and failed' if held else 'neither archived nor failed'}")
            elif url not in reached:
                unreached += 1
                assert not held, url
    assert not problems, "\n".join(problems[:20])
    # Faults hid some pages behind a failed list page, or a page's files behind it.
    assert unreached < len(fault_crawl.truth) / 4


def test_down_pages_failed_in_the_first_run(fault_crawl: FaultCrawl) -> None:
    reasons = {"http_503": "http_503", "reset": "connection_reset", "short_body": "data_loss"}
    for url, mode in fault_crawl.down:
        site = next(name for name in SITES if all_sites()[name].owns(url))
        record = _failed(fault_crawl.first, site).get(url)
        assert record is not None, f"{url} ({mode}) was not recorded as failed"
        assert record["reason"] == reasons.get(mode, "http_429"), record
        assert retryable(record["reason"])


SUMMARY = re.compile(r"^(\w+) pages: (\d+) archived, (\d+) failed(?: \((.*)\))?$", re.M)
NEXT_RUN = re.compile(r"^(\w+) next run: asks again for (\d+) failed pages? ", re.M)


def _summary(stdout: str) -> dict[str, tuple[int, int, dict[str, int]]]:
    found = {}
    for name, archived, failed, reasons in SUMMARY.findall(stdout):
        by_reason = {r.rsplit(" ", 1)[0]: int(r.rsplit(" ", 1)[1]) for r in reasons.split(", ") if r}
        found[name] = (int(archived), int(failed), by_reason)
    return found


def test_summary_counts_are_the_archives(fault_crawl: FaultCrawl) -> None:
    first = fault_crawl.first
    summary = _summary(first.stdout)
    assert set(summary) == set(SITES), first.stdout
    again = {name: int(n) for name, n in NEXT_RUN.findall(first.stdout)}
    for name in SITES:
        archived, failed, by_reason = summary[name]
        records = first.failures[name]
        # A first run: every document in the archive is one it archived.
        assert archived == len(first.held[name]), name
        assert failed == len(records) and failed > 0, name
        assert by_reason == dict(Counter(r["reason"] for r in records)), name
        retry = {r["url"] for r in records if retryable(r["reason"]) and r["url"] not in first.held[name]}
        assert again[name] == len(retry), (name, again, sorted(retry))
    # The second run's own summary holds too (documents new, changed or unchanged in it).
    assert re.search(r"^siping pages: \d+ archived, \d+ failed", fault_crawl.second.stdout, re.M)


def _stat(stderr: str, key: str) -> int:
    """A counter summed over the crawls' stats dumps (Scrapy logs them at INFO when a crawl ends)."""
    return sum(int(n) for n in re.findall(rf"'{re.escape(key)}': (\d+)", stderr))


def test_the_next_run_picks_up_the_failed_pages(fault_crawl: FaultCrawl) -> None:
    first, second = fault_crawl.first, fault_crawl.second
    asked = {(r.host, r.path) for r in second.requests}
    expected = 0
    missing: list[str] = []
    for name in SITES:
        site, graph = all_sites()[name], fault_crawl.graphs[name]
        failed = _failed(first, name)
        retry = {url for url, r in failed.items() if retryable(r["reason"]) and url not in first.held[name]}
        expected += len(retry)
        for url in retry:
            parts = urlsplit(url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            assert (parts.netloc, path) in asked, f"{url} was not asked for again"
        # Every page not behind a page that failed for good is archived now: the pages that failed
        # for a passing reason, and the pages only they had hidden.
        permanent = {url for url, r in failed.items() if not retryable(r["reason"])}
        stopped = {url for url in permanent if failed[url]["stage"] != "extract"}
        for url in reachable(graph, site.start_urls, stopped):
            truth = fault_crawl.truth.get(url)
            if truth is None or truth.fault or url in permanent:
                continue
            if url not in second.held.get(name, set()):
                missing.append(f"{url} (first run: {failed.get(url, {}).get('reason', 'not reached')})")
    assert not missing, "\n".join(missing[:20])
    assert _stat(second.stderr, "xxgk/pickup/requests") == expected > len(fault_crawl.down)


def test_down_pages_archived_by_the_pick_up_alone(fault_crawl: FaultCrawl) -> None:
    """The pages down in the first run are listed beyond the first page of their list: the second
    run, walking lists only while they bring new pages, did not go there for them."""
    second = fault_crawl.second
    asked = {(r.host, r.path) for r in second.requests}
    not_walked = 0
    for url, _mode in fault_crawl.down:
        site = next(name for name in SITES if all_sites()[name].owns(url))
        assert url in second.held[site], f"{url} not archived by the second run"
        lists = [page for page, links in fault_crawl.graphs[site].items() if url in links]
        parts = [urlsplit(page) for page in lists]
        if not any((p.netloc, p.path + (f"?{p.query}" if p.query else "")) in asked for p in parts):
            not_walked += 1
    assert not_walked >= 1


# --- the pick-up and the summary over archive files (no crawl) ---------------------------------------


def _write_run(root: Path, run_id: str, site: str, failures: list[dict[str, Any]], **record: Any) -> None:
    (root / "runs").mkdir(parents=True, exist_ok=True)
    (root / "failures").mkdir(parents=True, exist_ok=True)
    stamp = f"2026-11-{run_id[6:8]}T{run_id[9:11]}:{run_id[11:13]}:00Z"
    data = {"run_id": run_id, "site": site, "started_at": stamp, "finished_at": stamp, **record}
    (root / "runs" / f"{run_id}.json").write_text(json.dumps(data), "utf-8")
    lines = [json.dumps({"site": site, "referer": None, **f}) + "\n" for f in failures]
    (root / "failures" / f"{run_id}.jsonl").write_text("".join(lines), "utf-8")


def test_pick_up_reads_the_latest_run_and_keeps_what_may_pass(tmp_path: Path) -> None:
    a = "http://txqxxgk.siping.gov.cn/zsts/fgw_1/ndbg/201803/t20180320_1.html"
    _write_run(tmp_path, "20261120T0200Z-siping", "siping", [{"url": a + "?old", "reason": "http_503"}])
    _write_run(
        tmp_path,
        "20261121T0200Z-siping",
        "siping",
        [
            {"url": a, "reason": "http_503", "referer": "http://txqxxgk.siping.gov.cn/zsts/fgw_1/ndbg/"},
            {"url": a, "reason": "timeout"},  # the same page twice: asked for once
            {"url": a + "?404", "reason": "http_404"},  # permanent
            {"url": a + "?held", "reason": "timeout"},  # held: a revisit that failed
            {"url": a + "?522", "reason": "http_522"},  # any 5xx
            {"url": a + "?wall", "reason": "challenge_page"},
            {"url": a + "?big", "reason": "too_large"},
            {"url": a + "?other", "reason": "timeout", "site": "fuxin"},  # not this site's
        ],
    )
    with (tmp_path / "failures" / "20261121T0200Z-siping.jsonl").open("a") as log:
        log.write('{"url": "cut')  # a line cut by a kill
    _write_run(
        tmp_path, "20261122T0200Z-fuxin", "fuxin", [{"url": "https://www.fxxh.gov.cn/x", "reason": "timeout"}]
    )
    got = failed_to_retry(tmp_path, "siping", {a + "?held"})
    assert got == [
        Failed(a, "http://txqxxgk.siping.gov.cn/zsts/fgw_1/ndbg/", "http_503"),
        Failed(a + "?522", None, "http_522"),
        Failed(a + "?wall", None, "challenge_page"),
    ]
    assert failed_to_retry(tmp_path, "tiedong", set()) == []  # no run yet
    # A run record that does not parse is no run (its failures are not "last time").
    (tmp_path / "runs" / "20261123T0200Z-siping.json").write_text("{", "utf-8")
    assert failed_to_retry(tmp_path, "siping", set())[0].url == a


def test_pick_up_of_a_shared_crawl_takes_every_worker_of_the_last_one(tmp_path: Path) -> None:
    def run(run_id: str, started: str, finished: str, crawl: str | None = "siping") -> None:
        _write_run(tmp_path, run_id, "siping", [], crawl=crawl)
        path = tmp_path / "runs" / f"{run_id}.json"
        data = json.loads(path.read_text("utf-8"))
        path.write_text(json.dumps({**data, "started_at": started, "finished_at": finished}), "utf-8")

    # Yesterday's crawl by two workers, today's by three (one joined late); the crawl id is reused.
    run("20261121T0200Z-siping-w1", "2026-11-21T02:00:00Z", "2026-11-21T03:00:00Z")
    run("20261121T0200Z-siping-w2", "2026-11-21T02:00:05Z", "2026-11-21T02:59:00Z")
    run("20261122T0200Z-siping-w1", "2026-11-22T02:00:00Z", "2026-11-22T02:40:00Z")
    run("20261122T0200Z-siping-w2", "2026-11-22T02:00:03Z", "2026-11-22T03:10:00Z")
    run("20261122T0300Z-siping-w3", "2026-11-22T03:00:00Z", "2026-11-22T03:09:00Z")
    today = ["20261122T0200Z-siping-w1", "20261122T0200Z-siping-w2", "20261122T0300Z-siping-w3"]
    assert last_runs(tmp_path, "siping") == today
    # A worker of today's crawl starting at 02:50: the runs that ended since are the crawl under way.
    assert last_runs(tmp_path, "siping", before="2026-11-22T02:50:00Z") == ["20261122T0200Z-siping-w1"]
    assert last_runs(tmp_path, "siping", before="2026-11-22T01:00:00Z") == [
        "20261121T0200Z-siping-w1",
        "20261121T0200Z-siping-w2",
    ]
    # A one-process run after them is the last run, alone.
    run("20261123T0200Z-siping", "2026-11-23T02:00:00Z", "2026-11-23T02:30:00Z", crawl=None)
    assert last_runs(tmp_path, "siping") == ["20261123T0200Z-siping"]


def test_shared_crawls_are_told_apart_by_their_number_and_counted_once(tmp_path: Path) -> None:
    def run(run_id: str, started: str, number: int | None, crawl: str | None = "siping") -> None:
        _write_run(tmp_path, run_id, "siping", [], crawl=crawl)
        path = tmp_path / "runs" / f"{run_id}.json"
        data = json.loads(path.read_text("utf-8"))
        data.update(started_at=started, finished_at=started, crawl_number=number)
        path.write_text(json.dumps(data), "utf-8")

    # Crawl 1 by two workers, crawl 2 by three whose run times do not even overlap (one was slow
    # to start): the numbers, not the times, say which records are one crawl.
    run("20261121T020000.000001Z-siping", "2026-11-21T02:00:00Z", 1)
    run("20261121T020000.000002Z-siping", "2026-11-21T02:00:00Z", 1)
    run("20261122T020000.000001Z-siping", "2026-11-22T02:00:00Z", 2)
    run("20261122T020000.000002Z-siping", "2026-11-22T02:00:00Z", 2)
    run("20261122T050000.000003Z-siping", "2026-11-22T05:00:00Z", 2)
    assert last_runs(tmp_path, "siping") == [
        "20261122T020000.000001Z-siping",
        "20261122T020000.000002Z-siping",
        "20261122T050000.000003Z-siping",
    ]
    run("20261123T020000Z-siping", "2026-11-23T02:00:00Z", None, crawl=None)
    # Two shared crawls and one run alone are three crawls for the revisit rotation, not six;
    # a worker of crawl 2 still running does not count its own crawl.
    assert crawls_before(tmp_path, "siping") == 3
    assert crawls_before(tmp_path, "siping", ("siping", 2)) == 2


def test_summary_lines_count_pages_and_the_pick_up(tmp_path: Path) -> None:
    url = "http://txqxxgk.siping.gov.cn/zsts/fgw_1/ndbg/201803/t20180320_1.html"
    _write_run(
        tmp_path,
        "20261122T0200Z-siping",
        "siping",
        [
            {"url": url, "reason": "http_503"},
            {"url": url + "?2", "reason": "http_503"},
            {"url": url + "?3", "reason": "timeout"},
            {"url": url + "?4", "reason": "robots_disallowed"},
        ],
    )
    stats: dict[str, Any] = {
        "xxgk/run_id": "20261122T0200Z-siping",
        "xxgk/documents/new": 10,
        "xxgk/documents/changed": 2,
        "xxgk/documents/unchanged": 5,
        "xxgk/documents/withdrawn": 1,  # a withdrawal is a failure (404), not an archived page
        "xxgk/attachments/new": 3,
        "xxgk/failures": 4,
        "xxgk/failures/http_503": 2,
        "xxgk/failures/timeout": 1,
        "xxgk/failures/robots_disallowed": 1,
        "finish_reason": "finished",
    }
    text = format_summary([("siping", stats), ("tiedong", {"xxgk/documents/new": 4})], tmp_path)
    lines = text.splitlines()
    assert "siping pages: 20 archived, 4 failed (http_503 2, robots_disallowed 1, timeout 1)" in lines
    assert "siping next run: asks again for 3 failed pages (http_503 2, timeout 1)" in lines
    assert "tiedong pages: 4 archived, 0 failed" in lines
    assert not any(line.startswith("tiedong next run") for line in lines)
    # The table and the lines under it are still there.
    assert lines[1] == "crawl summary" and lines[2].split()[:2] == ["site", "pages"]
    assert f"failures recorded in {tmp_path.resolve() / 'failures'}" in lines
