"""Text of attachments: the replica's real PDF/DOCX/XLSX bytes, and bytes that are broken on purpose."""

from __future__ import annotations

import base64
import io
import random
import re
import zlib
from collections import Counter
from functools import cache

import pypdf
import pytest

from pipelines.extract.files import FileText, detect_kind, extract_file_text
from pipelines.extract.files.pdf_layout import Fragment, layout_text
from pipelines.extract.files.result import clean_line
from replica.content.docx import make_docx
from replica.content.text import body_lines
from replica.corpus import Corpus, DocTruth

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A legacy BIFF8 workbook (two sheets: 统计表 with text, integer and decimal cells; 说明 with one
# note), written once by xlwt 1.3 and kept here as zlib + base64 (5,632 bytes).
_STATS_XLS = zlib.decompress(
    base64.b64decode(
        "eNrtWE1IVFEU/u6bGd+M6ThjKmhgIqRlLvwBScJeP5ibHH9Kigp11NcYyiiDLWxhmg0Ig1AEQSHCgIvaWG36oRa1axEYtQiC0Cla"
        "tSmyn4U6nXvmjWlN4EBJxvse99xzz73fu3fOPfdn3rMZ91z4dl4EP2EPLFiKOpCywiYoOeIFF6g+GpVqPLdTiprYUHDYaSJTbHiQ"
        "/lSVcyjnOwIFt6yPSQJvKJ1EPzx9fr1gHbGfx+AVcgw1wkqxp2CCkhO5PK5Mlp0sN7O8yW0fstzLlnGWNdR2ThzHjOYp2WXE8TGl"
        "kOucJAXuMucVW8qRjScyjs9dFLG2NuwLnPb2/psV+dY0TIFmrk736wFv7xyyaAqn8DlaAMzH1+qjAtO+vnYBsn9bbVcT2C8rVmAY"
        "0XYhAzFIAdlilTUWMTsUDnWPBZGGEd6DFTEfcp5awCRSqSQTLQq1U+1OP/JhkNRwaOZSy+H6BlJLfVt9kydqrzggdnuuN/c2oU3T"
        "J1ojDX3t/bqA8Po2QVTpZc1xq2xReeZriGu/eFSIQ2OaHvLkeYrbq/TqcRqb6jnQ5Jav7h7r1/2dJR2fRipQRsulGgOt5aiA3VdJ"
        "pXe6HFlsU3Gt2lTSeamlkexCButuXnAuOjYWbnx8Xt/RqLWxZZgPkthxs036B1GMSAaRnVzDLqIDCihhxk6W5/mtW1jPY5lFy4Ty"
        "osZsQzk4ym0ucG0R9VPJeKEVr9C3kx5833QvP/hW20H6dF3kbNb0Sy2MQjr+uogvn1GUilJx7arEfS2eC2Njes0y95dNyq64jLFH"
        "jTM1A4s8myB/SMRK0jtiuaQYvpJskYAtmG0x2gtmSx8NKam8cbpRpMTYSgK2wmybwY7NTIrBVpidY/RtScC2MFs12BZm2w22hdmz"
        "dXSdUDJxR3ZEW/MPrEesiGW5UWNFJIwVeRFjryKRV02YMGHChAkTJn4LwdfL2GVaXp9sxhVMNb7rLFJaMj+T/LdoRh89A/S3tBZ+"
        "ygMYTCp+cmAT8XeJNXLi3wsljlLvAfSgg8fRk3T80hVarPw9aya6/twSSrb/pWTG+Zf7/w59zSF3"
    )
)


@cache
def _attachments() -> tuple[tuple[DocTruth, str, bytes, str, str | None], ...]:
    """(truth, extension, bytes, content type, true text) of every attachment of the default corpus."""
    corpus = Corpus(seed=1, pages=300)
    out = []
    for truth in corpus.documents():
        if truth.kind != "attachment":
            continue
        found = corpus.find_url(truth.url)
        assert isinstance(found, tuple)
        page, ref = found
        content = corpus.file_content(page, ref)
        out.append((truth, ref.ext, content.data, content.content_type, content.text))
    return tuple(out)


def _of(ext: str) -> list[tuple[DocTruth, bytes, str | None, str]]:
    return [(t, data, ctype, text or "") for t, e, data, ctype, text in _attachments() if e == ext]


def _lines(text: str | None) -> list[str]:
    return [c for c in (clean_line(line) for line in (text or "").split("\n")) if c]


def _in_order(wanted: list[str], got: list[str]) -> list[str]:
    """The wanted lines not found in `got` in the same order (empty: all there, in order)."""
    missing, pos = [], 0
    for line in wanted:
        try:
            pos = got.index(line, pos) + 1
        except ValueError:
            missing.append(line)
    return missing


def _letters(text: str) -> Counter[str]:
    # Characters without whitespace and cell separators: what a reader must not lose or invent.
    return Counter(re.sub(r"[\s|]", "", text))


def _pdf(body: bytes, password: str | None = None, owner: str | None = None) -> bytes:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(body))
    if password is not None:
        writer.encrypt(password, owner_password=owner, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _report_pdf() -> tuple[DocTruth, bytes, str]:
    reports = [
        (t, d, x) for t, d, _, x in _of("pdf") if t.report_format == "standard-2021" and "中华人民共和国" in x
    ]
    assert reports
    return reports[0]


# --- the replica's files -----------------------------------------------------------------------


def test_every_kind_of_replica_attachment_is_served() -> None:
    exts = Counter(e for _, e, *_ in _attachments())
    assert {"pdf", "docx", "doc", "xlsx", "xls", "png"} <= set(exts)


def test_pdf_text_has_every_character_and_every_paragraph_in_order() -> None:
    pdfs = _of("pdf")
    assert len(pdfs) >= 10
    for truth, data, ctype, text in pdfs:
        got = extract_file_text(data, url=truth.url, content_type=ctype)
        assert got.kind == "pdf" and got.problems == (), truth.url
        assert got.pages is not None and got.pages >= 1
        # Nothing lost or garbled (reportlab's STSong-Light CID text, table cells included) ...
        assert _letters(text) - _letters(got.text or "") == Counter(), truth.url
        # ... nothing invented: at most the title the PDF prints above the body ...
        extra = _letters(got.text or "") - _letters(text)
        assert extra in (Counter(), _letters(_lines(got.text)[0])), truth.url
        # ... and every paragraph is one line again, in the document's order (table rows may
        # place a label spanning rows differently: they are checked by their characters above).
        prose = [line for line in _lines(text) if "|" not in line]
        assert _in_order(prose, _lines(got.text)) == [], truth.url


def test_pdf_chinese_comes_out_as_written() -> None:
    _, data, text = _report_pdf()
    got = extract_file_text(data).text or ""
    assert "《中华人民共和国政府信息公开条例》" in got
    first = next(line for line in _lines(text) if len(line) > 60 and "|" not in line)
    assert first in got.split("\n")  # a paragraph wrapped over several PDF lines is whole again


def test_pdf_table_rows_keep_their_cells_on_one_line() -> None:
    _, data, text = _report_pdf()
    got = _lines(extract_file_text(data).text)
    rows = [line for line in _lines(text) if line.count("|") >= 7 and not line.startswith("三、本年度")]
    assert rows
    found = [row for row in rows if row in got]
    # Rows whose label spans several rows are written where the label is drawn; the rest match.
    assert len(found) >= len(rows) * 0.6, set(rows) - set(found)
    assert any(row.startswith("（七）总计 |") or row.startswith("(七)总计 |") for row in found)


def test_pdf_tables_read_as_from_the_page_text() -> None:
    """The table reader finds in the PDF's text every cell it finds in the report's true text."""
    from pipelines.parse.tables import read_standard_tables

    reports = [
        (t, d, x) for t, d, _, x in _of("pdf") if t.report_format in ("standard-2019", "standard-2021")
    ]
    assert len(reports) >= 4
    for truth, data, text in reports:
        wanted = read_standard_tables(_lines(text)).values
        assert len(wanted) > 150
        assert read_standard_tables(_lines(extract_file_text(data).text)).values == wanted, truth.url


def test_word_documents_whatever_their_name() -> None:
    files = _of("docx") + _of("doc")
    assert files
    for truth, data, ctype, text in files:
        got = extract_file_text(data, url=truth.url, content_type=ctype)
        # The replica's .doc files are OOXML packages, as many real sites serve them.
        assert got.kind == "docx" and got.problems == (), truth.url
        # Every line, in order; the document may also show its title above the body.
        assert _in_order(_lines(text), _lines(got.text)) == [], truth.url
        assert len(_lines(got.text)) <= len(_lines(text)) + 1, truth.url


def test_spreadsheets_whatever_their_name() -> None:
    files = _of("xlsx") + _of("xls")
    assert files
    for truth, data, ctype, text in files:
        got = extract_file_text(data, url=truth.url, content_type=ctype)
        assert got.kind == "xlsx" and got.problems == (), truth.url
        # Files do not store empty trailing cells: the rows are compared without them.
        wanted = [re.sub(r"( \|)+$", "", line) for line in _lines(text)]
        assert _lines(got.text) == wanted, truth.url


def test_word_table_rows_written_once_per_cell() -> None:
    corpus = Corpus(seed=1, pages=300)
    truth = next(
        t for t in corpus.documents() if t.kind == "report" and t.report_format == "standard-2019" and t.text
    )
    found = corpus.find_url(truth.url)
    assert found is not None and not isinstance(found, tuple)
    body = corpus.body(found)
    got = extract_file_text(make_docx(body))
    wanted = _lines("\n".join(body_lines(body)))
    assert got.kind == "docx"
    assert _in_order(wanted, _lines(got.text)) == []
    assert any(line.startswith("行政复议 |") or "| 行政诉讼" in line for line in _lines(got.text))


def test_images_have_no_text() -> None:
    for truth, data, ctype, _ in _of("png"):
        got = extract_file_text(data, url=truth.url, content_type=ctype)
        assert got == FileText("image", None, None, ("no_text:an image",))


# --- broken, hostile and protected bytes ---------------------------------------------------------


def test_encrypted_pdf_is_reported_not_read() -> None:
    _, data, _ = _report_pdf()
    got = extract_file_text(_pdf(data, password="secret"), url="http://x.gov.cn/a.pdf")
    assert got.kind == "pdf" and got.text is None
    assert [p.split(":")[0] for p in got.problems] == ["encrypted_attachment"]


def test_pdf_protected_only_against_copying_opens_with_the_empty_password() -> None:
    _, data, text = _report_pdf()
    got = extract_file_text(_pdf(data, password="", owner="owner"))
    assert got.problems == ()
    assert _letters(text) - _letters(got.text or "") == Counter()


def test_truncated_pdf() -> None:
    _, data, _ = _report_pdf()
    for cut in (len(data) // 2, len(data) - 40, 200):
        got = extract_file_text(data[:cut])
        assert got.kind == "pdf"
        assert got.problems and got.problems[0].startswith("unreadable_attachment"), cut


def test_pdf_without_text_layer() -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    got = extract_file_text(out.getvalue())
    assert got.kind == "pdf" and got.text is None and got.pages == 2
    assert [p.split(":")[0] for p in got.problems] == ["no_text"]


def test_empty_random_and_html_bytes() -> None:
    assert extract_file_text(b"").problems == ("unreadable_attachment:empty file",)
    noise = random.Random(7).randbytes(5000)
    for body in (noise, b"<html><body>404 Not Found</body></html>"):
        got = extract_file_text(body, url="http://x.gov.cn/a.pdf", content_type="application/pdf")
        assert got.kind == "unknown" and got.text is None
        assert got.problems[0].startswith("unreadable_attachment")


def test_truncated_office_packages() -> None:
    for ext in ("docx", "xlsx"):
        truth, data, ctype, _ = _of(ext)[0]
        got = extract_file_text(data[: len(data) // 2], url=truth.url, content_type=ctype)
        assert got.kind == ext and got.text is None
        assert got.problems[0].startswith("unreadable_attachment")


def test_legacy_word_is_recognised_not_read() -> None:
    word = _OLE2 + bytes(600) + "WordDocument".encode("utf-16-le") + bytes(100)
    assert extract_file_text(word, url="http://x.gov.cn/a.doc") == FileText(
        "doc", None, None, ("unsupported_format:doc",)
    )
    # A password-protected .docx is an OLE2 file holding the encrypted package.
    locked = _OLE2 + bytes(600) + "EncryptedPackage".encode("utf-16-le") + bytes(100)
    got = extract_file_text(locked, url="http://x.gov.cn/a.docx")
    assert got.kind == "docx" and got.problems[0].startswith("encrypted_attachment")


def test_legacy_excel_workbook() -> None:
    got = extract_file_text(
        _STATS_XLS, url="http://x.gov.cn/tjb.xls", content_type="application/vnd.ms-excel"
    )
    assert got.kind == "xls" and got.pages == 2 and got.problems == ()
    assert _lines(got.text) == [
        "统计表",
        "指标名称 | 计量单位 | 本期实际",
        "主动公开政府信息数 | 条 | 137",
        "收到政府信息公开申请数 | 件 | 5",
        "行政事业性收费 | 万元 | 45.99",
        "说明",
        "本表数据截至2019年12月31日",
    ]
    # The kind is in the bytes, whatever the name says.
    assert detect_kind(_STATS_XLS, "http://x.gov.cn/download.jsp?id=1", None) == "xls"
    for cut in (3000, 600):
        broken = extract_file_text(_STATS_XLS[:cut], url="http://x.gov.cn/tjb.xls")
        assert broken.kind == "xls" and broken.text is None
        assert broken.problems[0].startswith("unreadable_attachment")


def test_kind_from_magic_not_from_name() -> None:
    _, data, _, _ = _of("docx")[0]
    assert detect_kind(data, "http://x.gov.cn/file.xls", "application/vnd.ms-excel") == "docx"
    _, pdf, _ = _report_pdf()
    assert detect_kind(b"\r\n" + pdf, "http://x.gov.cn/file.doc", "text/html") == "pdf"
    assert detect_kind(b"\x89PNG\r\n\x1a\n" + bytes(20), "http://x.gov.cn/a.pdf") == "image"


@pytest.mark.parametrize("ext", ["pdf", "docx", "xlsx", "biff-xls"])
def test_corrupted_bytes_never_raise(ext: str) -> None:
    rng = random.Random(ext)
    data = _STATS_XLS if ext == "biff-xls" else _of(ext)[0][1]
    for _ in range(60):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 30)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        cut = rng.choice([len(mutated), rng.randrange(1, len(mutated))])
        got = extract_file_text(bytes(mutated[:cut]))
        assert got.text is not None or got.problems  # no text always says why


# --- layout of PDF lines -----------------------------------------------------------------------


def _line(text: str, x: float, y: float, *, page: int = 0, block: int = 0, size: float = 10) -> Fragment:
    return Fragment(text, x, y, size, page, block)


def test_wrapped_paragraphs_joined_and_indented_lines_start_new_ones() -> None:
    full = "一" * 40  # 400 pt at 10 pt: the right edge is at 450
    lines = layout_text(
        [
            _line("标题居中", 200, 800, block=1, size=16),
            _line(full[:38], 70, 760, block=2),  # indented first line
            _line(full, 50, 745, block=2),
            _line("短的末行。", 50, 730, block=2),
            _line("二" * 38, 70, 715, block=2),  # a new paragraph in the same block (Word)
            _line("完。", 50, 700, block=2),
            _line("某某街道办事处", 380, 670, block=3),  # right-aligned signature lines
            _line("2020年1月1日", 390, 655, block=4),
        ]
    )
    assert lines == [
        "标题居中",
        full[:38] + full + "短的末行。",
        "二" * 38 + "完。",
        "某某街道办事处",
        "2020年1月1日",
    ]


def test_table_cells_side_by_side_are_one_row() -> None:
    lines = layout_text(
        [
            _line("三、本年度办理结果", 50, 500, block=1),
            _line("（二）部分公开（区分处理的，", 150, 464, block=2),
            _line("只计这一情形）", 150, 454, block=2),
            _line("1", 300, 459, block=3),
            _line("0", 330, 459, block=4),
            _line("1", 360, 463, block=5),  # 14 in a narrow cell, wrapped
            _line("4", 360, 454, block=5),
            _line("（七）总计", 150, 430, block=6),
            _line("1", 300, 430, block=7),
        ]
    )
    assert lines == [
        "三、本年度办理结果",
        "（二）部分公开（区分处理的，只计这一情形） | 1 | 0 | 14",
        "（七）总计 | 1",
    ]


def test_paragraph_broken_by_a_page_break_is_joined_but_a_table_row_is_not() -> None:
    full = "字" * 40
    lines = layout_text(
        [
            _line(full[:38], 70, 100, page=0, block=1),
            _line(full, 50, 85, page=0, block=1),
            _line("续完。", 50, 800, page=1, block=2),
            _line("一、本年新收申请数量", 50, 60, page=1, block=3),
            _line("3", 400, 60, page=1, block=4),
            _line("二、上年结转申请数量", 50, 800, page=2, block=5),
            _line("0", 400, 800, page=2, block=6),
        ]
    )
    assert lines == [full[:38] + full + "续完。", "一、本年新收申请数量 | 3", "二、上年结转申请数量 | 0"]


def test_page_numbers_left_out_and_the_paragraph_goes_on() -> None:
    full = "字" * 40
    lines = layout_text(
        [
            _line("第1页 共2页", 230, 820, page=0, block=1),
            _line(full[:38], 70, 100, page=0, block=2),
            _line(full, 50, 85, page=0, block=2),
            _line("- 1 -", 240, 30, page=0, block=3),
            _line("2", 245, 20, page=1, block=8),  # a bare number, centred
            _line("2/2", 240, 820, page=1, block=4),
            _line("续完。", 50, 790, page=1, block=5),
            _line("一、本年新收申请数量", 50, 60, page=1, block=6),
            _line("3", 400, 60, page=1, block=7),  # a number on the last line, but not alone
            _line("0", 70, 790, page=2, block=9),  # a table flattened one cell per line: kept
            _line("0", 70, 775, page=2, block=10),
        ]
    )
    assert lines == [full[:38] + full + "续完。", "一、本年新收申请数量 | 3", "0", "0"]
