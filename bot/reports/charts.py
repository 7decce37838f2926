"""Charts drawn with matplotlib's object API (Agg renderer: no display, no system
libraries): PNG for the PDF, SVG inlined in the HTML."""

from __future__ import annotations

import io

import matplotlib
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import MaxNLocator

from bot.reports.anonymise import THRESHOLD
from bot.reports.document import Chart

COLOURS = ("#1f5f8b", "#9db9cf")


def _draw(chart: Chart) -> MplFigure:
    n = len(chart.categories)
    height = max(2.2, 0.42 * n + 1.0) if chart.horizontal else 2.8
    fig = MplFigure(figsize=(7.0, height), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    groups = len(chart.series)
    width = 0.8 / max(groups, 1)
    top = 1
    for gi, (label, cells) in enumerate(chart.series):
        positions = [i - 0.4 + width * (gi + 0.5) for i in range(n)]
        values = [c.value if not c.suppressed else THRESHOLD for c in cells]
        top = max([top, *values])
        colour = COLOURS[gi % len(COLOURS)]
        bar = ax.barh if chart.horizontal else ax.bar
        bars = bar(positions, values, width * 0.92, color=colour, label=label)
        for rect, c in zip(bars, cells, strict=True):
            if c.suppressed:
                rect.set_hatch("///")
                rect.set_facecolor("white")
                rect.set_edgecolor(colour)
            text = c.short
            if chart.horizontal:
                ax.annotate(
                    text,
                    (rect.get_width(), rect.get_y() + rect.get_height() / 2),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=7,
                )
            else:
                ax.annotate(
                    text,
                    (rect.get_x() + rect.get_width() / 2, rect.get_height()),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    fontsize=7,
                )
    ticks = list(range(n))
    if chart.horizontal:
        ax.set_yticks(ticks, chart.categories, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, top * 1.15 + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        many = n > 6  # a year of months: slant the labels so they do not overlap
        ax.set_xticks(
            ticks,
            chart.categories,
            fontsize=8,
            rotation=40 if many else 0,
            ha="right" if many else "center",
        )
        ax.set_ylim(0, top * 1.18 + 0.5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(chart.title, fontsize=10, loc="left")
    if groups > 1:
        ax.legend(fontsize=7, frameon=False, loc="best")
    fig.tight_layout()
    return fig


def png(chart: Chart) -> bytes:
    """The chart as a PNG image."""
    return both(chart)[0]


def svg(chart: Chart) -> str:
    """The chart as an inline ``<svg>`` element (no XML prolog)."""
    return both(chart)[1]


def both(chart: Chart) -> tuple[bytes, str]:
    """The chart drawn once, saved as PNG and as an inline ``<svg>`` element."""
    fig = _draw(chart)
    png_buf = io.BytesIO()
    fig.savefig(png_buf, format="png", dpi=150)
    svg_buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "policybot"}):
        fig.savefig(svg_buf, format="svg")
    text = svg_buf.getvalue()
    return png_buf.getvalue(), text[text.index("<svg") :]


Images = dict[int, tuple[bytes, str]]


def draw_all(charts: list[Chart]) -> Images:
    """Every chart drawn once, by ``id(chart)``, for the HTML and the PDF to share."""
    return {id(c): both(c) for c in charts}
