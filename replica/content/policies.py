"""规范性文件: measures issued by the district government or by the unit, as numbered articles or as
an opinion in parts."""

from __future__ import annotations

import random

from .document import Doc
from .model import Block, Unit
from .people import NameSource
from .style import Style, chance, cn_number, pick, random_date
from .voice import Voice
from .writer import Writer

# (subject, the name of the measure governing it)
_TOPICS = (
    ("政务公开工作", "政务公开工作管理办法"),
    ("行政规范性文件管理", "行政规范性文件管理办法"),
    ("重大行政决策程序", "重大行政决策程序规定"),
    ("社区网格化服务管理", "社区网格化服务管理办法"),
    ("城市环境卫生综合整治", "城市环境卫生综合整治实施办法"),
    ("财政专项资金管理", "财政专项资金管理办法"),
    ("物业服务管理", "物业服务管理办法"),
    ("行政执法公示", "行政执法公示办法"),
)
_ARTICLES = (
    "本办法适用于{scope}的{topic}。",
    "{topic}应当遵循依法、公开、高效、便民的原则。",
    "{issuer}负责{topic}的组织协调和监督检查，各有关单位按照职责分工做好相关工作。",
    "各单位应当明确专门机构和人员，建立健全工作制度，将{topic}纳入年度目标责任考核。",
    "各单位应当建立工作台账，如实记录工作情况，并于每年12月底前将年度工作情况报送{issuer}。",
    "对工作中成绩突出的单位和个人，给予通报表扬；对工作不力、造成不良影响的，依法依规追究责任。",
)


def policy(rng: random.Random, unit: Unit, voice: Voice, year: int, style: Style, names: NameSource) -> Doc:
    topic, measure = pick(rng, _TOPICS)
    by_government = unit.kind != "department" or chance(rng, 0.5)
    issuer = voice.gov_office if by_government else voice.full
    prefix = voice.doc_prefix if by_government else voice.unit_prefix
    scope = f"{voice.region}各乡镇人民政府、街道办事处和区政府各部门" if by_government else "本系统各单位"
    w = Writer(rng, style, {"topic": topic, "issuer": issuer, "scope": scope, "region": voice.region})
    date = random_date(rng, year)
    if chance(rng, 0.6):
        name = f"{voice.region}{measure}"
        kind = "规定" if measure.endswith("规定") else "办法"
        title = pick(rng, (f"关于印发《{name}》的通知", name, f"{issuer}关于印发《{name}》的通知"))
        blocks: list[Block] = []
        if chance(rng, 0.6):
            blocks.append(f"{prefix}〔{year}〕{rng.randint(1, 80)}号")
            blocks.append(f"{scope}：")
            blocks.append(f"现将《{name}》印发给你们，请结合实际，认真贯彻执行。")
            blocks.append(name)
        articles = [
            w.say(("为进一步规范{topic}，根据有关法律法规规定，结合{region}实际，制定本办法。",)),
            *[w.say((a,)) for a in w.some(_ARTICLES, 3, 6)],
            w.say(("本办法由{issuer}负责解释。",)),
            "本办法自印发之日起施行。",
        ]
        articles = [a.replace("本办法", "本" + kind) for a in articles]
        blocks.extend(f"第{cn_number(i)}条 {text}" for i, text in enumerate(articles, 1))
    else:
        title = f"{voice.region}关于进一步加强{topic}的实施意见"
        blocks = [
            w.say(("为深入贯彻落实上级有关部署，进一步加强{topic}，结合{region}实际，提出如下实施意见。",)),
            "一、总体要求",
            w.say(("坚持以人民为中心，坚持依法行政，推动{topic}制度化、规范化、标准化。",)),
            "二、主要任务",
        ]
        tasks = w.some(
            (
                "健全工作机制。明确责任分工，建立协调联动机制。",
                "完善制度体系。及时制定和修订相关制度，做到有章可循。",
                "强化信息公开。依法公开工作流程、办理结果，接受社会监督。",
                "加强队伍建设。开展业务培训，提高工作人员能力水平。",
            ),
            2,
            4,
        )
        blocks.extend(style.sub(i) + t for i, t in enumerate(tasks, 1))
        blocks.append("三、保障措施")
        blocks.append(w.say(("各单位要加强组织领导，落实工作经费，确保各项任务落到实处。",)))
    if chance(rng, 0.75):
        return Doc(title, blocks, issuer, date)
    return Doc(title, blocks, None, None)
