"""One page, one URL: canonical URLs (crawler/canonical.py), their rules in the site definitions, and a
crawl of a replica that links every page twice (tracking parameters, …/index.html) archiving each once."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import Archive, crawl, fetch, run_xxgk
from crawler.canonical import DEFAULT_RULES, CanonicalRules, canonical_url
from crawler.sites import SiteDefinitionError, all_sites, parse_site
from pipelines.archive.store import doc_id
from replica.corpus import Corpus
from replica.routes import SHARE_QUERIES, is_tracking
from replica.server import ReplicaServer, RequestRecord

TRS = all_sites()["siping"].canonical
DETAIL = "http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/201803/t20180320_205386.html"


# --- canonical_url ---------------------------------------------------------------------------------


def test_tracking_parameters_and_fragment_go() -> None:
    assert canonical_url(f"{DETAIL}?utm_source=wechat&utm_medium=share", TRS) == DETAIL
    assert canonical_url(f"{DETAIL}?from=timeline&isappinstalled=0#top", TRS) == DETAIL
    assert canonical_url(f"{DETAIL}#top", TRS) == DETAIL
    # Names are matched as the server reads them: an escaped underscore is still utm_.
    assert canonical_url(f"{DETAIL}?utm%5Fsource=x", TRS) == DETAIL


def test_other_parameters_keep_their_order_and_spelling() -> None:
    url = "https://www.fxxh.gov.cn/channel/list/12.html?pageNo=3&from=timeline&b=%E4%B8%AD&a=1&spm=x.y"
    assert canonical_url(url, TRS) == "https://www.fxxh.gov.cn/channel/list/12.html?pageNo=3&b=%E4%B8%AD&a=1"
    untouched = "https://www.fxxh.gov.cn/channel/list/12.html?z=1&pageNo=2&a="
    assert canonical_url(untouched, TRS) is untouched


def test_index_file_is_its_folder() -> None:
    base = "http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/"
    assert canonical_url(base + "index.html", TRS) == base
    assert canonical_url(base + "index.htm", TRS) == base
    assert canonical_url("https://www.fxxh.gov.cn/index.html", all_sites()["fuxin"].canonical) == (
        "https://www.fxxh.gov.cn/"
    )
    # Another page of the list is a page of its own; so is index.html anywhere but at the end.
    assert canonical_url(base + "index_1.html", TRS) == base + "index_1.html"
    assert canonical_url(base + "index.html/x", TRS) == base + "index.html/x"
    assert canonical_url(base + "index.html?a=1&utm_x=2", TRS) == base + "?a=1"
    # Without index_files (the default), …/index.html is left alone: not every server agrees.
    assert canonical_url(base + "index.html", DEFAULT_RULES) == base + "index.html"


def test_a_mangled_url_is_left_as_it_is() -> None:
    assert canonical_url("http://[x/a?utm_source=1", TRS) == "http://[x/a?utm_source=1"


NAMES = st.sampled_from(
    ["pageNo", "id", "channel", "a", "utm_source", "utm_medium", "from", "spm", "isappinstalled"]
)
VALUES = st.text(alphabet="abc019%-._~", max_size=6)
SEGMENT = st.text(alphabet="abcdefghij0123456789_-.", min_size=1, max_size=8).filter(
    lambda s: s not in (".", "..")
)


@st.composite
def urls(draw: st.DrawFn) -> str:
    host = draw(st.sampled_from(["txqxxgk.siping.gov.cn", "www.fxxh.gov.cn", "a.gov.cn:8080"]))
    segments = draw(st.lists(SEGMENT, max_size=4))
    last = draw(st.sampled_from(["", "index.html", "index.htm", "index_1.html", "t1.html"]))
    path = "/" + "/".join([*segments, last]) if segments or last else "/"
    params = draw(st.lists(st.tuples(NAMES, VALUES), max_size=5))
    query = "&".join(f"{k}={v}" for k, v in params)
    fragment = draw(st.sampled_from(["", "#", "#top"]))
    scheme = draw(st.sampled_from(["http", "https"]))
    return f"{scheme}://{host}{path}" + (f"?{query}" if query else "") + fragment


@given(urls())
def test_canonical_url_properties(url: str) -> None:
    once = canonical_url(url, TRS)
    assert canonical_url(once, TRS) == once  # idempotent
    before, after = urlsplit(url), urlsplit(once)
    assert (after.scheme, after.netloc, after.fragment) == (before.scheme, before.netloc, "")
    folder, _, last = before.path.rpartition("/")
    assert after.path == (folder + "/" if last in ("index.html", "index.htm") else before.path)
    kept = [(k, v) for k, v in parse_qsl(before.query, keep_blank_values=True) if not TRS.drops(k)]
    assert parse_qsl(after.query, keep_blank_values=True) == kept  # order kept, pageNo never dropped
    assert not any(TRS.drops(k) for k, _v in parse_qsl(after.query))


# --- site definitions ------------------------------------------------------------------------------

BASE: dict[str, Any] = {
    "name": "x",
    "family": "jtopcms",
    "hosts": ["a.gov.cn"],
    "start_urls": ["http://a.gov.cn/"],
    "patterns": {"list": r"^/list/\d+\.html(\?pageNo=\d+)?$"},
    "follow": {"start": ["list"]},
}


def test_canonical_table_read_and_defaulted() -> None:
    assert parse_site(BASE).canonical == DEFAULT_RULES
    site = parse_site({**BASE, "canonical": {"drop_params": ["ref"], "index_files": ["default.aspx"]}})
    assert site.canonical == CanonicalRules(drop_params=("ref",), index_files=("default.aspx",))
    assert (
        site.canonical_url("http://a.gov.cn/x/default.aspx?ref=1&utm_source=2")
        == "http://a.gov.cn/x/?utm_source=2"
    )
    for name, rules in ((s.name, s.canonical) for s in all_sites().values()):
        assert rules.index_files == ("index.html", "index.htm"), name
        assert rules.drops("utm_campaign") and rules.drops("from") and not rules.drops("pageNo"), name


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("drop", r"\[canonical\] must be a table"),
        ({"drop": ["utm_*"]}, r"unknown keys \['drop'\]"),
        ({"drop_params": "utm_*"}, r"drop_params must be a list of non-empty strings"),
        ({"drop_params": ["utm_*", ""]}, r"drop_params must be a list of non-empty strings"),
        ({"drop_params": [3]}, r"drop_params must be a list of non-empty strings"),
        ({"index_files": ["a/index.html"]}, r"'a/index.html' is not a file name"),
        ({"index_files": "index.html"}, r"index_files must be a list"),
        ({"drop_params": ["page*"]}, r"would drop \['pageNo'\], which the site's patterns read"),
        ({"drop_params": ["*"]}, r"would drop \['pageNo'\]"),
    ],
)
def test_malformed_canonical_tables_are_named_errors(table: Any, message: str) -> None:
    with pytest.raises(SiteDefinitionError, match=message) as raised:
        parse_site({**BASE, "canonical": table}, "sites/x.toml")
    assert str(raised.value).startswith("sites/x.toml: ")


def test_site_patterns_classify_canonical_urls_and_their_variants() -> None:
    """Every URL the replica serves is canonical already, and classifies as it did; its variants
    (share parameters, …/index.html) classify as the same page."""
    corpus = Corpus(seed=2, pages=40)
    sites = all_sites()
    for name in ("siping", "fuxin", "tiedong"):
        site = sites[name]
        urls = list(corpus.list_pages(name)) + [
            t.url for t in corpus.documents(name) if t.kind != "attachment"
        ]
        assert urls
        for url in urls:
            assert site.canonical_url(url) == url
            classified = site.classify(url)
            assert classified is not None and classified[0] in ("list", "detail"), url
            for query in SHARE_QUERIES:
                joined = f"{url}&{query}" if "?" in url else f"{url}?{query}"
                assert site.canonical_url(joined) == url
                assert site.classify(joined) == classified
            if url.endswith("/"):
                assert site.classify(url + "index.html") == classified
                assert site.canonical_url(url + "index.html") == url
        assert site.classify(f"{site.start_urls[0]}index.html") == site.classify(site.start_urls[0])


# --- a crawl of a replica that links every page twice ---------------------------------------------


@dataclass
class DoubleLinked:
    archive: Archive
    server: ReplicaServer
    corpus: Corpus
    stderr: str
    requests: list[RequestRecord]  # the crawl's, before any test asks the replica anything


SITES = ("siping", "fuxin")


@pytest.fixture(scope="module")
def double_linked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DoubleLinked]:
    corpus = Corpus(seed=3, pages=80)
    root = tmp_path_factory.mktemp("canonical")
    with ReplicaServer(corpus) as server:
        server.set_duplicate_links(True)
        # INFO: Scrapy dumps the crawl's stats at the end, where the middleware's count is.
        result = run_xxgk(
            "crawl", *SITES, "--archive", str(root), "--replica", server.url, "-s", "LOG_LEVEL=INFO"
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
        yield DoubleLinked(Archive(root), server, corpus, result.stderr, list(server.requests))


def _links(body: bytes, base: str) -> list[str]:
    return [urljoin(base, href) for href in re.findall(r'href="([^"#]+)"', body.decode("utf-8", "replace"))]


def test_the_replica_links_every_page_twice(double_linked: DoubleLinked) -> None:
    """The test's premise: list pages link share URLs, TRS unit pages link …/index.html."""
    corpus = double_linked.corpus
    siping_list = corpus.list_pages("siping")[0]
    links = _links(fetch(double_linked.server, siping_list), siping_list)
    assert any("utm_source=" in u or "from=" in u or "spm=" in u for u in links), links
    unit = siping_list.rsplit("/", 2)[0] + "/"
    assert any(u.endswith("/index.html") for u in _links(fetch(double_linked.server, unit), unit))
    fuxin_list = corpus.list_pages("fuxin")[0]
    links = _links(fetch(double_linked.server, fuxin_list), fuxin_list)
    assert any("/content/" in u and "?" in u for u in links), links


