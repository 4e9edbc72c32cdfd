"""Properties of extraction and parsing (hypothesis): they never raise, and the same input gives the same
output — on arbitrary text, arbitrary bytes, and real reports whose tables are shuffled, truncated or
flattened another way."""

from __future__ import annotations

import json
import re
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.extract import extract_page
from pipelines.parse import parse_document
from replica.corpus import Corpus

# No deadline: these assert on behaviour, never on time (the CI machine is shared). Derandomized, so
# that a run on a clean checkout is reproducible; the examples still cover what the strategies draw.
PROPERTY = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

# Characters reports are made of, so that random text often looks like a report to the parser.
REPORT_ALPHABET = (
    "一二三四五六七八九十百千万零〇（）()、.，。：:；|１２３0123456789年月日"
    "政府信息公开工作年度报告主动申请予以部分不总计结转行政复议诉讼收费元件条街道办事处区县局 \u3000\n"
)


def _canonical(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@cache
def _reports() -> tuple[str, ...]:
    """Texts of the replica's annual reports, standard formats first (they carry tables)."""
    corpus = Corpus(seed=1, pages=300)
    texts = [
        (t.report_format or "", t.text)
        for t in corpus.documents()
        if t.kind == "report" and t.text and t.text != "详见附件"
    ]
    texts.sort(key=lambda pair: not pair[0].startswith("standard"))
    return tuple(text for _fmt, text in texts[:40])


@PROPERTY
@given(st.text())
def test_parse_never_raises_on_any_text_and_is_deterministic(text: str) -> None:
    first = parse_document(text)
    assert _canonical(first) == _canonical(parse_document(text))


@PROPERTY
@given(st.text(alphabet=REPORT_ALPHABET, max_size=2000), st.text(alphabet=REPORT_ALPHABET, max_size=40))
def test_parse_never_raises_on_report_like_text(text: str, title: str) -> None:
    given_title = title or None
    first = parse_document(text, title=given_title, publish_date=given_title)
    assert _canonical(first) == _canonical(parse_document(text, title=given_title, publish_date=given_title))


@PROPERTY
@given(st.binary(max_size=4000), st.sampled_from([None, "utf-8", "gb2312", "gbk", "big5", "bogus-charset"]))
def test_extract_never_raises_on_any_bytes(body: bytes, charset: str | None) -> None:
    page = extract_page("http://txqxxgk.siping.gov.cn/zsts/x/t20200101_1.html", body, charset, None)
    again = extract_page("http://txqxxgk.siping.gov.cn/zsts/x/t20200101_1.html", body, charset, None)
    assert page.text == again.text and page.title == again.title and page.problems == again.problems


@PROPERTY
@given(
    st.text(alphabet=REPORT_ALPHABET + "<>/=\"'pdivtableradhb ", max_size=3000),
    st.sampled_from(["trs", "jtopcms", "generic", None]),
)
def test_extract_never_raises_on_broken_html(markup: str, profile: str | None) -> None:
    body = f"<html><head><title>t</title></head><body><div class='TRS_Editor'>{markup}".encode()
    page = extract_page("https://www.fxxh.gov.cn/content/2020/1.html", body, "utf-8", profile)
    assert isinstance(page.text, str)


def _flatten(lines: list[str], style: int) -> list[str]:
    """Re-flatten the `a | b | c` table rows of a report the ways copied tables arrive."""
    out: list[str] = []
    for line in lines:
        if " | " not in line:
            out.append(line)
            continue
        cells = line.split(" | ")
        if style == 0:  # one cell per line
            out.extend(cells)
        elif style == 1:  # outer pipes and padding
            out.append("| " + " | ".join(cells) + " | |")
        elif style == 2:  # cell and pipe on alternating lines
            for cell in cells:
                out.extend([cell, "|"])
        elif style == 3:  # cells split inside
            out.extend(re.sub(r"(\w{3})(\w{3,})", r"\1\n\2", " | ".join(cells)).split("\n"))
        else:  # full-width digits
            out.append(" | ".join(cells).translate(str.maketrans("0123456789", "０１２３４５６７８９")))
    return out


@PROPERTY
@given(st.data())
def test_real_reports_shuffled_truncated_or_reflattened_never_raise(data: st.DataObject) -> None:
    reports = _reports()
    text = data.draw(st.sampled_from(reports))
    lines = text.split("\n")
    operation = data.draw(st.sampled_from(["shuffle_rows", "truncate", "flatten", "drop_lines"]))
    if operation == "shuffle_rows":
        rows = [i for i, line in enumerate(lines) if " | " in line]
        order = data.draw(st.permutations(rows))
        moved = list(lines)
        for target, source in zip(rows, order, strict=True):
            moved[target] = lines[source]
        lines = moved
    elif operation == "truncate":
        cut = data.draw(st.integers(0, len(text)))
        lines = text[:cut].split("\n")
    elif operation == "flatten":
        lines = _flatten(lines, data.draw(st.integers(0, 4)))
    else:
        keep = data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
        lines = [line for line, kept in zip(lines, keep, strict=True) if kept]
    mangled = "\n".join(lines)
    first = parse_document(mangled)
    assert _canonical(first) == _canonical(parse_document(mangled))
    assert isinstance(first["stats"], dict) and isinstance(first["anomalies"], list)
