"""Per-document writing habits: punctuation width, date spelling, numbering marks, seeded randomness."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

# Pages copied through some CMS editors come out with half-width punctuation inside Chinese text
# (seed 000); 。 、 and quotes survive that conversion, so they are not mapped.
_HALF = str.maketrans({"，": ",", "：": ":", "；": ";", "（": "(", "）": ")", "！": "!", "？": "?"})

_DIGITS = "〇一二三四五六七八九"


def rng_for(*parts: object) -> random.Random:
    # A str seed is hashed with SHA-512 by random.Random, so this is stable across processes
    # (unlike hash(), which PYTHONHASHSEED randomises).
    return random.Random("\x1f".join(str(p) for p in parts))


def pick(rng: random.Random, options: Sequence[T]) -> T:
    return options[rng.randrange(len(options))]


def chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def cn_number(n: int) -> str:
    """1..99 as Chinese numerals (十, 十八, 二十一), the way months and days are written."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _DIGITS[tens]
    return head + "十" + (_DIGITS[ones] if ones else "")


def cn_year(year: int, zero: str = "〇") -> str:
    return "".join(zero if d == "0" else _DIGITS[int(d)] for d in str(year))


@dataclass(frozen=True)
class Style:
    half_width: bool
    date_form: str  # "arabic" | "padded" | "chinese" | "circle"
    sub_open: str  # how (一) is opened: "（" or "("; closed accordingly
    item_mark: str  # after 1 in numbered items: "." "、" "．"

    def punct(self, text: str) -> str:
        return text.translate(_HALF) if self.half_width else text

    def sub(self, n: int) -> str:
        if self.sub_open == "㈠":
            # the parenthesised ideographs U+3220..U+3229 cover 一 to 十
            return chr(0x321F + n)
        if self.sub_open == "①":
            # the circled digits U+2460.. cover 1 to 20
            return chr(0x245F + n)
        close = "）" if self.sub_open == "（" else ")"
        return f"{self.sub_open}{cn_number(n)}{close}"

    def item(self, n: int) -> str:
        return f"{n}{self.item_mark}"

    def date(self, iso: str) -> str:
        y, m, d = (int(x) for x in iso.split("-"))
        if self.date_form == "padded":
            return f"{y}年{m:02d}月{d:02d}日"
        if self.date_form in ("chinese", "circle"):
            zero = "〇" if self.date_form == "chinese" else "○"
            return f"{cn_year(y, zero)}年{cn_number(m)}月{cn_number(d)}日"
        return f"{y}年{m}月{d}日"


def make_style(rng: random.Random, *, chinese_dates: float = 0.12) -> Style:
    roll = rng.random()
    if roll < chinese_dates * 0.6:
        date_form = "chinese"
    elif roll < chinese_dates:
        date_form = "circle"
    elif roll < chinese_dates + 0.03:
        date_form = "padded"
    else:
        date_form = "arabic"
    return Style(
        half_width=chance(rng, 0.3),
        date_form=date_form,
        sub_open=pick(rng, ("（", "（", "（", "（", "（", "(", "(", "(", "(", "㈠")),
        item_mark=pick(rng, (".", ".", "、", "．")),
    )


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def iso_date(year: int, month: int, day: int) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}"


def random_date(rng: random.Random, year: int, first_month: int = 1, last_month: int = 12) -> str:
    month = rng.randint(first_month, last_month)
    days = _MONTH_DAYS[month - 1] + (1 if month == 2 and year % 4 == 0 else 0)
    return iso_date(year, month, rng.randint(1, days))
