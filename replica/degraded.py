"""Pages of a site gone wrong for a crawler, as pure functions: a changed template, an anti-bot wall.

Both answer 200, as the real ones do. A redesigned detail page keeps its text, date and attachments
but moves the body out of the containers the site definition's selectors name, and has no title
element at all. The challenge page is what the Jilin provincial platform served another crawler: an
obfuscated script that computes a cookie and reloads, and nothing to read.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from html import escape

from replica.sites import SiteSpec
from replica.templates import Link

TEMPLATES = ("standard", "broken")


def broken_detail(site: SiteSpec, shown: str, body_html: str, attachments: Sequence[Link]) -> str:
    """A detail page after a redesign: no <title>, no heading, the body in ``div.xl-nr``."""
    files = "".join(
        f'<li><a href="{escape(a.href, quote=True)}">{escape(a.text, quote=False)}</a></li>'
        for a in attachments
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="stylesheet" href="/static/v2/css/common.css">\n</head>\n<body>\n'
        '<header class="v2-head"><nav><a href="/">首页</a> <a href="/zwgk/">政务公开</a></nav></header>\n'
        '<main class="v2-main">\n'
        f'<section class="xl-box">\n<p class="xl-rq">{shown}</p>\n'
        f'<article class="xl-nr">{body_html}</article>\n'
        + (f'<ul class="xl-fj">{files}</ul>\n' if files else "")
        + "</section>\n</main>\n"
        f'<footer class="v2-foot"><p>{escape(site.owner, quote=False)}</p>'
        f"<p>{escape(site.icp, quote=False)}</p></footer>\n"
        "</body>\n</html>\n"
    )


def challenge_html(site: SiteSpec, path: str) -> str:
    """The 200 answer of a site behind a script wall: a meta token, an obfuscated script that sets
    a cookie and reloads (identifiers like ``_$aB``, as the ruishu wall writes them), no content."""
    digest = hashlib.sha256(f"{site.key}{path}".encode()).hexdigest()
    token = (digest * 4)[:120]
    names = [f"_${chr(97 + int(digest[i], 16))}{chr(65 + int(digest[i + 1], 16))}" for i in range(0, 48, 2)]
    calls = ";".join(
        f"{a}={b}({names[(i + 5) % len(names)]},{i})" for i, (a, b) in enumerate(itertools.pairwise(names))
    )
    script = (
        f"$_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={{}};$_ts.nsd={int(digest[:5], 16)};"
        f'$_ts.cd="{token}";(function(){{var {",".join(names)};{calls};'
        f"document.cookie='{names[0][2:]}_{digest[:8]}='+{names[1]}+';path=/';"
        "location.reload();})();"
    )
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        f'<meta id="{digest[:10]}" content="{token}" r="m">\n'
        f'<script type="text/javascript" r="m">{script}</script>\n'
        f'<script type="text/javascript" charset="utf-8" src="/{digest[8:16]}/{digest[16:26]}.js"'
        ' r="m"></script>\n'
        "</head>\n<body>\n</body>\n</html>\n"
    )
