"""Annual reports in the standard formats: six sections, tables in 二, 三 and 四, prose elsewhere.

The tables are the truth: `stats` takes the 总计 cells as written (requests_refused is the sum of the
不予公开 sub-rows), proactive_total and fees_collected come from the prose when it states them.
"""

from __future__ import annotations

import random

from . import standard_tables as st
from .flat_tables import flatten_table
from .freeform import Draft, truncate
from .model import STAT_KEYS, Block, Table, Unit
from .people import NameSource
from .style import Style, chance, pick
from .variants import Variant
from .voice import Voice
from .writer import Writer

_HEADINGS = {
    "一": ("一、总体情况",),
    "二": ("二、主动公开政府信息情况", "二、主动公开政府信息情况", "二、行政机关主动公开政府信息情况"),
    "三": ("三、收到和处理政府信息公开申请情况",),
    "四": (
        "四、政府信息公开行政复议、行政诉讼情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "四、因政府信息公开工作被申请行政复议提起行政诉讼情况",
    ),
    "五": ("五、存在的主要问题及改进情况",),
    "六": ("六、其他需要报告的事项",),
}
_NOTICES = {
    "standard-2019": "国办公开办函〔2019〕60号",
    "standard-2021": "国办公开办函〔2021〕30号",
}


def _flaw(rng: random.Random, three: dict[str, list[int]], fmt: str, force: str | None) -> str | None:
    """Rarely, break one figure of section 三 the way careless reports do; `force` names the anomaly
    a forced report must carry."""
    roll = rng.random()
    if force == "table_total_mismatch":
        roll = 0.0
    elif force == "table_identity_broken":
        roll = 0.03
    elif force is not None:
        roll = 1.0
    if roll < 0.025:
        row = rng.choice(st.section3_rows(fmt))
        vals = three[row]
        vals[6] += rng.choice((1, 2)) if vals[6] == 0 else rng.choice((1, -1, 2))
        return f"row-sum:{row}"
    if roll < 0.05:
        col = rng.randrange(6)
        three["四"][col] += 1
        three["四"][6] += 1
        return f"identity:{st.APPLICANTS[col]}"
    return None


