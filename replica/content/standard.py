"""Annual reports in the standard formats: six sections, tables in 二, 三 and 四, prose elsewhere.

The tables are the truth: `stats` takes the 总计 cells as written (requests_refused is the sum of the
不予公开 sub-rows), proactive_total and fees_collected come from the prose when it states them.
"""

from __future__ import annotations

import random

from . import standard_tables as st
from .freeform import Draft
from .model import STAT_KEYS, Block, Unit
from .people import NameSource
from .style import Style, chance, pick
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


def _flaw(rng: random.Random, three: dict[str, list[int]], fmt: str) -> str | None:
    """Rarely, break one figure of section 三 the way careless reports do."""
    roll = rng.random()
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
    ) -> None:
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

    def preface(self) -> list[str]:
        if chance(self.rng, 0.35):
            return []
        # Some 2021-format reports still cite the 2019 notice (report-formats.md).
        notice = _NOTICES[self.fmt]
        if self.fmt == "standard-2021" and chance(self.rng, 0.15):
            notice = _NOTICES["standard-2019"]
        text = self.w.say(
            (
                "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息"
                "与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》"
                "（{notice}）要求编制。本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。",
                "根据《中华人民共和国政府信息公开条例》和{notice}文件要求，现将{full}{year}年度"
                "政府信息公开工作情况报告如下：",
            ),
            notice=notice,
        )
        if text.endswith("。") and chance(self.rng, 0.45):
            text += self.w.say(
                ("如对本报告有任何疑问，请与{name}{office}联系（联系人：{person}，联系电话：{phone}）。",),
                person=self.names.name(),
                phone=self.v.phone,
            )
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
        if chance(rng, 0.025) and received:
            received += rng.choice((1, 2, -1))
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
        if self.fmt != "standard-2021" and chance(rng, 0.5):
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

    def build(self) -> Draft:
        rng, fmt = self.rng, self.fmt
        three = st.section3_figures(rng, self.unit, fmt)
        flaw = _flaw(rng, three, fmt)
        if flaw:
            self.flaws.append(flaw)
        two = st.section2_figures(rng, self.unit, fmt)
        four = st.section4_figures(rng, three["一"][6] + three["二"][6])
        proactive = rng.randint(20, 600) if self.unit.kind == "department" else rng.randint(10, 200)

        blocks: list[Block] = [*self.preface()]
        blocks.append(pick(rng, _HEADINGS["一"]))
        blocks.extend(self.overview(three, proactive))
        blocks.append(pick(rng, _HEADINGS["二"]))
        blocks.append(st.section2_table(two, fmt))
        blocks.append(pick(rng, _HEADINGS["三"]))
        blocks.append(st.section3_table(three, fmt))
        blocks.append(pick(rng, _HEADINGS["四"]))
        blocks.append(st.section4_table(four))
        blocks.append(pick(rng, _HEADINGS["五"]))
        blocks.extend(self.problems())
        blocks.append(pick(rng, _HEADINGS["六"]))
        blocks.extend(self.other())

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
        tables = {**st.section2_keys(two), **st.section3_keys(three), **st.section4_keys(four)}
        return Draft(blocks=blocks, stats=self.stats, tables=tables, flaws=self.flaws)


def standard_report(
    rng: random.Random,
    unit: Unit,
    voice: Voice,
    year: int,
    style: Style,
    names: NameSource,
    fmt: str,
) -> Draft:
    return _Report(rng, unit, voice, year, style, names, fmt).build()
