"""The `xxgk` command as a user runs it: parse, replica, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, SEEDS, fetch, run_xxgk
from replica.server import ReplicaServer

PARSE_KEYS = {
    "title",
    "publish_date",
    "agency",
    "report_year",
    "doc_type",
    "text",
    "sections",
    "signed_by",
    "signed_date",
    "stats",
    "anomalies",
}


def test_parse_seed_text_000() -> None:
    result = run_xxgk("parse", str(SEEDS / "000_86e897f74c26ea25.txt"))
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc.keys() >= PARSE_KEYS
    assert doc["title"] == "铁西区站前街2017年政府信息公开工作年度报告"
    assert doc["publish_date"] == "2018-03-19"
    assert doc["agency"] == "四平市铁西区站前街道办事处"
    assert doc["report_year"] == 2017
    assert doc["doc_type"] == "annual_report"
    assert doc["signed_by"] == "四平市铁西区站前街道办事处"
    assert doc["signed_date"] == "2017-03-18"
    assert "登录" not in doc["text"] and "点击数" not in doc["text"]
    assert doc["text"].startswith("四平市铁西区站前街2017年政府信息公开工作年度报告")
    assert isinstance(doc["stats"], dict) and isinstance(doc["anomalies"], list)


def test_parse_seed_text_004() -> None:
    result = run_xxgk("parse", str(SEEDS / "004_06686d2d0afa0829.txt"))
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["title"] == "细河区学苑街道2017年政府信息公开年度报告"
    assert doc["report_year"] == 2017
    assert doc["agency"] == "细河区学苑街道"
    assert doc["signed_by"] is None


def test_parse_saved_html_in_gb18030(tmp_path: Path, server: ReplicaServer) -> None:
    truth = next(t for t in server.corpus.documents() if t.encoding == "gb18030" and not t.fault)
    body = fetch(server, truth.url)
    page = tmp_path / "page.html"
    page.write_bytes(body)
    result = run_xxgk("parse", str(page), "--url", truth.url)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["title"] == truth.title
    assert doc["text"] == truth.text
    assert doc["publish_date"] == truth.publish_date


def test_parse_a_report_published_as_a_pdf(tmp_path: Path, server: ReplicaServer) -> None:
    """`xxgk parse report.pdf`: the file's text, parsed like a page, with the report's figures."""
    truth = next(
        t
        for t in server.corpus.documents()
        if t.kind == "attachment" and t.doc_type == "annual_report" and t.url.endswith(".pdf")
    )
    path = tmp_path / "report.pdf"
    path.write_bytes(fetch(server, truth.url))
    result = run_xxgk("parse", str(path))
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc.keys() >= PARSE_KEYS | {"format", "tables", "evidence", "period", "contacts"}
    assert doc["doc_type"] == "annual_report" and doc["report_year"] == truth.report_year
    assert doc["stats"] == truth.stats
    assert doc["text_source"]["kind"] == "pdf"


def test_parse_an_encrypted_pdf_is_one_line_exit_2(tmp_path: Path) -> None:
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="secret", owner_password="owner")
    out = BytesIO()
    writer.write(out)
    path = tmp_path / "locked.pdf"
    path.write_bytes(out.getvalue())
    result = run_xxgk("parse", str(path))
    assert result.returncode == 2 and result.stdout == ""
    assert "encrypted" in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("kind", ["missing", "directory", "empty", "binary"])
def test_parse_unreadable_input_is_one_line_exit_2(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "input"
    if kind == "directory":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 8)
    result = run_xxgk("parse", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("xxgk parse: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_replica_command_prints_address_and_serves() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "replica", "--port", "0", "--pages", "120"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("replica serving http://127.0.0.1:"), line
        url = line.split()[2]
        request = urllib.request.Request(url + "/robots.txt", headers={"Host": "txqxxgk.siping.gov.cn"})
        assert b"Disallow" in urllib.request.urlopen(request, timeout=10).read()
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_replica_command_misbehaves_on_demand() -> None:
    command = [sys.executable, "-m", "crawler.cli", "replica", "--pages", "120"]
    faults = ["--faults", "1", "--fault-modes", "http_503_retry_after", "--fault-paths", "/zsts/"]
    command += [*faults, "--delay", "0.05"]
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "faults=1" in line and "delay=0.05s" in line, line
        url = line.split()[2]
        request = urllib.request.Request(url + "/zsts/", headers={"Host": "txqxxgk.siping.gov.cn"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 503 and refused.value.headers["Retry-After"] == "1"
        # Only the paths asked for misbehave.
        request = urllib.request.Request(url + "/zcbm/", headers={"Host": "txqxxgk.siping.gov.cn"})
        assert urllib.request.urlopen(request, timeout=10).status == 200
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_crawl_unknown_site_is_an_error(tmp_path: Path) -> None:
    result = run_xxgk("crawl", "nosuchsite", "--archive", str(tmp_path))
    assert result.returncode == 2
    assert "unknown site" in result.stderr
