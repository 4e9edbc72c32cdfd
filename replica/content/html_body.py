"""`body_html`: the body as a CMS editor would have stored it.

The look varies per document (Word paste with spans, \u3000 or &nbsp; indents, CSS text-indent, divs,
th or bold td headers, padded or right-aligned signatures) but every variant yields, through the
clean-text contract, exactly `body_text(body)`: only whitespace, inline tags and empty blocks differ.
"""

from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass

from .model import Body, Cell, Table
from .style import chance, pick, rng_for

_HEADING = re.compile(r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|[㈠-㈩])")
_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class _Look:
    para: str  # "u3000" | "nbsp" | "indent" | "mso" | "plain" | "div"
    space: str  # how an inner space is written
    bold_headings: bool
    header_cell: str  # "th" | "strong" | "td"
    mso_table: bool
    pretty: bool
    signature: str  # "right" | "align" | "joined" | "padded"
    blank_before_signature: int
    blank: str


def _choose(rng: random.Random) -> _Look:
    return _Look(
        para=pick(rng, ("u3000", "u3000", "nbsp", "indent", "indent", "mso", "mso", "plain", "div")),
        space=pick(rng, (" ", " ", "&nbsp;", "\u3000", "&nbsp;&nbsp;")),
        bold_headings=chance(rng, 0.5),
        header_cell=pick(rng, ("th", "strong", "td")),
        mso_table=chance(rng, 0.4),
        pretty=chance(rng, 0.5),
        signature=pick(rng, ("right", "right", "align", "joined", "padded")),
        blank_before_signature=rng.choice((0, 0, 1, 2)),
        blank=pick(rng, ("<p>&nbsp;</p>", "<p><br/></p>", "<p>\u3000</p>", "<p></p>")),
    )


def _escape(text: str, look: _Look) -> str:
    return html.escape(text, quote=False).replace(" ", look.space)


def _runs(text: str, look: _Look) -> str:
    """Word splits a paragraph into runs; digits typically land in their own lang=EN-US run."""
    if look.para != "mso":
        return _escape(text, look)
    out = []
    for part in _DIGITS.split(text):
        if not part:
            continue
        if part.isdigit():
            out.append(f'<span lang="EN-US" style="font-family:仿宋_GB2312">{part}</span>')
        else:
            out.append(f'<span style="font-family:仿宋_GB2312;font-size:16pt">{_escape(part, look)}</span>')
    return "".join(out)


def _paragraph(text: str, look: _Look, *, heading: bool) -> str:
    inner = _runs(text, look)
    if heading and look.bold_headings:
        inner = f"<strong>{inner}</strong>"
    if look.para == "u3000":
        return f"<p>\u3000\u3000{inner}</p>"
    if look.para == "nbsp":
        return f"<p>&nbsp;&nbsp;&nbsp;&nbsp;{inner}</p>"
    if look.para == "indent":
        return f'<p style="text-indent:2em">{inner}</p>'
    if look.para == "mso":
        return f'<p class="MsoNormal" style="text-indent:32.0pt;line-height:28.0pt">{inner}</p>'
    if look.para == "div":
        return f'<div style="text-indent:2em;line-height:2">{inner}</div>'
    return f"<p>{inner}</p>"


def _cell(cell: Cell, look: _Look) -> str:
    attrs = ""
    if cell.rowspan > 1:
        attrs += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        attrs += f' colspan="{cell.colspan}"'
    text = _escape(cell.text, look)
    if look.mso_table:
        attrs += ' valign="center" style="border:solid windowtext 1.0pt;padding:0cm 5.4pt"'
        text = f'<span style="font-size:10.5pt">{text}</span>'
    tag = "td"
    if cell.header:
        if look.header_cell == "th":
            tag = "th"
        elif look.header_cell == "strong":
            text = f"<strong>{text}</strong>"
    return f"<{tag}{attrs}>{text}</{tag}>"


def _table(table: Table, look: _Look) -> str:
    nl = "\n" if look.pretty else ""
    if look.mso_table:
        opening = (
            '<table class="MsoNormalTable" border="0" cellspacing="0" cellpadding="0" '
            'style="border-collapse:collapse">'
        )
    else:
        opening = '<table border="1" cellspacing="0" cellpadding="0" width="100%">'
    rows = [f"<tr>{nl}{nl.join(_cell(c, look) for c in row)}{nl}</tr>" for row in table.rows]
    return f"{opening}{nl}<tbody>{nl}{nl.join(rows)}{nl}</tbody>{nl}</table>"


def _is_title_line(text: str) -> bool:
    return (
        len(text) <= 40
        and "。" not in text
        and not text.endswith(("：", ":"))
        and not _HEADING.match(text)
        and not text.startswith("第")
    )


def _signature(lines: list[str], look: _Look) -> list[str]:
    esc = [_escape(x, look) for x in lines]
    if look.signature == "joined" and len(esc) == 2:
        return [f'<p style="text-align:right">{esc[0]}<br/>{esc[1]}</p>']
    if look.signature == "align":
        return [f'<p align="right">{x}</p>' for x in esc]
    if look.signature == "padded":
        # seed 000: the signature pushed right with runs of spaces instead of alignment
        return [f"<p>{'&nbsp;' * (60 - 2 * i)}{x}</p>" for i, x in enumerate(esc)]
    return [f'<p style="text-align:right">{x}</p>' for x in esc]


def body_html(body: Body) -> str:
    rng = rng_for("html", body.kind, body.title, body.signed_date, body.report_year, len(body.blocks))
    look = _choose(rng)
    n_sig = (body.signed_by is not None) + (body.signed_date is not None)
    content = body.blocks[: len(body.blocks) - n_sig]
    sig = [b for b in body.blocks[len(body.blocks) - n_sig :] if isinstance(b, str)]
    out: list[str] = []
    opening = True
    for block in content:
        if isinstance(block, Table):
            out.append(_table(block, look))
            opening = False
            continue
        if opening and len(out) < 2 and _is_title_line(block):
            out.append(f'<p style="text-align:center"><strong>{_escape(block, look)}</strong></p>')
            continue
        opening = False
        heading = len(block) <= 40 and "。" not in block and bool(_HEADING.match(block))
        out.append(_paragraph(block, look, heading=heading))
    if sig:
        out.extend([look.blank] * look.blank_before_signature)
        out.extend(_signature(sig, look))
    return ("\n" if look.pretty else "").join(out)
