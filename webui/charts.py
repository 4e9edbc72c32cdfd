"""Charts as SVG, drawn on the server with pygal: a figure over the years, a figure across agencies.

The SVG is shown as an ``<img>``, so nothing in it could run anyway; still it carries no script and
loads nothing: pygal's tooltip script comes from a CDN by default (``js``), a style may import Google
fonts, and its comments name its website, so all of that is left out. Labels are crawled text; lxml
escapes them. Output is deterministic (a fixed id instead of pygal's random one, no dated comment),
so the same figures give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import pygal
from lxml import etree
from pygal.style import Style

__all__ = ["MEDIA_TYPE", "bar_chart", "line_chart"]

MEDIA_TYPE = "image/svg+xml"
#: The interface's own system fonts (style.css): CJK glyphs render without downloading a font.
FONTS = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'
#: Longer labels are cut: an agency's full name fits, a hostile 10 kB one does not bloat the chart.
MAX_LABEL = 30
MAX_TITLE = 80

_STYLE = Style(
    font_family=FONTS,
    background="#ffffff",
    plot_background="#ffffff",
    colors=("#1b4f8a", "#a3262a", "#2e7d32", "#8d6e00"),
    title_font_size=15,
    label_font_size=12,
    major_label_font_size=12,
    value_font_size=11,
    legend_font_size=12,
)
_COMMON: dict[str, Any] = {
    "style": _STYLE,
    "js": [],
    "css": ["file://style.css", "file://graph.css"],
    "print_values": True,
    "truncate_label": -1,
    "truncate_legend": -1,
    "disable_xml_declaration": False,
    "pretty_print": False,
    "explicit_size": True,
    "no_data_text": "no figures",
}


def _label(text: str, limit: int = MAX_LABEL) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scale(values: Iterable[float | None]) -> dict[str, Any]:
    """An axis from zero with round, whole-number steps: these are counts, and a scale that starts
    above zero or ticks at 1.6 lawsuits misleads."""
    present = [v for v in values if v is not None]
    if any(v < 0 for v in present):
        return {}  # not a count: let pygal choose
    top = max(present, default=0)
    if top <= 0:
        return {"range": (0, 1), "y_labels": [0, 1]}
    rough = top / 5
    magnitude = 10 ** math.floor(math.log10(rough))
    step = max(1, next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough))
    ticks = [i * step for i in range(math.ceil(top / step) + 1)]
    return {"range": (0, ticks[-1]), "y_labels": ticks}


def _number(value: float) -> str:
    """As the page's tables write it (no thousands separator), floats to two places at most."""
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def line_chart(
    title: str, years: Sequence[int], series: Sequence[tuple[str, Sequence[float | None]]]
) -> bytes:
    """One point per year that has the figure; None is a gap in the line (no report, or a report
    silent on it), never a zero. A series whose values are all None is not drawn."""
    chart = pygal.Line(
        **_COMMON,
        width=760,
        height=300,
        allow_interruptions=True,
        show_legend=sum(any(v is not None for v in values) for _, values in series) > 1,
        legend_at_bottom=True,
        x_label_rotation=-45 if len(years) > 12 else 0,
        value_formatter=_number,
        **_scale(v for _, values in series for v in values),
    )
    chart.title = _label(title, MAX_TITLE)
    chart.x_labels = [str(year) for year in years]
    for name, values in series:
        if any(v is not None for v in values):
            chart.add(_label(name), list(values), stroke=name == series[0][0])
    return _render(chart)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float | None]) -> bytes:
    """Horizontal bars, one per label (an agency), top to bottom in the order given. None draws no
    bar, and its label says so: an empty bar would read as zero."""
    # pygal draws the first label at the bottom.
    labels = [
        _label(label) + ("" if value is not None else " (—)")
        for label, value in zip(labels, values, strict=True)
    ][::-1]
    values = list(values)[::-1]
    wide = max((_wide(label) for label in labels), default=0)
    chart = pygal.HorizontalBar(
        **_COMMON,
        width=760,
        height=90 + 30 * max(1, len(labels)),
        show_legend=False,
        # pygal measures a label as Latin text (0.6 em a character): a Chinese one takes 1 em.
        margin_left=20 + int(wide * 0.4 * _STYLE.label_font_size),
        value_formatter=_number,
        **_scale(values),
    )
    chart.title = _label(title, MAX_TITLE)
    chart.x_labels = labels
    chart.add(_label(title), values)
    return _render(chart)


def _wide(text: str) -> int:
    """How many characters of ``text`` are wide (CJK)."""
    return sum(ord(ch) > 0x2E7F for ch in text)


def _render(chart: Any) -> bytes:
    chart.uuid = "xxgk"  # pygal's random uuid4 would make every rendering differ
    root = chart.render_tree()
    # The tooltip configuration <script>, the dated comment and the comments naming pygal's site.
    for node in root.xpath("//comment() | //*[local-name()='script']"):
        node.getparent().remove(node)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))
