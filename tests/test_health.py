"""The health of a site (issue 4): challenge pages recognised, sections that went quiet or lost their
fields reported, and the replica's broken template and challenge wall seen end to end."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import Archive, crawl, fetch, run_xxgk
from crawler.summary import format_summary, health_lines
from pipelines.health import (
    ALL_SECTIONS,
    DEFAULT_MIN_SHARE,
    SITE_SECTION,
    HealthProblem,
    SectionCounts,
    assess_run,
    challenge_page,
    health_record,
    min_share_from_env,
    previous_sections,
    section_key,
    visible_bytes,
)
from replica.corpus import Corpus
from replica.server import ReplicaServer

# --- challenge pages as real walls serve them --------------------------------------------------------

JIASULE_STAGE1 = (
    b"<script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')"
    b"+('a')+('n')+('c')+('e')+('_')+('s')+('=')+(-~[]+'')+(1+[0]+'')+'|-1|'+[[]][0]"
    b"+';max-age=3600;path=/';location.href=location.pathname+location.search</script>"
)
JIASULE_STAGE2 = (
    b'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><script>'
    b"function go(_0x4a1b2c){var _0x5d2e11=document.createElement('div');}"
    b'go({"bts":["1667","%2BB"],"chars":"abcdef","ct":"5d1e","ha":"sha1","is":true,'
    b'"tn":"__jsl_clearance_s","vt":"3600","wt":"1500"})</script></body></html>'
)
RUISHU = (
    b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    b'<meta id="9DhefwqGPrzR" content="' + b"x" * 300 + b'" r="m">'
    b"<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={};"
    b'$_ts.nsd=71563;$_ts.cd="qqqrrAlrqqqqrrAkqqcqrqLqqqq";</script>'
    b'<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/c.FxJzG50F.dfe1675.js" r="m">'
    b"</script></head><body></body></html>"
)
# A ruishu page whose bootstrap is inlined under other names: only the obfuscation shows.
OBFUSCATED = (
    b"<html><head><script>var "
    + b",".join(b"_$" + bytes([97 + i % 26, 65 + i // 26]) for i in range(40))
    + b";(function(){_$aA=_$bA(_$cA);})();</script></head><body></body></html>"
)
ALIYUN = (
    b"<html><script>\nvar arg1='3B0F9A7C2E5D1F8B6A4C';\nvar _0x4818=['\\x63\\x6f'];"
    b"function setCookie(name,value){var expiredate=new Date();"
    b"document.cookie=name+'='+value+';expires='+expiredate.toGMTString()+';max-age=3600;path=/';}"
    b"function reload(x){setCookie('acw_sc__v2',x);document.location.reload();}"
    b"</script></html>"
)
CLOUDFLARE = (
    b'<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    b'<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper">'
    b'<h1 class="zone-name-title h1">www.example.gov.cn</h1><h2>Checking if the site connection is '
    b"secure</h2><noscript><div>Enable JavaScript and cookies to continue</div></noscript></div>"
    b"<script>(function(){window._cf_chl_opt={cvId: '2',cZone: 'www.example.gov.cn',cType: "
    b"'managed'};var a=document.createElement('script');a.src='/cdn-cgi/challenge-platform/h/b/"
    b"orchestrate/chl_page/v1';document.getElementsByTagName('head')[0].appendChild(a);}());"
    b"</script></body></html>"
)
NOSCRIPT_GBK = (
    '<html><head><meta charset="gbk"><script src="/static/js/app.3f2a.js"></script></head>'
    "<body><noscript>您的浏览器未开启JavaScript，请开启后刷新本页。</noscript></body></html>"
).encode("gb18030")
COOKIE_RELOAD = (
    b"<html><head><script>var t=new Date().getTime();document.cookie='wzws_cid='+t+';path=/';"
    b"window.location.reload(true);</script></head><body></body></html>"
)

WALLS = {
    "jiasule stage 1": JIASULE_STAGE1,
    "jiasule stage 2": JIASULE_STAGE2,
    "ruishu": RUISHU,
    "obfuscated": OBFUSCATED,
    "aliyun": ALIYUN,
    "cloudflare": CLOUDFLARE,
    "noscript gbk": NOSCRIPT_GBK,
    "cookie and reload": COOKIE_RELOAD,
}


@pytest.mark.parametrize("name", sorted(WALLS))
def test_challenge_pages_are_recognised(name: str) -> None:
    assert challenge_page(WALLS[name]) is not None


def test_challenge_reasons_name_the_wall() -> None:
    assert challenge_page(JIASULE_STAGE2) == "jiasule __jsl_clearance cookie script"
    assert challenge_page(RUISHU) == "ruishu $_ts obfuscated script"
    assert challenge_page(ALIYUN) == "aliyun acw_sc__ cookie script"
    assert challenge_page(CLOUDFLARE) == "cloudflare challenge"
    assert challenge_page(JIASULE_STAGE1) == "script sets a cookie and reloads"
    assert challenge_page(COOKIE_RELOAD) == "script sets a cookie and reloads"
    assert challenge_page(OBFUSCATED) == "obfuscated script and no content"
    assert challenge_page(NOSCRIPT_GBK) == "noscript asks to enable JavaScript"


ARTICLE = "".join(
    f"<p>第{i}条 为规范本网站对Cookie的使用，现说明如下：本网站使用document.cookie记录字体大小，"
    "不收集个人信息。</p>"
    for i in range(12)
)
ORDINARY = {
    # A notice about cookies, with the site's own cookie script and a reload button.
    "cookie notice": (
        "<html><head><title>关于本网站使用Cookie的说明</title><script>function setSize(s){"
        "document.cookie='fontsize='+s;location.reload();}</script></head><body>"
        f"<h1>关于本网站使用Cookie的说明</h1><div class='info'>发布日期：2023-05-06</div>{ARTICLE}"
        "<noscript>请开启JavaScript以使用字体调整</noscript></body></html>"
    ).encode(),
    # A tiny page that redirects with a script but sets no cookie (a site's root, say).
    "script redirect": b"<html><head><script>location.href='/xxgk/index.html';</script></head></html>",
    # A tiny page that reads a cookie.
    "cookie read": b"<html><body><script>var c=document.cookie;</script><p>OK</p></body></html>",
    "empty": b"",
    "binary": bytes(range(256)) * 40,
    "not html": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj document.cookie=1;location.reload()",
    "unclosed script": b"<html><script>document.cookie='a=1';" + b"x" * 5000,
    "huge": b"<html><script>document.cookie='a=1';location.reload()</script>" + b" " * 400_000,
}


@pytest.mark.parametrize("name", sorted(ORDINARY))
def test_ordinary_pages_are_not_challenges(name: str) -> None:
    assert challenge_page(ORDINARY[name]) is None


def test_real_pages_are_not_challenges(samples_dir: Path) -> None:
    pages = sorted(samples_dir.glob("*.html"))
    assert pages
    for path in pages:
        assert challenge_page(path.read_bytes()) is None, path.name


def test_replica_pages_are_not_challenges_until_the_wall_is_up() -> None:
    corpus = Corpus(seed=3, pages=120)
    with ReplicaServer(corpus) as server:
        urls = []
        for site in ("siping", "fuxin"):
            pages = [t.url for t in corpus.documents(site) if t.kind not in ("attachment", "image")]
            urls += pages[:30] + corpus.list_pages(site)[:3]
        bodies = {}
        for url in urls:
            try:
                bodies[url] = fetch(server, url)
            except OSError:  # the replica's 404 and 500 faults
                continue
        assert len(bodies) > 40
        assert [u for u, b in bodies.items() if challenge_page(b)] == []
        server.challenge("siping")
        walled = [u for u in bodies if "siping" in u]
        assert walled
        for url in walled:
            assert challenge_page(fetch(server, url)) == "ruishu $_ts obfuscated script", url
        fuxin = [u for u in bodies if "fxxh" in u]
        assert fuxin and all(challenge_page(fetch(server, u)) is None for u in fuxin)
        server.challenge("siping", on=False)
        assert all(challenge_page(fetch(server, u)) is None for u in walled)


def test_visible_bytes_ignores_scripts_styles_and_tags() -> None:
    assert visible_bytes(b"<style>p{a:b}</style><script>var x='long text';</script><p> ab </p>") == 2
    assert visible_bytes(RUISHU) == 0


def test_a_challenge_answer_is_a_failure_with_its_bytes_never_a_document(tmp_path: Path) -> None:
    """Through the worker's own function, for each kind of capture (a PDF's URL walled too)."""
    from pipelines.capture import Capture, archive_capture, store_for

    for kind in ("detail", "list", "attachment"):
        capture = Capture(
            url=f"http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/{kind}.html",
            site="siping",
            kind=kind,
            fetched_at="2024-01-01T00:00:00Z",
            status=200,
            headers={"Content-Type": "text/html"},
            body=RUISHU,
            http_charset=None,
            referer=None,
            groups={"unit": "fgw_12305", "column": "ndbg"},
            profile=None,
            hints={},
            archive=str(tmp_path),
            fsync=False,
            run_id="20240101T000000Z-siping",
        )
        outcome = archive_capture(capture, defer_attachments=True)
        assert (outcome.failure, outcome.challenge) == ("challenge_page", "ruishu $_ts obfuscated script")
    store = store_for(str(tmp_path), False)
    store.close()
    failures = Archive(tmp_path).failures()
    assert [f["reason"] for f in failures] == ["challenge_page"] * 3
    assert {store.read_raw(f["raw_sha256"]) for f in failures} == {RUISHU}
    assert store.iter_documents() == []


# --- assessing a run --------------------------------------------------------------------------------


def counts(**values: int) -> SectionCounts:
    return SectionCounts(**values)  # type: ignore[arg-type]


def codes(problems: list[HealthProblem]) -> list[tuple[str, str]]:
    return [(p.code, p.section) for p in problems]


def test_section_key_names_unit_and_column() -> None:
    assert section_key({"category": "zsts", "unit": "fgw_12305", "column": "ndbg"}) == "fgw_12305/ndbg"
    assert section_key({"column": "2001"}) == "2001"
    assert section_key({}) == SITE_SECTION


def test_a_section_that_produced_documents_and_now_none_is_empty() -> None:
    previous = {"a/ndbg": counts(documents=10, archived=10), "a/tzgg": counts(documents=8, archived=8)}
    now = {"a/ndbg": counts(documents=10, archived=0, no_title=10), "a/tzgg": counts(documents=8, archived=8)}
    problems = assess_run(now, previous)
    assert ("section_empty", "a/ndbg") in codes(problems)
    assert ("section_empty", "a/tzgg") not in codes(problems)
    empty = next(p for p in problems if p.code == "section_empty")
    assert empty.details == {"previous": 10, "documents": 10, "linked": 0}
    # A section gone from this run altogether is empty too.
    assert codes(assess_run({}, previous)) == [("section_empty", "a/ndbg"), ("section_empty", "a/tzgg")]


def test_a_section_whose_lists_still_link_its_pages_is_not_empty() -> None:
    """A re-crawl fetches no page the archive holds: the lists linking them are the section's life."""
    previous = {"a/ndbg": counts(documents=10, archived=10, linked=10)}
    assert assess_run({"a/ndbg": counts(lists=1, linked=10)}, previous) == []
    # The next run compares with that one: still alive through its links.
    assert assess_run({"a/ndbg": counts(lists=1, linked=10)}, {"a/ndbg": counts(linked=10)}) == []
    # Lists that link nothing, and nothing archived: empty.
    assert codes(assess_run({"a/ndbg": counts(lists=1)}, previous)) == [("section_empty", "a/ndbg")]
    # A few new pages failing among many listed is not an empty section.
    assert assess_run({"a/ndbg": counts(linked=10, documents=2, no_title=2)}, previous) == []


