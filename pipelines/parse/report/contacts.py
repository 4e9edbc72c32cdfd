"""Contact details a report gives: phone (0434-3230459), address, postcode (邮编136000), web site."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..textnorm import compact
from .text import Sentence

# Matched on the folded, whitespace-free copy (full-width colons and digits are ASCII there).
_PHONE = re.compile(
    r"(?:电话|热线|传真|tel|Tel|TEL)(?:号码)?(?:为|是)?:?"
    r"(?P<v>(?:\(0\d{2,3}\)|0\d{2,3}-?)?\d{7,8}(?:(?:转|-)\d{1,5})?(?!\d)|1[3-9]\d{9}(?!\d))"
)
_BARE_PHONE = re.compile(r"(?<![\d-])(?P<v>0\d{2,3}-\d{7,8})(?!\d)")
_POSTCODE = re.compile(r"(?:邮编|邮政编码)(?:为|是)?:?(?P<v>\d{6})(?!\d)")
_ADDRESS = re.compile(
    r"(?<!网站)(?<!网页)(?<!邮箱)(?:单位地址|通讯地址|联系地址|办公地址|办公地点|地址)(?:为|是|在)?:?"
    r"(?P<v>(?!http|www)[^,;:。()“”]{4,60})"
)
_WEB = re.compile(r"(?P<v>(?:https?://|www\.)[A-Za-z0-9][A-Za-z0-9\-._~/%?=&#+]*)")


def find_contacts(sentences: Sequence[Sentence]) -> dict[str, str] | None:
    """The first phone, address, postcode and web address stated; None when there is none."""
    found: dict[str, str] = {}
    for s in sentences:
        key = s.key
        # The value is cut from the unsimplified copy when the two line up (they do unless OpenCC
        # rewrote a phrase to another length): contacts are stored as written.
        written = compact(s.text)
        source = written if len(written) == len(key) else key
        for name, patterns in (
            ("phone", (_PHONE, _BARE_PHONE)),
            ("postcode", (_POSTCODE,)),
            ("address", (_ADDRESS,)),
            ("web", (_WEB,)),
        ):
            if name in found:
                continue
            for pattern in patterns:
                m = pattern.search(key)
                if m:
                    found[name] = source[m.start("v") : m.end("v")].rstrip(".-/")
                    break
    return found or None
