"""Searching the index: Chinese queries of any length against a brute-force scan, filters, snippets,
hostile queries, `xxgk search` (table and --json), and the ranking split in rowid ranges (the
same results as one ranking)."""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Archive, run_xxgk
from pipelines.index import Filters, IndexMissingError, QueryError, search
from pipelines.index.parallel import run_all
from pipelines.index.schema import index_path
from pipelines.index.search import WEIGHTS
from pipelines.index.tokens import normalize, phrase

pytestmark = pytest.mark.crawl

ALL = 1_000_000


@pytest.fixture(scope="module")
def archive(small_archive: Path) -> Path:
    return small_archive


@pytest.fixture(scope="module")
def documents(archive: Path) -> list[dict[str, Any]]:
    """The latest version of every document, read from the JSON (the source of truth)."""
    return list(Archive(archive).latest_documents().values())


def contains(query: str) -> Callable[[dict[str, Any]], bool]:
    """Brute force: the query in the title or the body (NFKC, lower case, as the index compares).
    An ASCII query is a whole run of letters and digits (the index's word tokens)."""
    q = normalize(query)

    def found(doc: dict[str, Any]) -> bool:
        for field in (doc.get("title"), doc.get("text")):
            text = normalize(field or "")
            if q.isascii() and q in re.findall(r"[a-z0-9]+", text):
                return True
            if not q.isascii() and q in text:
                return True
        return False

    return found


def urls(hits: list[Any]) -> set[str]:
    return {hit.row["url"] for hit in hits}


@pytest.mark.parametrize(
    "query",
    ["复", "诉", "站", "复议", "诉讼", "站前", "行政复议", "信息公开", "申请答复", "gov", "2020", "PDF"],
)
def test_a_query_finds_every_document_that_contains_it(
    archive: Path, documents: list[dict[str, Any]], query: str
) -> None:
    expected = {doc["url"] for doc in documents if contains(query)(doc)}
    hits, total = search(archive, query, limit=ALL)
    assert urls(hits) == expected
    assert total == len(expected)
    if query in ("复议", "诉讼", "站前", "行政复议"):
        assert expected, f"the corpus should hold {query}"


def test_results_are_ranked_title_first(archive: Path) -> None:
    hits, _ = search(archive, "年度报告", limit=ALL)
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores), "bm25: lower is better, best first"
    in_title = [("年度报告" in normalize(hit.row["title"] or "")) for hit in hits]
    assert in_title[0] and any(not t for t in in_title)
    # Documents with the words in their title come before most without.
    first_without = in_title.index(False)
    assert sum(in_title[first_without:]) < sum(in_title[:first_without])


def test_snippets_highlight_the_hit(archive: Path) -> None:
    for query in ("复议", "站前", "行政诉讼"):
        hits, _ = search(archive, query, limit=ALL)
        assert hits
        for hit in hits:
            assert f"«{query}»" in hit.marked(), hit.marked()
            for start, end in hit.spans:
                assert normalize(hit.snippet[start:end]) == query
    two, _ = search(archive, "复议 诉讼", limit=ALL)
    assert two and all(contains("复议")(h.row | load(archive, h)) for h in two)