def test_pages_that_failed_last_run_too_are_left_out_of_the_shares() -> None:
    section = {"s": counts(documents=9, archived=6, repeats=3, no_title=1)}
    assert assess_run(section, {}) == []
    # Counted as new failures they would have made 5 of 9 lack a title... but not when they repeat.
    section = {"s": counts(documents=9, archived=6, repeats=1, no_title=2)}
    assert codes(assess_run(section, {})) == [("fields_missing", "s")]
    assert assess_run(section, {})[0].details == {
        "field": "title",
        "share": 0.75,
        "documents": 8,
        "rule": "section",
    }


def test_a_small_section_is_not_judged_empty() -> None:
    assert assess_run({}, {"a/gkzn": counts(documents=2, archived=2)}) == []
    assert assess_run({}, {"a/gkzn": counts(documents=2, archived=2)}, min_documents=2) != []


def test_fields_missing_below_the_share() -> None:
    problems = assess_run({"s": counts(documents=10, archived=10, no_date=3)}, {})
    assert codes(problems) == [("fields_missing", "s")]
    assert problems[0].details == {"field": "date", "share": 0.7, "documents": 10, "rule": "section"}
    assert "70%" in problems[0].message
    # At the share, or with one page lacking, or in a small section: nothing.
    assert assess_run({"s": counts(documents=10, archived=10, no_date=2)}, {}) == []
    assert assess_run({"s": counts(documents=5, archived=4, no_title=1)}, {}) == []
    assert assess_run({"s": counts(documents=4, archived=0, no_title=4)}, {}) == []
    # A share set higher catches what the default lets through.
    assert codes(assess_run({"s": counts(documents=10, no_date=2)}, {}, min_share=0.9)) == [
        ("fields_missing", "s")
    ]


