"""Free-form annual reports (report years 2008-2018), in the manner of the two seed pages.

Figures live in the prose; `stats` records exactly the figures the text states, 0 for a negative
statement (未产生, 未收取, 未发生) and None where the text says nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .model import STAT_KEYS, Block, Cell, Table, Unit
from .people import NameSource
from .style import Style, chance, pick
from .variants import Variant
from .voice import Voice
from .writer import Writer


@dataclass
class Draft:
    blocks: list[Block]
    stats: dict[str, int | float | None]
    tables: dict[str, int | float] = field(default_factory=dict)
    flaws: list[str] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)  # codes a parser must report
    period: dict[str, str | None] | None = None  # the statistics period the text states
    contacts: dict[str, str] = field(default_factory=dict)  # phone/address/postcode/web as stated
    headings: list[str] = field(default_factory=list)  # the top-level headings as written


def truncate(blocks: list[Block], start: int) -> list[Block]:
    """The blocks of a report cut off mid-sentence in its first long paragraph from `start` (a
    figure-free part), everything after it lost, as when a page was saved half-loaded."""
    last, text = next(
        ((i, b) for i, b in enumerate(blocks) if i >= start and isinstance(b, str) and "。" in b[12:]),
        (None, ""),
    )
    if last is None:
        return blocks
    cut = text[: len(text) // 2].rstrip("。；：，,;:")
    return [*blocks[:last], cut]


@dataclass
class _Part:
    heading: str
    paras: list[str]
    noise: bool = False  # prose without figures: safe to repeat as a defect


@dataclass
class _Truth:
    proactive: int
    received: int
    carried: int
    granted: int
    partly: int
    refused: int
    absent: int  # 信息不存在 / 非本机关掌握
    fees: int
    reconsideration: int
    litigation: int


def split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`parts` positive integers summing to `total` (fewer parts if total is small)."""
    parts = max(1, min(parts, total))
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
    bounds = [0, *cuts, total]
    return [bounds[i + 1] - bounds[i] for i in range(parts)]


def _truth(rng: random.Random, unit: Unit) -> _Truth:
    big = unit.kind == "department"
    proactive = rng.randint(30, 480) if big else rng.randint(12, 190)
    busy = chance(rng, 0.55 if big else 0.3)
    received = rng.randint(1, 24 if big else 6) if busy else 0
    carried = rng.randint(1, 2) if received and chance(rng, 0.1) else 0
    pending = received + carried
    granted = partly = refused = absent = 0
    for _ in range(pending):
        roll = rng.random()
        if roll < 0.62:
            granted += 1
        elif roll < 0.72:
            partly += 1
        elif roll < 0.8:
            refused += 1
        else:
            absent += 1
    fees = rng.randint(5, 120) if received and chance(rng, 0.08) else 0
    reconsideration = rng.randint(1, 2) if received and chance(rng, 0.08) else 0
    litigation = 1 if reconsideration and chance(rng, 0.4) else 0
    return _Truth(
        proactive,
        received,
        carried,
        granted,
        partly,
        refused,
        absent,
        fees,
        reconsideration,
        litigation,
    )


def _channels(year: int) -> list[str]:
    found = ["政府信息公开网站", "政务公开栏", "宣传单"]
    if year >= 2011:
        found.append("政务微博")
    if year >= 2014:
        found.append("微信公众号")
    found.append("电子显示屏")
    return found


_OVERVIEW_HEADINGS = ("概述", "情况概述", "总体情况", "基本情况", "政府信息公开的总体情况")
_PROACTIVE_HEADINGS = ("主动公开政府信息情况", "主动公开政府信息的情况", "主动公开情况")
_REQUEST_HEADINGS = (
    "依申请公开政府信息情况",
    "依申请公开政府信息办理情况",
    "依申请公开政府信息的情况",
)
_FEE_HEADINGS = ("政府信息公开的收费及减免情况", "政府信息公开收费及减免情况", "政府信息公开的收费情况")
_REVIEW_HEADINGS = (
    "因政府信息公开申请行政复议、提起行政诉讼的情况",
    "因政府信息公开申请行政复议、提起诉讼和申诉情况",
    "政府信息公开行政复议、行政诉讼情况",
)
_PROBLEM_HEADINGS = (
    "存在的主要问题及改进措施",
    "政府信息公开工作存在的主要问题及改进情况",
    "存在的主要问题和{next}年工作打算",
    "存在的不足及下一步工作打算",
)
_OTHER_HEADINGS = ("其他需要报告的事项", "其他需要报告的事项")


