"""Every real page in ../shared/samples/html/ yields its body without the chrome.

For each sample: the first and last body sentences (picked by hand from the HTML) are in the text and in
that order, the title and publish date are those the page shows, and no chrome string (login bar,
toolbar, breadcrumb, navigation, footer) is in the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pipelines.extract import ExtractedPage, extract_page

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples" / "html"


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: Chrome words no body of these samples contains.
CHROME = words(
    "登录 打印 关闭 分享 字体 主办 ICP 网站标识码 当前位置 责任编辑 浏览次数 扫一扫 版权所有 字号 "
    "联系我们 网站地图"
)


@dataclass(frozen=True)
class Sample:
    file: str
    url: str
    family: str
    title: str
    first: str
    last: str
    publish_date: str | None = None
    absent: tuple[str, ...] = ()
    chrome: dict[str, object] = field(default_factory=dict)


CASES = [
    Sample(
        "govcn_gongbao_detail_2007_23.html",
        "https://www.gov.cn/gongbao/content/2007/content_711039.htm",
        "generic",
        "全国人民代表大会常务委员会关于批准财政部发行特别国债购买外汇及调整2007 年末国债余额限额的决议",
        "（2007年6月29日第十届全国人民代表大会常务委员会第二十八次会议通过）",
        "批准2007年末国债余额限额调整为53365.53亿元。",
        "2007-08-20-23:59:59",
        ("个人中心", "邮箱", "无障碍", "相关稿件", "国务院客户端", "全国政协", "2007年第23号"),
        {"breadcrumb": ["首页", "国务院公报", "2007年第23号"]},
    ),
    Sample(
        "hanweb_zj_fgw_detail_art_1621004_30332664.html",
        "http://fgw.zj.gov.cn/art/2016/11/22/art_1621004_30332664.html",
        "hanweb",
        "1-10月德清县固定资产投资结构趋稳趋优",
        "1-10月，全县固定资产投资完成246.79亿元，完成年度计划82.3%",
        "总体全县投资结构趋稳趋优。（德清县发改局）",
        "2016-11-22 09:53",
        ("发布日期", "信息来源", "国家发改委", "浙江政务服务网", "投资管理和项目推进", "安全隐私"),
        {
            "source": "省发改委",
            "views": None,
            "breadcrumb": ["首页", "发展改革工作", "投资管理和项目推进", "投资运行"],
        },
    ),
    Sample(
        "kepu_gov_cn_detail.html",
        "http://www.kepu.gov.cn/politics/2023-12/01/content_1755244.html",
        "generic",
        "习近平主持召开深入推进长三角一体化发展座谈会",
        "新华社上海11月30日电 中共中央总书记、国家主席、中央军委主席习近平30日上午在上海主持召开",
        "有关企业负责同志参加座谈会。",
        "2023-12-01 14:43",
        words("中国科普网 时政新闻 更多>> 编辑：毛梦囡 来源：新华社 二维码 相关新闻 政策广角 关于我们"),
        {"source": "新华社", "editor": "毛梦囡"},
    ),
    Sample(
        "trs_cmse_detail.html",
        "http://www.cmse.gov.cn/ztbd/xwfbh/201206/t20120624_43188.html",
        "trs",
        "天宫一号与神舟九号载人交会对接任务第二场新闻发布会",
        "很高兴又一次和大家见面。",
        "下面，我愿意回答大家的提问。",
        "2012-06-24",
        ("系统管理员", "[大]", "友情链接", "北斗卫星导航系统", "在线留言", "官方公告", "载人航天官方微信"),
        {"editor": "系统管理员", "breadcrumb": ["首页", "专题报道", "新闻发布会"]},
    ),
    Sample(
        "trs_shanxi_gov_detail_t20190918_693227.html",
        "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml",
        "trs",
        "山西品牌丝路行（南美站）正式启动",
        "图为山西品牌丝路行（南美站）启动仪式。（刘通摄）",
        "南美站活动将先后在巴西、乌拉圭、阿根廷举行。（张巨峰）",
        "2019-09-18 06:23",
        ("首页 >", *words("放大 缩小 省长信箱 省政府部门 晋ICP备 createPageHTML 热门搜索 切換到繁體")),
        {"source": "山西日报", "breadcrumb": ["首页", "要闻", "山西要闻"]},
    ),
    Sample(
        "trs_youth_cn_detail_gb2312decl_1.html",
        "https://news.youth.cn/gj/202405/t20240520_15263156.htm",
        "trs",
        "以战时内阁审查重启停火谈判提案",
        "据以色列媒体5月19日报道，以战时内阁在18日晚开会",
        "7日起，哈马斯、以色列和相关斡旋方在开罗举行停火谈判。9日，谈判破裂。",
        "2024-05-20",
        ("原标题", "张毅", "热门排行", "相关新闻", "发稿时间", "央视新闻客户端", "加载更多", "强图打榜"),
        {"source": "央视新闻客户端", "editor": "张毅"},
    ),
    Sample(
        "trs_youth_cn_detail_gb2312decl_2.html",
        "https://news.youth.cn/gn/202405/t20240513_15249693.htm",
        "trs",
        "我国首届养老专业本科生迎来毕业季 “银发浪潮”到来，年轻人可大展拳脚",
        "5月9日，山东女子学院养老服务管理专业毕业生就业双选会现场。山东女子学院供图",
        # The byline is the body's own last paragraph (inside TRS_Editor), so it stays.
        "中青报·中青网记者 魏其濛 来源：中国青年报",
        "2024-05-13",
        ("杨逸凡", "发稿时间", "首页 >>", "温暖的BaoBao", "不良信息举报中心"),
        {"source": "中国青年报", "editor": "杨逸凡", "breadcrumb": ["首页", "国内"]},
    ),
    Sample(
        "vsb_sxmu_detail_dynclicks.html",
        "http://jjjc.sxmu.edu.cn/info/1081/978.htm",
        "vsb",
        "中华人民共和国监察法",
        "《中华人民共和国监察法》是为了推进全面依法治国，实现国家监察全面覆盖",
        "第六十九条 本法自公布之日起施行。《中华人民共和国行政监察法》同时废止。",
        "2018-05-17",
        words("添加收藏夹 设为首页 发布时间 机构职能 学思践悟 山西大学 主办单位 NewsvoteDWR 2168"),
        {"views": 2168},
    ),
]


def _load(name: str) -> bytes:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"sample pages not available at {SAMPLES} (the shared/ folder beside the repo)")
    return path.read_bytes()


@pytest.fixture(scope="module")
def extracted() -> dict[str, ExtractedPage]:
    cache: dict[str, ExtractedPage] = {}
    for case in CASES:
        path = SAMPLES / case.file
        if path.exists():
            cache[case.file] = extract_page(case.url, path.read_bytes())
    return cache


@pytest.mark.parametrize("case", CASES, ids=[c.file.removesuffix(".html") for c in CASES])
def test_sample_body_title_date_and_no_chrome(case: Sample, extracted: dict[str, ExtractedPage]) -> None:
    _load(case.file)
    result = extracted[case.file]
    assert result.family == case.family
    assert result.title == case.title
    assert result.problems == ()
    text = result.text
    assert case.first in text, f"first sentence missing: {text[:300]!r}"
    assert case.last in text, f"last sentence missing: {text[-300:]!r}"
    assert text.index(case.first) < text.index(case.last)
    # The body starts with its first sentence's paragraph and ends with its last one.
    assert case.last in text.split("\n")[-1]
    assert result.chrome["publish_date"] == case.publish_date
    for word in CHROME + case.absent:
        assert word not in text, f"chrome {word!r} left in the text"
    for key, value in case.chrome.items():
        assert result.chrome[key] == value, key
    # The clean-text contract: no empty lines, no untidy whitespace.
    for line in text.split("\n"):
        assert line and line == " ".join(line.split())


def test_sample_declared_gb2312_but_utf8() -> None:
    for name in ("trs_youth_cn_detail_gb2312decl_1.html", "trs_youth_cn_detail_gb2312decl_2.html"):
        result = extract_page("https://news.youth.cn/x.htm", _load(name))
        assert (result.encoding.used, result.encoding.declared) == ("utf-8", "gb2312")
        assert result.encoding.replacements == 0
        # Served with a gb2312 HTTP header, the bytes are still UTF-8.
        assert extract_page("https://news.youth.cn/x.htm", _load(name), "gb2312").text == result.text


def test_sample_images_are_absolute() -> None:
    result = extract_page(CASES[4].url, _load(CASES[4].file))
    assert result.images == ("http://www.shanxi.gov.cn/yw/sxyw/201909/W020190918234243033577.jpg",)


def test_sample_list_page_is_a_list() -> None:
    """The TRS channel index is not a detail page: ``problems`` says ``list_page``, the text holds one
    line per item (title | date), the title is the channel's (last crumb)."""
    result = extract_page(
        "http://www.yichun.gov.cn/xxgk/zwdt/zwyw/index.html",
        _load("trs_yichun_list_index_createPageHTML.html"),
    )
    assert result.family == "trs"
    assert "list_page" in result.problems
    assert result.title == "政务要闻"
    assert result.chrome["breadcrumb"] == ["首页", "公开", "政务动态", "政务要闻"]
    lines = result.text.split("\n")
    assert len(lines) == 20
    assert lines[0] == "我市在广州举行生态招商推介会 | 2017-10-14"
    assert lines[-1] == "我市颁发首张“二十四证合一”营业执照 | 2017-10-10"
    for word in (*CHROME, "政务邮箱", "政府信息公开指南", "您现在的位置", "政府公告", "赣ICP备"):
        assert word not in result.text


def test_every_sample_file_is_covered() -> None:
    if not SAMPLES.exists():
        pytest.skip(f"sample pages not available at {SAMPLES}")
    covered = {c.file for c in CASES} | {"trs_yichun_list_index_createPageHTML.html"}
    assert {p.name for p in SAMPLES.glob("*.html")} == covered