def test_each_missing_field_is_a_problem() -> None:
    problems = assess_run({"s": counts(documents=6, no_title=6, no_date=6, no_body=6)}, {})
    assert [p.details["field"] for p in problems] == ["title", "date", "body"]


def test_sections_too_small_alone_are_judged_summed() -> None:
    """A re-crawl fetches a few pages per section: none reaches 5, together they do."""
    sections = {
        "2006": counts(documents=2, no_title=2),
        "2007": counts(documents=2, archived=1, no_title=1),
        "2008": counts(documents=3, archived=3),
        SITE_SECTION: counts(documents=1, archived=1),
    }
    problems = assess_run(sections, {})
    assert codes(problems) == [("fields_missing", ALL_SECTIONS)]
    assert problems[0].details == {
        "field": "title",
        "share": 0.625,
        "documents": 8,
        "rule": "site",
        "sections": {"2006": 2, "2007": 1},
    }
    assert "all sections summed" in problems[0].message and "2006 (2), 2007 (1)" in problems[0].message
    # Fewer than 5 pages in all, or a single page lacking: nothing.
    assert assess_run({"2006": counts(documents=2, no_title=2), "2007": counts(documents=2)}, {}) == []
    assert assess_run({k: counts(documents=3, no_title=int(k == "a")) for k in "abc"}, {}) == []


