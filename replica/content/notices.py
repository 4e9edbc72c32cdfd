"""通知公告: notices of the unit or of the district government office.

The notice on compiling the annual reports talks about report years and report sections, but it is
not a report; crawlers and parsers must not take it for one.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from .document import Doc
from .model import Block, Unit
from .people import NameSource
from .style import Style, chance, iso_date, pick, random_date
from .voice import Voice
from .writer import Writer

_DISTRICT_ADDRESSEES = "各乡镇人民政府、街道办事处，区政府各部门、各直属机构"


def _report_notice(w: Writer, v: Voice, year: int, names: NameSource, rng: random.Random) -> Doc:
    period = year - 1
    title = w.say(
        (
            "关于做好{p}年度政府信息公开工作年度报告编制工作的通知",
            "关于做好{p}年度政府信息公开工作年度报告编制发布工作的通知",
            "关于报送{p}年度政府信息公开工作年度报告的通知",
        ),
        p=period,
    )
    s = w.style
    blocks: list[Block] = [
        f"{_DISTRICT_ADDRESSEES}：",
        w.say(
            (
                "为做好{p}年度政府信息公开工作年度报告编制发布工作，根据《中华人民共和国政府信息公开条例》"
                "和上级有关要求，现将有关事项通知如下：",
            ),
            p=period,
        ),
        "一、编制内容",
    ]
    if period >= 2019:
        notice = "国办公开办函〔2021〕30号" if period >= 2021 else "国办公开办函〔2019〕60号"
        blocks.append(
            w.say(
                (
                    "年度报告须严格按照《中华人民共和国政府信息公开工作年度报告格式》（{n}）编制，包括总体情况、"
                    "主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、"
                    "存在的主要问题及改进情况、其他需要报告的事项等六部分内容。",
                ),
                n=notice,
            )
        )
    else:
        blocks.append(
            "年度报告应包括以下内容：概述；主动公开政府信息的情况；依申请公开政府信息的情况；"
            "政府信息公开的收费及减免情况；因政府信息公开申请行政复议、提起行政诉讼的情况；"
            "政府信息公开工作存在的主要问题及改进情况；其他需要报告的事项。"
        )
    blocks.append("二、时间要求")
    if period >= 2019:
        blocks.append(
            f"区政府各部门须于{s.date(iso_date(year, 1, 31))}前、各乡镇人民政府和街道办事处须于"
            f"{s.date(iso_date(year, 3, 31))}前，在本单位政府信息公开专栏公布年度报告。"
        )
    else:
        blocks.append(
            f"各单位须于{s.date(iso_date(year, 3, 31))}前在本单位政府信息公开专栏公布年度报告，"
            "并将电子版报区政务公开办公室备案。"
        )
    blocks.append("三、工作要求")
    blocks.append(
        "各单位要高度重视，明确专人负责，确保数据准确、内容完整、格式规范。"
        "未按时发布年度报告的，将在全区政务公开考核中予以扣分。"
    )
    blocks.append(f"联系人：{names.name()}，联系电话：{v.phone}。")
    date = iso_date(year, 1, rng.randint(4, 20))
    return Doc(title, blocks, v.gov_office, date)


def _leading_group(w: Writer, v: Voice, year: int, names: NameSource, rng: random.Random) -> Doc:
    title = w.say(
        ("关于调整{name}政务公开工作领导小组成员的通知", "关于成立{name}政务公开工作领导小组的通知")
    )
    blocks: list[Block] = [
        f"{v.subs}：",
        w.say(
            (
                "因工作需要，经研究决定，对{name}政务公开工作领导小组成员进行调整。调整后的领导小组成员如下：",
                "为加强对政务公开工作的组织领导，经研究决定，成立{name}政务公开工作领导小组，成员如下：",
            )
        ),
        f"组长：{names.name()}（{v.head}）",
        f"副组长：{names.name()}",
    ]
    members = "、".join(names.name() for _ in range(rng.randint(2, 5)))
    blocks.append(f"成员：{members}")
    blocks.append(
        w.say(
            (
                "领导小组办公室设在{office}，{person}同志兼任办公室主任，负责日常工作。",
                "领导小组下设办公室，由{person}同志负责，承担领导小组的日常工作。",
            ),
            person=names.name(),
        )
    )
    blocks.append("特此通知。")
    return Doc(title, blocks, v.full, random_date(rng, year))


def _work_notice(w: Writer, v: Voice, year: int, names: NameSource, rng: random.Random) -> Doc:
    topic = pick(
        rng,
        (
            ("开展{year}年政务公开业务培训", "提高政务公开工作人员的业务能力"),
            ("开展安全生产大检查", "切实防范和遏制各类生产安全事故"),
            ("做好{year}年春节期间安全稳定工作", "确保节日期间社会大局和谐稳定"),
            ("开展{year}年度城乡居民医疗保险集中参保缴费工作", "确保辖区居民应保尽保"),
            ("开展政务公开进社区活动", "推动政务公开向基层延伸"),
        ),
    )
    subject = topic[0].format(year=year)
    title = f"关于{subject}的通知"
    s = w.style
    start = random_date(rng, year, 2, 10)
    items = w.some(
        (
            "提高思想认识。各单位要充分认识此项工作的重要性，主要负责同志亲自抓，分管负责同志具体抓。",
            "明确工作任务。要对照任务清单逐项落实，明确责任人和完成时限。",
            "加强协调配合。各单位要密切配合，形成工作合力，确保各项工作有序推进。",
            "及时报送信息。工作中遇到的问题要及时报告，工作总结请于活动结束后5个工作日内报送。",
        ),
        2,
        4,
    )
    blocks: list[Block] = [
        f"{v.subs}：",
        w.say(
            ("为{aim}，经研究，决定{subject}。现将有关事项通知如下：",),
            aim=topic[1],
            subject=subject,
        ),
    ]
    blocks.append("一、时间安排")
    blocks.append(f"自{s.date(start)}起，为期一个月。")
    blocks.append("二、工作要求")
    for i, item in enumerate(items, 1):
        blocks.append(s.sub(i) + item)
    if chance(rng, 0.5):
        blocks.append(f"联系人：{names.name()}，联系电话：{v.phone}。")
    blocks.append("特此通知。")
    return Doc(title, blocks, v.full, start)


def _consultation(w: Writer, v: Voice, year: int, names: NameSource, rng: random.Random) -> Doc:
    draft = pick(rng, ("城市环境卫生管理办法", "社区网格化服务管理实施方案", "物业服务管理办法"))
    title = f"关于公开征求《{v.region}{draft}（征求意见稿）》意见的公告"
    start = random_date(rng, year, 1, 11)
    y, m, d = (int(x) for x in start.split("-"))
    end = iso_date(y, m + 1, min(d, 28))
    s = w.style
    blocks: list[Block] = [
        w.say(
            (
                "为广泛听取社会各界意见，提高决策的科学性和民主性，现将《{region}{draft}（征求意见稿）》"
                "全文公布，公开征求社会公众意见。",
            ),
            region=v.region,
            draft=draft,
        ),
        f"征求意见时间为{s.date(start)}至{s.date(end)}。",
        f"公众可通过电子邮件、信函等方式提出意见，联系人：{names.name()}，联系电话：{v.phone}，"
        f"通讯地址：{v.address}，邮编：{v.postcode}。",
        "附件：征求意见稿全文",
    ]
    return Doc(title, blocks, v.full, start)


_KINDS: tuple[tuple[float, Callable[[Writer, Voice, int, NameSource, random.Random], Doc]], ...] = (
    (0.25, _report_notice),
    (0.2, _leading_group),
    (0.4, _work_notice),
    (0.15, _consultation),
)


def notice(rng: random.Random, unit: Unit, voice: Voice, year: int, style: Style, names: NameSource) -> Doc:
    w = Writer(
        rng,
        style,
        {"name": voice.name, "office": voice.office, "me": voice.me, "year": str(year)},
    )
    maker = rng.choices([k for _, k in _KINDS], [p for p, _ in _KINDS])[0]
    if maker is _report_notice and year < 2009:
        maker = _work_notice
    doc = maker(w, voice, year, names, rng)
    if chance(rng, 0.2):
        doc.signed_by = None
        if chance(rng, 0.5):
            doc.signed_date = None
    return doc