class _Report:
    def __init__(
        self,
        rng: random.Random,
        unit: Unit,
        voice: Voice,
        year: int,
        style: Style,
        names: NameSource,
        variant: Variant,
    ) -> None:
        self.variant = variant
        self.period: dict[str, str | None] | None = None
        self.contacts: dict[str, str] = {}
        self.rng = rng
        self.unit = unit
        self.v = voice
        self.year = year
        self.style = style
        self.names = names
        ctx = {
            "me": voice.me,
            "name": voice.name,
            "alias": voice.alias,
            "full": voice.full,
            "region": voice.region,
            "city": voice.city,
            "head": voice.head,
            "subs": voice.subs,
            "office": voice.office,
            "year": str(year),
            "next": str(year + 1),
            # 年 and 月 dropped, as in 自202111日起
            "start": (
                ("200851日" if year == 2008 else f"{year}11日")
                if variant.has("malformed_date")
                else ("2008年5月1日" if year == 2008 else f"{year}年1月1日")
            ),
            "gov_office": voice.gov_office,
            "upper": "区委、区政府" if unit.kind != "department" else "区政府",
        }
        self.w = Writer(rng, style, ctx)
        self.t = _truth(rng, unit)
        self.stats: dict[str, int | float | None] = dict.fromkeys(STAT_KEYS)
        self.flaws: list[str] = []

    def leader(self) -> str:
        """The head of the unit, named half of the time (主任王堃)."""
        return self.v.head + (self.names.name() if chance(self.rng, 0.5) else "")

    # -- parts ---------------------------------------------------------------------------------

    def overview(self) -> _Part:
        w, s, year = self.w, self.style, self.year
        lead = w.say(
            (
                "为进一步规范{me}政府信息公开工作，增强工作透明度，推进依法行政，{name}采取有力措施，"
                "落实政府信息公开的各项要求，政府信息公开工作取得实效。",
                "{year}年，在{upper}的正确领导下，{name}认真贯彻落实《中华人民共和国政府信息公开条例》"
                "（以下简称《条例》），明确工作任务，细化分工，突出公开重点，拓宽公开渠道，"
                "切实保障了群众的知情权、参与权和监督权。",
                "{year}年，{me}紧紧围绕{upper}的中心工作，把政府信息公开作为推进依法行政、"
                "建设服务型机关的重要抓手，政府信息公开工作有序开展。",
            )
        )
        members = pick(self.rng, ("各科室负责同志", "班子成员和各科室负责人", "各部门负责同志"))
        pool = [
            "加强组织领导。{me}高度重视政府信息公开工作，成立了以{leader}为组长、"
            + members
            + "为成员的政府信息公开工作领导小组，领导小组办公室设在{office}，"
            "负责政府信息公开的指导和日常工作。",
            "健全工作制度。建立健全政府信息公开保密审查制度、主动公开制度、依申请公开制度、"
            "监督检查制度和责任追究制度，制定信息主动公开操作流程，形成较为规范的工作程序。",
            "拓宽公开渠道。充分利用" + "、".join(_channels(year)[:4]) + "等载体，"
            "把群众普遍关心的政府信息在第一时间向社会公开。",
            "编制公开指南和目录。按照上级要求，及时编制和更新《{name}政府信息公开指南》和"
            "《{name}政府信息公开目录》，方便公众查阅和申请。",
            "强化监督机制。一是强化内部监督，定期开展自查，及时整改发现的问题。"
            "二是强化群众监督，通过设立举报电话、意见箱等渠道，广泛听取群众的意见和建议。",
            "加强业务培训。全年组织政府信息公开业务学习{k}次，提高了工作人员的业务水平。",
        ]
        chosen = self.w.some(pool, 2, 5)
        paras = [lead]
        for i, text in enumerate(chosen, 1):
            leader = self.leader() if "{leader}" in text else ""
            paras.append(s.sub(i) + w.say((text,), k=self.rng.randint(2, 6), leader=leader))
        return _Part(pick(self.rng, _OVERVIEW_HEADINGS), paras, noise=True)

    def proactive(self, stated: bool) -> _Part:
        w, t, rng = self.w, self.t, self.rng
        paras: list[str] = []
        if stated:
            self.stats["proactive_total"] = t.proactive
            cats = w.some(
                (
                    "机构职能类",
                    "政策法规类",
                    "规划计划类",
                    "工作动态类",
                    "人事信息类",
                    "财政信息类",
                    "为民服务类",
                ),
                3,
                5,
            )
            amounts = split(rng, t.proactive, len(cats))
            breakdown = "，".join(f"{c}{n}条" for c, n in zip(cats, amounts, strict=False))
            figure = w.say(
                (
                    "{year}年，{me}共主动公开政府信息{n}条，其中{breakdown}。",
                    "{year}年，{me}主动公开各类政府信息{n}条，其中{breakdown}。",
                    "全年主动公开政府信息{n}条。",
                    "截止{year}年底，通过政府信息公开网站共发布信息{n}条。",
                    "本年度{me}通过网站、政务公开栏等方式主动公开政府信息{n}条。",
                ),
                n=t.proactive,
                breakdown=breakdown,
            )
            if chance(rng, 0.06):
                figure = figure.removesuffix("。") + "（如下图）。"
            paras.append(figure)
            if chance(rng, 0.05) or self.variant.has("contradictory_figures"):
                cumulative = rng.randint(max(1, t.proactive // 3), max(2, t.proactive - 1))
                paras.append(
                    w.say(
                        ("{y0}-{year}年，{me}累计公开政府信息{m}条。",),
                        y0=self.year - 4,
                        m=cumulative,
                    )
                )
                self.flaws.append("contradictory-proactive-figures")
        else:
            paras.append(
                w.say(
                    (
                        "{me}按照《条例》要求，及时、准确地主动公开机构职能、政策法规、工作动态、"
                        "办事指南等政府信息。",
                        "{me}坚持“以公开为原则、不公开为例外”，主动公开群众关心的各类政府信息。",
                    )
                )
            )
        ways = w.some(_channels(self.year), 2, 4)
        paras.append(
            w.say(
                (
                    "主动公开的途径：{ways}。",
                    "{me}主要通过{joined}等形式主动公开政府信息，方便群众查阅。",
                ),
                ways="；".join(f"{m}是{x}" for m, x in zip("一二三四五", ways, strict=False)),
                joined="、".join(ways),
            )
        )
        return _Part(pick(rng, _PROACTIVE_HEADINGS), paras)

    def requests(self) -> _Part:
        w, t, rng = self.w, self.t, self.rng
        self.stats["requests_received"] = t.received
        if t.received == 0:
            text = w.say(
                (
                    "按照《条例》要求，{me}始终强化依申请公开政府信息工作，{year}年未产生依申请公开"
                    "政府信息情况。",
                    "{year}年度，{me}未收到依申请公开政府信息的申请。",
                    "{year}年，{me}没有收到公民、法人或其他组织提出的政府信息公开申请。",
                    "本年度，{me}共收到政府信息公开申请0件。",
                )
            )
            return _Part(pick(rng, _REQUEST_HEADINGS), [text])
        text = w.say(
            (
                "{year}年，{me}共收到依申请公开政府信息申请{n}件",
                "本年度，{me}共受理政府信息公开申请{n}件",
                "全年收到依申请公开申请{n}件",
            ),
            n=t.received,
        )
        if chance(rng, 0.4):
            ways = w.some(("当面申请", "网上申请", "信函申请", "传真申请"), 1, 3)
            counts = split(rng, t.received, len(ways))
            text += "，其中" + "，".join(f"{a}{b}件" for a, b in zip(ways, counts, strict=False))
        text += "。"
        paras = [text]
        if t.carried:
            self.stats["requests_carried_over"] = t.carried
            paras[0] += w.say(("另有上年度结转申请{c}件。",), c=t.carried)
        if chance(rng, 0.7):
            self.stats["requests_granted"] = t.granted
            self.stats["requests_partly_granted"] = t.partly
            self.stats["requests_refused"] = t.refused
            tail = f"，信息不存在或非本机关掌握{t.absent}件" if t.absent else ""
            paras.append(
                w.say(
                    (
                        "上述申请均已按期答复，其中予以公开{g}件，部分公开{p}件，不予公开{r}件{tail}。",
                        "已全部办结。其中予以公开{g}件，部分公开{p}件，不予公开{r}件{tail}。",
                    ),
                    g=t.granted,
                    p=t.partly,
                    r=t.refused,
                    tail=tail,
                )
            )
        return _Part(pick(rng, _REQUEST_HEADINGS), paras)

    def fees(self) -> _Part:
        w, t = self.w, self.t
        self.stats["fees_collected"] = t.fees
        if t.fees:
            text = w.say(
                ("{year}年，{me}依申请提供政府信息共收取检索、复制、邮寄费用{x}元，无减免情况。",),
                x=t.fees,
            )
        else:
            text = w.say(
                (
                    "{year}年，未收取政府信息公开费用。",
                    "本年度，{me}在政府信息公开工作中未收取任何费用，也无减免情况。",
                    "{me}依申请公开政府信息未收取检索、复制、邮寄等费用。",
                )
            )
        return _Part(pick(self.rng, _FEE_HEADINGS), [text])

    def review(self) -> _Part:
        w, t = self.w, self.t
        self.stats["reconsideration_count"] = t.reconsideration
        self.stats["litigation_count"] = t.litigation
        if t.reconsideration or t.litigation:
            text = w.say(
                (
                    "{year}年，{me}因政府信息公开被申请行政复议{a}件，被提起行政诉讼{b}件，均已依法办结。",
                    "本年度发生因政府信息公开申请行政复议{a}起、提起行政诉讼{b}起。",
                ),
                a=t.reconsideration,
                b=t.litigation,
            )
        else:
            text = w.say(
                (
                    "{year}年，{me}未发生因政府信息公开引发的行政复议和行政诉讼。",
                    "本年度，{me}没有发生因政府信息公开申请行政复议、提起行政诉讼的情况。",
                    "{year}年，{alias}未发生因政府信息公开引发举报、投诉、申请行政复议、"
                    "提起诉讼和申诉的情况。",
                    "本年度因政府信息公开申请行政复议0件，提起行政诉讼0件。",
                )
            )
        return _Part(pick(self.rng, _REVIEW_HEADINGS), [text])

    def merged_requests(self) -> _Part:
        parts = [self.requests(), self.fees(), self.review()]
        heading = pick(
            self.rng,
            ("依申请公开、收费及行政复议诉讼情况", "依申请公开及收费、行政复议、行政诉讼情况"),
        )
        return _Part(heading, [p for part in parts for p in part.paras])

    def problems(self) -> _Part:
        w, s = self.w, self.style
        issues = w.some(
            (
                "政务公开事项内容涉及部门多、工作量大，信息报送不够及时、全面",
                "公开内容的实效性不够强，群众关注度高的信息公开深度不够",
                "工作人员业务水平有待提高，对《条例》的学习理解还不够深入",
                "政府信息公开长效机制有待进一步完善，现有制度执行力度有待加强",
                "信息公开形式还需进一步创新，公众参与度不高",
            ),
            2,
            3,
        )
        measures = w.some(
            (
                "加强组织领导，进一步明确工作机构的职责和任务，层层落实责任",
                "加大宣传力度，营造良好的政府信息公开工作氛围",
                "围绕中心工作，及时公开公众普遍关注的热点难点问题",
                "加强业务培训，提升工作人员的业务素质",
                "完善考核评议和责任追究制度，推动工作规范化、制度化",
            ),
            2,
            4,
        )
        issue_text = w.ordinal_list([x + "。" for x in issues])
        measure_text = w.ordinal_list([x + "。" for x in measures])
        heading = pick(self.rng, _PROBLEM_HEADINGS).format(**w.ctx)
        roll = self.rng.random()
        if roll < 0.25:
            # measures as numbered paragraphs (1. 2. 3.) under one lead sentence
            paras = [
                w.say(("{me}政府信息公开工作虽然取得了一定成效，但也存在一些不足：",)) + issue_text,
                w.say(("{next}年，{me}将重点做好以下几项工作：",)),
                *(f"{s.item(i)}{m}。" for i, m in enumerate(measures, 1)),
            ]
        elif roll < 0.6:
            plan = pick(self.rng, ("改进措施", f"{self.year + 1}年工作打算", "下一步工作打算"))
            paras = [
                s.sub(1) + "存在的主要问题",
                issue_text,
                s.sub(2) + plan,
                w.say(("{next}年，{me}将重点做好以下几项工作：",)) + measure_text,
            ]
        else:
            paras = [
                w.say(("{me}政府信息公开工作虽然取得了一定成效，但也存在一些不足：",)) + issue_text,
                w.say(("针对上述问题，{me}将采取以下措施：", "下一步，{me}将着力做好以下工作："))
                + measure_text,
            ]
        return _Part(heading, paras, noise=True)

    def other(self) -> _Part:
        text = self.w.say(("无。", "本年度无其他需要报告的事项。", "{me}无其他需要报告的事项。"))
        return _Part(pick(self.rng, _OTHER_HEADINGS), [text])

    def extras(self) -> list[_Part]:
        w, year, rng = self.w, self.year, self.rng
        pool: list[_Part] = []
        if year >= 2014:
            pool.append(
                _Part(
                    "重点领域政府信息公开工作情况",
                    [
                        w.say(
                            (
                                "{me}突出重点领域信息公开，及时公开财政预决算、“三公”经费、"
                                "惠民政策等信息，自觉接受群众监督。",
                                "对照上级下发的重点领域信息公开目录，认真梳理核对，完善政务公开专栏，"
                                "做好低保、救助、就业等民生信息的公开。",
                            )
                        )
                    ],
                    noise=True,
                )
            )
        if year >= 2015:
            pool.append(
                _Part(
                    pick(rng, ("政策解读和回应关切情况", "开展政策解读情况", "回应解读情况")),
                    [
                        w.say(
                            (
                                "{year}年，{me}围绕群众关心的热点问题开展政策解读，通过设置宣传点、"
                                "发放宣传单等方式宣传惠民政策，受理群众咨询{k}人次。",
                            ),
                            k=rng.randint(20, 300),
                        )
                    ],
                )
            )
        if year >= 2016:
            pool.append(
                _Part(
                    "推进“互联网+政务服务”工作情况",
                    [
                        w.say(
                            (
                                "一是充分开展政民互动，通过网络问政、调查问卷等形式调动群众参政议政的积极性。"
                                "二是通过微信公众号对群众关心的问题进行答疑解难。",
                            )
                        )
                    ],
                    noise=True,
                )
            )
            pool.append(
                _Part(
                    "政府信息公开工作重点任务分工",
                    [
                        w.say(
                            (
                                "{year}年，按照《{gov_office}关于{year}年政务公开重点工作任务分工的通知》"
                                "（{prefix}〔{year}〕{n}号）要求，{me}认真对照任务分工表，将工作任务分解细化，"
                                "落实到具体科室及人员。",
                            ),
                            prefix=self.v.doc_prefix,
                            n=rng.randint(3, 60),
                        )
                    ],
                )
            )
        if year >= 2015 and self.unit.province == "吉林省":
            pool.append(
                _Part(
                    "机构建设、保障经费和培训会议情况",
                    [
                        w.say(
                            (
                                "{me}政府信息公开工作机构设在{office}，配备专职人员{a}名、兼职人员{b}名。"
                                "全年召开政府信息公开专题会议{c}次，举办培训班{d}次，接受培训人员{e}人次。",
                            ),
                            a=rng.randint(1, 2),
                            b=rng.randint(1, 5),
                            c=rng.randint(1, 4),
                            d=rng.randint(1, 3),
                            e=rng.randint(10, 80),
                        )
                    ],
                )
            )
        pool.append(
            _Part(
                "制度机制建设情况",
                [
                    w.say(
                        (
                            "制定了《政府信息公开指南》和办事指南，要求{subs}严格按照文件精神进行落实，"
                            "定期组织学习，深化公开意识。",
                        )
                    )
                ],
                noise=True,
            )
        )
        return w.some(pool, 0, 3)

    # -- assembly ------------------------------------------------------------------------------

    def intro(self, headings: list[str]) -> list[str]:
        w, v, rng = self.w, self.v, self.rng
        roll = rng.random()
        if self.variant.contacts and 0.75 <= roll < 0.9:
            roll = 0.0
        elif self.variant.contacts and roll >= 0.45:
            roll = 0.8
        if roll < 0.45:
            first = w.say(
                (
                    "根据《中华人民共和国政府信息公开条例》有关规定，现将{name}{year}年度政府信息公开"
                    "工作情况报告如下：",
                    "根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求，现公布{full}"
                    "{year}年度政府信息公开工作年度报告。",
                )
            )
            paras = [first]
            if chance(rng, 0.7) or self.variant.contacts:
                self.state_period()
                self.contacts = {"phone": v.phone, "postcode": v.postcode, "address": v.address}
                if v.site:
                    self.contacts["web"] = v.site
                site = f"网站网址{v.site}，" if v.site else ""
                contact = f"联系人{self.names.name()}，" if chance(rng, 0.5) else ""
                paras.append(
                    w.say(
                        (
                            "本报告由{listing}组成。本报告中所列数据的统计期限自{start}起至{year}年12月31日止。"
                            "{site}{contact}联系电话{phone}，邮编{post}，单位地址{address}。",
                        ),
                        listing="，".join(headings),
                        site=site,
                        contact=contact,
                        phone=v.phone,
                        post=v.postcode,
                        address=v.address,
                    )
                )
            return paras
        if roll < 0.75:
            # Seed 004 nests a title in ASCII angle brackets: markup characters the HTML must escape.
            cited = (
                "和《{gov_office}关于贯彻落实国务院办公厅<{year}年政务公开工作要点>工作安排的通知》中的安排部署"
                if self.year >= 2016 and chance(rng, 0.5)
                else ""
            )
            return [
                w.say(
                    (
                        "{year}年{name}政务公开工作在{upper}的正确领导下，在{subs}的积极配合下，"
                        "认真贯彻落实《中华人民共和国政府信息公开条例》" + cited + "，不断深化政务公开，"
                        "取得了较好的成效，现将{name}{year}年政府信息公开工作汇报如下：",
                    )
                )
            ]
        if roll < 0.9:
            person = self.names.name()
            self.state_period()
            self.contacts = {"phone": v.phone, "postcode": v.postcode, "address": v.address}
            return [
                w.say(
                    (
                        "本报告是根据《中华人民共和国政府信息公开条例》要求，由{full}编制的{year}年度"
                        "政府信息公开工作年度报告。全文包括{listing}。本报告中所列数据的统计期限自{start}"
                        "起至{year}年12月31日止。如对本报告有任何疑问，请与{name}{office}联系"
                        "（地址：{address}；邮编：{post}；电话：{phone}；联系人：{person}）。",
                    ),
                    listing="、".join(headings),
                    address=v.address,
                    post=v.postcode,
                    phone=v.phone,
                    person=person,
                )
            ]
        return []

    def state_period(self) -> None:
        start = "2008-05-01" if self.year == 2008 else f"{self.year}-01-01"
        malformed = self.variant.has("malformed_date")
        self.period = {"start": None if malformed else start, "end": f"{self.year}-12-31"}

    def annex(self) -> list[Block]:
        t = self.t
        self.stats["proactive_total"] = t.proactive
        self.stats["requests_received"] = t.received
        self.stats["reconsideration_count"] = t.reconsideration
        self.stats["litigation_count"] = t.litigation
        header = tuple(Cell(x, header=True) for x in ("指标名称", "计量单位", "代码", "本期实际", "本年累计"))
        figures = (
            ("主动公开信息数", "条", t.proactive),
            ("申请总数", "件", t.received),
            ("行政复议数", "件", t.reconsideration),
            ("行政诉讼数", "件", t.litigation),
            ("行政申诉数", "件", 0),
        )
        rows = [header] + [
            (Cell(label), Cell(unit), Cell(str(code)), Cell(str(n)), Cell(str(n)))
            for code, (label, unit, n) in enumerate(figures, 1)
        ]
        caption = self.w.say(("附表：{year}年政府信息公开工作情况统计表", "附件：政府信息公开情况统计表"))
        return [caption, Table(tuple(rows))]

    def build(self) -> Draft:
        rng = self.rng
        parts: list[_Part] = []
        subs = self.variant.numbering in ("circled", "parenthesised")
        overview = self.overview() if chance(rng, 0.9) or subs else None
        if overview:
            parts.append(overview)
        stated = chance(rng, 0.88) or self.variant.has("contradictory_figures")
        parts.append(self.proactive(stated=stated))
        extras = self.extras()
        if chance(rng, 0.5):
            parts.extend(extras)
            extras = []
        if chance(rng, 0.2):
            parts.append(self.merged_requests())
        else:
            parts.append(self.requests())
            money, review = self.fees(), self.review()
            # Real reports disagree on the order of these two parts.
            parts.extend([review, money] if chance(rng, 0.3) else [money, review])
        parts.extend(extras)
        problems = self.problems()
        parts.append(problems)
        if chance(rng, 0.6):
            parts.append(self.other())
        headings = [p.heading for p in parts]
        blocks: list[Block] = list(self.intro(headings))
        # Seed 004 repeats a sentence; only figure-free prose is repeated so the stats stay exact.
        noisy = [p for p in parts if p.noise]
        wants_repeat = chance(rng, 0.04) or self.variant.has("repeated_paragraph")
        truncated = self.variant.has("truncated_text")
        # A truncated report loses its tail, so its repetition would go unseen: none is written.
        repeated = noisy[-1] if noisy and wants_repeat and not truncated else None
        problems_at = len(blocks)
        numbered: list[str] = []
        for i, part in enumerate(parts):
            if part is problems:
                problems_at = len(blocks)
            numbered.append(f"{_cn(i + 1)}、{part.heading}")
            blocks.append(numbered[-1])
            blocks.extend(part.paras)
            if part is repeated:
                blocks.append(part.paras[-1])
                self.flaws.append("repeated-paragraph")
        if chance(rng, 0.12) and not truncated:
            blocks.extend(self.annex())
        anomalies = []
        if "contradictory-proactive-figures" in self.flaws:
            anomalies.append("contradictory_figures")
        if "repeated-paragraph" in self.flaws:
            anomalies.append("repeated_paragraph")
        if self.period and self.period["start"] is None:
            anomalies.append("malformed_date")
        if truncated:
            blocks = truncate(blocks, problems_at)
            anomalies.append("truncated_text")
        return Draft(
            blocks=blocks,
            stats=self.stats,
            flaws=self.flaws,
            anomalies=anomalies,
            period=self.period,
            contacts=self.contacts,
            headings=numbered,
        )


def _cn(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if n <= 10 else "十" + "一二三四五六七八九"[n - 11]


def freeform_report(
    rng: random.Random,
    unit: Unit,
    voice: Voice,
    year: int,
    style: Style,
    names: NameSource,
    variant: Variant,
) -> Draft:
    return _Report(rng, unit, voice, year, style, names, variant).build()