def test_the_site_wide_sum_leaves_out_repeats_and_unreadable_pages() -> None:
    sections = {
        "a": counts(documents=4, repeats=3, archived=1),
        "b": counts(documents=4, unreadable=3, archived=1),
        "c": counts(documents=2, no_date=2),
    }
    # 10 pages answered, 4 judged, 2 lacking: too few to judge.
    assert assess_run(sections, {}) == []
    sections["d"] = counts(documents=2, archived=2)
    problems = assess_run(sections, {})
    assert [(p.section, p.details["field"], p.details["documents"]) for p in problems] == [
        (ALL_SECTIONS, "date", 6)
    ]


def test_a_section_reported_alone_is_not_summed_again() -> None:
    small = {f"s{i}": counts(documents=3, archived=3) for i in range(4)}
    # One big broken section among healthy small ones: reported once, by name.
    sections = {**small, "big": counts(documents=10, no_title=10, no_body=1)}
    assert codes(assess_run(sections, {})) == [("fields_missing", "big")]
    # Small ones broken too: the sum of the others names them, not the big one again.
    sections.update({"s0": counts(documents=3, no_title=3), "s1": counts(documents=3, no_title=2)})
    problems = assess_run(sections, {})
    assert codes(problems) == [("fields_missing", "big"), ("fields_missing", ALL_SECTIONS)]
    assert problems[1].details["sections"] == {"s0": 3, "s1": 2}
    assert problems[1].details["documents"] == 12
    # Per field: a section reported for its titles still counts for its dates.
    sections = {
        **small,
        "big": counts(documents=10, no_title=10, no_date=3),
        "s0": counts(documents=3, no_date=1),
    }
    problems = assess_run(sections, {})
    assert [(p.section, p.details["field"]) for p in problems] == [("big", "title"), ("big", "date")]
    sections["s1"] = counts(documents=3, no_date=3)
    problems = assess_run(sections, {})
    assert [(p.section, p.details["field"]) for p in problems] == [
        ("big", "title"),
        ("big", "date"),
        (ALL_SECTIONS, "date"),
    ]
    assert problems[2].details["sections"] == {"s1": 3, "s0": 1}
    sections["big"] = counts(documents=10, no_title=10, no_date=1)
    problems = assess_run(sections, {})
    assert [(p.section, p.details["field"]) for p in problems] == [("big", "title"), (ALL_SECTIONS, "date")]
    assert problems[1].details["sections"] == {"s1": 3, "big": 1, "s0": 1}