def test_every_page_archived_once_under_its_canonical_url(double_linked: DoubleLinked) -> None:
    docs = double_linked.archive.latest_documents()
    urls = [doc["url"] for doc in docs.values()]
    assert len(urls) == len(set(urls))
    assert not [u for u in urls if any(is_tracking(k) for k, _v in parse_qsl(urlsplit(u).query))]
    assert not [u for u in urls if u.endswith(("/index.html", "/index.htm"))]
    truths = [t for t in double_linked.corpus.documents() if t.site in SITES and not t.fault]
    assert len(truths) > 60
    missing = [t.url for t in truths if doc_id(t.url) not in docs]
    assert not missing, missing[:10]
    # Nothing but the truth's pages became documents, each once: no variant got an id of its own.
    assert set(urls) == {t.url for t in truths} | {image for t in truths for image in t.images}
    ids = [p.name.split(".", 1)[0] for p in double_linked.archive.store.iter_documents()]
    assert sorted(ids) == sorted(docs)


def test_only_canonical_urls_were_requested_each_once(double_linked: DoubleLinked) -> None:
    requests = [r for r in double_linked.requests if r.path != "/robots.txt"]
    variants = [
        r.path
        for r in requests
        if r.path.endswith(("/index.html", "/index.htm"))
        or any(is_tracking(k) for k, _v in parse_qsl(urlsplit(r.path).query))
    ]
    assert not variants, variants[:10]
    # Each page once: the second links led to no second request (a 5xx answer is retried: not counted).
    counts = Counter((r.host, r.path) for r in requests if r.status < 500)
    assert not [key for key, n in counts.items() if n > 1]
    details = [r for r in requests if "/content/" in r.path or re.search(r"/t\d{8}_\d+\.html$", r.path)]
    assert len(details) > 60


def test_list_pages_captured_under_their_canonical_url(double_linked: DoubleLinked) -> None:
    captured = [c["url"] for c in double_linked.archive.captures() if c["kind"] == "list"]
    for site in SITES:
        expected = set(double_linked.corpus.list_pages(site))
        assert expected <= set(captured), sorted(expected - set(captured))[:5]
    assert len(captured) == len(set(captured))


def test_a_recrawl_is_not_sent_walking_by_variant_links(double_linked: DoubleLinked) -> None:
    """Last in the module: it adds a run to the archive the tests above read."""
    served = len(double_linked.server.requests)
    crawl(double_linked.archive.root, double_linked.server, *SITES)
    recrawl = list(double_linked.server.requests)[served:]
    # As without variants (tests/test_recrawl.py): lists until nothing is new, a share revalidated.
    assert len(recrawl) < len(double_linked.requests) / 3, (len(recrawl), len(double_linked.requests))
