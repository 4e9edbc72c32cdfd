"""HTML page templates of the two CMS families, as pure functions of what a page shows.

TRS WCM pages (Siping, Tiedong) are static files: lists paged only by an inline
`createPageHTML(n, k, "index", "html")` call, details with a `TRS_Editor` body. JTopCMS pages
(Fuxin) are server-rendered: lists with a `ul.pagination`, details with a view counter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from replica.sites import SiteSpec

# Written where the served bytes are patched after encoding (view counts, invalid bytes).
VIEWS_MARK = "@@VIEWS@@"
GARBLE_MARK = "@@GARBLE@@"

_XHTML = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
    '<html xmlns="http://www.w3.org/1999/xhtml">\n'
)

_TRS_STYLE = """<style type="text/css">
body{margin:0;font:12px/1.8 "宋体",SimSun;color:#333}
.top{height:30px;background:#f0f0f0}.main,.header{width:1000px;margin:0 auto}
.position{height:36px;line-height:36px}.title h1{font-size:22px;text-align:center}
.info{text-align:center;color:#999}.TRS_Editor p{font-size:16px;line-height:2}
.footer{text-align:center;border-top:2px solid #b70d0d;margin-top:20px}
</style>"""


def _t(text: str) -> str:
    return escape(text, quote=False)


def _a(text: str) -> str:
    return escape(text, quote=True)


@dataclass(frozen=True)
class Link:
    href: str
    text: str


@dataclass(frozen=True)
class ListEntry:
    href: str
    title: str
    date: str


# --- TRS WCM ---------------------------------------------------------------------------------


def _trs_top(site: SiteSpec) -> str:
    return (
        '<div class="top"><div class="main"><span class="welcome">欢迎访问'
        f"{_t(site.title)}网！</span>"
        '<span class="login"><a href="/wcm/app/login.jsp" target="_blank">登录</a> '
        '<a href="/wcm/app/register.jsp" target="_blank">注册</a></span></div></div>\n'
    )


def _trs_header(site: SiteSpec) -> str:
    return (
        f'<div class="header"><div class="logo">{_t(site.title)}</div>\n'
        '<div class="nav"><a href="/">首页</a> <a href="/zsts/">街道办事处</a> '
        '<a href="/zcbm/">组成部门</a> '
        '<a href="/was5/web/search?channelid=201834&amp;searchword=">信息检索</a></div>\n'
        '<form name="searchform" action="/was5/web/search" method="get">'
        '<input type="hidden" name="channelid" value="201834" />'
        '<input type="text" name="searchword" size="20" />'
        '<input type="submit" value="搜索" /></form></div>\n'
    )


def _trs_footer(site: SiteSpec, garble: bool = False) -> str:
    place = f"{site.city}{site.district}"
    address = f"地址：{place}人民政府{GARBLE_MARK}办公楼" if garble else f"地址：{place}人民政府办公楼"
    return (
        '<div class="footer">\n'
        f"<p>主办：{_t(site.owner)}&nbsp;&nbsp;承办：{_t(site.operator)}</p>\n"
        f"<p>{address}&nbsp;&nbsp;{_t(site.icp)}&nbsp;&nbsp;网站标识码：{site.site_code}</p>\n"
        '<p><a href="/wzdt/">网站地图</a> | <a href="javascript:void(0)">联系我们</a></p>\n'
        "</div>\n"
    )


def _trs_page(site: SiteSpec, title: str, body: str, charset: str = "utf-8", meta: str = "") -> str:
    return (
        _XHTML
        + "<head>\n"
        + f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />\n'
        + f"<title>{_t(title)}</title>\n"
        + meta
        + _TRS_STYLE
        + "\n</head>\n<body>\n"
        + _trs_top(site)
        + _trs_header(site)
        + body
        + _trs_footer(site)
        + "</body>\n</html>\n"
    )


def _crumbs(links: Sequence[Link]) -> str:
    parts = [
        f'<a href="{_a(link.href)}" title="{_a(link.text)}" class="CurrChnlCls">{_t(link.text)}</a>'
        for link in links
    ]
    return '<div class="position">当前位置：' + " &gt; ".join(parts) + "</div>\n"


def trs_home(site: SiteSpec, categories: Sequence[Link]) -> str:
    items = "".join(f'<li><a href="{_a(c.href)}">{_t(c.text)}</a></li>\n' for c in categories)
    body = (
        '<div class="main">\n<div class="lm_title">政府信息公开目录</div>\n'
        f'<ul class="xxgk_ml">\n{items}</ul>\n'
        '<div class="gkzn">本网站发布街道办事处、组成部门的政府信息公开指南、目录和年度报告。</div>\n'
        "</div>\n"
    )
    return _trs_page(site, site.title, body)


def trs_index(site: SiteSpec, title: str, crumbs: Sequence[Link], entries: Sequence[Link]) -> str:
    """A category index (units) or a unit index (columns): plain folder links."""
    items = "".join(
        f'<li><a href="{_a(e.href)}" title="{_a(e.text)}">{_t(e.text)}</a></li>\n' for e in entries
    )
    body = (
        '<div class="main">\n'
        + _crumbs(crumbs)
        + f'<div class="lm_title">{_t(title)}</div>\n<ul class="dw_list">\n{items}</ul>\n</div>\n'
    )
    return _trs_page(site, f"{title}_{site.title}", body)


# The WCM template pager: writes the page links with document.write, so the other pages of a list
# exist only for a reader that runs the script or reads the call's arguments.
_PAGER_FUNCTION = """<script type="text/javascript">
//<!--
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount <= 1){ return; }
  var nLast = _nPageCount - 1;
  function pageUrl(i){
    return i == 0 ? _sPageName + "." + _sPageExt : _sPageName + "_" + i + "." + _sPageExt;
  }
  function link(i, text){ return "<a href=\\"" + pageUrl(i) + "\\" class=\\"fy\\">" + text + "</a> "; }
  function mute(text){ return "<span class=\\"fy\\">" + text + "</span> "; }
  if (_nCurrIndex > 0) { document.write(link(0, "首页") + link(_nCurrIndex - 1, "上一页")); }
  else { document.write(mute("首页") + mute("上一页")); }
  if (_nCurrIndex < nLast) { document.write(link(_nCurrIndex + 1, "下一页") + link(nLast, "尾页")); }
  else { document.write(mute("下一页") + mute("尾页")); }
  document.write("共" + _nPageCount + "页 当前第" + (_nCurrIndex + 1) + "页");
}
//-->
</script>
"""


def trs_list(
    site: SiteSpec,
    column: str,
    unit: str,
    crumbs: Sequence[Link],
    entries: Sequence[ListEntry],
    page_count: int,
    page_index: int,
) -> str:
    rows = []
    for e in entries:
        # Long titles are cut in the link text; the title attribute keeps them whole.
        shown = e.title if len(e.title) <= 32 else e.title[:30] + "..."
        rows.append(
            f'<li><a href="{_a(e.href)}" title="{_a(e.title)}" target="_blank">{_t(shown)}</a>'
            f'<span class="date">{e.date}</span></li>\n'
        )
    body = (
        '<div class="main">\n'
        + _crumbs(crumbs)
        + f'<div class="lm_title">{_t(column)}</div>\n'
        + '<div class="list_con"><ul class="list">\n'
        + "".join(rows)
        + "</ul></div>\n"
        + '<div class="page">'
        + _PAGER_FUNCTION
        + f'<script>createPageHTML({page_count}, {page_index}, "index", "html");</script>'
        + "</div>\n</div>\n"
    )
    return _trs_page(site, f"{column}_{unit}_{site.title}", body)


@dataclass(frozen=True)
class TrsDetail:
    title: str | None  # None: the page has no title at all (an injected fault)
    shown: str  # YYYY-MM-DD
    column: str
    crumbs: tuple[Link, ...]
    body_html: str
    attachments: tuple[Link, ...]
    docid: int
    file_name: str
    charset: str  # declared: "utf-8" | "gb2312"
    garble: bool  # leave GARBLE_MARK where invalid bytes go


def trs_detail(site: SiteSpec, page: TrsDetail) -> str:
    title = page.title or ""
    meta = (
        f'<meta name="SiteName" content="{_a(site.title)}" />\n'
        f'<meta name="SiteDomain" content="{site.host}" />\n'
        f'<meta name="SiteIDCode" content="{site.site_code}" />\n'
        f'<meta name="ColumnName" content="{_a(page.column)}" />\n'
        + (f'<meta name="ArticleTitle" content="{_a(title)}" />\n' if page.title else "")
        + f'<meta name="PubDate" content="{page.shown} 09:{page.docid % 60:02d}" />\n'
        '<meta name="ContentSource" content="" />\n'
        '<meta name="Keywords" content="" />\n<meta name="Author" content="" />\n'
        f'<meta name="Url" content="./{page.file_name}" />\n'
    )
    heading = (
        f'<div class="title"><h1>{_t(title)}</h1></div>\n' if page.title else '<div class="title"></div>\n'
    )
    attachments = ""
    if page.attachments:
        links = "<br />\n".join(
            f'<a href="{_a(a.href)}" target="_blank">{_t(a.text)}</a>' for a in page.attachments
        )
        attachments = f'<div class="fujian"><span>附件：</span><br />\n{links}</div>\n'
    body = (
        '<div class="main">\n'
        + _crumbs(page.crumbs)
        + '<div class="content">\n'
        + heading
        + '<div class="info">发布日期:'
        + page.shown
        + '&nbsp;&nbsp;&nbsp;&nbsp;点击数:<span id="clicknum"></span>'
        + '<script language="javascript">var nDocId = "'
        + str(page.docid)
        + '"; if (window.getClickNum) { document.getElementById("clicknum").innerHTML = '
        + "getClickNum(nDocId); }</script></div>\n"
        + '<div class="article"><div class="TRS_Editor">'
        + page.body_html
        + "</div></div>\n"
        + attachments
        + '<div class="tools"><a href="javascript:window.print()">打印</a> '
        '<a href="javascript:window.close()">关闭</a> 字体：'
        '<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> '
        '<a href="javascript:doZoom(14)">小</a></div>\n' + "</div>\n</div>\n"
    )
    html = (
        _XHTML
        + "<head>\n"
        + f'<meta http-equiv="Content-Type" content="text/html; charset={page.charset}" />\n'
        + f"<title>{_t(title)}</title>\n"
        + meta
        + _TRS_STYLE
        + "\n</head>\n<body>\n"
        + _trs_top(site)
        + _trs_header(site)
        + body
        + _trs_footer(site, garble=page.garble)
        + "</body>\n</html>\n"
    )
    return html


def trs_not_found(site: SiteSpec) -> str:
    body = (
        '<div class="main"><div class="error"><h2>404</h2><p>对不起，您访问的页面不存在或已被删除。</p>'
        '<p><a href="/">返回首页</a></p></div></div>\n'
    )
    return _trs_page(site, "页面不存在", body)


def trs_search(site: SiteSpec) -> str:
    body = '<div class="main"><div class="lm_title">信息检索</div><p>请输入检索词。</p></div>\n'
    return _trs_page(site, f"信息检索_{site.title}", body)


# --- JTopCMS (Fuxin) -----------------------------------------------------------------------------

_JT_STYLE = """<style type="text/css">
body{margin:0;font-family:"Microsoft YaHei";font-size:14px}
.w1200{width:1200px;margin:0 auto}.breadcrumbs{height:40px;line-height:40px}
.xxgk_rul li{height:36px;line-height:36px;border-bottom:1px dashed #ddd}.xxgk_rul li span{float:right}
.Detailcontent_inner.f16{font-size:16px;line-height:2}.pagination li{display:inline;margin:0 4px}
</style>"""


def _jt_head(site: SiteSpec, title: str, meta: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        f"<title>{_t(title)}</title>\n"
        f'<meta name="SiteName" content="{_a(site.title)}">\n' + meta + _JT_STYLE + "\n</head>\n<body>\n"
    )


def _jt_header(site: SiteSpec) -> str:
    return (
        '<div class="topbar"><div class="w1200"><span>今天是：</span>'
        '<a href="javascript:void(0)" onclick="addFavorite()">加入收藏</a></div></div>\n'
        f'<div class="header w1200"><div class="logo">{_t(site.title)}</div>\n'
        '<div class="search"><form action="/search.thtml" method="get">'
        '<input type="text" name="keyword" /><input type="hidden" name="searchModelId" value="1" />'
        '<input type="submit" value="搜索" /></form>'
        '<a href="/search.thtml?keyword=&amp;searchModelId=1">高级检索</a></div></div>\n'
        '<div class="nav w1200"><ul><li><a href="/">首页</a></li><li><a href="/">政务公开</a></li>'
        '<li><a href="javascript:void(0)">政务服务</a></li><li><a href="javascript:void(0)">互动交流</a></li>'
        "</ul></div>\n"
    )


def _jt_footer(site: SiteSpec, garble: bool = False) -> str:
    mark = GARBLE_MARK if garble else ""
    return (
        '<div class="footer"><div class="w1200">\n'
        f"<p>主办单位：{_t(site.owner)}&nbsp;&nbsp;承办单位：{_t(site.operator)}{mark}</p>\n"
        f"<p>{_t(site.icp)}&nbsp;&nbsp;网站标识码：{site.site_code}</p>\n"
        "</div></div>\n</body>\n</html>\n"
    )


def _jt_crumbs(links: Sequence[Link]) -> str:
    parts = [f'<a href="{_a(x.href)}">{_t(x.text)}</a>' for x in links]
    return '<div class="breadcrumbs w1200">当前位置：' + " &gt; ".join(parts) + "</div>\n"


@dataclass(frozen=True)
class JtUnitChannels:
    name: str
    channels: tuple[Link, ...]


def jt_home(site: SiteSpec, units: Sequence[JtUnitChannels]) -> str:
    blocks = []
    for unit in units:
        links = "".join(f'<li><a href="{_a(c.href)}">{_t(c.text)}</a></li>' for c in unit.channels)
        blocks.append(f'<div class="xxgk_unit"><h3>{_t(unit.name)}</h3><ul>{links}</ul></div>\n')
    body = '<div class="xxgk w1200"><h2 class="xxgk_title">政府信息公开</h2>\n' + "".join(blocks) + "</div>\n"
    return _jt_head(site, site.title) + _jt_header(site) + body + _jt_footer(site)


def _pager(base: str, page_no: int, page_count: int) -> str:
    def href(k: int) -> str:
        return base if k == 1 else f"{base}?pageNo={k}"

    def item(k: int, text: str, enabled: bool) -> str:
        if not enabled:
            return f'<li class="disabled"><span>{text}</span></li>'
        return f'<li><a href="{_a(href(k))}">{text}</a></li>'

    first = max(1, min(page_no - 4, page_count - 9))
    numbers = []
    for k in range(first, min(page_count, first + 9) + 1):
        numbers.append(
            f'<li class="active"><span>{k}</span></li>'
            if k == page_no
            else f'<li><a href="{_a(href(k))}">{k}</a></li>'
        )
    items = [
        item(1, "首页", page_no > 1),
        item(page_no - 1, "上一页", page_no > 1),
        *numbers,
        item(page_no + 1, "下一页", page_no < page_count),
        item(page_count, "尾页", page_no < page_count),
    ]
    return (
        f'<div class="page-inner"><span class="total">共 {page_count} 页</span> '
        f'<span class="current">当前第 {page_no} 页</span>\n'
        '<ul class="pagination">' + "".join(items) + "</ul></div>\n"
    )


def jt_list(
    site: SiteSpec,
    channel: str,
    unit: str,
    crumbs: Sequence[Link],
    base: str,
    entries: Sequence[ListEntry],
    page_no: int,
    page_count: int,
) -> str:
    rows = "".join(
        f'<li><a href="{_a(e.href)}" title="{_a(e.title)}" target="_blank">{_t(e.title)}</a>'
        f"<span>{e.date}</span></li>\n"
        for e in entries
    )
    body = (
        _jt_crumbs(crumbs)
        + '<div class="xxgk_list w1200">\n'
        + f'<div class="xxgk_list_title">{_t(unit)} · {_t(channel)}</div>\n'
        + f'<ul class="xxgk_rul xxgk_rul_auto">\n{rows}</ul>\n'
        + _pager(base, page_no, page_count)
        + "</div>\n"
    )
    return _jt_head(site, f"{channel}_{unit}_{site.title}") + _jt_header(site) + body + _jt_footer(site)


@dataclass(frozen=True)
class JtDetail:
    title: str | None
    date: str
    source: str
    editor: str
    column: str
    crumbs: tuple[Link, ...]
    body_html: str  # attachments are links inside it
    garble: bool


def jt_detail(site: SiteSpec, page: JtDetail) -> str:
    title = page.title or ""
    meta = (
        (f'<meta name="ArticleTitle" content="{_a(title)}">\n' if page.title else "")
        + f'<meta name="PubDate" content="{page.date} 10:00">\n'
        + f'<meta name="ContentSource" content="{_a(page.source)}">\n'
        + f'<meta name="ColumnName" content="{_a(page.column)}">\n'
    )
    heading = f'<h1 class="Detailcontent_title">{_t(title)}</h1>\n' if page.title else ""
    body = (
        _jt_crumbs(page.crumbs)
        + '<div class="Detailcontent w1200">\n'
        + heading
        + '<div class="Detailcontent_info">'
        + f"<span>日期: {page.date}</span> <span>浏览量:{VIEWS_MARK}</span> "
        + f"<span>来源:{_t(page.source)}</span> <span>责任编辑:{_t(page.editor)}</span> "
        + '<span class="fontsize">文字大小:<a href="javascript:doZoom(18)">大</a>'
        + '<a href="javascript:doZoom(16)">中</a><a href="javascript:doZoom(14)">小</a></span>'
        + "</div>\n"
        + f'<div class="Detailcontent_inner f16">{page.body_html}</div>\n'
        + '<div class="Detailcontent_tools"><a href="javascript:window.print()">【打印本页】</a> '
        '<a href="javascript:window.close()">【关闭窗口】</a></div>\n' + "</div>\n"
    )
    return (
        _jt_head(site, f"{title}_{site.title}" if page.title else "", meta)
        + _jt_header(site)
        + body
        + _jt_footer(site, garble=page.garble)
    )


def jt_not_found(site: SiteSpec) -> str:
    body = (
        '<div class="w1200 error"><h2>404</h2><p>您访问的页面不存在！</p>'
        '<p><a href="/">返回首页</a></p></div>\n'
    )
    return _jt_head(site, "404") + _jt_header(site) + body + _jt_footer(site)


def jt_search(site: SiteSpec) -> str:
    body = '<div class="w1200"><p>请输入搜索关键词。</p></div>\n'
    return _jt_head(site, f"搜索_{site.title}") + _jt_header(site) + body + _jt_footer(site)


# --- shared --------------------------------------------------------------------------------------


def paragraphs(lines: Sequence[str], *, right_aligned: Sequence[bool] | None = None) -> str:
    """One <p> per line, characters kept exactly (indentation included)."""
    out = []
    for i, line in enumerate(lines):
        style = ' style="text-align: right;"' if right_aligned and right_aligned[i] else ""
        out.append(f"<p{style}>{_t(line)}</p>")
    return "\n".join(out)


def attachment_paragraphs(links: Sequence[Link]) -> str:
    """Attachment links written inside a body, one paragraph each (the JTopCMS way)."""
    if len(links) == 1:
        only = links[0]
        return f'\n<p>附件：<a href="{_a(only.href)}" target="_blank">{_t(only.text)}</a></p>'
    return "".join(
        f'\n<p>附件{i}：<a href="{_a(x.href)}" target="_blank">{_t(x.text)}</a></p>'
        for i, x in enumerate(links, 1)
    )


def attachment_lines(links: Sequence[Link]) -> list[str]:
    """The clean-text lines `attachment_paragraphs` produces."""
    if len(links) == 1:
        return [f"附件：{links[0].text}"]
    return [f"附件{i}：{x.text}" for i, x in enumerate(links, 1)]


def image_paragraph(src: str) -> str:
    return f'<p style="text-align: center;"><img src="{_a(src)}" border="0" alt="" /></p>'


def landing(base_url: str, sites: Sequence[SiteSpec]) -> str:
    rows = "".join(f"<li>{_t(s.title)}: <code>{s.base_url}/</code> (Host: {s.host})</li>\n" for s in sites)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>xxgk replica</title></head>\n'
        f"<body><h1>xxgk replica at {_t(base_url)}</h1>\n"
        "<p>Request the real URLs through this address with their Host header.</p>\n"
        f"<ul>\n{rows}</ul></body></html>\n"
    )


def robots(disallow: Sequence[str]) -> str:
    return "User-agent: *\n" + "".join(f"Disallow: {path}\n" for path in disallow)


def server_error() -> str:
    return (
        "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>\n"
        "<body><h1>Internal Server Error</h1><p>The server encountered an internal error.</p>"
        "</body></html>\n"
    )