def test_a_healthy_recrawl_sums_to_nothing() -> None:
    """Revisits answered 304 are archived pages lacking nothing; one odd new page is no problem."""
    sections = {f"{2000 + i}": counts(documents=2, archived=2, lists=1, linked=20) for i in range(10)}
    sections["2003"] = counts(documents=3, archived=2, no_date=1, no_body=1, lists=1, linked=20)
    assert assess_run(sections, {k: counts(linked=20) for k in sections}) == []


def test_challenge_pages_are_problems_of_their_section() -> None:
    problems = assess_run({SITE_SECTION: counts(challenges=2)}, {})
    assert codes(problems) == [("challenge_page", SITE_SECTION)]
    assert problems[0].details == {"challenges": 2}


def test_min_share_from_env() -> None:
    assert min_share_from_env({}) == DEFAULT_MIN_SHARE
    assert min_share_from_env({"XXGK_HEALTH_MIN_SHARE": "0.5"}) == 0.5
    assert min_share_from_env({"XXGK_HEALTH_MIN_SHARE": "lots"}) == DEFAULT_MIN_SHARE
    assert min_share_from_env({"XXGK_HEALTH_MIN_SHARE": "1.5"}) == DEFAULT_MIN_SHARE


def test_previous_sections_takes_the_latest_run_with_documents() -> None:
    newest = {"health": {"sections": {"a": {"documents": 0, "lists": 1}, "b": {"linked": 3}}}}
    older = {"health": {"sections": {"a": {"documents": 9, "archived": 9}, "b": {"documents": 7}}}}
    broken: list[dict[str, Any]] = [{"health": None}, {"health": {"sections": []}}, {}]
    found = previous_sections([newest, *broken, older])
    assert found["a"].archived == 9  # the newest run saw nothing of a: the older one counts
    assert found["b"].linked == 3 and found["b"].produced() == 3


def test_counts_from_a_hostile_record_are_zero() -> None:
    read = SectionCounts.from_dict({"documents": "12", "archived": -3, "no_title": True, "groups": 5})
    assert read == SectionCounts()
    read = SectionCounts.from_dict({"documents": 4, "groups": {"unit": "u"}})
    assert (read.documents, read.groups) == (4, {"unit": "u"})


def test_health_record() -> None:
    sections = {"s": counts(documents=6, no_title=6)}
    record = health_record(sections, assess_run(sections, {}))
    assert record["ok"] is False
    assert record["problems"][0]["code"] == "fields_missing"
    assert record["sections"]["s"]["no_title"] == 6
    assert health_record({}, [])["ok"] is True


def test_summary_prints_the_problems() -> None:
    stats = {"xxgk/health/problems": ["section_empty a/ndbg: produced 9 documents last time, none now"]}
    text = format_summary([("siping", stats), ("fuxin", {"xxgk/health/problems": []})], Path("."))
    assert "SITE HEALTH: 1 problem(s)" in text
    assert "  siping: section_empty a/ndbg: produced 9 documents last time, none now" in text
    assert health_lines([("fuxin", {})]) == []


# --- end to end with the replica --------------------------------------------------------------------


def recrawl(archive: Path, server: ReplicaServer, *extra: str) -> subprocess.CompletedProcess[str]:
    """A crawl that may report ill health: exit 0 now, 4 once `xxgk crawl` fails on it."""
    result = run_xxgk(
        "crawl", *extra, "--archive", str(archive), "--replica", server.url, "-s", "LOG_LEVEL=WARNING"
    )
    assert result.returncode in (0, 4), result.stdout[-3000:] + result.stderr[-5000:]
    return result


def last_run(archive: Archive, site: str) -> dict[str, Any]:
    runs = [r for r in archive.runs() if r["site"] == site]
    return runs[-1]


