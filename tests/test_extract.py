"""pipelines.extract on synthetic pages of each CMS family, the clean-text contract, decoding, the
seeds' chrome lines, and pages that are not what they claim to be."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from parsel import Selector

from pipelines.extract import (
    decode_html,
    detect_family,
    extract_page,
    get_profile,
    html_to_text,
    strip_chrome_lines,
)
from pipelines.extract.chrome_lines import parse_info_line
from pipelines.extract.title import strip_site_suffix

SEEDS = Path(__file__).resolve().parents[1] / "replica" / "seeds"
CHROME_WORDS = ("登录", "注册", "打印", "关闭", "分享", "字体", "主办", "ICP", "网站标识码", "当前位置")


def page(head: str, body: str, charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; '
        f'charset={charset}">{head}</head><body>{body}</body></html>'
    )


# --- the clean-text contract ---------------------------------------------------------------------


def test_paragraphs_breaks_and_inline_elements() -> None:
    html = "<div><p>第一段<b>加粗</b>文字</p><p>第二段<br>换行<br/>再换</p>尾巴<span>相连</span></div>"
    assert html_to_text(html) == "第一段加粗文字\n第二段\n换行\n再换\n尾巴相连"


def test_whitespace_runs_become_one_space_and_lines_are_stripped() -> None:
    html = "<p>\u3000\u3000根据\u3000\u3000条例\xa0\xa0规定\t\t如下：\n  第二行仍同段  </p>"
    assert html_to_text(html) == "根据 条例 规定 如下： 第二行仍同段"


def test_no_empty_lines_and_block_elements_end_lines() -> None:
    html = (
        "<div><p></p><p>&nbsp;</p><h2>标题</h2><div>甲<div>乙</div>丙</div>"
        "<ul><li>一</li><li>二</li></ul></div>"
    )
    assert html_to_text(html) == "标题\n甲\n乙\n丙\n一\n二"


def test_scripts_styles_and_comments_never_produce_text() -> None:
    html = (
        "<div>前<script>var a = '脚本';</script>中<style>.x{color:red}</style>后"
        "<!-- 注释 -->尾<noscript>无脚本</noscript></div>"
    )
    assert html_to_text(html) == "前中后尾"


def test_table_rows_join_cells_with_bars() -> None:
    html = (
        "<table><thead><tr><th>项目</th><th>数量</th><th>备注</th></tr></thead><tbody>"
        "<tr><td rowspan=2>主动公开</td><td>137</td><td></td></tr>"
        "<tr><td>66</td><td>含<br>图表</td></tr>"
        "<tr><td><p>段一</p><p>段二</p></td><td>\u3000</td><td>x</td></tr>"
        "<tr><td></td></tr></tbody></table><p>表后</p>"
    )
    assert html_to_text(html) == ("项目 | 数量 | 备注\n主动公开 | 137 |\n66 | 含 图表\n段一 段二 | | x\n表后")


def test_html_to_text_accepts_elements_selectors_and_bytes() -> None:
    html = "<div id='a'><p>一</p><p>二</p></div><div id='b'>三</div>"
    sel = Selector(text=html)
    assert html_to_text(sel.css("#a")[0]) == "一\n二"
    assert html_to_text(sel.css("div")) == "一\n二\n三"
    assert html_to_text(sel.css("#a")[0].root) == "一\n二"
    assert html_to_text(html.encode("gb18030")) == "一\n二\n三"
    assert html_to_text("") == ""


# --- decoding ------------------------------------------------------------------------------------

RARE = "王堃、李喆与朱镕基𠮷"  # outside GB2312 (堃 喆 镕 in GBK; 𠮷 only in GB18030)


def test_gb18030_bytes_declared_gb2312() -> None:
    body = page("<title>报告</title>", f"<p>{RARE}</p>", "gb2312").encode("gb18030")
    text, enc = decode_html(body)
    assert RARE in text
    assert (enc.used, enc.declared, enc.replacements) == ("gb18030", "gb2312", 0)
    assert extract_page("http://a.gov.cn/x.html", body).title == "报告"


def test_http_charset_wins_over_meta_and_gbk_label_reads_as_gb18030() -> None:
    body = page("", f"<p>{RARE}</p>", "utf-8").encode("gb18030")
    text, enc = decode_html(body, "GBK")
    assert RARE in text and enc.used == "gb18030" and enc.declared == "gbk"


def test_utf8_bytes_declared_gb2312_are_utf8() -> None:
    body = page("", f"<p>{RARE}</p>", "gb2312").encode("utf-8")
    text, enc = decode_html(body, "gb2312")
    assert RARE in text and (enc.used, enc.declared) == ("utf-8", "gb2312")


def test_invalid_bytes_are_replaced_and_counted() -> None:
    good = page("", "<p>" + "政府信息公开" * 50 + "</p>").encode("utf-8")
    damaged = good.replace("公开".encode(), b"\xff", 2)  # one invalid sequence each
    text, enc = decode_html(damaged)
    assert enc.used == "utf-8" and enc.replacements == 2
    assert text.count("\ufffd") == 2
    result = extract_page("http://a.gov.cn/x.html", damaged)
    assert "decode_replacements" in result.problems
    assert result.encoding.replacements == 2


def test_gb_page_with_a_truncated_character() -> None:
    body = page("", "<p>政府信息公开年度报告</p>", "gbk").encode("gb18030") + b"\xd5"
    text, enc = decode_html(body)
    assert "政府信息公开年度报告" in text
    assert enc.used == "gb18030" and enc.replacements == 1


def test_page_own_replacement_characters_are_not_counted() -> None:
    text, enc = decode_html(page("", "<p>原文\ufffd有替换符</p>").encode("utf-8"))
    assert "\ufffd" in text and enc.replacements == 0


def test_bom_ascii_and_unknown_labels() -> None:
    text, enc = decode_html(b"\xef\xbb\xbf" + "<p>公开</p>".encode())
    assert text == "<p>公开</p>" and enc.used == "utf-8"
    text, enc = decode_html("<p>公开</p>".encode("utf-16-be"), None)  # no BOM: no crash either
    assert isinstance(text, str)
    text, enc = decode_html(b"<p>plain</p>", "x-unknown-charset")
    assert text == "<p>plain</p>" and enc.used == "ascii"
    _, enc = decode_html("<p>公开</p>".encode("gb18030"), "x-unknown-charset")
    assert enc.used == "gb18030"


# --- TRS (Siping template) -----------------------------------------------------------------------


def trs_detail(meta: bool = True) -> bytes:
    head = "<title>铁西区站前街2017年政府信息公开工作年度报告_四平市铁西区政府信息公开</title>"
    if meta:
        head += (
            '<meta name="ArticleTitle" content="铁西区站前街2017年政府信息公开工作年度报告">'
            '<meta name="PubDate" content="2018-03-19 09:30"><meta name="ContentSource" content="站前街道">'
            '<meta name="ColumnName" content="年度报告">'
        )
    nav = "".join(f'<li><a href="/col{i}/">栏目{i}</a></li>' for i in range(30))
    body = f"""
    <div class="topbar"><a href="/login.jsp">登录</a> <a href="/reg.jsp">注册</a></div>
    <ul class="nav">{nav}</ul>
    <div class="position">当前位置：<a class="CurrChnlCls" href="/">首页</a> &gt;
      <a class="CurrChnlCls" href="/zsts/">街道办事处</a> &gt;
      <a class="CurrChnlCls" href="./">年度报告</a></div>
    <table class="detail"><tr><td>
      <div class="tit">铁西区站前街2017年政府信息公开工作年度报告</div>
      <div class="info">发布日期:2018-03-19&nbsp;&nbsp;&nbsp;&nbsp;点击数:<span id="count">
        <script>getCount()</script></span></div>
      <div class="TRS_Editor"><style>.TRS_Editor P{{margin:0}}</style>
        <p>四平市铁西区站前街2017年政府信息公开工作年度报告</p>
        <p>　　根据《中华人民共和国政府信息公开条例》有关规定，现将站前街道2017年度报告如下：</p>
        <p>　　网站网址http://txqxxgk.siping.gov.cn/zsts，联系电话0434-3230459。</p>
        <table border="1"><tr><td>主动公开</td><td>137</td></tr><tr><td>依申请公开</td><td>0</td></tr></table>
        <p>　　2013-2017年，全街累计公开政府信息66条（如下图）。</p>
        <p><img src="./W020180320337262734.png"></p>
        <div class="share">分享到：微信 微博</div>
        <p style="text-align:right">四平市铁西区站前街道办事处</p>
        <p style="text-align:right">2017年3月18日</p>
      </div>
      <p>附件：<a href="./P020180320337262734.pdf">2017年年度报告.pdf</a>
         <a href="javascript:void(0)">下载</a> <a href="mailto:a@b.cn">写信.doc</a>
         <a href="/module/download/downfile.jsp?classid=0&amp;filename=统计表.XLS">统计表</a></p>
      <div class="tools"><a href="javascript:window.print()">【打印】</a>
        <a href="javascript:window.close()">【关闭】</a></div>
    </td></tr></table>
    <div class="footer"><p>主办：四平市铁西区人民政府 承办：铁西区政务公开办</p>
      <p>吉ICP备05003034号 网站标识码：2203020001</p></div>
    <script>createPageHTML(1, 0, "t20180320_205386", "html");</script>"""
    return page(head, body).encode("utf-8")


URL = "http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/201803/t20180320_205386.html"


def test_trs_detail_body_title_and_chrome() -> None:
    result = extract_page(URL, trs_detail(), None, "trs")
    assert result.family == "trs"
    assert result.title == "铁西区站前街2017年政府信息公开工作年度报告"
    assert result.text.split("\n") == [
        "四平市铁西区站前街2017年政府信息公开工作年度报告",
        "根据《中华人民共和国政府信息公开条例》有关规定，现将站前街道2017年度报告如下：",
        "网站网址http://txqxxgk.siping.gov.cn/zsts，联系电话0434-3230459。",
        "主动公开 | 137",
        "依申请公开 | 0",
        "2013-2017年，全街累计公开政府信息66条（如下图）。",
        "四平市铁西区站前街道办事处",
        "2017年3月18日",
    ]
    assert result.chrome == {
        "publish_date": "2018-03-19 09:30",
        "views": None,
        "source": "站前街道",
        "editor": None,
        "breadcrumb": ["首页", "街道办事处", "年度报告"],
    }
    assert result.meta["ColumnName"] == "年度报告"
    assert result.problems == ()
    assert result.body_html is not None and "TRS_Editor" in result.body_html
    assert "分享到" not in result.body_html and "<style" not in result.body_html


def test_trs_attachments_and_images_are_absolute() -> None:
    result = extract_page(URL, trs_detail(), None, "trs")
    base = "http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/201803/"
    assert [(a.url, a.text, a.ext) for a in result.attachments] == [
        (base + "P020180320337262734.pdf", "2017年年度报告.pdf", "pdf"),
        (
            "http://txqxxgk.siping.gov.cn/module/download/downfile.jsp?classid=0&filename=统计表.XLS",
            "统计表",
            "xls",
        ),
    ]
    assert result.images == (base + "W020180320337262734.png",)


def test_trs_without_meta_takes_the_page_line_above_the_date() -> None:
    result = extract_page(URL, trs_detail(meta=False))  # family detected from the markers
    assert result.family == "trs"
    assert result.title == "铁西区站前街2017年政府信息公开工作年度报告"
    assert result.chrome["publish_date"] == "2018-03-19"
    assert result.chrome["views"] is None
    assert not any(word in result.text for word in CHROME_WORDS)


def test_trs_list_page_is_reported_as_such() -> None:
    rows = "".join(
        f'<tr><td><a href="./201803/t201803{i:02d}_2053{i:02d}.html">站前街道第{i}号通知公告</a></td>'
        f"<td>2018-03-{i:02d}</td></tr>"
        for i in range(1, 21)
    )
    html = page(
        "<title>年度报告</title>",
        '<div class="position"><a class="CurrChnlCls" href="/">首页</a> &gt; '
        f'<a class="CurrChnlCls" href="./">年度报告</a></div><table>{rows}</table>'
        '<script>createPageHTML(5, 0, "index", "html");</script>',
    )
    result = extract_page("http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/", html.encode())
    assert "list_page" in result.problems
    assert result.title == "年度报告"
    lines = result.text.split("\n")
    assert lines[0] == "站前街道第1号通知公告 | 2018-03-01" and len(lines) == 20


# --- JTopCMS (Fuxin template) --------------------------------------------------------------------


def jtopcms_detail(views: str = "127") -> bytes:
    head = (
        "<title>细河区学苑街道2013年信息公开年度报告-阜新市细河区人民政府</title>"
        '<meta name="ArticleTitle" content="细河区学苑街道2013年信息公开年度报告">'
        '<meta name="PubDate" content="2014-03-31"><meta name="ContentSource" content="细河区学苑街道">'
    )
    body = f"""
    <form action="/search.thtml"><input name="keyword"><input type="hidden" name="searchModelId"></form>
    <div class="breadcrumbs"><a href="/">首页</a> » <a href="/channel/12/index.html">政务公开</a> »
      <a href="/channel/list/34.html">街道信息</a></div>
    <div class="Detailcontent">
      <h1>细河区学苑街道2013年信息公开年度报告</h1>
      <div class="info">日期: 2014-03-31 浏览量:{views} 来源:细河区学苑街道 责任编辑:张庆鹏
        文字大小:<a href="#">大</a> <a href="#">中</a> <a href="#">小</a></div>
      <div class="Detailcontent_inner f16">
        <p>2013年学苑街道政务公开工作在区委、区政府的正确领导下取得了较大成效。</p>
        <p>一、政府信息公开的总体情况</p>
        <p>本报告中所列数据的统计期限自2013年1月1日起至2013年12月31日止。</p>
        <p><a href="/xhq/file/2014-03-31/6f1c.pdf">附件：统计表</a></p>
      </div>
    </div>
    <div class="foot">版权所有：阜新市细河区人民政府 辽ICP备05001234号</div>"""
    return page(head, body).encode("utf-8")


def test_jtopcms_detail() -> None:
    url = "https://www.fxxh.gov.cn/content/2014/635027.html"
    result = extract_page(url, jtopcms_detail())
    assert result.family == "jtopcms"
    assert result.title == "细河区学苑街道2013年信息公开年度报告"
    assert result.chrome == {
        "publish_date": "2014-03-31",
        "views": 127,
        "source": "细河区学苑街道",
        "editor": "张庆鹏",
        "breadcrumb": ["首页", "政务公开", "街道信息"],
    }
    first = "2013年学苑街道政务公开工作在区委、区政府的正确领导下取得了较大成效。"
    assert result.text.split("\n")[0] == first
    assert result.text.split("\n")[-1] == "附件：统计表"
    assert "浏览量" not in result.text and "文字大小" not in result.text
    assert [a.url for a in result.attachments] == ["https://www.fxxh.gov.cn/xhq/file/2014-03-31/6f1c.pdf"]


def test_jtopcms_site_override_and_empty_counter() -> None:
    html = jtopcms_detail(views="").replace(b'class="Detailcontent_inner f16"', b'class="xl-body"')
    url = "https://www.fxxh.gov.cn/content/2014/635027.html"
    result = extract_page(url, html, None, {"family": "jtopcms", "body": "div.xl-body", "x": 1})
    assert result.text.startswith("2013年学苑街道政务公开工作")
    assert result.chrome["views"] is None and result.chrome["editor"] == "张庆鹏"


# --- VSB and Hanweb ------------------------------------------------------------------------------


def vsb_detail(clicks: str) -> bytes:
    body = f"""
    <table><tr><td class="titlestyle1081">关于公布2018年政府信息公开目录的通知</td></tr>
    <tr><td>来源: 办公室 | 发布时间: 2018-05-17 | 浏览次数:
      <script>_showDynClicks("wbnews", 1412614994, 1081)</script>
      <span id="dynclicks_wbnews_1081_978">{clicks}</span></td></tr>
    <tr><td><form name="_newscontent_fromname"><div id="vsb_content"><div class="v_news_content">
      <p>各单位：</p><p>现将2018年政府信息公开目录予以公布。</p></div></div></form></td></tr></table>"""
    return page("<title>关于公布2018年政府信息公开目录的通知-办公室</title>", body).encode("utf-8")


@pytest.mark.parametrize(("clicks", "views"), [("2168", 2168), ("", None)])
def test_vsb_dynamic_clicks(clicks: str, views: int | None) -> None:
    result = extract_page("http://www.x.edu.cn/info/1081/978.htm", vsb_detail(clicks))
    assert result.family == "vsb"
    assert result.title == "关于公布2018年政府信息公开目录的通知"
    assert result.text == "各单位：\n现将2018年政府信息公开目录予以公布。"
    assert result.chrome["views"] == views
    assert result.chrome["publish_date"] == "2018-05-17"
    assert result.chrome["source"] == "办公室"


def hanweb_detail(zoom: bool) -> bytes:
    wrapper = ('<div class="main-txt" id="zoom">', "</div>") if zoom else ("<div>", "</div>")
    body = f"""
    <div class="position">当前位置：<a href="/">首页</a> &gt;
      <a href="/col/col1/index.html">通知公告</a></div>
    <p class="con-title"><!--<$[标题]>begin-->关于开展2019年度报告工作的通知<!--<$[标题]>end--></p>
    <div class="small-title"><span>发布日期：2019-01-08</span><span>浏览次数：<script>hits()</script></span>
      <span>信息来源：<!--<$[信息来源]>begin-->市政府办公室<!--<$[信息来源]>end--></span></div>
    {wrapper[0]}<!--<$[信息内容]>begin--><p>各县（市、区）人民政府：</p><p>请于1月31日前报送。</p>
    <!--<$[信息内容]>end-->{wrapper[1]}
    <div class="main-word"><span class="printer">打印</span> <span class="close">关闭</span></div>
    <script src="/module/jslib/jcms_files/jcms.js"></script>"""
    return page("<title>关于开展2019年度报告工作的通知</title>", body).encode("utf-8")


@pytest.mark.parametrize("zoom", [True, False])
def test_hanweb_zoom_or_content_markers(zoom: bool) -> None:
    result = extract_page("http://x.gov.cn/art/2019/1/8/art_1_2.html", hanweb_detail(zoom))
    assert result.family == "hanweb"
    assert result.text == "各县（市、区）人民政府：\n请于1月31日前报送。"
    assert result.title == "关于开展2019年度报告工作的通知"
    if zoom:
        assert result.chrome["publish_date"] == "2019-01-08"
        assert result.chrome["source"] == "市政府办公室"
        assert result.chrome["views"] is None


# --- generic -------------------------------------------------------------------------------------


def test_generic_page_main_content() -> None:
    paragraphs = "".join(
        f"<p>第{i}段：本机关依法主动公开政府信息，及时回应社会关切，保障公众知情权。</p>" for i in range(12)
    )
    links = "".join(f'<li><a href="/n/{i}.html">导航链接{i}</a></li>' for i in range(40))
    body = (
        f'<div class="menu"><ul>{links}</ul></div><div class="main"><h1>某局2019年工作报告</h1>'
        f'<div class="meta">来源：某局 2019-02-01</div><div class="text">{paragraphs}</div></div>'
        '<div class="foot">联系我们 | 网站地图</div>'
    )
    html = page("<title>某局2019年工作报告_某局</title>", body)
    result = extract_page("http://www.some.gov.cn/a.html", html.encode())
    assert result.family == "generic"
    lines = result.text.split("\n")
    assert lines[0].startswith("第0段") and lines[-1].startswith("第11段") and len(lines) == 12
    assert result.title == "某局2019年工作报告"
    assert "导航链接" not in result.text


# --- robustness ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "empty_body"),
        (b"   \r\n ", "empty_body"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj", "not_html"),
        (bytes(range(256)) * 20, "not_html"),
        (b"PK\x03\x04\x14\x00\x06\x00word/document.xml", "not_html"),
        (b'result({"num":0,"data":[]})', "not_html"),
        (b"<html><head><title></title></head><body></body></html>", "empty_body"),
        (b"<html><body><script>location.href='/x'</script></body></html>", "empty_body"),
    ],
)
def test_broken_inputs_report_problems_never_raise(body: bytes, problem: str) -> None:
    result = extract_page("http://a.gov.cn/x.html", body)
    assert problem in result.problems
    assert result.text == ""
    assert "no_title" in result.problems


def test_broken_html_and_no_title() -> None:
    html = b"<div class='TRS_Editor'><p>\xe6\x94\xbf\xe5\xba\x9c<p>unclosed <b>bold <table><tr><td>x"
    result = extract_page("http://a.gov.cn/t20200101_1.html", html)
    assert result.text == "政府\nunclosed bold\nx"
    assert result.title is None and result.problems == ("no_title",)


def test_undecodable_bytes_never_raise() -> None:
    body = b"<html><head><title>\x81\x30</title></head><body><p>\xff\xfe\xfd\x80\x81</p></body></html>"
    result = extract_page("http://a.gov.cn/x.html", body, "gb2312")
    assert "decode_replacements" in result.problems
    assert result.encoding.replacements > 0


def test_profile_errors_are_definition_errors() -> None:
    with pytest.raises(ValueError, match="unknown extraction family"):
        extract_page("http://a/", b"<p>x</p>", None, "wordpress")
    with pytest.raises(ValueError, match="bad selector"):
        extract_page("http://a/", b"<p>x</p>", None, {"family": "trs", "body": ["div[["]})
    assert get_profile({"family": "trs", "agency_breadcrumb_level": 2}).family == "trs"


def test_detect_family_by_markers() -> None:
    assert detect_family('<div class="TRS_Editor">') == "trs"
    assert detect_family('<div id="vsb_content"></div><script>_showDynClicks(1)</script>') == "vsb"
    assert detect_family("<!--<$[信息内容]>begin--><div id=zoom>") == "hanweb"
    assert detect_family('<div class="Detailcontent_inner f16">') == "jtopcms"
    assert detect_family("<p>plain</p>") == "generic"


def test_site_suffix_of_title_tag() -> None:
    shanxi = "山西品牌丝路行（南美站）正式启动"
    assert strip_site_suffix(f"{shanxi} - 山西省人民政府门户网站") == shanxi
    youth = "以战时内阁审查重启停火谈判提案"
    assert strip_site_suffix(f"{youth}_新闻频道_中国青年网") == youth
    assert strip_site_suffix("中华人民共和国监察法-纪检") == "中华人民共和国监察法"
    assert strip_site_suffix("1-10月德清县固定资产投资结构趋稳趋优") == "1-10月德清县固定资产投资结构趋稳趋优"


def test_pure_function_of_inputs() -> None:
    first = extract_page(URL, trs_detail())
    assert extract_page(URL, trs_detail()) == first


def test_a_long_page_with_a_long_menu_keeps_its_body_and_drops_the_menu() -> None:
    # Its speed is measured in bench/extract_parse_speed.py, not here: tests assert no clock.
    nav = "".join(f'<li><a href="/c{i}/index.html">栏目名称{i}</a></li>' for i in range(150))
    paragraph = "<p>　　年度报告正文段落，数据统计期限自2017年1月1日起至2017年12月31日止。</p>"
    body = trs_detail().decode().replace('<ul class="nav">', f'<ul class="nav">{nav}')
    body = body.replace("<p>　　2013-2017年", paragraph * 60 + "<p>　　2013-2017年")
    data = body.encode()
    assert len(data) > 18_000
    page = extract_page(URL, data, None, "trs")
    assert page.text.count("年度报告正文段落") == 60
    assert "栏目名称" not in page.text


# --- the replica's pages against their ground truth ------------------------------------------------

FAULT_PROBLEM = {"not_html": "not_html", "empty": "empty_body", "no_title": "no_title"}


def test_replica_detail_pages_match_their_ground_truth() -> None:
    """The replica renders TRS and JTopCMS detail pages and states their clean text: both sides of
    the clean-text contract must agree on every page."""
    corpus_module = pytest.importorskip("replica.corpus")
    pages_module = pytest.importorskip("replica.pages")
    corpus = corpus_module.Corpus(seed=3, pages=300)
    responder = pages_module.Responder(corpus)
    checked = 0
    for truth in corpus.documents():
        if truth.kind in ("attachment", "image"):
            continue
        parts = urlsplit(truth.url)
        served = responder.respond(parts.netloc, parts.path)
        if served.status != 200:
            continue
        body = served.body
        if served.views is not None:  # a live hit counter: prefix + count + suffix
            body = served.views[0] + str(served.views[2]).encode() + served.views[1]
        charset = served.content_type.partition("charset=")[2] or None
        family = "jtopcms" if "fxxh" in parts.netloc else "trs"
        result = extract_page(truth.url, body, charset, {"family": family})
        if truth.fault in FAULT_PROBLEM:
            assert FAULT_PROBLEM[truth.fault] in result.problems, truth.url
            continue
        assert result.text == truth.text, truth.url
        assert result.title == truth.title, truth.url
        assert str(result.chrome["publish_date"]).startswith(truth.publish_date), truth.url
        assert {a.url for a in result.attachments} == set(truth.attachments), truth.url
        assert set(result.images) == set(truth.images), truth.url
        expected = ("decode_replacements",) if truth.fault == "undecodable" else ()
        assert result.problems == expected, truth.url
        checked += 1
    assert checked > 100


# --- chrome lines of naively extracted text (the seeds) ------------------------------------------


def seed_lines(name: str) -> list[str]:
    return (SEEDS / name).read_text("utf-8").split("\n")


def test_seed_000_drops_exactly_the_login_bar_and_the_date_line() -> None:
    lines = seed_lines("000_86e897f74c26ea25.txt")
    kept, fields = strip_chrome_lines(lines)
    dropped = [line for line in lines if line not in kept]
    assert dropped == ["登录 注册", "发布日期:2018-03-19\xa0\xa0\xa0\xa0点击数:"]
    assert len(kept) == len(lines) - 2
    assert fields["publish_date"] == "2018-03-19"
    assert fields["views"] is None
    assert fields["title_line"] == "铁西区站前街2017年政府信息公开工作年度报告"


def test_seed_004_drops_nothing() -> None:
    lines = seed_lines("004_06686d2d0afa0829.txt")
    kept, fields = strip_chrome_lines(lines)
    assert kept == lines
    assert fields == {"publish_date": None, "views": None, "source": None, "editor": None}


def test_chrome_lines_of_a_whole_page() -> None:
    lines = [
        "首页 | 简 | 繁 | EN | 登录 个人中心 退出 | 邮箱 | 无障碍",
        "当前位置：首页 > 政务公开 > 年度报告",
        "某局2019年政府信息公开工作年度报告",
        "日期: 2014-03-31 浏览量:127 来源:细河区学苑街道 责任编辑:张庆鹏 文字大小:大 中 小",
        "本网站日期：2019年1月1日起改版，网站网址为http://www.x.gov.cn。",
        "时间：2019年3月5日",
        "主办：市文明办（活动主办单位）",
        "本年度共主动公开信息52条。",
        "【打印】【关闭】",
        "字体：大 中 小",
        "分享到：微信 微博",
        "主办：某市人民政府 承办：某市政府办公室",
        "网站标识码：2203020001 吉ICP备05003034号 吉公网安备22030202000123号",
        "版权所有：某市人民政府",
        "联系我们 | 网站地图",
    ]
    kept, fields = strip_chrome_lines(lines)
    assert kept == [
        "某局2019年政府信息公开工作年度报告",
        "本网站日期：2019年1月1日起改版，网站网址为http://www.x.gov.cn。",
        "时间：2019年3月5日",
        "主办：市文明办（活动主办单位）",
        "本年度共主动公开信息52条。",
    ]
    assert fields["views"] == 127 and fields["editor"] == "张庆鹏" and fields["source"] == "细河区学苑街道"
    assert fields["breadcrumb"] == ["首页", "政务公开", "年度报告"]
    assert fields["title_line"] == "某局2019年政府信息公开工作年度报告"


@pytest.mark.parametrize(
    "line",
    [
        "发布日期:2018-03-19 点击数:",
        "来源: | 发布时间: 2018-05-17 | 浏览次数: 2168",
        "发布日期: 2012-06-24 字号: [大] [中] [小] [打印]",
        "（责任编辑：系统管理员）",
    ],
)
def test_info_lines(line: str) -> None:
    assert parse_info_line(line) is not None


@pytest.mark.parametrize(
    "line",
    ["时间：2019年3月5日上午9:00", "来源：据国家统计局2019年1月发布的公报，全年增长6.6%。", "日期：见附件"],
)
def test_sentences_are_not_info_lines(line: str) -> None:
    assert parse_info_line(line, weak_ok=("publish_date",)) is None


def test_nul_bytes_in_a_page_never_reach_the_text() -> None:
    # A broken export (or a hostile page) puts NULs between and inside words; lxml would read each
    # as U+FFFD, so "各乡镇" came out as "各\ufffd乡镇".
    html = page("<title>通知</title>", "<div><p>各\x00乡镇\x00（街道）</p><p>\x00第二段</p></div>")
    for charset, body in (("utf-8", html.encode("utf-8")), ("gb18030", html.encode("gb18030"))):
        text = extract_page("http://example.gov.cn/a.html", body, charset).text
        assert "各乡镇（街道）" in text and "第二段" in text, charset
        assert "\ufffd" not in text and "\x00" not in text
