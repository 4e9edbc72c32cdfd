"""`xxgk verify`: a clean archive passes; every kind of damage is found and named, none raises."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, Crawled, run_xxgk
from crawler.cli import main
from pipelines.archive.store import doc_id
from pipelines.archive.verify import VerifyReport, verify_archive
from pipelines.capture import Capture, archive_capture

_HOLD = """
import sys, time
from pipelines.archive.lock import ArchiveLock
ArchiveLock(sys.argv[1]).acquire()
print("held", flush=True)
time.sleep(600)
"""
SITE = "siping"
REPORT_URL = "http://txqxxgk.siping.gov.cn/zsts/fgw_1/ndbg/202001/t20200105_1.html"
NOTICE_URL = "http://txqxxgk.siping.gov.cn/zsts/fgw_1/tzgg/202003/t20200301_2.html"


def _page(title: str, body: str) -> bytes:
    html = (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1>"
        f"<div class='content'><p>{body}</p><p>四平市发展和改革委员会</p></div></body></html>"
    )
    return html.encode("utf-8")


def _capture(archive: Path, url: str, body: bytes, kind: str = "detail") -> None:
    outcome = archive_capture(
        Capture(
            url=url,
            site=SITE,
            kind=kind,
            fetched_at="2026-01-01T00:00:00Z",
            status=200,
            headers={"Content-Type": "text/html; charset=utf-8"},
            body=body,
            http_charset="utf-8",
            referer=None,
            groups={},
            profile=None,
            hints={},
            archive=str(archive),
            fsync=False,
            run_id="20260101T000000Z-siping",
        )
    )
    assert outcome.failure is None, outcome


@dataclass
class Made:
    root: Path

    def version(self, url: str, number: int) -> Path:
        ident = doc_id(url)
        return self.root / "documents" / SITE / ident[:2] / f"{ident}.v{number:04d}.json"

    def load(self, url: str, number: int) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.version(url, number).read_text("utf-8"))
        return data

    def rewrite(self, url: str, number: int, doc: dict[str, Any]) -> None:
        self.version(url, number).write_text(json.dumps(doc, ensure_ascii=False), "utf-8")

    def segment(self, kind: str) -> Path:
        (segment,) = sorted((self.root / kind).glob("*.gz" if kind == "raw" else "*.txt"))
        return segment


@pytest.fixture
def made(tmp_path: Path) -> Made:
    """An archive written by the real capture path (ArchiveStore): a report in two versions, a
    notice, and a list page (raw bytes and a capture line only)."""
    root = tmp_path / "archive"
    _capture(root, REPORT_URL, _page("四平市2019年政府信息公开工作年度报告", "本年度主动公开政府信息137条。"))
    _capture(root, REPORT_URL, _page("四平市2019年政府信息公开工作年度报告", "本年度主动公开政府信息138条。"))
    _capture(root, NOTICE_URL, _page("关于开展营商环境评价工作的通知", "各单位：现将有关事项通知如下。"))
    _capture(root, "http://txqxxgk.siping.gov.cn/zsts/fgw_1/ndbg/", b"<html><body>list</body></html>", "list")
    return Made(root)


def _errors(report: VerifyReport) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in report.errors:
        found.setdefault(problem.code, []).append(problem.path)
    return found


def test_clean_archive_passes(made: Made) -> None:
    report = verify_archive(made.root)
    assert report.problems == [], [p.line() for p in report.problems]
    assert report.ok
    assert (report.documents, report.versions) == (2, 3)
    assert report.blobs == {"raw": 4, "text": 3}  # list page bytes too; texts of the three versions
    assert report.segments == 2
    assert made.load(REPORT_URL, 2)["previous_version"] == 1


def test_flipped_byte_in_a_text_segment(made: Made) -> None:
    segment = made.segment("text")
    ref = made.load(NOTICE_URL, 1)["text_file"]
    data = bytearray(segment.read_bytes())
    data[ref["offset"] + 2] ^= 0x01  # inside the notice's text: still UTF-8 length, wrong digest
    segment.write_bytes(bytes(data))
    report = verify_archive(made.root)
    errors = _errors(report)
    assert set(errors) == {"blob_digest_mismatch"}
    # Named at the index line and at the document that points to the blob.
    assert made.version(NOTICE_URL, 1).relative_to(made.root).as_posix() in errors["blob_digest_mismatch"]
    assert any(p.startswith("text/index.jsonl:") for p in errors["blob_digest_mismatch"])


def test_flipped_byte_in_a_raw_segment(made: Made) -> None:
    segment = made.segment("raw")
    ref = made.load(REPORT_URL, 1)["raw"]
    data = bytearray(segment.read_bytes())
    data[ref["offset"] + ref["length"] // 2] ^= 0xFF
    segment.write_bytes(bytes(data))
    report = verify_archive(made.root)
    errors = _errors(report)
    # A damaged gzip member fails its CRC (or inflates to other bytes): either way it is named.
    assert set(errors) <= {"blob_corrupt", "blob_digest_mismatch", "blob_size_mismatch"} and errors
    paths = [p for paths in errors.values() for p in paths]
    assert made.version(REPORT_URL, 1).relative_to(made.root).as_posix() in paths
    assert made.version(NOTICE_URL, 1).relative_to(made.root).as_posix() not in paths


def test_truncated_json(made: Made) -> None:
    path = made.version(NOTICE_URL, 1)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    errors = _errors(verify_archive(made.root))
    assert errors == {"bad_json": [path.relative_to(made.root).as_posix()]}


def test_missing_version(made: Made) -> None:
    made.version(REPORT_URL, 1).unlink()
    report = verify_archive(made.root)
    errors = _errors(report)
    assert set(errors) == {"missing_version"}
    (problem,) = report.errors
    assert doc_id(REPORT_URL) in problem.path and "versions 1 missing" in problem.message


def test_wrong_content_digest(made: Made) -> None:
    doc = made.load(NOTICE_URL, 1)
    doc["content_digest"] = "0" * 64
    made.rewrite(NOTICE_URL, 1, doc)
    assert _errors(verify_archive(made.root)) == {
        "wrong_content_digest": [made.version(NOTICE_URL, 1).relative_to(made.root).as_posix()]
    }


def test_edited_text_breaks_digest_and_blob(made: Made) -> None:
    doc = made.load(REPORT_URL, 2)
    doc["text"] = doc["text"].replace("138", "139")
    made.rewrite(REPORT_URL, 2, doc)
    assert set(_errors(verify_archive(made.root))) == {"wrong_content_digest", "text_mismatch"}


def test_schema_violation(made: Made) -> None:
    doc = made.load(NOTICE_URL, 1)
    doc["kind"] = "video"
    del doc["fetched_at"]
    made.rewrite(NOTICE_URL, 1, doc)
    report = verify_archive(made.root)
    assert set(_errors(report)) == {"schema"}
    messages = " ".join(p.message for p in report.errors)
    assert "fetched_at" in messages and "kind" in messages


def test_version_numbers_and_predecessor(made: Made) -> None:
    doc = made.load(REPORT_URL, 2)
    doc["version"], doc["previous_version"] = 3, 2
    made.rewrite(REPORT_URL, 2, doc)
    assert set(_errors(verify_archive(made.root))) == {"wrong_version", "wrong_predecessor"}


def test_tmp_file_is_an_error(made: Made) -> None:
    stray = made.version(NOTICE_URL, 1).parent / f".{doc_id(NOTICE_URL)}.v0002.json.x1y2.tmp"
    stray.write_text("{", "utf-8")
    assert _errors(verify_archive(made.root)) == {"stray_tmp": [stray.relative_to(made.root).as_posix()]}


def test_torn_tails_are_warnings(made: Made) -> None:
    segment = made.segment("raw")
    with segment.open("ab") as handle:
        handle.write(b"\x1f\x8b\x08\x00half a member")
    captures = next((made.root / "runs").glob("*.captures.jsonl"))
    with captures.open("ab") as handle:
        handle.write(b'{"url": "http://txqxxgk.siping')
    report = verify_archive(made.root)
    assert report.ok and not report.errors
    assert {p.code for p in report.warnings} == {"torn_segment_tail", "cut_log_line"}
    assert "17 bytes after the last indexed blob" in report.warnings[0].message


def test_index_line_outside_its_segment(made: Made) -> None:
    index = made.root / "raw" / "index.jsonl"
    lines = index.read_text("utf-8").splitlines()
    first = json.loads(lines[0])
    first["offset"] = 10**9
    index.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", "utf-8")
    errors = _errors(verify_archive(made.root))
    assert errors == {"blob_outside_segment": ["raw/index.jsonl:1"]}


def test_hostile_documents_never_raise(made: Made) -> None:
    doc = made.load(NOTICE_URL, 1)
    doc["raw"]["path"] = "../../../etc/passwd"
    made.rewrite(NOTICE_URL, 1, doc)
    made.version(REPORT_URL, 1).write_bytes(b"\xff\xfe\x00garbage")
    made.version(REPORT_URL, 2).write_text("[1, 2]", "utf-8")
    report = verify_archive(made.root)
    errors = _errors(report)
    assert errors["bad_blob_path"] == [made.version(NOTICE_URL, 1).relative_to(made.root).as_posix()]
    assert len(errors["bad_json"]) == 2


def test_missing_archive_is_an_error(tmp_path: Path) -> None:
    report = verify_archive(tmp_path / "nowhere")
    assert [p.code for p in report.problems] == ["no_archive"] and not report.ok


def test_cli_exit_status_and_lines(made: Made, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--archive", str(made.root)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: ") and "2 documents in 3 versions" in out and "0 errors" in out
    made.version(REPORT_URL, 1).unlink()
    assert main(["verify", "--archive", str(made.root)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("error: documents/siping/") and ": missing_version: " in lines[0]
    assert lines[-1].startswith("FAILED: ") and "1 errors" in lines[-1]
    assert main(["verify", "--archive", str(made.root / "nowhere")]) == 2


def test_cli_says_when_a_crawl_holds_the_archive(made: Made) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(made.root)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = run_xxgk("verify", "--archive", str(made.root), timeout=60)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 0
    first, *_, last = result.stdout.splitlines()
    assert first.startswith(f"note: a crawl holds this archive (pid {holder.pid} on ")
    assert last.startswith("OK: ")


@pytest.mark.crawl
def test_a_real_crawl_verifies(crawled: Crawled) -> None:
    report = verify_archive(crawled.archive.root)
    assert report.errors == [], [p.line() for p in report.errors[:20]]
    # Every document of the crawl was checked, and its blobs.
    assert report.versions == len(crawled.archive.documents()) > 100
    assert report.blobs["raw"] >= report.documents and report.blobs["text"] > 0


def test_a_damaged_warc_pointer_is_found(tmp_path: Path) -> None:
    """A crawl's documents point at WARC records; a pointer into the void is an error."""
    from conftest import crawl
    from pipelines.archive.verify import verify_archive
    from replica.corpus import Corpus
    from replica.server import ReplicaServer

    with ReplicaServer(Corpus(seed=5, pages=60)) as server:
        crawl(tmp_path / "archive", server, "tiedong", "-s", "XXGK_WARC=True")
    assert verify_archive(tmp_path / "archive").ok
    doc_path = next(
        p
        for p in sorted((tmp_path / "archive" / "documents").rglob("*.json"))
        if '"warc"' in p.read_text("utf-8")
    )
    doc = json.loads(doc_path.read_text("utf-8"))
    doc["warc"]["offset"] += 7
    doc_path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    assert "bad_warc_record" in verify_archive(tmp_path / "archive").codes()


