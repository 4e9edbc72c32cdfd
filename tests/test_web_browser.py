"""The web interface in a real headless Chromium: `xxgk browse` runs as a user starts it, over the test
archive (tests/web_support.py), and the browser searches, narrows by facets, reads a report's figures,
renders an agency's chart and opens a hostile archived page (tests/browser_support.py has the parts).

Screenshots for review go to test-artifacts/ (search.png, document.png, archived-frame.png,
agency-chart.png).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest

from browser_support import (
    ARTIFACTS,
    INSTALL_HINT,
    BrowserSession,
    browse_server,
    browser_missing,
    chinese_fonts,
    chromium_session,
    full_page_screenshot,
    read_png,
    rendered_fonts,
)
from pipelines.archive.store import doc_id
from pipelines.index.documents import clean_text, raw_bytes
from pipelines.index.search import Filters, search
from web_support import LIVE_MARKUP

_MISSING = browser_missing()
pytestmark = [
    pytest.mark.crawl,
    pytest.mark.browser,
    pytest.mark.skipif(_MISSING is not None, reason=_MISSING or ""),
]

if TYPE_CHECKING:
    from playwright.sync_api import Page

SEED_FUXIN = "https://www.fxxh.gov.cn/content/2018/664187.html"
#: An agency with a report for many years in the test archive.
AGENCY = "四平市铁西区站前街道办事处"


@pytest.fixture(scope="module")
def session(web_archive: Any) -> Iterator[BrowserSession]:
    with browse_server(web_archive.root) as server, chromium_session(server) as browser_session:
        yield browser_session


@pytest.fixture
def page(session: BrowserSession) -> Iterator[Page]:
    tab = session.context.new_page()
    yield tab
    tab.close()


@pytest.fixture(scope="module")
def latest(web_archive: Any) -> dict[str, dict[str, Any]]:
    """Every document's latest version, by id, read from the archive's JSON."""
    latest: dict[str, dict[str, Any]] = web_archive.archive.latest_documents()
    return latest


def params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def total(page: Page) -> int:
    return int(page.text_content("#total") or "-1")


def hit_ids(page: Page) -> list[str]:
    ids: list[str] = page.locator("li.hit").evaluate_all("hits => hits.map(h => h.dataset.id)")
    return ids


def submit_search(page: Page, text: str) -> int:
    """Type into the header's search box and press Enter, as a person does; the answer's status."""
    box = page.locator("header form.search input[name=q]")
    box.fill(text)
    with page.expect_navigation() as navigation:
        box.press("Enter")
    response = navigation.value
    assert response is not None
    return response.status


def test_chinese_is_drawn_in_a_chinese_font(
    page: Page, session: BrowserSession, latest: dict[str, dict[str, Any]]
) -> None:
    """Without a CJK font Chinese shows as boxes (and so does every screenshot for review)."""
    families = chinese_fonts()
    if not families:
        pytest.skip(f"no Chinese font is installed: {INSTALL_HINT}")
    title = latest[doc_id(SEED_FUXIN)]["title"]
    page.goto(session.base_url + f"doc/{doc_id(SEED_FUXIN)}")
    assert page.text_content("h1") == title
    drawn = rendered_fonts(page, "h1")
    chinese = sum(1 for char in title if "\u4e00" <= char <= "\u9fff")
    assert chinese > 5
    assert sum(count for family, count in drawn.items() if family in families) >= chinese, drawn


def test_search_for_a_two_character_word_finds_the_seed_reports(
    page: Page, session: BrowserSession, web_archive: Any, latest: dict[str, dict[str, Any]]
) -> None:
    page.goto(session.base_url)
    for word, seed in (("站前", web_archive.seed_id), ("学苑", doc_id(SEED_FUXIN))):
        assert submit_search(page, word) == 200
        assert params(page)["q"] == [word]
        ids = hit_ids(page)
        assert seed in ids, (word, ids)
        hit = page.locator(f'li.hit[data-id="{seed}"]')
        assert hit.locator("a.title").text_content() == latest[seed]["title"]
        assert hit.locator("a.title").get_attribute("href") == f"/doc/{seed}"
        # The same count as the index gives for the same words.
        assert total(page) == search(web_archive.root, word, Filters(), limit=1)[1]
        marks = page.locator("li.hit .snippet mark").all_text_contents()
        assert marks and set(marks) == {word}, marks
        if word == "站前":
            full_page_screenshot(page, ARTIFACTS / "search.png")
    assert session.dialogs == []


def test_a_site_facet_narrows_the_results_and_can_be_removed(
    page: Page, session: BrowserSession, web_archive: Any
) -> None:
    page.goto(session.base_url + "?" + urlencode({"q": "复议"}))
    everything = total(page)
    # The site's facet entry: its link, and the count shown beside it.
    entry = page.locator('section.facet[data-facet="site"] li').filter(
        has=page.get_by_role("link", name="fuxin", exact=True)
    )
    link = entry.get_by_role("link", name="fuxin", exact=True)
    shown_count = int(entry.locator(".count").text_content() or "-1")
    with page.expect_navigation():
        link.click()
    assert params(page) == {"q": ["复议"], "site": ["fuxin"]}
    narrowed = total(page)
    assert 0 < narrowed < everything
    assert narrowed == shown_count == search(web_archive.root, "复议", Filters(site="fuxin"), limit=1)[1]
    assert set(page.locator("li.hit .meta .site").all_text_contents()) == {"fuxin"}
    active = page.locator('section.facet[data-facet="site"] p.active').text_content() or ""
    assert active.strip().startswith("fuxin")

    # A second facet narrows further, to exactly the documents the index finds with both filters.
    with page.expect_navigation():
        page.locator('section.facet[data-facet="year"] a', has_text=re.compile(r"^2017$")).click()
    assert params(page) == {"q": ["复议"], "site": ["fuxin"], "year": ["2017"]}
    assert 0 < total(page) < narrowed
    assert set(page.locator("li.hit .meta .year").all_text_contents()) == {"2017"}
    both, _ = search(web_archive.root, "复议", Filters(site="fuxin", report_year=2017), limit=20)
    assert sorted(hit_ids(page)) == sorted(hit.row["id"] for hit in both)

    # Removing the site keeps the year, and brings the other sites back.
    with page.expect_navigation():
        page.locator('section.facet[data-facet="site"] a.remove').click()
    assert params(page) == {"q": ["复议"], "year": ["2017"]}
    assert len(set(page.locator("li.hit .meta .site").all_text_contents())) > 1
    assert page.locator('section.facet[data-facet="site"] p.active').count() == 0
    with page.expect_navigation():
        page.locator('section.facet[data-facet="year"] a.remove').click()
    assert params(page) == {"q": ["复议"]}
    assert total(page) == everything


def test_a_report_page_shows_its_figures_and_anomalies(
    page: Page, session: BrowserSession, latest: dict[str, dict[str, Any]]
) -> None:
    doc = latest[doc_id(SEED_FUXIN)]
    stats, anomalies = doc["stats"], doc["anomalies"]
    # The test means something only if the report has both (the archive is built by web_support).
    assert any(value is not None for value in stats.values()) and anomalies
    response = page.goto(session.base_url + f"doc/{doc['id']}")
    assert response is not None and response.status == 200
    assert page.text_content("h1") == doc["title"]
    shown = dict(
        page.locator("section.figures tr[data-stat]").evaluate_all(
            "rows => rows.map(r => [r.dataset.stat, r.querySelector('td.num').textContent])"
        )
    )
    assert shown == {key: "—" if value is None else str(value) for key, value in stats.items()}
    codes = page.locator("section.anomalies li[data-code]").evaluate_all(
        "items => items.map(i => i.dataset.code)"
    )
    assert codes == [anomaly["code"] for anomaly in anomalies]
    # The messages are the report's, not placeholders.
    messages = page.locator("section.anomalies li").all_text_contents()
    assert all(anomaly["message"] in text for anomaly, text in zip(anomalies, messages, strict=True))
    page.locator("iframe.capture").content_frame.locator("body").wait_for()
    full_page_screenshot(page, ARTIFACTS / "document.png")


def test_an_agency_chart_renders(
    page: Page, session: BrowserSession, latest: dict[str, dict[str, Any]]
) -> None:
    years = {d["report_year"] for d in latest.values() if d.get("agency") == AGENCY and d.get("report_year")}
    assert len(years) >= 3, years
    response = page.goto(session.base_url + "agency?" + urlencode({"name": AGENCY}))
    assert response is not None
    if response.status == 404:
        pytest.xfail("/agency is not served yet (webui/agencies.py is still a stub)")
    assert response.status == 200, session.server.log()[-3000:]
    assert AGENCY in (page.text_content("h1") or "")
    image = page.locator(".chart img").first
    image.scroll_into_view_if_needed()  # a lazy image loads only near the viewport
    # decode() settles once the image is loaded and fails for a broken one.
    width, height = image.evaluate(
        "async img => { await img.decode(); return [img.naturalWidth, img.naturalHeight]; }"
    )
    assert width > 0 and height > 0
    source = image.get_attribute("src") or ""
    chart = page.request.get(urljoin(page.url, source))
    assert chart.status == 200 and chart.headers["content-type"].startswith("image/svg+xml"), source
    assert b"<svg" in chart.body()
    path = ARTIFACTS / "agency-chart.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    png = read_png(page.locator(".chart").first.screenshot(path=str(path)))
    assert png.width > 100 and png.height > 50
    colours = png.colour_counts()
    background, most = colours.most_common(1)[0]
    # Lines, bars, axes and labels: many colours (anti-aliasing), and a fair share of ink.
    assert len(colours) > 20, len(colours)
    assert most / (png.width * png.height) < 0.97, background


def test_the_archived_page_shows_but_its_scripts_do_not_run(
    page: Page, session: BrowserSession, web_archive: Any, latest: dict[str, dict[str, Any]]
) -> None:
    doc = latest[web_archive.hostile_id]
    raw = raw_bytes(web_archive.archive.store, doc).decode("utf-8")
    # The archived bytes carry live markup (LIVE_MARKUP: a <script> and an <img onerror> that set
    # window.__pwned and the title, and alert), and the page's own inline script (the TRS hit
    # counter) declares a global: either exists only if scripts ran.
    assert LIVE_MARKUP in raw and 'var nDocId = "' in raw
    probe = "[typeof window.nDocId, typeof window.__pwned]"
    not_run = ["undefined", "undefined"]

    page.goto(session.base_url + f"doc/{doc['id']}")
    heading = page.text_content("h1") or ""
    assert "<script>" in heading and heading == doc["title"]
    capture = page.locator("iframe.capture")
    assert capture.get_attribute("sandbox") == ""  # present, and allowing nothing
    handle = capture.element_handle()
    frame = handle.content_frame() if handle else None
    assert frame is not None
    frame.wait_for_load_state("load")
    assert "/archived" in frame.url
    shown = re.sub(r"\s+", "", frame.locator("body").inner_text())
    line = max(clean_text(web_archive.archive.store, doc).splitlines(), key=len)
    assert re.sub(r"\s+", "", line) in shown
    page.wait_for_timeout(300)  # an onerror handler would have fired by now
    assert frame.evaluate(probe) == not_run
    for each in page.frames:
        assert each.title() != "pwned"
    assert page.title() != "pwned"
    element_shot = ARTIFACTS / "archived-frame.png"
    capture.screenshot(path=str(element_shot))

    # Opened on its own, outside the frame, the bytes are still sandboxed by their CSP header.
    response = page.goto(session.base_url + f"doc/{doc['id']}/archived")
    assert response is not None and response.status == 200
    assert "sandbox" in response.headers["content-security-policy"].split(";")[0]
    page.wait_for_timeout(300)
    assert page.evaluate(probe) == not_run
    assert page.title() != "pwned"

    # The probe works: the same bytes without the sandbox do run their scripts (in a context of
    # their own, whose alert is expected and not the session's).
    context = session.browser.new_context()
    try:
        control = context.new_page()
        alerts: list[str] = []
        control.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
        control.route("**/*", lambda route: route.abort())  # nothing leaves for the live site
        control.set_content(raw)
        control.wait_for_timeout(300)
        assert control.evaluate(probe) == ["string", "number"]
        assert control.title() == "pwned" and alerts == ["script ran"]
    finally:
        context.close()

    # The hostile title in a result list is text too.
    page.goto(session.base_url + "?" + urlencode({"q": "xss"}))
    assert web_archive.hostile_id in hit_ids(page)
    title = page.locator(f'li.hit[data-id="{web_archive.hostile_id}"] a.title').text_content() or ""
    assert "<script>" in title
    assert session.dialogs == []


@pytest.mark.parametrize("query", ['"', "*"])
def test_a_query_of_syntax_alone_is_a_clear_400(page: Page, session: BrowserSession, query: str) -> None:
    page.goto(session.base_url)
    assert submit_search(page, query) == 400
    assert page.locator("section.error").get_attribute("data-status") == "400"
    message = page.text_content("section.error .message") or ""
    assert "nothing to search for" in message and query in message


@pytest.mark.parametrize("query", ["NEAR(复议, 站前)", '复议"', "复议 OR 站前"])
def test_fts_syntax_in_a_query_is_searched_as_text(
    page: Page, session: BrowserSession, web_archive: Any, query: str
) -> None:
    page.goto(session.base_url)
    assert submit_search(page, query) == 200
    assert page.text_content("p.total q") == query
    assert total(page) == search(web_archive.root, query, Filters(), limit=1)[1]


def test_no_dialog_opened_in_the_whole_session(session: BrowserSession) -> None:
    """Runs last in the module: no page (search, documents, archived bytes) ever raised an alert."""
    assert session.dialogs == [], session.console
