"""机构职能: what the unit does, how it is organised, who leads it, how to reach it."""

from __future__ import annotations

import random

from .document import Doc
from .model import Block, Unit
from .people import NameSource
from .style import Style, chance, random_date
from .voice import Voice
from .writer import Writer

_DUTIES = {
    "street": (
        "贯彻执行党和国家的路线、方针、政策以及上级党委、政府的决定",
        "负责辖区内社区建设和管理，指导社区居民委员会开展工作",
        "负责辖区内城市管理、环境卫生和市容市貌的监督检查",
        "负责辖区内民政、社会保障、退役军人服务等公共服务工作",
        "负责辖区内安全生产、消防安全和防汛工作的监督检查",
        "负责辖区社会治安综合治理、信访维稳和人民调解工作",
    ),
    "town": (
        "贯彻执行党和国家的路线、方针、政策以及上级党委、政府的决定",
        "负责本镇经济社会发展规划的制定和实施，促进农业增效、农民增收",
        "负责农村土地承包管理、农村集体资产管理和村务公开工作",
        "负责本镇教育、卫生、文化、社会保障等社会事业管理",
        "负责本镇安全生产、防汛抗旱和森林防火工作",
        "负责社会治安综合治理、信访维稳和人民调解工作",
    ),
    "zone": (
        "负责开发区的规划编制和组织实施，统筹园区基础设施建设",
        "负责开发区招商引资和项目服务工作",
        "负责入区企业的服务和协调工作，优化营商环境",
        "负责开发区的安全生产和环境保护监督管理",
        "负责开发区财政预算管理和国有资产管理",
    ),
    "department": (
        "贯彻执行国家、省、市有关法律法规和方针政策，拟订本行业的发展规划并组织实施",
        "负责本行业的监督管理和行政执法工作",
        "负责本部门行政许可事项的受理、审查和办理",
        "负责本行业安全生产的监督管理",
        "负责本部门政务公开和政府信息公开工作",
        "负责本部门财务、资产管理和内部审计工作",
    ),
}
_OFFICES = {
    "street": ("党政办公室", "社区建设办公室", "社会事务办公室", "城市管理办公室", "综合治理办公室"),
    "town": ("党政综合办公室", "经济发展办公室", "社会事务办公室", "农业农村办公室", "综合治理办公室"),
    "zone": ("综合办公室", "招商服务局", "规划建设局", "经济发展局", "财政局"),
    "department": ("办公室", "政策法规科", "计划财务科", "行政审批科", "监督管理科"),
}


def functions(
    rng: random.Random, unit: Unit, voice: Voice, year: int, style: Style, names: NameSource
) -> Doc:
    w = Writer(rng, style, {"name": voice.name, "full": voice.full, "region": voice.region})
    title = w.say(("{name}机构职能", "{name}主要职责", "{name}职能职责", "{full}机构职能", "机构职能"))
    blocks: list[Block] = []
    if chance(rng, 0.4):
        blocks.append(
            w.say(
                (
                    "{full}是{region}人民政府的派出机关，依照法律法规和上级授权履行辖区管理和服务职能。",
                    "根据机构改革方案，设立{full}，为{region}人民政府的工作部门。",
                )
            )
            if unit.kind != "department"
            else w.say(("根据机构改革方案，设立{full}，为{region}人民政府工作部门，为正科级。",))
        )
    blocks.append("一、主要职责")
    duties = w.some(_DUTIES.get(unit.kind, _DUTIES["department"]), 4, 6)
    numbered = chance(rng, 0.5)
    for i, duty in enumerate([*duties, "完成上级交办的其他任务"], 1):
        mark = style.sub(i) if numbered else style.item(i)
        blocks.append(f"{mark}{duty}。")
    blocks.append("二、内设机构")
    offices = w.some(_OFFICES.get(unit.kind, _OFFICES["department"]), 3, 5)
    blocks.append(f"{voice.full}设{len(offices)}个内设机构：{'、'.join(offices)}。")
    contact_heading = "三、联系方式"
    if chance(rng, 0.7):
        contact_heading = "四、联系方式"
        blocks.append("三、领导分工")
        blocks.append(f"{voice.head}：{names.name()}，主持全面工作。")
        areas = ("党建和宣传", "经济发展", "安全生产", "社会事务", "城市管理", "综合治理")
        for area in rng.sample(areas, rng.randint(1, 3)):
            blocks.append(f"{voice.deputy}：{names.name()}，负责{area}工作。")
    blocks.append(contact_heading)
    blocks.append(f"办公地址：{voice.address}")
    blocks.append(f"联系电话：{voice.phone}")
    blocks.append("办公时间：周一至周五上午8:30-11:30，下午13:30-17:00（法定节假日除外）")
    if chance(rng, 0.2):
        return Doc(title, blocks, voice.full, random_date(rng, year))
    return Doc(title, blocks, None, None)
