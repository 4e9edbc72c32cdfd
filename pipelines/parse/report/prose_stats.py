"""Figures stated in the prose of a report: "主动公开政府信息137条", "共受理…申请5件",
"未产生依申请公开", "未收取…费用", "未发生…行政复议…诉讼".

Each figure keeps the sentence it came from and its role: the year's figure, a cumulative one
(2013-2017年累计…), a part of another ("其中…"), or a statement of absence (read as 0).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .text import NUM, Sentence, parse_number

YEAR = "year"
CUMULATIVE = "cumulative"
PART = "part"
ABSENT = "absent"
# A further figure of the same stat in one sentence: an enumeration (通过网站公开信息80条，通过公开栏
# 公开信息30条), neither the whole nor a contradiction of it.
LISTED = "listed"

# 余 / 多 (358余条, "more than 358") keep the figure as stated.
_UNIT_ITEMS = r"(?:余|多)?(?:条|件|篇|项|个)"
_UNIT_CASES = r"(?:余|多)?(?:件|个|起|份|宗|次|条)"
_NEG = r"(?:未|没有|无|尚无|并无)"


@dataclass(frozen=True)
class Figure:
    stat: str
    value: int | float
    role: str
    sentence: Sentence
    at: int  # position of the match in the sentence key (orders figures inside a sentence)
    total: bool = False  # its clause says it is a total (共, 合计, 全年…)
    channel: bool = False  # its sentence names one channel of publication (网站, 公开栏…)


@dataclass(frozen=True)
class _Rule:
    stat: str
    pattern: re.Pattern[str]
    absent: bool = False
    # Words that, inside the match, mean the match is about something else.
    veto: tuple[str, ...] = ()
    reach: int = 0  # how far past the match the veto words are looked for (未发出收费|通知)


# The words every pattern of a stat contains: a sentence holding none of them is not searched for
# that stat (a cheap test before some thirty patterns).
_NEEDS = {
    "proactive_total": ("信息", "主动公开"),
    "requests_received": ("申请",),
    "requests_carried_over": ("结转",),
    "requests_granted": ("公开",),
    "requests_partly_granted": ("部分公开",),
    "requests_refused": ("不予公开",),
    "fees_collected": ("费",),
    "reconsideration_count": ("复议",),
    "litigation_count": ("诉讼", "起诉"),
}


def _rule(
    stat: str, pattern: str, *, absent: bool = False, veto: tuple[str, ...] = (), reach: int = 0
) -> _Rule:
    return _Rule(stat, re.compile(pattern), absent, veto, reach)


# "…均为零", "收费为0", "申请数量为0件"
_ZERO = r"(?:均|都|皆)?(?:为|是)(?:零|0)(?![\d.])"

_RULES: tuple[_Rule, ...] = (
    # proactive: "主动公开政府信息137条", "共发布信息137条", "主动公开相关信息52条", "共主动公开137条信息"
    _rule(
        "proactive_total",
        rf"(?<!申请)(?:主动公开|公开|发布|公布)[^,;:。]{{0,14}}?信息(?:数量|总数|总量)?(?:共|合计|总计)?(?:为|达|达到)?"
        rf"(?P<n>{NUM}){_UNIT_ITEMS}",
        veto=("依申请", "申请公开"),
    ),
    _rule("proactive_total", rf"主动公开(?:各类)?(?:共|合计)?(?P<n>{NUM})(?:条|件|篇)(?:政府)?信息"),
    # requests received: "共收到依申请公开政府信息申请5件", "共受理政府信息公开申请五件"
    _rule(
        "requests_received",
        rf"(?:收到|受理|新收|接到|接收|办理|处理)[^;。]{{0,30}}?申请(?:总数|数量)?(?:共|合计|总计)?(?:为|达)?"
        rf"(?P<n>{NUM}){_UNIT_CASES}",
        veto=("结转", "复议", "诉讼"),
    ),
    _rule(
        "requests_received",
        # a verb of receiving between the negation and the request (无正当理由…申请 is no absence)
        rf"(?:{_NEG}(?:产生|收到|受理|接到|接收|发生|出现)[^,;:。]{{0,25}}?(?:依申请公开|公开申请|申请)"
        rf"|{_NEG}(?:依申请公开|政府信息公开申请|申请公开))(?!行政复议|复议)",
        absent=True,
        veto=("结转", "复议", "诉讼", "费"),
    ),
    # "依申请公开政府信息4件", "申请受理数为4件"
    _rule("requests_received", rf"依申请公开(?:政府)?信息(?:共|合计)?(?P<n>{NUM})件", veto=("其中",)),
    _rule(
        "requests_received",
        rf"公开申请(?:受理|收到|接收)?(?:数|数量|总数|件数)(?:共|为|是|达)?(?P<n>{NUM}){_UNIT_CASES}",
    ),
    # carried over: "另有上年度结转申请2件", "无上年结转申请"
    _rule(
        "requests_carried_over",
        rf"(?:上年度?|上一年度?|去年)结转(?:的)?(?:政府信息公开)?(?:申请)?(?:共)?(?P<n>{NUM})(?:件|个)",
    ),
    _rule("requests_carried_over", rf"{_NEG}(?:上年度?|上一年度?)结转", absent=True),
    # results: "予以公开3件，部分公开1件，不予公开0件"
    _rule(
        "requests_granted",
        rf"(?<!部分)(?<!不予)(?:予以公开|同意公开|全部公开|准予公开)(?:的)?(?:共)?(?P<n>{NUM})(?:件|个|条)",
    ),
    _rule("requests_partly_granted", rf"部分公开(?:的)?(?:共)?(?P<n>{NUM})(?:件|个|条)"),
    _rule("requests_refused", rf"不予公开(?:的)?(?:共)?(?P<n>{NUM})(?:件|个|条)"),
    # fees: "共收取检索、复制、邮寄费用45元", "未收取政府信息公开费用", "未收取信息处理费"
    _rule("fees_collected", rf"收取[^;。]{{0,25}}?费(?:用)?(?:共|合计|总计)?(?:为)?(?P<n>{NUM})元"),
    _rule("fees_collected", rf"收费(?:金额|总额)?(?:共|合计|为)?(?P<n>{NUM})元"),
    _rule(
        "fees_collected", rf"(?:{_NEG}|不)(?:收取|收)[^,;:。]{{0,20}}?费", absent=True, veto=("行政事业性",)
    ),
    # reconsideration and litigation: "被申请行政复议1件，被提起行政诉讼0件"
    _rule(
        "reconsideration_count",
        rf"行政复议(?:的)?(?:案件)?(?:数量|数)?(?:的)?(?:共有|共|有|为|是)?(?P<n>{NUM}){_UNIT_CASES}",
    ),
    _rule(
        "litigation_count",
        rf"(?:行政诉讼|提起诉讼)(?:的)?(?:案件)?(?:数量|数)?(?:的)?(?:共有|共|有|为|是)?(?P<n>{NUM}){_UNIT_CASES}",
    ),
    _rule("reconsideration_count", rf"{_NEG}[^;。]{{0,40}}?复议", absent=True, veto=("未经复议",)),
    _rule("litigation_count", rf"{_NEG}[^;。]{{0,50}}?(?:诉讼|起诉)", absent=True, veto=("未经复议",)),
    # zeros said as the value of the thing rather than as its absence: "…均为零", "收费为0"
    _rule("reconsideration_count", rf"复议[^;。]{{0,30}}?{_ZERO}", absent=True, veto=("未经复议",)),
    _rule("litigation_count", rf"诉讼[^;。]{{0,30}}?{_ZERO}", absent=True),
    _rule("fees_collected", r"零收费", absent=True),
    _rule(
        "fees_collected",
        rf"{_NEG}(?:发生|产生|出现)?[^,;:。]{{0,15}}?收费",
        absent=True,
        veto=("行政事业性", "收费通知", "未按"),
        reach=2,
    ),
    _rule(
        "fees_collected",
        rf"(?:收费|费用)(?:金额|总额)?[^;。]{{0,10}}?{_ZERO}",
        absent=True,
        veto=("行政事业性",),
    ),
    _rule(
        "requests_received",
        rf"申请(?:数量|总数|件数)?[^;。]{{0,10}}?{_ZERO}",
        absent=True,
        veto=("复议", "诉讼", "结转"),
    ),
)

_RULES_BY_STAT: dict[str, tuple[_Rule, ...]] = {
    stat: tuple(r for r in _RULES if r.stat == stat) for stat in _NEEDS
}

# Figures that can be a part of a larger figure of the same kind ("其中…").
_WHOLES = ("proactive_total", "requests_received")
# 累计 over several years (2013-2017年累计, 自2008年以来累计); 全年累计 is the year's own total.
_CUMULATIVE = re.compile(
    r"(?<!全年)(?<!本年)(?<!今年)(?<!年度)(?<!当年)累计|(?<!今年)(?<!本年)(?<!年初)(?<!年度)以来|历年"
)
_TOTAL = re.compile(r"共|合计|总计|总数|全年|累计")
_CLAUSE_START = re.compile(r"[,;:]")
_CHANNEL = re.compile(
    r"网站|网页|公开栏|宣传栏|公示栏|微博|微信|公众号|报刊|报纸|电视|广播|显示屏|门户|平台|客户端"
)
_RANGE = re.compile(r"(?:19|20)\d{2}年?[-—–~至到](?:19|20)\d{2}年")


def prose_figures(sentences: Sequence[Sentence]) -> list[Figure]:
    """Every figure the sentences state, in order of appearance."""
    found: list[Figure] = []
    for s in sentences:
        per_sentence: list[Figure] = []
        possible = [stat for stat, words in _NEEDS.items() if any(w in s.key for w in words)]
        for rule in (r for stat in possible for r in _RULES_BY_STAT[stat]):
            for m in rule.pattern.finditer(s.key):
                window = s.key[m.start() : m.end() + rule.reach]
                if any(v in window for v in rule.veto):
                    continue
                figure = _figure(rule, m, s)
                if figure is not None:
                    per_sentence.append(figure)
        # An absence statement never overrides a number stated in the same sentence.
        numbered = {f.stat for f in per_sentence if f.role != ABSENT}
        per_sentence = [f for f in per_sentence if f.role != ABSENT or f.stat not in numbered]
        seen: set[str] = set()
        for f in sorted(per_sentence, key=lambda f: f.at):
            if f.stat in seen and f.role in (YEAR, ABSENT):
                f = replace(f, role=LISTED)
            if f.role in (YEAR, ABSENT):
                seen.add(f.stat)
            found.append(f)
    return found


def _figure(rule: _Rule, m: re.Match[str], s: Sentence) -> Figure | None:
    if rule.absent:
        return Figure(rule.stat, 0, ABSENT, s, m.start())
    value = parse_number(m["n"])
    if value is None:
        return None
    clause = _CLAUSE_START.split(s.key[: m.start() + 4])[-1]
    return Figure(
        rule.stat,
        value,
        _role(rule.stat, s.key, m.start()),
        s,
        m.start(),
        total=_TOTAL.search(clause) is not None,
        channel=_CHANNEL.search(s.key) is not None,
    )


def _role(stat: str, key: str, at: int) -> str:
    before = key[:at]
    if stat in _WHOLES and "其中" in before:
        return PART
    if stat == "proactive_total" and (_CUMULATIVE.search(before) or _RANGE.search(before)):
        return CUMULATIVE
    return YEAR
