"""`xxgk list`, `show` and `history` on a real replica crawl: content, exit codes, hostile references.

The commands run in-process through ``register`` on a parser of the test's own (the lead wires it into
``crawler.cli``); the archive is crawled twice, with a page edited and one removed in between.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import Archive, crawl, fetch
from crawler.commands.browse import register
from pipelines.archive.store import doc_id
from replica.corpus import Corpus
from replica.server import ReplicaServer

pytestmark = pytest.mark.crawl

SEED_SIPING = "http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/201803/t20180320_205386.html"
ADDED = "补充说明：本报告于2018年3月20日更正。"


@dataclass
class Browsed:
    archive: Archive
    server: ReplicaServer
    removed: str
    moved: str

    def latest(self) -> dict[str, dict[str, Any]]:
        return self.archive.latest_documents()


@pytest.fixture(scope="module")
def browsed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browsed]:
    root = tmp_path_factory.mktemp("browsed")
    corpus = Corpus(seed=7, pages=150)
    with ReplicaServer(corpus) as server:
        crawl(root, server, "siping")
        removed, moved = [
            t.url
            for t in corpus.documents()
            if t.site == "siping" and t.kind == "report" and not t.fault and t.url != SEED_SIPING
        ][:2]
        server.edit(SEED_SIPING, ADDED)
        server.remove(removed)
        server.move(moved, moved.replace(".html", "_1.html"))
        crawl(root, server, "siping", "--full")
        yield Browsed(Archive(root), server, removed, moved)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="xxgk")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    code: int = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_list_is_newest_first_and_filters(browsed: Browsed, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(browsed.archive.root)
    latest = browsed.latest()
    code, out, _ = run(capsys, "list", "--archive", root, "--limit", "100000", "--json")
    assert code == 0
    listed = json.loads(out)
    assert listed["total"] == len(latest) == len(listed["documents"])
    dates = [d["publish_date"] for d in listed["documents"] if d["publish_date"]]
    assert dates == sorted(dates, reverse=True) and len(dates) > 10
    assert {d["id"]: d["title"] for d in listed["documents"]} == {
        i: d.get("title") for i, d in latest.items()
    }

    year = latest[doc_id(SEED_SIPING)]["report_year"]
    code, out, _ = run(
        capsys, "list", "--archive", root, "--type", "annual_report", "--year", str(year), "--json"
    )
    reports = json.loads(out)["documents"]
    expected = {
        i for i, d in latest.items() if d.get("doc_type") == "annual_report" and d.get("report_year") == year
    }
    assert {d["id"] for d in reports} == expected and doc_id(SEED_SIPING) in expected

    code, out, _ = run(capsys, "list", "--archive", root, "--limit", "3")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["id", "site", "date", "type", "agency", "title"]
    first = listed["documents"][0]
    assert lines[1].split()[:3] == [first["id"], "siping", first["publish_date"]]
    assert first["title"] in lines[1]
    assert lines[-1] == f"3 of {len(latest)} documents shown"


def test_list_without_an_index_is_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "list", "--archive", str(tmp_path))
    assert code == 2 and out == "" and "xxgk index" in err


def test_list_refuses_a_limit_below_one(browsed: Browsed, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "list", "--archive", str(browsed.archive.root), "--limit", "0")
    assert code == 2 and out == "" and "--limit" in err


def test_show_prints_fields_figures_anomalies_and_warc(
    browsed: Browsed, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = next(
        d for d in browsed.latest().values() if d.get("anomalies") and d.get("stats") and d.get("warc")
    )
    code, out, _ = run(capsys, "show", doc["id"], "--archive", str(browsed.archive.root))
    assert code == 0
    assert doc["title"] in out and doc["agency"] in out and doc["url"] in out
    lines = out.splitlines()
    for name, value in doc["stats"].items():
        if value is not None:
            row = next(line for line in lines if line.startswith(name + " "))
            first_evidence_line = doc["evidence"][name].split("\n")[0]
            assert row.split()[1] == str(value) and first_evidence_line in row
    for anomaly in doc["anomalies"]:
        assert f"{anomaly['code']}: {anomaly['message']}" in out
        assert anomaly["evidence"] in out
    for section in doc["sections"]:
        assert f"{section['marker']}{section['title']}" in out
    assert doc["warc"]["path"] in out and doc["warc"]["record_id"] in out


def test_show_by_url_json_text_and_attachments(browsed: Browsed, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(browsed.archive.root)
    doc = browsed.archive.latest(SEED_SIPING, "siping")
    assert doc is not None
    code, out, _ = run(capsys, "show", SEED_SIPING, "--archive", root, "--json")
    assert code == 0 and json.loads(out) == doc and doc["version"] == 2
    code, out, _ = run(capsys, "show", doc["id"].upper(), "--archive", root, "--text")
    assert code == 0 and out.rstrip("\n") == doc["text"].rstrip("\n") and ADDED in out
    parent = next(d for d in browsed.latest().values() if d.get("attachments"))
    code, out, _ = run(capsys, "show", parent["url"], "--archive", root)
    for item in parent["attachments"]:
        assert item["url"] in out


def test_show_raw_writes_the_bytes_as_served(
    browsed: Browsed, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    url = next(
        d["url"]
        for d in browsed.latest().values()
        if d.get("kind") == "page" and d["version"] == 1 and d.get("raw")
    )
    parser = argparse.ArgumentParser(prog="xxgk")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["show", url, "--archive", str(browsed.archive.root), "--raw"])
    assert args.func(args) == 0
    assert capsysbinary.readouterr().out == fetch(browsed.server, url)


def test_history_lists_versions_and_diffs_the_edit(
    browsed: Browsed, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(browsed.archive.root)
    versions = browsed.archive.versions(SEED_SIPING, "siping")
    code, out, _ = run(capsys, "history", SEED_SIPING, "--archive", root, "--diff", "1", "2")
    assert code == 0
    rows = [line.split()[:2] for line in out.splitlines()]
    for version in versions:
        assert [f"v{version['version']}", version["fetched_at"]] in rows
    assert f"+{ADDED}" in out.splitlines()
    assert not [line for line in out.splitlines() if line.startswith("-") and not line.startswith("---")]

    code, out, _ = run(
        capsys, "history", doc_id(SEED_SIPING), "--archive", root, "--diff", "2", "1", "--json"
    )
    history = json.loads(out)
    assert [v["version"] for v in history["versions"]] == [1, 2] and history["url"] == SEED_SIPING
    assert f"-{ADDED}" in history["diff"] and history["diff"][0].startswith("--- v2 ")


def test_history_marks_a_withdrawn_page(browsed: Browsed, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "history", browsed.removed, "--archive", str(browsed.archive.root), "--json")
    versions = json.loads(out)["versions"]
    assert code == 0 and versions[-1]["withdrawn"]["status"] == 404
    assert versions[-1]["marks"][0].startswith("withdrawn (HTTP 404, seen ")
    assert not versions[0]["marks"]
    code, out, _ = run(capsys, "history", browsed.removed, "--archive", str(browsed.archive.root))
    assert "withdrawn (HTTP 404" in out.splitlines()[-1]


def test_history_marks_a_moved_page_at_both_addresses(
    browsed: Browsed, capsys: pytest.CaptureFixture[str]
) -> None:
    root, new_url = str(browsed.archive.root), browsed.moved.replace(".html", "_1.html")
    code, out, _ = run(capsys, "history", browsed.moved, "--archive", root)
    assert code == 0 and f"moved to {new_url} (seen " in out.splitlines()[-1]
    code, out, _ = run(capsys, "history", new_url, "--archive", root, "--json")
    history = json.loads(out)
    assert history["url"] == new_url and history["versions"][-1]["marks"] == [
        f"redirected from {browsed.moved}"
    ]


def test_a_version_it_does_not_have_is_a_clean_error(
    browsed: Browsed, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "history", SEED_SIPING, "--archive", str(browsed.archive.root), "--diff", "1", "9"
    )
    assert code == 2 and out == "" and "not 9" in err


@pytest.mark.parametrize(
    "ref",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "0123456789abcdef\x00",
        "0123456789abcdef/../../../etc/passwd",
        "0123456789abcde",
        "0123456789abcdefa",
        "0123456789abcdeg",
        "..",
        "",
        "file:///etc/passwd",
        "http://example.gov.cn/\x00",
    ],
)
@pytest.mark.parametrize("command", ["show", "history"])
def test_hostile_references_are_refused(
    browsed: Browsed, capsys: pytest.CaptureFixture[str], command: str, ref: str
) -> None:
    code, out, err = run(capsys, command, ref, "--archive", str(browsed.archive.root))
    assert code == 2 and out == ""
    assert err.startswith(f"xxgk {command}: not a document id") and "\x00" not in err


def test_a_well_formed_reference_to_nothing_exits_1(
    browsed: Browsed, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(browsed.archive.root)
    for ref in ("ffffffffffffffff", "http://txqxxgk.siping.gov.cn/nowhere.html", "http://x/../../etc/passwd"):
        code, out, err = run(capsys, "show", ref, "--archive", root)
        assert code == 1 and out == "" and "no document" in err