def test_warc_files_are_read_whole_with_their_digests(crawled: Crawled, tmp_path: Path) -> None:
    """verify reads every WARC record as warcio check does: a body changed after writing fails its
    digest (the record still decompresses), a cut-off last record is a torn tail."""
    import gzip
    import shutil

    from pipelines.archive.verify import verify_archive
    from pipelines.archive.warc import complete_records

    root = tmp_path / "archive"
    shutil.copytree(crawled.archive.root, root)
    clean = verify_archive(root)
    assert clean.ok and clean.warc_records > 100
    warc = sorted((root / "warc").glob("*.warc.gz"))[-1]
    offset, length = complete_records(warc)[-1]
    data = warc.read_bytes()
    record = gzip.decompress(data[offset : offset + length])
    head, sep, block = record.partition(b"\r\n\r\n")
    forged = head + sep + bytes([block[0] ^ 0x01]) + block[1:]  # one bit of the block, same length
    warc.write_bytes(data[:offset] + gzip.compress(forged))
    assert "bad_warc_digest" in verify_archive(root).codes()

    warc.write_bytes(data[: offset + length // 2])  # the last record cut in the middle
    report = verify_archive(root)
    assert report.codes() == {"torn_warc_tail"} and report.ok  # a warning: the next crawl cuts it