def load(archive: Path, hit: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((archive / hit.row["path"]).read_text("utf-8"))
    return data


def test_every_term_must_occur(archive: Path, documents: list[dict[str, Any]]) -> None:
    expected = {d["url"] for d in documents if contains("复议")(d) and contains("站前")(d)}
    hits, _ = search(archive, "复议 站前", limit=ALL)
    assert urls(hits) == expected
    assert expected < {d["url"] for d in documents if contains("复议")(d)}


FILTERS: list[tuple[Filters, Callable[[dict[str, Any]], bool]]] = [
    (Filters(site="fuxin"), lambda d: d["site"] == "fuxin"),
    (Filters(agency="财政局"), lambda d: "财政局" in (d.get("agency") or "")),
    (Filters(region="铁东"), lambda d: "铁东" in "".join(v or "" for v in (d.get("region") or {}).values())),
    (Filters(doc_type="annual_report"), lambda d: d.get("doc_type") == "annual_report"),
    (Filters(report_year=2020), lambda d: d.get("report_year") == 2020),
    (Filters(format="standard-2021"), lambda d: d.get("format") == "standard-2021"),
    (Filters(anomalies=True), lambda d: bool(d.get("anomalies"))),
    (Filters(since="2020-01-01"), lambda d: (d.get("publish_date") or "") >= "2020-01-01"),
    (
        Filters(until="2016-12-31"),
        lambda d: bool(d.get("publish_date")) and d["publish_date"] <= "2016-12-31",
    ),
    (
        Filters(site="siping", doc_type="annual_report", since="2018-01-01", until="2021-12-31"),
        lambda d: (
            d["site"] == "siping"
            and d.get("doc_type") == "annual_report"
            and "2018-01-01" <= (d.get("publish_date") or "") <= "2021-12-31"
        ),
    ),
]


@pytest.mark.parametrize(("filters", "keep"), FILTERS)
def test_each_filter_narrows_to_exactly_its_documents(
    archive: Path, documents: list[dict[str, Any]], filters: Filters, keep: Callable[[dict[str, Any]], bool]
) -> None:
    query = "信息"
    everything = {d["url"] for d in documents if contains(query)(d)}
    expected = {d["url"] for d in documents if contains(query)(d) and keep(d)}
    hits, total = search(archive, query, filters, limit=ALL)
    assert urls(hits) == expected and total == len(expected)
    assert expected, "the filter should keep some documents"
    assert expected < everything, "the filter should drop some documents"


def test_a_bad_date_or_limit_is_a_query_error(archive: Path) -> None:
    with pytest.raises(QueryError, match="not a date"):
        search(archive, "信息", Filters(since="2020-13' OR 1=1"))
    with pytest.raises(QueryError, match="at least 1"):
        search(archive, "信息", limit=0)


HOSTILE = ['"', "AND", "*", "NEAR(", "'); DROP TABLE docs; --", "<script>alert(1)</script>", '复议" OR "', ""]
#: Nothing searchable in them: a QueryError, not an empty result that hides the mistake.
EMPTY = {'"', "*", ""}


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_give_a_clean_answer(
    archive: Path, documents: list[dict[str, Any]], query: str
) -> None:
    if query in EMPTY:
        with pytest.raises(QueryError, match="nothing to search for"):
            search(archive, query)
    else:
        # Taken as text: every word must be in the document (no FTS5 operator is obeyed).
        hits, _ = search(archive, query, limit=ALL)
        words = re.findall(r"[a-z0-9]+|[^\W_]+", normalize(query))
        plausible = {d["url"] for d in documents if all(contains(w)(d) for w in words)}
        assert urls(hits) <= plausible
        if query in ("AND", '复议" OR "'):
            assert urls(hits) == plausible
    result = run_xxgk("search", query, "--archive", str(archive))
    assert result.returncode in (0, 2), result.stderr
    assert "Traceback" not in result.stderr
    if result.returncode == 2:
        assert result.stderr.startswith("xxgk search: ") and result.stderr.count("\n") == 1
    conn = sqlite3.connect(index_path(archive))
    try:
        assert conn.execute("SELECT count(*) FROM docs").fetchone()[0] > 0, "the tables are all there"
    finally:
        conn.close()


def test_an_archive_without_index_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="xxgk index"):
        search(tmp_path, "复议")
    result = run_xxgk("search", "复议", "--archive", str(tmp_path))
    assert result.returncode == 2 and "run `xxgk index" in result.stderr and "Traceback" not in result.stderr