class _Report:
    def __init__(
        self,
        rng: random.Random,
        unit: Unit,
        voice: Voice,
        year: int,
        style: Style,
        names: NameSource,
        fmt: str,
        variant: Variant,
    ) -> None:
        self.variant = variant
        self.rng, self.unit, self.v, self.year, self.style, self.names, self.fmt = (
            rng,
            unit,
            voice,
            year,
            style,
            names,
            fmt,
        )
        self.w = Writer(
            rng,
            style,
            {
                "me": voice.me,
                "name": voice.name,
                "full": voice.full,
                "year": str(year),
                "next": str(year + 1),
                "prev": str(year - 1),
                "subs": voice.subs,
                "office": voice.office,
                "head": voice.head,
            },
        )
        self.stats: dict[str, int | float | None] = dict.fromkeys(STAT_KEYS)
        self.flaws: list[str] = []
        self.period: dict[str, str | None] | None = None
        self.contacts: dict[str, str] = {}
        self.headings: list[str] = []

    def preface(self) -> list[str]:
        v = self.variant
        states_period = v.contacts or v.has("malformed_date")
        if chance(self.rng, 0.35) and not states_period:
            return []
        # Some 2021-format reports still cite the 2019 notice (report-formats.md).
        notice = _NOTICES[self.fmt]
        if self.fmt == "standard-2021" and chance(self.rng, 0.15):
            notice = _NOTICES["standard-2019"]
        options = (
            "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息"
            "与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》"
            "（{notice}）要求编制。本报告中所列数据的统计期限自{start}起至{year}年12月31日止。",
            "根据《中华人民共和国政府信息公开条例》和{notice}文件要求，现将{full}{year}年度"
            "政府信息公开工作情况报告如下：",
        )
        # 年 and 月 dropped from the start date, as in 自202111日起
        start = f"{self.year}11日" if v.has("malformed_date") else f"{self.year}年1月1日"
        text = self.w.say(options[:1] if states_period else options, notice=notice, start=start)
        if "统计期限" in text:
            self.period = {
                "start": None if v.has("malformed_date") else f"{self.year}-01-01",
                "end": f"{self.year}-12-31",
            }
        if v.contacts:
            site = f"，网址：{self.v.site}" if self.v.site else ""
            text += self.w.say(
                (
                    "如对本报告有任何疑问，请与{name}{office}联系（地址：{address}，邮编：{post}，电话：{phone}{site}）。",
                ),
                address=self.v.address,
                post=self.v.postcode,
                phone=self.v.phone,
                site=site,
            )
            self.contacts = {"phone": self.v.phone, "address": self.v.address, "postcode": self.v.postcode}
            if self.v.site:
                self.contacts["web"] = self.v.site
        elif text.endswith("。") and chance(self.rng, 0.45):
            text += self.w.say(
                ("如对本报告有任何疑问，请与{name}{office}联系（联系人：{person}，联系电话：{phone}）。",),
                person=self.names.name(),
                phone=self.v.phone,
            )
            self.contacts = {"phone": self.v.phone}
        return [text]

    def overview(self, three: dict[str, list[int]], proactive: int) -> list[str]:
        w, s, rng = self.w, self.style, self.rng
        paras = [
            w.say(
                (
                    "{year}年，{me}认真贯彻落实《条例》和上级关于政务公开工作的部署要求，坚持以公开为常态、"
                    "不公开为例外，不断完善工作机制，政府信息公开工作取得了新的成效。",
                    "{year}年，在区委、区政府的正确领导下，{me}以群众需求为导向，扎实推进决策、执行、管理、"
                    "服务、结果公开，切实保障人民群众的知情权、参与权、表达权和监督权。",
                )
            )
        ]
        states_proactive = chance(rng, 0.6)
        if states_proactive:
            self.stats["proactive_total"] = proactive
        received = three["一"][6]
        mismatch = chance(rng, 0.025) and received > 0 and self.variant.table_style != "prose"
        if mismatch or self.variant.has("prose_table_mismatch"):
            received += rng.choice((1, 2, -1)) if received else rng.choice((1, 2))
            self.flaws.append("prose-table-mismatch:requests_received")
        proactive_text = (
            w.say(
                (
                    "全年通过政府信息公开平台主动公开政府信息{n}条，及时发布机构职能、工作动态、"
                    "政策文件等信息。",
                    "{year}年共主动公开政府信息{n}条，公开内容涵盖机构职能、政策文件、财政预决算等方面。",
                ),
                n=proactive,
            )
            if states_proactive
            else w.say(
                ("坚持“以公开为常态、不公开为例外”，及时主动公开机构职能、政策文件、工作动态等信息。",)
            )
        )
        if received == 0 and three["二"][6] == 0:
            request_text = w.say(
                (
                    "{year}年，{me}未收到政府信息公开申请。",
                    "本年度共收到政府信息公开申请0件，无上年结转申请。",
                )
            )
        else:
            request_text = w.say(
                (
                    "{year}年共收到政府信息公开申请{n}件，上年结转{c}件，均在法定期限内答复。",
                    "全年新收政府信息公开申请{n}件，上年结转{c}件，已按规定办结。",
                ),
                n=received,
                c=three["二"][6],
            )
        subs_forced = self.variant.numbering in ("circled", "parenthesised")
        if self.fmt != "standard-2021" and chance(rng, 0.5) and not subs_forced:
            # 2019-format reports often wrote section 一 as plain prose without the five sub-parts
            paras.append(proactive_text + request_text)
            return paras
        subs = [
            ("主动公开", proactive_text),
            ("依申请公开", request_text),
            (
                "政府信息管理",
                w.say(
                    (
                        "严格落实政府信息公开保密审查制度，坚持“先审查、后公开”和“一事一审”原则。",
                        "加强政府信息动态管理，定期对已公开的文件进行清理，确保公开信息准确有效。",
                    )
                ),
            ),
            (
                "政府信息公开平台建设",
                w.say(
                    (
                        "充分发挥政府信息公开专栏的第一平台作用，及时更新栏目内容。",
                        "持续规范政府信息公开专栏建设，优化栏目设置，提升公开平台的权威性和便捷性。",
                    )
                ),
            ),
            ("监督保障", self.oversight()),
        ]
        for i, (label, text) in enumerate(subs, 1):
            paras.append(f"{s.sub(i)}{label}")
            paras.append(text)
        return paras

    def oversight(self) -> str:
        if chance(self.rng, 0.5):
            return self.w.say(
                (
                    "将政府信息公开工作纳入年度目标责任考核，加强日常监督检查，未发生因信息公开引发的"
                    "责任追究。",
                )
            )
        # the leader is sometimes named (主任王堃), which is where rare characters come in
        leader = self.v.head + (self.names.name() if chance(self.rng, 0.5) else "")
        return self.w.say(
            (
                "成立了以{leader}为组长的政务公开工作领导小组，明确{office}具体负责，并将政务公开工作"
                "纳入年度考核，本年度未发生责任追究情况。",
            ),
            leader=leader,
        )

    def problems(self) -> list[str]:
        w = self.w
        paras = []
        if self.fmt == "standard-2021" and chance(self.rng, 0.7):
            paras.append(
                w.say(
                    (
                        "上年度存在的问题主要是信息更新不够及时。本年度{me}明确专人负责，建立信息发布台账，"
                        "问题已整改到位。",
                        "针对上年度公开内容不够全面的问题，{me}对照目录逐项梳理，补充公开相关信息。",
                    )
                )
            )
        paras.append(
            w.say(
                (
                    "{year}年，{me}政府信息公开工作虽取得一定成效，但仍存在公开内容不够全面、政策解读形式"
                    "较为单一等问题。下一步，{me}将进一步加强业务培训，丰富解读形式，提升公开质量。",
                    "存在的主要问题：一是工作人员业务能力有待提升；二是主动公开的深度和广度还不够。"
                    "改进措施：一是加强学习培训；二是拓展公开内容，及时回应社会关切。",
                )
            )
        )
        return paras

    def other(self) -> list[str]:
        w = self.w
        if self.fmt == "standard-2021" and chance(self.rng, 0.6):
            self.stats["fees_collected"] = 0
            return [
                w.say(
                    (
                        "依据《政府信息公开信息处理费管理办法》，{year}年{me}未收取信息处理费。",
                        "本年度{me}未发出收费通知，未收取信息处理费。",
                    )
                )
            ]
        if chance(self.rng, 0.2):
            self.stats["fees_collected"] = 0
            return [w.say(("本年度{me}依申请公开政府信息未收取任何费用。",))]
        return [w.say(("无。", "本年度无其他需要报告的事项。", "{me}无其他需要报告的事项。"))]

    def heading(self, key: str) -> str:
        text = pick(self.rng, _HEADINGS[key])
        self.headings.append(text)
        return text

    def table_blocks(self, section: str, table: Table) -> list[Block]:
        style = self.variant.table_style
        if style == "html":
            return [table]
        if style == "missing":
            return [] if section == self.missing_table else [table]
        return list(flatten_table(table, style, self.rng))

    def prose_two(self, two: dict[tuple[str, str], str]) -> str:
        if self.fmt == "standard-2021":
            made, valid = two[("行政规范性文件", "本年制发件数")], two[("行政规范性文件", "现行有效件数")]
            licences = two[("行政许可", "本年处理决定数量")]
            penalties = two[("行政处罚", "本年处理决定数量")]
        else:
            made, valid = two[("规范性文件", "本年新制作数量")], two[("规范性文件", "对外公开总数量")]
            licences, penalties = two[("行政许可", "处理决定数量")], two[("行政处罚", "处理决定数量")]
        return self.w.say(
            (
                "{year}年，{me}制发规范性文件{a}件，现行有效规范性文件{b}件；作出行政许可决定{c}件，"
                "行政处罚决定{d}件。",
            ),
            a=made,
            b=valid,
            c=licences,
            d=penalties,
        )

    def prose_three(self, three: dict[str, list[int]]) -> str:
        def total(prefix: str) -> int:
            return sum(vals[6] for row, vals in three.items() if row.startswith(prefix))

        other = f"，其他处理{total('三(六)')}件" if self.fmt == "standard-2021" else ""
        return self.w.say(
            (
                "{year}年，{me}新收政府信息公开申请{n}件，上年结转{c}件。办理结果：予以公开{g}件，部分公开{p}件，"
                "不予公开{r}件，无法提供{u}件，不予处理{x}件{other}；结转下年度继续办理{f}件。",
            ),
            n=three["一"][6],
            c=three["二"][6],
            g=three["三(一)"][6],
            p=three["三(二)"][6],
            r=total("三(三)"),
            u=total("三(四)"),
            x=total("三(五)"),
            other=other,
            f=three["四"][6],
        )

    def prose_four(self, four: list[int]) -> str:
        return self.w.say(
            ("{year}年，{me}因政府信息公开工作被申请行政复议{a}件，被提起行政诉讼{b}件。",),
            a=four[4],
            b=four[9] + four[14],
        )

    def build(self) -> Draft:
        rng, fmt, variant = self.rng, self.fmt, self.variant
        prose = variant.table_style == "prose"
        three = st.section3_figures(rng, self.unit, fmt)
        forced = next(
            (a for a in variant.anomalies if a in ("table_total_mismatch", "table_identity_broken")), None
        )
        flaw = _flaw(rng, three, fmt, forced)
        if flaw and not prose:
            self.flaws.append(flaw)
        elif flaw:
            three = st.section3_figures(random.Random(rng.random()), self.unit, fmt)
        two = st.section2_figures(rng, self.unit, fmt)
        four = st.section4_figures(rng, three["一"][6] + three["二"][6])
        proactive = rng.randint(20, 600) if self.unit.kind == "department" else rng.randint(10, 200)
        # A report missing a table drops the one of 二 or 四 (whose figures stay unreported).
        self.missing_table = pick(rng, ("二", "四"))
        dropped = pick(rng, ("五", "六")) if variant.has("missing_section") else None

        blocks: list[Block] = [*self.preface()]
        blocks.append(self.heading("一"))
        blocks.extend(self.overview(three, proactive))
        blocks.append(self.heading("二"))
        blocks.extend(
            [self.prose_two(two)] if prose else self.table_blocks("二", st.section2_table(two, fmt))
        )
        blocks.append(self.heading("三"))
        blocks.extend(
            [self.prose_three(three)] if prose else self.table_blocks("三", st.section3_table(three, fmt))
        )
        blocks.append(self.heading("四"))
        blocks.extend([self.prose_four(four)] if prose else self.table_blocks("四", st.section4_table(four)))
        cut_from = len(blocks)
        if dropped != "五":
            blocks.append(self.heading("五"))
            blocks.extend(self.problems())
        truncated = variant.has("truncated_text")
        if dropped != "六" and not truncated:
            blocks.append(self.heading("六"))
            blocks.extend(self.other())
        if truncated:
            blocks = truncate(blocks, cut_from)

        refused = sum(three[r][6] for r in st.result_rows(fmt) if r.startswith("三(三)"))
        self.stats.update(
            requests_received=three["一"][6],
            requests_carried_over=three["二"][6],
            requests_granted=three["三(一)"][6],
            requests_partly_granted=three["三(二)"][6],
            requests_refused=refused,
            reconsideration_count=four[4],
            litigation_count=four[9] + four[14],
        )
        anomalies: list[str] = []
        shown = {"二": True, "三": True, "四": True}
        if prose:
            shown = dict.fromkeys(shown, False)
        elif variant.table_style == "missing":
            shown[self.missing_table] = False
            anomalies.append("table_missing")
        if variant.table_style == "missing" and self.missing_table == "四":
            self.stats.update(reconsideration_count=None, litigation_count=None)
        if shown["三"]:
            anomalies.extend(st.table_anomalies(three, four if shown["四"] else None))
            if any(f.startswith("prose-table-mismatch") for f in self.flaws):
                anomalies.append("prose_table_mismatch")
        if self.period and self.period["start"] is None:
            anomalies.append("malformed_date")
        if dropped:
            anomalies.append("missing_section")
        if truncated:
            anomalies.append("truncated_text")
        tables: dict[str, int | float] = {}
        if shown["二"]:
            tables.update(st.section2_keys(two))
        if shown["三"]:
            tables.update(st.section3_keys(three))
        if shown["四"]:
            tables.update(st.section4_keys(four))
        return Draft(
            blocks=blocks,
            stats=self.stats,
            tables=tables,
            flaws=self.flaws,
            anomalies=anomalies,
            period=self.period,
            contacts=self.contacts,
            headings=self.headings,
        )


def standard_report(
    rng: random.Random,
    unit: Unit,
    voice: Voice,
    year: int,
    style: Style,
    names: NameSource,
    fmt: str,
    variant: Variant,
) -> Draft:
    return _Report(rng, unit, voice, year, style, names, fmt, variant).build()
