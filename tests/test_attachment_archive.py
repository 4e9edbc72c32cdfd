"""Attachments through `archive_capture`: their text extracted, parsed and archived like a page's."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

import pypdf
import pytest

from crawler.sites import all_sites
from pipelines.archive.record import Fetched, attachment_document, schema_errors, text_digest
from pipelines.archive.store import BlobRef, doc_id
from pipelines.capture import Capture, Outcome, archive_capture, store_for
from pipelines.extract.files import FileText, extract_file_text
from pipelines.parse import parse_document
from replica.corpus import PDF_ONLY_NOTE, Corpus, DocTruth


@cache
def _corpus() -> Corpus:
    return Corpus(seed=1, pages=300)


def _bytes(truth: DocTruth) -> tuple[bytes, str]:
    found = _corpus().find_url(truth.url)
    assert isinstance(found, tuple)
    content = _corpus().file_content(*found)
    return content.data, content.content_type


def _capture(archive: Path, truth: DocTruth, body: bytes | None = None, ctype: str | None = None) -> Capture:
    data, content_type = _bytes(truth)
    return Capture(
        url=truth.url,
        site=truth.site,
        kind="attachment",
        fetched_at="2026-01-02T03:04:05Z",
        status=200,
        headers={"Content-Type": ctype or content_type},
        body=data if body is None else body,
        http_charset=None,
        referer=truth.parent,
        groups={},
        profile=None,
        hints=all_sites()[truth.site].hints(),
        archive=str(archive),
        fsync=False,
        run_id="test-run",
    )


def _archive(archive: Path, capture: Capture) -> tuple[Outcome, dict[str, Any]]:
    outcome = archive_capture(capture)
    store = store_for(str(archive), False)
    ident = doc_id(capture.url)
    doc = store.load_version(capture.site, ident, store.versions(capture.site, ident)[-1])
    return outcome, doc


def _attachments(ext: str) -> list[DocTruth]:
    return [t for t in _corpus().documents() if t.kind == "attachment" and t.url.endswith("." + ext)]


def _pdf_only_reports() -> list[DocTruth]:
    """PDFs of reports whose page shows only 详见附件, and whose true text the parser recognises as a
    report (what the parser cannot do with any text is not this test's business)."""
    pages = {t.url: t for t in _corpus().documents() if t.kind == "report"}
    out = []
    for truth in _attachments("pdf"):
        page = pages.get(truth.parent or "")
        if page is None or truth.doc_type != "annual_report" or PDF_ONLY_NOTE not in (page.text or ""):
            continue
        if parse_document(truth.text or "")["doc_type"] == "annual_report":
            out.append(truth)
    return out


def _encrypted(body: bytes) -> bytes:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(body))
    writer.encrypt("secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_only_report_is_archived_as_the_report(tmp_path: Path) -> None:
    reports = _pdf_only_reports()
    assert len(reports) >= 2
    store = store_for(str(tmp_path), False)  # the writer's own store: it reads its unflushed segments
    for truth in reports:
        outcome, doc = _archive(tmp_path, _capture(tmp_path, truth))
        assert outcome == Outcome("attachments", status="new"), truth.url
        assert schema_errors(doc) == []
        assert doc["kind"] == "attachment" and doc["parent"] == truth.parent
        assert doc["doc_type"] == "annual_report", truth.url
        assert doc["report_year"] == truth.report_year
        assert doc["signed_by"] == truth.signed_by and doc["signed_date"] == truth.signed_date
        assert doc["text_source"]["url"] == truth.url and doc["text_source"]["kind"] == "pdf"
        assert doc["text_source"]["pages"] >= 1
        # Stored like a page's text, and the digest is of that text, not of the PDF's bytes.
        assert store.read_text(doc["text_file"]["sha256"]) == doc["text"]
        assert doc["digest_rule"] == "normalized-text"
        assert doc["content_digest"] == text_digest(None, doc["text"])
        assert store.read_raw(doc["raw"]["sha256"]) == _bytes(truth)[0]  # the bytes are kept too
        assert doc["anomalies"] == [a for a in doc["anomalies"] if a["code"] != "unreadable_attachment"]


def test_every_field_the_parser_returns_is_archived(tmp_path: Path) -> None:
    truth = _pdf_only_reports()[0]
    _, doc = _archive(tmp_path, _capture(tmp_path, truth))
    text = extract_file_text(_bytes(truth)[0]).text
    assert text is not None and doc["text"] == text
    parsed = parse_document(text, title=None, hints=all_sites()[truth.site].hints())
    for key, value in parsed.items():
        if key == "anomalies":
            assert isinstance(value, list) and all(
                a in doc["anomalies"] for a in value
            )  # extraction problems may come first
        elif key in ("stats", "sections"):
            assert doc[key] == (value or type(doc[key])())
        else:
            assert doc[key] == value, key


def test_unknown_parser_fields_pass_through_untouched() -> None:
    """record.py copies what the parser returns, including fields it has never heard of."""
    text = "某某街道2021年政府信息公开工作年度报告\n一、总体情况\n正文。"
    parsed = dict(parse_document(text))
    parsed.update(
        {
            "format": "standard-2021",
            "period": {"start": "2021-01-01", "end": "2021-12-31"},
            "contacts": {"phone": "0434-1234567", "address": None},
            "tables": {"四/行政复议/总计": 0, "二/行政事业性收费/本年收费金额": 45.99},
            "evidence": {"proactive_total": "主动公开政府信息52条"},
            "url": "must not replace the document's URL",
        }
    )
    url = "http://txqxxgk.siping.gov.cn/zsts/a/P1.pdf"
    raw = BlobRef("raw/x", 0, 10, "a" * 64, 10)
    fetched = Fetched(url, "siping", "2026-01-02T03:04:05Z", 200, {}, "http://x.gov.cn/p.html", raw)
    text_ref = BlobRef("text/x", 0, 10, "b" * 64, 10)
    doc = attachment_document(fetched, file=FileText("pdf", text, 1), text_ref=text_ref, parsed=parsed)
    assert doc["url"] == url
    assert doc["format"] == "standard-2021" and doc["tables"]["四/行政复议/总计"] == 0
    assert doc["period"]["end"] == "2021-12-31" and doc["contacts"]["phone"] == "0434-1234567"
    assert schema_errors(doc) == []
    for bad in (
        {"format": "standard-2020"},
        {"tables": {"四/行政复议/总计": "0"}},
        {"period": {"start": "2021"}},
        {"contacts": {"phone": 434}},
        {"doc_type": "report"},
        {"text_file": None},
    ):
        assert schema_errors({**doc, **bad}), bad
    for good in ({"doc_type": "notice"}, {"doc_type": "policy"}, {"period": None}, {"format": None}):
        assert schema_errors({**doc, **good}) == [], good


def test_recrawl_of_the_same_file_is_unchanged(tmp_path: Path) -> None:
    truth = _pdf_only_reports()[0]
    first, _ = _archive(tmp_path, _capture(tmp_path, truth))
    again, doc = _archive(tmp_path, _capture(tmp_path, truth))
    assert (first.status, again.status, doc["version"]) == ("new", "unchanged", 1)


def test_encrypted_and_truncated_pdfs_are_kept_with_an_anomaly(tmp_path: Path) -> None:
    truth = _attachments("pdf")[0]
    data, _ = _bytes(truth)
    store = store_for(str(tmp_path), False)  # the writer's own store: it reads its unflushed segments
    for body, code in (
        (_encrypted(data), "encrypted_attachment"),
        (data[: len(data) // 2], "unreadable_attachment"),
    ):
        outcome, doc = _archive(tmp_path, _capture(tmp_path, truth, body))
        assert outcome.failure is None and outcome.status in ("new", "changed")
        assert [p.split(":")[0] for p in outcome.problems] == [code]
        assert schema_errors(doc) == []
        assert [a["code"] for a in doc["anomalies"]] == [code]
        assert doc["text_source"] is None and doc["text_file"] is None and doc["file_kind"] == "pdf"
        assert doc["digest_rule"] == "bytes" and doc["content_digest"] == doc["raw"]["sha256"]
        assert store.read_raw(doc["raw"]["sha256"]) == body


@pytest.mark.parametrize(
    ("body", "url_ext", "code"),
    [
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600) + "WordDocument".encode("utf-16-le"),
            "doc",
            "unsupported_format",
        ),
        (b"", "pdf", "unreadable_attachment"),
    ],
)
def test_unreadable_files_still_make_a_document(tmp_path: Path, body: bytes, url_ext: str, code: str) -> None:
    truth = next(t for t in _attachments(url_ext))
    outcome, doc = _archive(tmp_path, _capture(tmp_path, truth, body))
    assert outcome.status == "new" and schema_errors(doc) == []
    assert doc["anomalies"][0]["code"] == code and doc["text_source"] is None


def test_spreadsheet_text_archived(tmp_path: Path) -> None:
    truth = _attachments("xls")[0]
    _, doc = _archive(tmp_path, _capture(tmp_path, truth))
    assert schema_errors(doc) == []
    assert doc["text_source"]["kind"] == "xlsx"  # an OOXML workbook under an .xls name
    first = (truth.text or "").split("\n")[0].rstrip(" |")
    assert first and first in doc["text"]


def test_images_stay_bytes_only(tmp_path: Path) -> None:
    truth = next(t for t in _corpus().documents() if t.kind == "attachment" and t.url.endswith(".png"))
    outcome, doc = _archive(tmp_path, _capture(tmp_path, truth))
    assert outcome.status == "new" and schema_errors(doc) == []
    assert doc["digest_rule"] == "bytes" and doc["content_digest"] == truth.sha256
    assert "text_source" not in doc and "anomalies" not in doc and "text" not in doc