def test_cli_table_shows_the_documents_aligned(archive: Path, documents: list[dict[str, Any]]) -> None:
    result = run_xxgk("search", "站前", "--archive", str(archive), "--limit", "5")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header, rows, footer = lines[0], lines[1:-1], lines[-1]
    assert header.split() == ["site", "date", "type", "year", "agency", "title", "snippet"]
    expected = sum(contains("站前")(d) for d in documents)
    assert footer == f"{min(5, expected)} of {expected} matching documents shown"
    assert len(rows) == min(5, expected)
    hits, _ = search(archive, "站前", limit=5)
    for line, hit in zip(rows, hits, strict=True):
        assert hit.row["title"] in line and "«站前»" in line and line.startswith(hit.row["site"])
    # Aligned in display columns: the title column starts at the same terminal column on every line
    # (a Chinese character is two columns wide).
    from rich.cells import cell_len

    starts = {cell_len(line[: line.index(hit.row["title"])]) for line, hit in zip(rows, hits, strict=True)}
    assert starts == {cell_len(header[: header.index("title")])}


def test_cli_json_lists_the_matching_documents(archive: Path, documents: list[dict[str, Any]]) -> None:
    result = run_xxgk(
        "search", "复议", "--archive", str(archive), "--json", "--type", "annual_report", "--limit", "1000"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    expected = {d["url"] for d in documents if contains("复议")(d) and d.get("doc_type") == "annual_report"}
    assert {doc["url"] for doc in data["documents"]} == expected and data["total"] == len(expected)
    by_url = {d["url"]: d for d in documents}
    for doc in data["documents"]:
        assert doc["url"].startswith("http")
        assert doc["title"] == by_url[doc["url"]]["title"]
        assert doc["report_year"] == by_url[doc["url"]]["report_year"]
        assert "«复议»" in doc["snippet"]


def test_the_table_prints_crawled_strings_as_they_are() -> None:
    """Titles, agencies and snippets come from crawled pages: rich markup in them ("[/]", "[red]")
    must neither raise nor style anything, and emoji codes stay text."""
    import io

    from pipelines.index.render import print_table
    from pipelines.index.search import Hit

    hostile = '[/] [red]x[/red] :smile: <script>alert(1)</script> "><img onerror=x>'
    row = {"site": "siping", "publish_date": "2017-03-18", "doc_type": "other", "report_year": None}
    hit = Hit({**row, "agency": hostile, "title": hostile}, 1.0, snippet=hostile, spans=[(0, 3)])
    out = io.StringIO()
    print_table([hit], 1, out)
    assert out.getvalue().count("[red]x[/red] :smile: <script>alert(1)</script>") == 3


#: Every kind of query: one, two and four characters, ASCII words, two terms, and no match at all.
SHARD_QUERIES = [
    "复",
    "站",
    "年",
    "复议",
    "站前",
    "信息",
    "行政复议",
    "信息公开",
    "年度报告",
    "gov",
    "2020",
    "复议 诉讼",
    "索引更新测试",
]
SHARD_FILTERS = [
    None,
    Filters(site="fuxin"),
    Filters(doc_type="annual_report", since="2018-01-01"),
    Filters(agency="财政局"),
]


def unsplit(archive: Path, query: str, filters: Filters | None, limit: int) -> tuple[list[Any], int]:
    """The ranking as one statement over the whole table, with the column filters in the MATCH
    expression: what ``search`` ran before it split the ranking. Equal scores are in
    rowid order, the one order ``search`` promises."""
    clauses, params = (filters or Filters()).where()
    where = " AND ".join(["docs_fts MATCH ?", *clauses])
    source = f"FROM docs_fts JOIN docs d ON d.rowid = docs_fts.rowid WHERE {where}"
    bm25 = f"bm25(docs_fts, {', '.join(map(str, WEIGHTS))})"
    conn = sqlite3.connect(index_path(archive))
    try:
        rows = conn.execute(
            f"SELECT d.site, d.id, {bm25} AS score {source} ORDER BY score, d.rowid LIMIT ?",
            (phrase(query, columns=True), *params, limit),
        ).fetchall()
        total = conn.execute(f"SELECT count(*) {source}", (phrase(query, columns=True), *params)).fetchone()[
            0
        ]
    finally:
        conn.close()
    return rows, total


def ranked(hits: list[Any]) -> list[tuple[str, str, float]]:
    return [(hit.row["site"], hit.row["id"], hit.score) for hit in hits]


@pytest.mark.parametrize("query", SHARD_QUERIES)
def test_splitting_the_ranking_changes_no_result(archive: Path, query: str) -> None:
    """Same documents, same scores (exactly), same order and same total, however many rowid ranges
    are ranked at once, with or without filters, for a limit below and above the number of matches."""
    for filters in SHARD_FILTERS:
        for limit in (1, 5, 20, ALL):
            expected = unsplit(archive, query, filters, limit)
            whole, whole_total = search(archive, query, filters, limit=limit, shards=1)
            assert (ranked(whole), whole_total) == expected
            # Every document is read for its snippet when the limit is above the matches: one split.
            for shards in (3,) if limit == ALL else (2, 3, 1000):
                hits, total = search(archive, query, filters, limit=limit, shards=shards)
                assert (ranked(hits), total) == expected
                assert [(h.row, h.snippet, h.spans) for h in hits] == [
                    (h.row, h.snippet, h.spans) for h in whole
                ]


def test_the_split_ranking_is_compared_where_it_could_differ(archive: Path) -> None:
    """The queries above include equal scores (their order is the tie-break's), more matches than a
    limit of 5 for every filter, and a query without match."""
    rankings = {q: unsplit(archive, q, None, ALL) for q in SHARD_QUERIES}
    scores = [[score for _site, _id, score in rows] for rows, _total in rankings.values()]
    assert any(len(set(s)) < len(s) for s in scores), "some documents should score the same"
    for filters in SHARD_FILTERS:
        assert max(unsplit(archive, q, filters, ALL)[1] for q in SHARD_QUERIES) > 5
    assert min(total for _rows, total in rankings.values()) == 0


def test_a_large_index_is_ranked_in_ranges_by_default(archive: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``search`` without ``shards`` splits an index of ``SHARD_MIN_ROWS`` rows or more."""
    # The module, not the function of the same name that pipelines.index exports.
    searching = sys.modules["pipelines.index.search"]
    ranges: list[int] = []

    def counting(calls: list[Callable[[], Any]]) -> list[Any]:
        ranges.append(len(calls))
        return run_all(calls)

    monkeypatch.setattr(searching, "run_all", counting)
    monkeypatch.setattr(searching, "SHARDS", 3)
    monkeypatch.setattr(searching, "SHARD_MIN_ROWS", 1_000_000)
    small = search(archive, "信息")
    monkeypatch.setattr(searching, "SHARD_MIN_ROWS", 1)
    large = search(archive, "信息")
    assert ranges == [1, 3]
    assert (ranked(large[0]), large[1]) == (ranked(small[0]), small[1]) == unsplit(archive, "信息", None, 20)


def test_run_all_keeps_the_order_and_raises_only_when_every_call_is_done() -> None:
    assert run_all([lambda: 1, lambda: 2, lambda: 3]) == [1, 2, 3]
    done: list[str] = []

    def fails() -> str:
        raise sqlite3.OperationalError("disk I/O error")

    def slow() -> str:
        time.sleep(0.05)
        done.append("slow")
        return "slow"

    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        run_all([fails, slow])
    assert done == ["slow"], "a call was still running on a connection when the error came up"
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        run_all([slow, fails])


def test_an_offset_gives_the_next_page_of_the_same_ranking(archive: Path) -> None:
    everything, total = search(archive, "复议", limit=1000)
    assert total == len(everything) > 12
    pages = [search(archive, "复议", limit=5, offset=start, shards=2)[0] for start in range(0, total, 5)]
    assert [hit.row["id"] for page in pages for hit in page] == [hit.row["id"] for hit in everything]
    assert search(archive, "复议", limit=5, offset=total)[0] == []
    with pytest.raises(QueryError):
        search(archive, "复议", offset=-1)
