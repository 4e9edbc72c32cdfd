"""How a unit refers to itself and to its surroundings in its own documents."""

from __future__ import annotations

import random
from dataclasses import dataclass

from .model import Unit
from .style import pick

# Contact details the real reports print; unknown cities get a plausible Jilin default.
_AREA_CODES = {"四平市": ("0434", "136000"), "阜新市": ("0418", "123000")}
_SITES = {
    ("四平市", "铁西区"): "http://txqxxgk.siping.gov.cn",
    ("四平市", "铁东区"): "http://tdqxxgk.siping.gov.cn",
    ("阜新市", "细河区"): "https://www.fxxh.gov.cn",
}
_STREETS = ("南邮电街", "北新华大街", "中央东路", "英雄大街", "解放大路", "海州路", "中华路", "迎宾路")


@dataclass(frozen=True)
class Voice:
    name: str  # the short name as written in prose
    alias: str  # a clipped form some writers use (站前街道 -> 站前街)
    me: str  # 我街道 / 我局 / 我镇 / 我委
    head: str  # the head of the unit
    deputy: str  # the title of a deputy head
    subs: str  # the subordinate bodies addressed in notices
    office: str  # the office that does the disclosure work
    region: str  # 铁西区
    city: str
    district: str
    full: str
    area_code: str
    postcode: str
    phone: str
    address: str
    site: str | None
    gov_office: str  # the district government's office, issuer of district-wide notices
    doc_prefix: str  # the prefix of the district office's document numbers, 四铁西政办发
    unit_prefix: str  # the prefix of the unit's own document numbers, 四铁西住房发


def _self_reference(unit: Unit) -> tuple[str, str, str, str]:
    short = unit.short
    if unit.kind == "street":
        return "我街道", "街道办事处主任", "各社区", "党政办"
    if unit.kind == "town":
        me = "我乡" if short.endswith("乡") else "我镇"
        return me, me[1] + "长", "各村", "党政综合办公室"
    if unit.kind == "zone":
        return "我管委会", "管委会主任", "各部门", "综合办公室"
    if short.endswith("委员会") or short.endswith("委"):
        return "我委", "主任", "各科室", "办公室"
    if short.endswith("办公室") or short.endswith("办"):
        return "我办", "主任", "各科室", "秘书科"
    if short.endswith("局"):
        return "我局", "局长", "各科室、各直属单位", "办公室"
    return "本单位", "主要负责人", "各科室", "办公室"


def make_voice(unit: Unit, rng: random.Random) -> Voice:
    me, head, subs, office = _self_reference(unit)
    area, post = _AREA_CODES.get(unit.city, ("0431", "130000"))
    alias = unit.short[:-1] if unit.short.endswith("街道") else unit.short
    city_abbr = unit.city[:1]
    district_abbr = unit.district[:-1] if len(unit.district) > 2 else unit.district
    return Voice(
        name=unit.short,
        alias=alias,
        me=me,
        head=head,
        deputy="副" + head.removeprefix("街道办事处").removeprefix("管委会")
        if head != "主要负责人"
        else "副职",
        subs=subs,
        office=office,
        region=unit.district,
        city=unit.city,
        district=unit.district,
        full=unit.full,
        area_code=area,
        postcode=post,
        phone=f"{area}-{rng.randint(2, 6)}{rng.randint(100000, 999999)}",
        address=f"{unit.city}{unit.district}{pick(rng, _STREETS)}{rng.randint(1, 1999)}号",
        site=_SITES.get((unit.city, unit.district)),
        gov_office=f"{unit.city}{unit.district}人民政府办公室",
        doc_prefix=f"{city_abbr}{district_abbr}政办发",
        unit_prefix=f"{city_abbr}{district_abbr}{unit.short[:2]}发",
    )
