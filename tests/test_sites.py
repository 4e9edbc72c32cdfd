"""Site definitions are data: validated, classifying URLs, turned into spiders without new code."""

from __future__ import annotations

import os

import pytest

from crawler.loader import spider_for
from crawler.sites import SiteDefinitionError, all_sites, parse_site
from crawler.spiders.jtopcms import JTopSpider
from crawler.spiders.trs import TrsSpider, trs_page_urls


def test_known_sites_and_families() -> None:
    sites = all_sites()
    assert {"siping", "fuxin", "tiedong"} <= sites.keys()
    assert issubclass(spider_for(sites["siping"]), TrsSpider)
    assert issubclass(spider_for(sites["tiedong"]), TrsSpider)
    assert issubclass(spider_for(sites["fuxin"]), JTopSpider)


def test_classification() -> None:
    siping = all_sites()["siping"]
    assert siping.classify("http://txqxxgk.siping.gov.cn/zsts/") == (
        "category",
        {"category": "zsts"},
    )
    kind, groups = siping.classify(
        "http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/201803/t20180320_205386.html"
    ) or ("", {})
    assert kind == "detail" and groups["unit"] == "fgw_12305" and groups["column"] == "ndbg"
    assert siping.classify("http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/index_3.html")[0] == "list"  # type: ignore[index]
    assert siping.classify("http://tdqxxgk.siping.gov.cn/zsts/") is None  # another site's host
    fuxin = all_sites()["fuxin"]
    assert fuxin.classify("https://www.fxxh.gov.cn/channel/list/101.html?pageNo=3") == (
        "list",
        {"column": "101"},
    )
    assert fuxin.classify("https://www.fxxh.gov.cn/content/2014/635027.html") == ("detail", {})


def test_bad_definitions_are_named_errors() -> None:
    base = {
        "name": "x",
        "family": "trs",
        "hosts": ["a.gov.cn"],
        "start_urls": ["http://a.gov.cn/"],
        "patterns": {"list": "^/$"},
        "follow": {"start": ["list"]},
    }
    parse_site(base)
    with pytest.raises(SiteDefinitionError, match="family"):
        parse_site({**base, "family": "wordpress"})
    with pytest.raises(SiteDefinitionError, match="pattern"):
        parse_site({**base, "patterns": {"list": "(["}})
    with pytest.raises(SiteDefinitionError, match="unknown kinds"):
        parse_site({**base, "follow": {"start": ["detail"]}})
    with pytest.raises(SiteDefinitionError, match="not on"):
        parse_site({**base, "start_urls": ["http://b.gov.cn/"]})


def test_trs_pagination_from_create_page_html() -> None:
    html = '<script>createPageHTML(4, 0, "index", "html");</script>'
    assert trs_page_urls(html, "http://h/zsts/fgw_1/ndbg/index.html") == [
        "http://h/zsts/fgw_1/ndbg/index_1.html",
        "http://h/zsts/fgw_1/ndbg/index_2.html",
        "http://h/zsts/fgw_1/ndbg/index_3.html",
    ]
    assert trs_page_urls('createPageHTML(4, 2, "index", "html")', "http://h/a/index_2.html") == []
    assert trs_page_urls("no pager here", "http://h/a/") == []


def test_real_trs_list_sample_pagination(samples_dir: object) -> None:
    from pathlib import Path

    html = (Path(str(samples_dir)) / "trs_yichun_list_index_createPageHTML.html").read_text("utf-8")
    urls = trs_page_urls(html, "http://www.yichun.gov.cn/xxgk/zwdt/zwyw/index.html")
    assert len(urls) == 49 and urls[-1].endswith("/index_49.html")


def test_polite_defaults_for_real_sites() -> None:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.settings import Settings

    from crawler import settings as module
    from crawler.profiles import PROFILES

    settings = Settings()
    settings.setmodule(module)
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert settings.getfloat("DOWNLOAD_DELAY") >= 1.0
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert "xxgk-archive" in settings["USER_AGENT"]
    spider = spider_for(all_sites()["siping"])
    spider.update_settings(settings)  # default profile: nothing relaxed
    assert settings.getfloat("DOWNLOAD_DELAY") >= 1.0
    replica = Settings()
    replica.setmodule(module)
    replica.set("XXGK_PROFILE", "replica", priority="cmdline")
    spider.update_settings(replica)
    assert replica.getfloat("DOWNLOAD_DELAY") == 0 and replica.getbool("ROBOTSTXT_OBEY")
    assert PROFILES["bench"]["CONCURRENT_REQUESTS"] >= 16


def test_attachment_links_found_without_parsing_html() -> None:
    from crawler.spiders.base import file_attribute_pattern

    pattern = file_attribute_pattern(["pdf", "doc", "docx", "png"])
    html = (
        '<a href="./P020180320123456789012.pdf">附件</a> <a href=../x/report.DOCX>b</a>'
        "<a href='/module/download/downfile.jsp?classid=0&amp;filename=1711241012577.pdf'>c</a>"
        '<img src="./W020180320.png" /> <a href="./t20180320_1.html">page</a>'
        '<a href="./a.pdf.html">not a file</a> <a href="./b.doc">d</a>'
    )
    assert [m[1].decode() for m in pattern.finditer(html.encode("gb18030"))] == [
        "./P020180320123456789012.pdf",
        "../x/report.DOCX",
        "/module/download/downfile.jsp?classid=0&amp;filename=1711241012577.pdf",
        "./W020180320.png",
        "./b.doc",
    ]