def problems_of(run: dict[str, Any]) -> set[tuple[str, str]]:
    return {(p["code"], p["section"]) for p in run["health"]["problems"]}


@pytest.fixture(scope="module")
def template_crawls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Siping crawled, crawled again unchanged, with its ndbg column redesigned, then restored."""
    root = tmp_path_factory.mktemp("health-template")
    archive = Archive(root)
    corpus = Corpus(seed=1, pages=300)
    out: dict[str, Any] = {"archive": archive, "corpus": corpus}
    with ReplicaServer(corpus) as server:
        crawl(root, server, "siping")
        out["first"] = last_run(archive, "siping")
        out["unchanged_result"] = recrawl(root, server, "siping")
        out["unchanged"] = last_run(archive, "siping")
        server.set_template("siping", "ndbg", "broken")
        # Every page fetched: a re-crawl fetches only new pages (and a share of the known ones),
        # and a redesign of the detail pages alone shows only on the pages fetched.
        full = ("-s", "XXGK_INCREMENTAL_LISTS=False")
        out["broken_result"] = recrawl(root, server, "siping", *full)
        out["broken"] = last_run(archive, "siping")
        out["still_broken"] = (recrawl(root, server, "siping", *full), last_run(archive, "siping"))
        server.set_template("siping", "ndbg", "standard")
        recrawl(root, server, "siping")
        out["restored"] = last_run(archive, "siping")
    return out


def test_a_healthy_crawl_and_an_unchanged_recrawl_report_healthy(template_crawls: dict[str, Any]) -> None:
    for key in ("first", "unchanged"):
        health = template_crawls[key]["health"]
        assert health["ok"] is True, health["problems"]
        assert health["problems"] == []
    assert "SITE HEALTH" not in template_crawls["unchanged_result"].stdout
    sections = template_crawls["unchanged"]["health"]["sections"]
    assert sections["fgw_12305/ndbg"]["linked"] >= 5
    assert sections["fgw_12305/ndbg"]["groups"] == {"unit": "fgw_12305", "column": "ndbg"}


def test_a_redesigned_section_is_reported_by_name(template_crawls: dict[str, Any]) -> None:
    first, broken = template_crawls["first"], template_crawls["broken"]
    assert broken["health"]["ok"] is False
    found = problems_of(broken)
    ndbg = [k for k, v in first["health"]["sections"].items() if k.endswith("/ndbg") and v["archived"] >= 5]
    assert len(ndbg) == 3
    for section in ndbg:
        assert ("section_empty", section) in found
        assert ("fields_missing", section) in found
        counted = broken["health"]["sections"][section]
        assert counted["archived"] == 0 and counted["no_title"] == counted["documents"] > 0
    # The other sections are fine.
    assert {section for _code, section in found} == set(ndbg)
    titles = [p for p in broken["health"]["problems"] if p["code"] == "fields_missing"]
    assert "title" in {p["details"]["field"] for p in titles}
    out = template_crawls["broken_result"].stdout
    assert "SITE HEALTH" in out and "section_empty" in out and ndbg[0] in out


def test_a_section_still_broken_is_reported_again(template_crawls: dict[str, Any]) -> None:
    _result, run = template_crawls["still_broken"]
    assert ("section_empty", "fgw_12305/ndbg") in problems_of(run)


def test_a_restored_section_is_healthy_again(template_crawls: dict[str, Any]) -> None:
    health = template_crawls["restored"]["health"]
    assert health["ok"] is True, health["problems"]


@pytest.fixture(scope="module")
def challenge_crawls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Fuxin crawled, then crawled again behind a challenge wall."""
    root = tmp_path_factory.mktemp("health-challenge")
    archive = Archive(root)
    corpus = Corpus(seed=2, pages=200)
    out: dict[str, Any] = {"archive": archive}
    with ReplicaServer(corpus) as server:
        crawl(root, server, "fuxin")
        out["first"] = last_run(archive, "fuxin")
        out["documents_before"] = len(archive.store.iter_documents())
        server.challenge("fuxin")
        out["result"] = recrawl(root, server, "fuxin")
        out["walled"] = last_run(archive, "fuxin")
    return out


