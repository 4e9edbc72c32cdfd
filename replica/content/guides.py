"""政府信息公开指南: how to obtain the unit's information, under the rules of the year."""

from __future__ import annotations

import random

from .document import Doc
from .model import Block, Unit
from .people import NameSource
from .style import Style, chance, random_date
from .voice import Voice
from .writer import Writer


def guide(rng: random.Random, unit: Unit, voice: Voice, year: int, style: Style, names: NameSource) -> Doc:
    w = Writer(rng, style, {"name": voice.name, "full": voice.full, "office": voice.office})
    title = w.say(("{name}政府信息公开指南", "{full}政府信息公开指南", "政府信息公开指南"))
    revised = year >= 2019  # the 2019 regulations changed deadlines and fees
    days = 20 if revised else 15
    s = style
    blocks: list[Block] = [
        w.say(
            (
                "为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制本指南。"
                "需要获得{full}政府信息公开服务的公民、法人或者其他组织，建议阅读本指南。",
                "根据《中华人民共和国政府信息公开条例》规定，为方便公民、法人和其他组织获取政府信息，"
                "特编制本指南。",
            )
        ),
        "一、政府信息公开机构",
        w.say(("{full}政府信息公开工作机构为{office}，负责本单位政府信息公开的日常工作。",)),
        f"办公地址：{voice.address}",
        f"邮政编码：{voice.postcode}",
        f"联系电话：{voice.phone}",
    ]
    if chance(rng, 0.6):
        blocks.append(f"联系人：{names.name()}")
    blocks += [
        "二、主动公开",
        s.sub(1) + "公开范围。主要包括机构职能、政策文件、规划计划、工作动态、财政信息、办事指南等。",
        s.sub(2)
        + "公开方式。主要通过政府信息公开专栏、政务公开栏等方式公开"
        + ("，并通过政务新媒体同步发布。" if year >= 2015 else "。"),
        s.sub(3) + f"公开时限。属于主动公开范围的政府信息，自形成或者变更之日起{days}个工作日内予以公开。",
        "三、依申请公开",
        s.sub(1) + "受理机构。依申请公开的受理机构为本单位" + voice.office + "。",
        s.sub(2) + "申请方式。申请人可以通过当面、信函、网络等方式提出申请，并填写《政府信息公开申请表》。",
        s.sub(3)
        + "答复时限。能够当场答复的，当场予以答复；"
        + f"不能当场答复的，自收到申请之日起{days}个工作日内予以答复；"
        + f"需要延长答复期限的，延长的期限最长不超过{days}个工作日。",
        "四、收费标准",
    ]
    if not revised:
        blocks.append("依申请提供政府信息，除可以收取检索、复制、邮寄等成本费用外，不得收取其他费用。")
    elif year >= 2021:
        blocks.append(
            "行政机关依申请提供政府信息，不收取费用。申请人申请公开政府信息的数量、频次明显超过合理范围的，"
            "依照《政府信息公开信息处理费管理办法》收取信息处理费。"
        )
    else:
        blocks.append("行政机关依申请提供政府信息，不收取费用。")
    blocks += [
        "五、监督和救济",
        "公民、法人或者其他组织认为本单位在政府信息公开工作中侵犯其合法权益的，可以向上一级行政机关"
        "或者政府信息公开工作主管部门投诉、举报，也可以依法申请行政复议或者提起行政诉讼。",
    ]
    if chance(rng, 0.4):
        return Doc(title, blocks, voice.full, random_date(rng, year))
    return Doc(title, blocks, None, None)
