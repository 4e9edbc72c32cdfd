"""Chinese numerals: counting form (一百三十七), positional form (二〇一七) and Arabic digits."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# 〇 and 零 both mean zero; reports mix them freely (二〇一七 / 二零一七), and financial
# forms (壹贰叁) turn up in tables copied from accounting software.
DIGITS: dict[str, int] = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "Ｏ": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "贰": 2,
    "两": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
DIGITS.update({str(d): d for d in range(10)})

SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
LARGE_UNITS: dict[str, int] = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
# 廿 / 卅 are still written in day numbers (廿三日).
TENS_SHORTHAND: dict[str, int] = {"廿": 20, "卅": 30}

NUMERAL_CHARS = "".join([*DIGITS, *SMALL_UNITS, *LARGE_UNITS, *TENS_SHORTHAND])
CN_DIGIT_CHARS = "〇零○一二三四五六七八九"


def _fold_digits(s: str) -> str:
    # Full-width digits (０-９) become ASCII; NFKC is safe here because the input is a number.
    return unicodedata.normalize("NFKC", s).strip()


# Cached: numbers come from a small vocabulary (一 … 十二, 2017, 31), asked for by every heading
# and date of every page.
@lru_cache(maxsize=4096)
def cn_to_int(s: str) -> int | None:
    """Value of a numeral in counting form (一百三十七, 十二, 两万零五), positional form
    (二〇一七, 一二三), Arabic or full-width digits, or a mix (3万2千).

    Returns None when the string is not a well-formed numeral: callers read numbers out of
    messy text and must not get a guess.
    """
    s = _fold_digits(s)
    if not s:
        return None
    if s.isascii() and s.isdigit():
        return int(s)
    if any(c not in NUMERAL_CHARS for c in s):
        return None
    if all(c in DIGITS for c in s):
        # Positional: every character is a digit (二〇一七, 一九九八).
        value = 0
        for c in s:
            value = value * 10 + DIGITS[c]
        return value
    return _counting_form(s)


def _counting_form(s: str) -> int | None:
    total = 0  # completed 亿 / 万 groups
    section = 0  # value below the current large unit
    number: int | None = None  # pending digit run (Arabic runs like "32" are allowed before a unit)
    last_small = 10_000  # units must decrease inside a section (十百 is not a number)
    for c in s:
        if c in DIGITS:
            d = DIGITS[c]
            if number is not None and c.isascii() and number < 1000:
                number = number * 10 + d
            elif number is not None and number != 0:
                return None  # two digits in a row in counting form (一二十)
            else:
                number = d
        elif c in TENS_SHORTHAND:
            if number:
                return None
            section += TENS_SHORTHAND[c]
            number = None
            last_small = 10
        elif c in SMALL_UNITS:
            unit = SMALL_UNITS[c]
            if unit >= last_small:
                return None
            # A bare 十 at the start of a section means 一十 (十二 = 12).
            section += (number if number is not None else 1) * unit
            number = None
            last_small = unit
        else:
            unit = LARGE_UNITS[c]
            section += number or 0
            if section == 0 and total == 0:
                return None
            total = (total + section) * unit if unit > 10_000 else total + section * unit
            section = 0
            number = None
            last_small = 10_000
    return total + section + (number or 0)


@lru_cache(maxsize=1024)
def cn_year(s: str) -> int | None:
    """A year written positionally (二〇一七, 二零一七, ２０１７, 2017), optionally followed by 年.

    Only plausible years (1900–2099) are returned, so a stray number is never taken for a year.
    """
    s = _fold_digits(s).removesuffix("年").strip()
    if len(s) != 4 or any(c not in DIGITS for c in s):
        return None
    value = cn_to_int(s)
    if value is None or not 1900 <= value <= 2099:
        return None
    return value
