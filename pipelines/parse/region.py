"""Region of an issuing body: province, city, district, street (街道 / 镇 / 乡)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from .numerals import CN_DIGIT_CHARS
from .textnorm import compact

REGION_KEYS = ("province", "city", "district", "street")

# The two target cities. Bare district names are ambiguous nationwide (铁西区 exists in 四平,
# 沈阳 and 鞍山), so a district alone is placed in a city only through this list.
GAZETTEER: dict[str, tuple[str, tuple[str, ...]]] = {
    "四平市": ("吉林省", ("铁西区", "铁东区", "梨树县", "伊通满族自治县", "双辽市")),
    "阜新市": (
        "辽宁省",
        ("细河区", "海州区", "太平区", "清河门区", "新邱区", "阜新蒙古族自治县", "彰武县"),
    ),
}
_DISTRICT_CITY = {d: city for city, (_, districts) in GAZETTEER.items() for d in districts}

_NAME = r"[\u4e00-\u9fff]"
# A region name does not contain another level's ending: `铁西区市场监督管理局` has no city.
_PLAIN = r"(?:(?![省市区县])[\u4e00-\u9fff])"
# Region prefixes stand at the start of a body's name, in order: 吉林省四平市铁西区站前街道办事处.
_PROVINCE = re.compile(rf"^({_PLAIN}{{2,7}}?(?:省|自治区))")
_CITY = re.compile(rf"^({_PLAIN}{{2,7}}?(?:市|自治州|地区|盟))")
_DISTRICT = re.compile(rf"^({_PLAIN}{{1,8}}?(?:自治县|区|县|旗))")
# After the prefixes: a street name and what may follow it in a body's name or a title.
_STREET_FOLLOW = (
    rf"(?=$|办事处|人民政府|政府|党工委|党委|工委|\d|[{CN_DIGIT_CHARS}]{{4}}年|关于|政府信息|"
    r"政务|信息公开|年度|工作)"
)
_STREET = re.compile(rf"^({_NAME}{{1,8}}?(?:街道|镇|乡))" + _STREET_FOLLOW)
# `站前街` in `铁西区站前街2017年…报告`: 街 (a street, not 街道) used for the 街道 itself.
_BARE_JIE = re.compile(rf"^({_NAME}{{2,4}}街)" + _STREET_FOLLOW)
# Not administrative prefixes, although they end in 区 / 县 / 市.
_NOT_DISTRICT = ("社区", "小区", "园区", "景区", "辖区", "城区", "街区", "片区", "市区", "县区")


def split_region_prefix(name: str) -> tuple[dict[str, str], str]:
    """({province, city, district} found at the start of `name`, the rest of `name`)."""
    found, rest = _split_region_prefix(name)
    return dict(found), rest


# Cached (a fresh dict is made for every caller): a site's pages name the same few bodies, and each
# name is split several times per page (region, then street).
@lru_cache(maxsize=1024)
def _split_region_prefix(name: str) -> tuple[tuple[tuple[str, str], ...], str]:
    rest = compact(name)
    found: list[tuple[str, str]] = []
    for key, pattern in (("province", _PROVINCE), ("city", _CITY), ("district", _DISTRICT)):
        m = pattern.match(rest)
        if m and not m.group(1).endswith(_NOT_DISTRICT) and len(rest) > len(m.group(1)):
            found.append((key, m.group(1)))
            rest = rest[m.end() :]
    return tuple(found), rest


def normalize_street(name: str | None, *, allow_bare_jie: bool = False) -> str | None:
    """Short form of the 街道 / 镇 / 乡 a body's name or a title names, or None.

    `四平市铁西区站前街道办事处` -> `站前街道`; `学苑街道` -> `学苑街道`; `XX镇人民政府` -> `XX镇`.
    With `allow_bare_jie`, `铁西区站前街2017年…` -> `站前街道`, but only after a region prefix,
    where a bare 街 can only be the 街道. Departments (`铁西区住建局`) give None.
    """
    if not name:
        return None
    prefix, rest = _split_region_prefix(name)
    m = _STREET.match(rest)
    if m:
        return m.group(1)
    if allow_bare_jie and prefix:
        m = _BARE_JIE.match(rest)
        if m:
            return m.group(1) + "道"
    return None


def resolve_region(
    hints: Mapping[str, object] | None,
    names: Iterable[str | None],
    *,
    titles: Iterable[str | None] = (),
) -> dict[str, str | None]:
    """Region of a document: site hints first, then the names of its issuing body (`names`, most
    reliable first), then its `titles`. The street comes from names, then titles (where a bare
    `站前街` counts), then the hint `unit_name`."""
    region: dict[str, str | None] = dict.fromkeys(REGION_KEYS)
    hinted = hints.get("region") if hints else None
    if isinstance(hinted, Mapping):
        for key in REGION_KEYS:
            value = hinted.get(key)
            if isinstance(value, str) and value.strip():
                region[key] = value.strip()
    name_list = [n for n in names if n]
    title_list = [t for t in titles if t]
    for text in [*name_list, *title_list]:
        prefix, _ = _split_region_prefix(text)
        for key, value in prefix:
            if region[key] is None:
                region[key] = value
    district, city = region["district"], region["city"]
    if city is None and district in _DISTRICT_CITY:
        region["city"] = city = _DISTRICT_CITY[district]
    if region["province"] is None and city in GAZETTEER:
        region["province"] = GAZETTEER[city][0]
    if region["street"] is None:
        region["street"] = _first_street(name_list, title_list, hints)
    return region


def _first_street(names: list[str], titles: list[str], hints: Mapping[str, object] | None) -> str | None:
    for name in names:
        street = normalize_street(name)
        if street:
            return street
    for title in titles:
        street = normalize_street(title, allow_bare_jie=True)
        if street:
            return street
    unit = hints.get("unit_name") if hints else None
    return normalize_street(unit) if isinstance(unit, str) else None