def test_a_challenge_wall_is_reported_and_recorded(challenge_crawls: dict[str, Any]) -> None:
    archive: Archive = challenge_crawls["archive"]
    first, walled = challenge_crawls["first"], challenge_crawls["walled"]
    assert first["health"]["ok"] is True, first["health"]["problems"]
    assert walled["health"]["ok"] is False
    found = problems_of(walled)
    assert ("challenge_page", SITE_SECTION) in found
    # Every section that had documents is reported empty.
    had = {k for k, v in first["health"]["sections"].items() if max(v["archived"], v["linked"]) >= 5}
    assert had and {s for c, s in found if c == "section_empty"} == had
    # The wall's pages are failures whose bytes are kept, and nothing of them became a document.
    walled_failures = [
        json.loads(line)
        for line in (archive.root / "failures" / f"{walled['run_id']}.jsonl").read_text("utf-8").splitlines()
    ]
    challenges = [f for f in walled_failures if f["reason"] == "challenge_page"]
    assert challenges and len(challenges) == walled["failures_by_reason"]["challenge_page"]
    store = archive.store
    for failure in challenges:
        assert challenge_page(store.read_raw(failure["raw_sha256"])) == failure["message"]
    assert len(store.iter_documents()) == challenge_crawls["documents_before"]
    digests = {f["raw_sha256"] for f in challenges}
    assert not any(doc["raw"]["sha256"] in digests for doc in archive.documents())
    assert "challenge_page" in challenge_crawls["result"].stdout


def test_health_of_a_crawl_limited_to_some_columns(tmp_path: Path) -> None:
    """A crawl limited to one unit says nothing of the sections it was not asked to visit."""
    corpus = Corpus(seed=1, pages=300)
    with ReplicaServer(corpus) as server:
        crawl(tmp_path, server, "siping")
        recrawl(tmp_path, server, "siping", "-a", "units=fgw_12305")
    run = last_run(Archive(tmp_path), "siping")
    assert run["health"]["ok"] is True, run["health"]["problems"]
    assert {k.split("/")[0] for k in run["health"]["sections"]} == {"fgw_12305"}


# --- re-crawls: revisits counted in their sections, judged summed -----------------------------------

FUXIN_LIST = re.compile(r"/channel/list/(\d+)\.html")


