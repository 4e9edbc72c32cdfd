"""The replicated portals: their hosts, columns, publishing units and the URL scheme of each.

Everything here is derived from the corpus seed and the unit index, so a unit's folder, channel
ids and name are known without generating its documents.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from replica.content import Unit

EPOCH = date(2008, 1, 1)
# Reports on 2025 are due by 31 March 2026: the last files are created then.
LAST_DAY = date(2026, 3, 31)
DAYS = (LAST_DAY - EPOCH).days + 1
# The replica's "now": the moment every page was last generated (edits come later).
NOW = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
FIRST_YEAR = 2008
LAST_REPORT_YEAR = 2025


def day_of(d: date) -> int:
    return (d - EPOCH).days


def date_of(day: int) -> date:
    return EPOCH + timedelta(days=day)


def stable_int(*parts: object) -> int:
    """A 64-bit integer from the parts, identical across processes (unlike hash())."""
    digest = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@dataclass(frozen=True)
class Column:
    code: str
    name: str
    kind: str  # the make_body kind of its documents


REPORTS = Column("ndbg", "年度报告", "report")
NOTICES = Column("tzgg", "通知公告", "notice")
FUNCTIONS = Column("jgzn", "机构职能", "functions")
GUIDES = Column("gkzn", "信息公开指南", "guide")
POLICIES = Column("gfxwj", "规范性文件", "policy")


@dataclass(frozen=True)
class SiteSpec:
    key: str
    host: str
    scheme: str
    family: str  # "trs" | "jtopcms"
    title: str
    owner: str  # 主办
    operator: str  # 承办
    icp: str
    site_code: str
    province: str
    city: str
    district: str
    share: float  # of the page budget (capped sites), or of what the capped sites leave
    urls_per_unit: int  # measured: documents, attachments, list pages and the unit index
    min_units: int
    max_units: int | None
    columns: tuple[Column, ...]
    disallow: tuple[str, ...]
    sequence: str  # documents of sites sharing a sequence draw ids from one counter
    street_names: tuple[str, ...]

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}"

    def column(self, code: str) -> Column:
        for col in self.columns:
            if col.code == code:
                return col
        raise KeyError(code)


TRS_COLUMNS = (REPORTS, NOTICES, FUNCTIONS, GUIDES, POLICIES)
FUXIN_COLUMNS = (REPORTS, NOTICES, GUIDES)

SIPING = SiteSpec(
    key="siping",
    host="txqxxgk.siping.gov.cn",
    scheme="http",
    family="trs",
    title="四平市铁西区政府信息公开",
    owner="四平市铁西区人民政府",
    operator="四平市铁西区人民政府办公室",
    icp="吉ICP备05002362号",
    site_code="2203020002",
    province="吉林省",
    city="四平市",
    district="铁西区",
    share=0.6,
    urls_per_unit=34,
    min_units=3,
    max_units=None,
    columns=TRS_COLUMNS,
    disallow=("/was5/web/search", "/wcm/"),
    sequence="siping",
    street_names=("站前街道", "仁兴街道", "英雄街道", "北沟街道", "地直街道"),
)
FUXIN = SiteSpec(
    key="fuxin",
    host="www.fxxh.gov.cn",
    scheme="https",
    family="jtopcms",
    title="阜新市细河区人民政府",
    owner="阜新市细河区人民政府",
    operator="阜新市细河区人民政府办公室",
    icp="辽ICP备05014586号",
    site_code="2109030001",
    province="辽宁省",
    city="阜新市",
    district="细河区",
    share=0.4,
    urls_per_unit=28,
    min_units=3,
    max_units=None,
    columns=FUXIN_COLUMNS,
    disallow=("/search.thtml",),
    sequence="fuxin",
    street_names=("学苑街道", "北苑街道", "华东街道", "东苑街道", "西苑街道", "中华路街道"),
)
TIEDONG = SiteSpec(
    key="tiedong",
    host="tdqxxgk.siping.gov.cn",
    scheme="http",
    family="trs",
    title="四平市铁东区政府信息公开",
    owner="四平市铁东区人民政府",
    operator="四平市铁东区人民政府办公室",
    icp="吉ICP备05002371号",
    site_code="2203030001",
    province="吉林省",
    city="四平市",
    district="铁东区",
    share=0.08,
    urls_per_unit=34,
    min_units=2,
    max_units=6,
    columns=TRS_COLUMNS,
    disallow=("/was5/web/search", "/wcm/"),
    sequence="siping",
    street_names=("平东街道", "北门街道", "七马路街道", "黄土坑街道", "四马路街道", "解放街道"),
)
SITES: dict[str, SiteSpec] = {s.key: s for s in (SIPING, FUXIN, TIEDONG)}
SITE_BY_HOST: dict[str, SiteSpec] = {s.host: s for s in SITES.values()}

# TRS category folders: 组成部门 hold departments, 街道办事处 streets, towns and zones.
CATEGORY_NAMES = {"zsts": "街道办事处", "zcbm": "组成部门"}

# --- unit names ------------------------------------------------------------------------------

_STREET_STEMS = tuple(
    [
        "胜利",
        "和平",
        "建设",
        "友谊",
        "新华",
        "团结",
        "民主",
        "光明",
        "兴华",
        "滨河",
        "东风",
        "公园",
        "南门",
        "振兴",
        "文化",
        "育才",
        "铁北",
        "河西",
        "站南",
        "新兴",
        "永安",
        "富民",
        "东山",
        "西山",
        "广场",
        "花园",
        "东升",
        "北山",
        "南湖",
        "工人村",
        "玉龙",
        "河北",
        "长安",
        "城东",
        "城西",
        "龙泉",
    ]
)
_STEM_MODS = ("东", "西", "南", "北", "新")
_TOWNS = tuple(
    [
        "石岭",
        "平西",
        "山门",
        "叶赫",
        "条子河",
        "四合",
        "长营子",
        "水泉",
        "二道",
        "双山",
        "八屋",
        "宏伟",
        "新立",
        "太平",
        "兴隆",
        "三合",
        "五里",
        "红旗",
        "前进",
        "大岭",
    ]
)
_ZONES = tuple(
    [
        "经济开发区",
        "工业集中区",
        "现代农业产业园区",
        "物流园区",
        "高新技术产业开发区",
        "生态工业园区",
        "商贸物流园区",
        "循环经济产业园区",
    ]
)
# (short name as a breadcrumb shows it, the name in the unit's full title)
_DEPARTMENTS = tuple(
    tuple(pair.split(":"))
    for pair in [
        "住建局:住房和城乡建设局",
        "财政局:财政局",
        "发改局:发展和改革局",
        "教育局:教育局",
        "民政局:民政局",
        "司法局:司法局",
        "人社局:人力资源和社会保障局",
        "交通局:交通运输局",
        "水利局:水利局",
        "农业农村局:农业农村局",
        "商务局:商务局",
        "文旅局:文化和旅游局",
        "卫健局:卫生健康局",
        "退役军人事务局:退役军人事务局",
        "应急局:应急管理局",
        "审计局:审计局",
        "市场监管局:市场监督管理局",
        "统计局:统计局",
        "医保局:医疗保障局",
        "城管局:城市管理行政执法局",
        "自然资源局:自然资源局",
        "信访局:信访局",
        "科工局:科学技术和工业信息化局",
        "政府办:人民政府办公室",
        "政数局:政务服务和数字化建设管理局",
        "林业局:林业局",
        "档案局:档案局",
        "体育局:体育局",
    ]
)
_SUBUNITS = ("执法大队", "服务中心", "管理站", "事务中心", "监测站", "稽查大队")
_CN_ROUNDS = "二三四五六七八九"


def _expand(pool: tuple[str, ...], k: int) -> tuple[str, int]:
    """The k-th distinct name stem from a pool, stretched with direction words when it runs out;
    also returns the round for pools that stretch further."""
    n = len(pool)
    if k < n:
        return pool[k], 0
    k -= n
    stem, mod_round = pool[k % n], k // n
    return stem + _STEM_MODS[mod_round % len(_STEM_MODS)], mod_round // len(_STEM_MODS)


def _with_round(name: str, rnd: int, tail: str) -> str:
    if rnd == 0:
        return name + tail
    return name + _CN_ROUNDS[(rnd - 1) % len(_CN_ROUNDS)] + "路" * ((rnd - 1) // 8 + 1) + tail


def _street(site: SiteSpec, k: int) -> Unit:
    own = site.street_names
    if k < len(own):
        short = own[k]
    else:
        pool = tuple(s for s in _STREET_STEMS if s + "街道" not in own)
        stem, rnd = _expand(pool, k - len(own))
        short = _with_round(stem, rnd, "街道")
    return Unit(
        short, f"{site.city}{site.district}{short}办事处", "street", site.province, site.city, site.district
    )


def _town(site: SiteSpec, k: int) -> Unit:
    stem, rnd = _expand(_TOWNS, k)
    tail = "乡" if stable_int(site.key, "town", k) % 4 == 0 else "镇"
    short = _with_round(stem, rnd, tail)
    return Unit(
        short, f"{site.city}{site.district}{short}人民政府", "town", site.province, site.city, site.district
    )


def _zone(site: SiteSpec, k: int) -> Unit:
    prefix = site.district.removesuffix("区")
    base = _ZONES[k % len(_ZONES)]
    rnd = k // len(_ZONES)
    short = prefix + ("" if rnd == 0 else _CN_ROUNDS[(rnd - 1) % 8] * ((rnd - 1) // 8 + 1)) + base
    return Unit(short, f"{site.city}{short}管理委员会", "zone", site.province, site.city, site.district)


def _department(site: SiteSpec, k: int) -> Unit:
    n = len(_DEPARTMENTS)
    short, full = _DEPARTMENTS[k % n]
    rnd = k // n
    if rnd:
        sub = _SUBUNITS[(rnd - 1) % len(_SUBUNITS)]
        again = (rnd - 1) // len(_SUBUNITS)
        sub = sub if again == 0 else f"第{_CN_ROUNDS[(again - 1) % 8]}{sub}"
        short, full = short + sub, full + sub
    return Unit(
        short, f"{site.city}{site.district}{full}", "department", site.province, site.city, site.district
    )


_NAMERS = {"street": _street, "town": _town, "zone": _zone, "department": _department}


# --- the units of a site -------------------------------------------------------------------


@dataclass(frozen=True)
class UnitSpec:
    site: str
    index: int  # position in its site's roster
    lane: int  # position in its id sequence (sites sharing a sequence are laid end to end)
    unit: Unit
    category: str | None  # TRS folder category: "zsts" | "zcbm"
    folder: str | None  # TRS unit folder, e.g. "fgw_12305"
    channel_base: int | None  # Fuxin: the unit's first list channel id

    @property
    def breadcrumb_name(self) -> str:
        return self.unit.short

    @property
    def source(self) -> str:
        """What a Fuxin page shows as 来源."""
        return self.unit.district + self.unit.short


# Fuxin list channel ids: each unit owns a block of consecutive ids, one per column.
FUXIN_CHANNEL_START = 2001
FUXIN_CHANNEL_STRIDE = 4


def _unit_kind(site: SiteSpec, seed: int, index: int) -> str:
    if index == 0:
        return "street"  # both seeds come from street offices
    if index == 1:
        return "department"  # so even the smallest corpus has both TRS categories
    roll = stable_int(seed, site.key, "kind", index) % 100
    if roll < 30:
        return "street"
    if roll < 40:
        return "town"
    if roll < 47:
        return "zone"
    return "department"


def _trs_folder(site: SiteSpec, category: str, k: int) -> str:
    # Real folders: 站前街道 fgw_12305 (Tiexi), fgw_12424 (Tiedong), departments fgw_98017, fgw_98022.
    if category == "zsts":
        start = 12305 if site.key == "siping" else 12424
        return f"fgw_{start + 7 * k}"
    number = 98017 + 5 * k if 98017 + 5 * k <= 99999 else 60000 + k
    if site.key == "tiedong":
        number -= 3
    return f"fgw_{number}"


def build_roster(site: SiteSpec, seed: int, count: int, lane_offset: int) -> list[UnitSpec]:
    counters = {"street": 0, "town": 0, "zone": 0, "department": 0}
    category_counts = {"zsts": 0, "zcbm": 0}
    roster: list[UnitSpec] = []
    for index in range(count):
        kind = _unit_kind(site, seed, index)
        unit = _NAMERS[kind](site, counters[kind])
        counters[kind] += 1
        category = folder = None
        channel = None
        if site.family == "trs":
            category = "zcbm" if kind == "department" else "zsts"
            folder = _trs_folder(site, category, category_counts[category])
            category_counts[category] += 1
        else:
            channel = FUXIN_CHANNEL_START + FUXIN_CHANNEL_STRIDE * index
        roster.append(UnitSpec(site.key, index, lane_offset + index, unit, category, folder, channel))
    return roster


BUSY_UNIT_URLS = 40  # what a target site's busy unit 1 adds to the average (see plan.is_busy)


def unit_counts(pages: int) -> dict[str, int]:
    """Units per site so that the corpus serves about `pages` URLs: the twin site stays small and
    the two targets share the rest."""
    counts: dict[str, int] = {}
    capped = [s for s in SITES.values() if s.max_units]
    rest = pages
    for site in capped:
        count = max(site.min_units, round(pages * site.share / site.urls_per_unit))
        counts[site.key] = min(count, site.max_units or count)
        rest -= counts[site.key] * site.urls_per_unit
    for site in SITES.values():
        if not site.max_units:
            budget = max(0, rest * site.share - BUSY_UNIT_URLS)
            counts[site.key] = max(site.min_units, round(budget / site.urls_per_unit))
    return counts


# --- document ids ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdScheme:
    """Document ids that grow with the creation day, unique across the sites sharing them.

    Each day offers `per_day` ids. Unit lane g may create at most one document a day, and only on
    days d with (d - anchor_day - g) divisible by `period`; on such a day its id is
    base + d * per_day + g // period. So an id alone names its day and its unit, and the unit at
    lane 0 owns the anchor day, which carries the seed's real id.
    """

    base: int
    per_day: int
    period: int
    anchor_day: int

    @classmethod
    def anchored(cls, lanes: int, anchor: date, anchor_id: int, min_per_day: int) -> IdScheme:
        per_day = max(min_per_day, math.ceil(lanes * CAPACITY / DAYS))
        period = max(1, math.ceil(lanes / per_day))
        day = day_of(anchor)
        return cls(anchor_id - day * per_day, per_day, period, day)

    def first_day_from(self, lane: int, day: int) -> int:
        return day + (self.anchor_day + lane - day) % self.period

    def docid(self, lane: int, day: int) -> int:
        assert (day - self.anchor_day - lane) % self.period == 0
        return self.base + day * self.per_day + lane // self.period

    def locate(self, docid: int) -> tuple[int, int] | None:
        """(lane, day) of an id, or None when no lane can own it."""
        offset = docid - self.base
        if offset < 0:
            return None
        day, slot = divmod(offset, self.per_day)
        lane = (day - self.anchor_day) % self.period + slot * self.period
        return lane, day


# Allowed creation days per unit: enough room for its ~20 documents even at 100k pages.
CAPACITY = 64

SIPING_SEED_DAY = date(2018, 3, 20)
SIPING_SEED_ID = 205386
# Invented: the Fuxin seed's id and date (the real ones are not known); 635027 was seen in 2014-03.
FUXIN_SEED_DAY = date(2018, 3, 28)
FUXIN_SEED_ID = 664187


def sequence_anchor(sequence: str) -> tuple[date, int, int]:
    """(anchor day, anchor id, minimum ids per day) of a sequence."""
    if sequence == "siping":
        return SIPING_SEED_DAY, SIPING_SEED_ID, 14
    return FUXIN_SEED_DAY, FUXIN_SEED_ID, 12


# --- URLs ----------------------------------------------------------------------------------------

# TRS file names carry the creation date and 12 digits (P020240119574385757063.pdf on youth.cn).
_FUXIN_ID_MASK = 0x2F6A91C3


def trs_unit_path(spec: UnitSpec) -> str:
    return f"/{spec.category}/{spec.folder}/"


def trs_column_path(spec: UnitSpec, column: str) -> str:
    return f"{trs_unit_path(spec)}{column}/"


def trs_list_file(page_index: int) -> str:
    return "index.html" if page_index == 0 else f"index_{page_index}.html"


def trs_detail_file(day: int, docid: int) -> str:
    return f"t{date_of(day):%Y%m%d}_{docid}.html"


def trs_detail_path(spec: UnitSpec, column: str, day: int, docid: int) -> str:
    return f"{trs_column_path(spec, column)}{date_of(day):%Y%m}/{trs_detail_file(day, docid)}"


def trs_file_name(prefix: str, seed: int, docid: int, day: int, index: int, ext: str) -> str:
    digits = f"{stable_int(seed, docid, prefix) % 10**11:011d}{index % 10}"
    return f"{prefix}0{date_of(day):%Y%m%d}{digits}.{ext}"


def fuxin_list_path(channel: int) -> str:
    return f"/channel/list/{channel}.html"


def fuxin_detail_path(day: int, docid: int) -> str:
    return f"/content/{date_of(day).year}/{docid}.html"


def fuxin_file_path(seed: int, docid: int, day: int, index: int, ext: str) -> str:
    tail = hashlib.blake2b(f"{seed}/{docid}/{index}".encode(), digest_size=11).hexdigest()
    return f"/xhq/file/{date_of(day):%Y-%m-%d}/{docid ^ _FUXIN_ID_MASK:08x}{index:02x}{tail}.{ext}"


def fuxin_file_docid(name: str) -> tuple[int, int] | None:
    """(docid, attachment index) encoded at the front of a Fuxin attachment's hash name."""
    try:
        return int(name[:8], 16) ^ _FUXIN_ID_MASK, int(name[8:10], 16)
    except ValueError:
        return None
