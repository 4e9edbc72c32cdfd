"""Names of people, some with characters outside GB2312, and the test for such text."""

from __future__ import annotations

import random

from .style import pick

_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁"
    "魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹易常武乔贺"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉萍红建文辉力永健宇鹏飞斌云波宁凤峰春国海东晶雪"
    "志红亮林欣佳颖博浩丹凯新俊彬旭兰梅琳秀庆"
)
# Real given names use these; GB2312 lacks them, so a page declared gb2312 that contains one can
# only have been encoded as GB18030/GBK.
RARE_CHARS = "堃喆镕珺玥"


def needs_gb18030(text: str) -> bool:
    try:
        text.encode("gb2312")
    except UnicodeEncodeError:
        return True
    return False


class NameSource:
    """Hands out distinct person names for one document; with `rare`, the first one carries a
    character outside GB2312."""

    def __init__(self, rng: random.Random, *, rare: bool) -> None:
        self._rng = rng
        self._rare = rare
        self._used: set[str] = set()

    def name(self) -> str:
        rng = self._rng
        while True:
            chars = [pick(rng, _GIVEN) for _ in range(rng.choice((1, 2, 2)))]
            if self._rare:
                chars[-1] = pick(rng, RARE_CHARS)
                self._rare = False
            candidate = pick(rng, _SURNAMES) + "".join(chars)
            if candidate not in self._used:
                self._used.add(candidate)
                return candidate