@pytest.fixture(scope="module")
def fuxin_recrawls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Fuxin crawled, re-crawled unchanged, then re-crawled with its ndbg detail pages redesigned
    (lists unchanged): re-crawls as cron runs them (incremental, a tenth of the held pages revisited)."""
    root = tmp_path_factory.mktemp("health-recrawl")
    archive = Archive(root)
    # Seed 1: the third run's rotating tenth holds 14 pages, 7 of them ndbg (seed 2: 2 of 7, too close
    # to the threshold to prove much).
    corpus = Corpus(seed=1, pages=200)
    out: dict[str, Any] = {"archive": archive, "corpus": corpus}
    with ReplicaServer(corpus) as server:
        crawl(root, server, "fuxin")
        out["first"] = last_run(archive, "fuxin")
        # Where each held page was listed (the referer its document keeps), and each failed one.
        out["referers"] = {d["url"]: d["referer"] for d in archive.documents() if d["kind"] == "page"}
        out["listed_on"] = {f["url"]: f["referer"] for f in archive.failures()} | out["referers"]
        server.requests.clear()
        out["unchanged_result"] = recrawl(root, server, "fuxin")
        out["unchanged"] = last_run(archive, "fuxin")
        out["unchanged_requests"] = server.requests.snapshot()
        server.set_template("fuxin", "ndbg", "broken")
        server.requests.clear()
        out["broken_result"] = recrawl(root, server, "fuxin")
        out["broken"] = last_run(archive, "fuxin")
        out["broken_requests"] = server.requests.snapshot()
    return out


def fuxin_details(requests: list[Any]) -> list[str]:
    """Real URLs of the Fuxin detail pages a crawl was answered (200 or 304)."""
    return [
        f"https://www.fxxh.gov.cn{r.path}"
        for r in requests
        if r.path.startswith("/content/") and r.status in (200, 304)
    ]


def test_revisited_jtopcms_pages_count_in_their_section(fuxin_recrawls: dict[str, Any]) -> None:
    run, referers = fuxin_recrawls["unchanged"], fuxin_recrawls["referers"]
    assert run["health"]["ok"] is True, run["health"]["problems"]
    assert "SITE HEALTH" not in fuxin_recrawls["unchanged_result"].stdout
    answered = fuxin_details(fuxin_recrawls["unchanged_requests"])
    revisited = [u for u in answered if u in referers]
    assert len(revisited) >= 5  # a tenth of the held pages (the others: last run's failures, listed)
    expected: dict[str, int] = {}
    for url in answered:
        listed = FUXIN_LIST.search(fuxin_recrawls["listed_on"].get(url) or "")
        assert listed, (url, fuxin_recrawls["listed_on"].get(url))
        expected[listed[1]] = expected.get(listed[1], 0) + 1
    sections = run["health"]["sections"]
    assert sections.get(SITE_SECTION, {}).get("documents", 0) == 0
    counted = {k: v["documents"] for k, v in sections.items() if v["documents"]}
    assert counted == expected
    assert all(sections[k]["groups"] == {"column": k} for k in counted)
    # A revisit keeps its referer in the page's next version too (through the 304 or a new version).
    for url in revisited:
        latest = fuxin_recrawls["archive"].latest(url, "fuxin")
        assert latest is not None and latest["referer"] == referers[url]


def test_a_redesign_of_detail_pages_alone_fails_an_incremental_recrawl(
    fuxin_recrawls: dict[str, Any],
) -> None:
    corpus: Corpus = fuxin_recrawls["corpus"]
    first, run, result = fuxin_recrawls["first"], fuxin_recrawls["broken"], fuxin_recrawls["broken_result"]
    assert first["health"]["ok"] is True, first["health"]["problems"]
    assert result.returncode == 4, result.stdout[-3000:]
    # An incremental re-crawl (the held pages due this run, and last run's failures listed again):
    # too few pages per section for any to be judged alone; the sum is.
    fetched = set(fuxin_details(fuxin_recrawls["broken_requests"]))
    assert len(fetched) < len(fuxin_recrawls["referers"]) / 2
    assert all(v["documents"] < 5 for v in run["health"]["sections"].values())
    problems = run["health"]["problems"]
    assert {p["code"] for p in problems} == {"fields_missing"}
    site_wide = [p for p in problems if p["section"] == ALL_SECTIONS]
    assert site_wide and {p["details"]["rule"] for p in site_wide} == {"site"}
    assert "title" in {p["details"]["field"] for p in site_wide}
    for problem in site_wide:
        lacking = problem["details"]["sections"]
        assert lacking and sum(lacking.values()) >= 2
        for channel in lacking:  # the redesigned column's sections, and only them
            owner = corpus.unit_by_channel(int(channel))
            assert owner is not None and owner[1] == "ndbg", channel
    assert "SITE HEALTH" in result.stdout and f"fields_missing {ALL_SECTIONS}" in result.stdout


def test_known_pages_keep_the_referer_of_the_latest_version_that_has_one(tmp_path: Path) -> None:
    """An archive written before revisits carried their referer: its latest versions have none."""
    from crawler.known import Validators, known_pages
    from pipelines.archive.store import doc_id

    def version(url: str, n: int, referer: str | None, etag: str) -> None:
        ident = doc_id(url)
        path = tmp_path / "documents" / "fuxin" / ident[:2] / f"{ident}.v{n:04d}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"url": url, "referer": referer, "http": {"status": 200, "headers": {"ETag": etag}}}
        path.write_text(json.dumps(doc), "utf-8")

    listed, relisted = (
        "https://www.fxxh.gov.cn/content/2020/1.html",
        "https://www.fxxh.gov.cn/content/2020/2.html",
    )
    version(listed, 1, "https://www.fxxh.gov.cn/channel/list/2006.html?pageNo=2", '"a"')
    version(listed, 2, None, '"b"')
    version(relisted, 1, "https://www.fxxh.gov.cn/channel/list/2006.html", '"c"')
    version(relisted, 2, "https://www.fxxh.gov.cn/channel/list/2011.html", '"d"')
    assert known_pages(tmp_path, "fuxin") == {
        listed: Validators('"b"', None, "https://www.fxxh.gov.cn/channel/list/2006.html?pageNo=2"),
        relisted: Validators('"d"', None, "https://www.fxxh.gov.cn/channel/list/2011.html"),
    }
