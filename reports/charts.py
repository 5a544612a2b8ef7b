"""Chart renderers: plain data in, PNG bytes out, sized and lettered to read in Slack's image preview.

Every chart is built on `matplotlib.figure.Figure` (never pyplot: this runs inside a server) by a private
`_*_figure` function that tests can draw and measure; the public `*_png` function only saves it. The revenue,
handoff and trend charts draw a spec from `reports.chart_specs` and compute no figure themselves: their captions
are the figures the text beside them shows.
"""

from __future__ import annotations

import io
import itertools
import math
import textwrap
from collections.abc import Callable, Sequence
from functools import wraps
from typing import ParamSpec

from matplotlib import rc_context
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from reports.chart_specs import EN_DASH, FunnelChart, HandoffChart, RevenueChart, Shown, TrendChart

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#999999"
INK = "#222222"  # text: softer than pure black, still far above contrast minimums
MUTED = "#555555"
GRID = "#DDDDDD"

WIDTH_IN, HEIGHT_IN, DPI = 10.0, 5.6, 100  # 1000 x 560 px: legible when Slack scales it to ~360-500 px
TITLE_PT, SUBTITLE_PT, LABEL_PT, TICK_PT, NOTE_PT = 17, 13, 13, 12, 12
TITLE_CHARS = 64  # about the widest bold title line that fits the image

NO_DATA = "No data yet"
PART_MONTH_ALPHA = 0.5  # a month the bars show only part of (month to date, or cut by the window): lighter, hatched
MONTH_PT = 11  # one point smaller than other ticks, so 12 months fit side by side next to two money axes
MIN_LABEL_GAP_PX = 6  # month labels closer than this read as one another
TICK_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
P = ParamSpec("P")


def literal_text(build: Callable[P, Figure]) -> Callable[P, Figure]:
    """Build a figure whose texts are drawn as written: a caption with two amounts ('$2.5M · $1.9M') or a partner
    called 'Cash$ & Co' must not turn into mathtext."""

    @wraps(build)
    def built(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with rc_context({"text.parse_math": False}):
            return build(*args, **kwargs)

    return built


def caption(shown: Sequence[Shown]) -> str:
    return " · ".join(item.phrase for item in shown)


def money_tick(minor: float, currency: str) -> str:
    """A compact axis label for an amount in minor units: $1.2M, $250k, €40k, 40k SEK."""
    units = abs(minor) / 100
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k"), (1.0, "")):
        if round(units / scale, 2) >= 1 or scale == 1.0:
            body = f"{units / scale:.2f}".rstrip("0").rstrip(".") + suffix
            break
    sign = "-" if minor < 0 and body != "0" else ""
    symbol = TICK_SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{body}" if symbol else f"{sign}{body} {currency.upper()}"


def bin_label(edges: Sequence[float], index: int) -> str:
    if index >= len(edges) - 1:
        return f"{edges[-1]:g}+"
    return f"{edges[index]:g}{EN_DASH}{edges[index + 1]:g}"


def revenue_png(spec: RevenueChart) -> bytes:
    """Won revenue by attribution per month as stacked bars, with open pipeline at month end as a line."""
    return _png(_revenue_figure(spec))


def funnel_png(spec: FunnelChart) -> bytes:
    """The activation funnel as horizontal bars with conversions, drop-offs and the largest drop named."""
    return _png(_funnel_figure(spec))


def handoff_png(spec: HandoffChart) -> bytes:
    """Hours to first response on intros: answered and still-waiting counts per bin, SLA and median marked."""
    return _png(_handoff_figure(spec))


def trend_png(spec: TrendChart) -> bytes:
    """The digest's trend: sourced revenue won per week (bars, first wins marked) and partners in runway."""
    return _png(_trend_figure(spec))


@literal_text
def _trend_figure(spec: TrendChart) -> Figure:
    code = spec.currency.upper()
    revenue, in_runway, first_wins = spec.revenue, spec.in_runway, spec.first_wins
    if not spec.week_labels or (not any(revenue) and not any(in_runway)):
        return _no_data_figure(spec.title, "Weekly revenue and partners in runway show here once data arrives.")
    fig, ax = _figure(spec.title)
    positions = list(range(len(spec.week_labels)))
    ax.bar(positions, revenue, width=0.7, color=BLUE, label="Sourced revenue won (week)", zorder=2)
    _money_axis(ax, code, top=max(revenue))
    top = max(*revenue, 1) * 1.12
    for x, wins in zip(positions, first_wins, strict=True):
        if wins:
            ax.text(
                x,
                min(revenue[x] + top * 0.02, top * 0.95),
                f"★{wins:,}",
                ha="center",
                va="bottom",
                fontsize=NOTE_PT,
                color=ORANGE,
                fontweight="bold",
                zorder=4,
            )
    ax.set_ylabel(f"Sourced revenue ({code})", fontsize=LABEL_PT, color=INK)
    ax.set_xlabel("Week starting", fontsize=LABEL_PT, color=INK)
    ax.set_xlim(-0.6, len(positions) - 0.4)
    runway = ax.twinx()
    (line,) = runway.plot(
        positions,
        list(in_runway),
        color=VERMILLION,
        linewidth=2.5,
        marker="o",
        markersize=7,
        label="Partners in runway (week end)",
        zorder=3,
    )
    runway.set_ylim(0, max(*in_runway, 1) * 1.2)
    runway.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    runway.set_ylabel("Partners in runway", fontsize=LABEL_PT, color=VERMILLION)
    runway.tick_params(axis="y", colors=VERMILLION, labelsize=TICK_PT)
    for spine in ("top", "left"):
        runway.spines[spine].set_visible(False)
    wins_marker = Line2D([], [], color=ORANGE, marker="*", linestyle="none", markersize=12, label="First wins")
    ax.set_title(
        f"This week: {spec.sourced.phrase} ({spec.sourced_week_ago.phrase}) · {spec.wins.phrase} · "
        f"{spec.runway.phrase}",
        loc="left",
        fontsize=SUBTITLE_PT,
        color=MUTED,
        pad=10,
    )
    _legend(fig, [*ax.get_legend_handles_labels()[0], line, wins_marker])
    labels = spec.week_labels
    step = max(1, math.ceil(len(labels) / 8))
    shown = list(range(len(labels) - 1, -1, -step))[::-1]
    ax.set_xticks(shown, [labels[i] for i in shown], fontsize=MONTH_PT)
    return fig


@literal_text
def _revenue_figure(spec: RevenueChart) -> Figure:
    code = spec.currency.upper()
    bars = spec.bars
    sourced = [bar.sourced_minor for bar in bars]
    influenced = [bar.influenced_minor for bar in bars]
    pipeline = [bar.pipeline_minor for bar in bars]
    if not any(sourced) and not any(influenced) and not any(pipeline):
        return _no_data_figure(spec.title, "Won deals and open pipeline show here once they are imported.")

    fig, ax = _figure(spec.title)
    positions = range(len(bars))
    part = [bar.part is not None for bar in bars]
    sourced_bars = ax.bar(positions, sourced, width=0.7, color=BLUE, label="Sourced (won)", zorder=2)
    influenced_bars = ax.bar(
        positions, influenced, width=0.7, bottom=sourced, color=SKY_BLUE, label="Influenced (won)", zorder=2
    )
    for drawn, is_part in zip([*sourced_bars, *influenced_bars], part * 2, strict=True):
        if is_part:  # a month shown only in part (month to date, or cut by the window): lighter and hatched
            drawn.set_alpha(PART_MONTH_ALPHA)
            drawn.set_hatch("///")
            drawn.set_edgecolor(INK)
            drawn.set_linewidth(0)
    _money_axis(ax, code, top=max(s + i for s, i in zip(sourced, influenced, strict=True)))
    ax.set_ylabel(f"Won revenue ({code})", fontsize=LABEL_PT, color=INK)
    ax.set_xlabel("Month closed", fontsize=LABEL_PT, color=INK)
    ax.set_xlim(-0.6, len(bars) - 0.4)

    # the legend's swatches are whole-month ones, whatever the first bar happens to be
    handles: list[Artist] = [Patch(color=BLUE, label="Sourced (won)"), Patch(color=SKY_BLUE, label="Influenced (won)")]
    if any(p is not None for p in pipeline):
        handles.append(_pipeline_axis(ax, pipeline, code))
    if any(part):
        handles.append(
            Patch(facecolor=BLUE, alpha=PART_MONTH_ALPHA, hatch="///", edgecolor=INK, linewidth=0, label="Part month")
        )
    ax.set_title(f"{spec.window}: {caption(spec.caption)}", loc="left", fontsize=SUBTITLE_PT, color=MUTED, pad=10)
    _legend(fig, handles)
    _fit_month_labels(fig, ax, [bar.label if bar.part is None else f"{bar.label}\n{bar.part}" for bar in bars])
    return fig


def _pipeline_axis(ax: Axes, pipeline: Sequence[int | None], currency: str) -> Line2D:
    """Open pipeline on its own right-hand axis: it is a stock, often many times a month's won revenue."""
    line = ax.twinx()
    (drawn,) = line.plot(
        range(len(pipeline)),
        [math.nan if p is None else p for p in pipeline],
        color=VERMILLION,
        linewidth=2.5,
        marker="o",
        markersize=7,
        label="Open pipeline (month end)",
        zorder=3,
    )
    _money_axis(line, currency, top=max(p for p in pipeline if p is not None), grid=False)
    line.set_ylabel(f"Open pipeline ({currency})", fontsize=LABEL_PT, color=VERMILLION)
    line.tick_params(axis="y", colors=VERMILLION)
    line.spines["right"].set_color(VERMILLION)
    for spine in ("top", "left"):
        line.spines[spine].set_visible(False)
    return drawn


def _fit_month_labels(fig: Figure, ax: Axes, labels: Sequence[str]) -> None:
    """Label every k-th month (the latest always), with the smallest k whose labels do not touch.

    One layout with every label gives each label's box; a label's box does not depend on which others are shown,
    so k is worked out from those boxes. The layout is solved again only if dropping labels changes the height of
    the tallest one (a two-line month-to-date label left out).
    """
    ax.set_xticks(range(len(labels)), list(labels), fontsize=MONTH_PT)
    fig.draw_without_rendering()
    boxes = [label.get_window_extent() for label in ax.get_xticklabels()]
    shown = list(range(len(labels)))
    for step in range(1, len(labels) + 1):
        shown = list(range(len(labels) - 1, -1, -step))[::-1]
        if all(boxes[a].x1 + MIN_LABEL_GAP_PX <= boxes[b].x0 for a, b in itertools.pairwise(shown)):
            break
    if len(shown) < len(labels):
        ax.set_xticks(shown, [labels[i] for i in shown], fontsize=MONTH_PT)
        if max(labels[i].count("\n") for i in shown) < max(label.count("\n") for label in labels):
            fig.draw_without_rendering()
    # the layout just computed is final (nothing changes after this): drop the engine so that saving draws once,
    # without solving the layout again (a placeholder engine would still make savefig draw twice)
    fig.set_layout_engine(None)


@literal_text
def _funnel_figure(spec: FunnelChart) -> Figure:
    title, rows_ = spec.title, spec.rows
    if not any(row.reached for row in rows_):
        return _no_data_figure(title, "Partners show here once they are onboarded.")

    fig, ax = _figure(title)
    worst = spec.worst
    counts = [row.reached for row in rows_]
    rows = range(len(rows_))
    colours = [VERMILLION if i == worst else BLUE for i in rows]
    ax.barh(rows, counts, height=0.62, color=colours, zorder=2)
    previous = [counts[i - 1] if i else counts[i] for i in rows]
    dropped = [max(p - c, 0) for p, c in zip(previous, counts, strict=True)]
    ax.barh(
        rows,
        dropped,
        left=counts,
        height=0.62,
        color="#EEEEEE",
        edgecolor=GREY,
        hatch="///",
        linewidth=0,
        zorder=2,
    )
    widest = max(*counts, 1)
    for i, row in enumerate(rows_):
        note = f"{row.reached:,}"
        if row.conversion is not None:
            rate = row.conversion
            note += " · " + (f"{rate.value:.0%} of previous" if rate.value is not None else rate.text())
        ax.text(
            max(counts[i], previous[i]) + widest * 0.015,
            i,
            note,
            va="center",
            fontsize=NOTE_PT,
            color=VERMILLION if i == worst else INK,
            fontweight="bold" if i == worst else "normal",
        )
    ax.set_yticks(list(rows), [textwrap.fill(row.label, 22) for row in rows_])
    ax.set_ylim(len(rows_) - 0.4, -0.6)  # first step on top
    ax.set_xlim(0, widest * 1.42)  # room for the notes right of the longest bar
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.xaxis.grid(True, color=GRID, zorder=0)
    ax.yaxis.grid(False)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("Partners", fontsize=LABEL_PT, color=INK)

    conversion = None if worst is None else rows_[worst].conversion
    if worst is None or conversion is None or conversion.value is None:
        subtitle = "Largest drop: not enough data yet (fewer than 5 partners at every step)"
    else:
        subtitle = f"Largest drop: {rows_[worst].label} ({conversion.value:.0%} of previous step)"
    ax.set_title(subtitle, loc="left", fontsize=SUBTITLE_PT, color=MUTED if worst is None else VERMILLION, pad=10)
    handles = [
        Patch(color=BLUE, label="Partners that reached the step"),
        Patch(facecolor="#EEEEEE", edgecolor=GREY, hatch="///", label="Dropped since previous step"),
    ]
    if worst is not None:
        handles.append(Patch(color=VERMILLION, label="Largest drop"))
    _legend(fig, handles)
    return fig


@literal_text
def _handoff_figure(spec: HandoffChart) -> Figure:
    if not any(spec.answered) and not any(spec.waiting):
        return _no_data_figure(spec.title, "Intros show here once partners send them.")

    fig, ax = _figure(spec.title)
    edges, answered, waiting = spec.edges, spec.answered, spec.waiting
    positions = range(len(edges))
    ax.bar(positions, answered, width=0.9, color=BLUE, label="Answered", zorder=2)
    ax.bar(
        positions,
        waiting,
        width=0.9,
        bottom=answered,
        color=ORANGE,
        hatch="//",
        edgecolor="white",
        linewidth=0,
        label="Still waiting (age so far)",
        zorder=2,
    )
    totals = [a + w for a, w in zip(answered, waiting, strict=True)]
    top = max(totals)
    for x, total in zip(positions, totals, strict=True):
        if total:
            ax.text(
                x,
                total + top * 0.02,
                f"{total:,}",
                ha="center",
                va="bottom",
                fontsize=NOTE_PT,
                color=INK,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
                zorder=4,
            )
    ax.set_ylim(0, top * 1.5)  # headroom for the SLA and median labels above the bars
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.yaxis.grid(True, color=GRID, zorder=0)
    ax.set_xticks(list(positions), [bin_label(edges, i) for i in positions])
    ax.set_xlim(-0.6, len(edges) - 0.4)
    ax.set_xlabel("Hours to first response", fontsize=LABEL_PT, color=INK)
    ax.set_ylabel("Intros", fontsize=LABEL_PT, color=INK)

    last = len(edges) - 1
    sla_x = _hours_position(edges, spec.sla_hours)
    _marker(ax, sla_x, last=last, label=f"SLA {spec.sla_hours:g} h", colour=VERMILLION, style="--", height=0.94)
    if spec.median_hours is not None:
        median_x = _hours_position(edges, spec.median_hours)
        _marker(ax, median_x, last=last, label=spec.median.phrase, colour=BLACK, style=":", height=0.82)
    ax.set_title(caption(spec.caption), loc="left", fontsize=SUBTITLE_PT, color=MUTED, pad=10)
    _legend(fig, ax.get_legend_handles_labels()[0])
    return fig


def _hours_position(edges: Sequence[float], hours: float) -> float:
    """Where `hours` falls on the bar axis, whose bars are evenly spaced but span unequal hour ranges."""
    for i in range(1, len(edges)):
        if hours <= edges[i]:
            low, high = edges[i - 1], edges[i]
            return i - 1.5 + (max(hours, low) - low) / (high - low)
    return len(edges) - 1  # the overflow bar's middle


def _marker(ax: Axes, x: float, *, last: float, label: str, colour: str, style: str, height: float) -> None:
    """A vertical line with its label at `height` (axes fraction); near the last bar the label goes left."""
    ax.axvline(x, color=colour, linestyle=style, linewidth=2, zorder=3)
    right_side = x < last - 1
    ax.annotate(
        label,
        xy=(x, height),
        xycoords=("data", "axes fraction"),
        xytext=(6 if right_side else -6, 0),
        textcoords="offset points",
        ha="left" if right_side else "right",
        va="center",
        fontsize=NOTE_PT,
        fontweight="bold",
        color=colour,
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.9},
    )


def _figure(title: str) -> tuple[Figure, Axes]:
    layout = ConstrainedLayoutEngine(w_pad=0.12, h_pad=0.1)  # inches of margin around the plot
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout=layout, facecolor="white")
    # a long partner or program name wraps the title rather than running off the image
    fig.suptitle(textwrap.fill(title, TITLE_CHARS), x=0.012, ha="left", fontsize=TITLE_PT, fontweight="bold", color=INK)
    ax = fig.add_subplot()
    ax.tick_params(labelsize=TICK_PT, colors=INK)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    ax.set_axisbelow(True)
    return fig, ax


def _money_axis(ax: Axes, currency: str, *, top: float, grid: bool = True) -> None:
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: money_tick(value, currency)))
    ax.set_ylim(0, max(top, 1) * 1.12)
    ax.tick_params(labelsize=TICK_PT)
    if grid:
        ax.yaxis.grid(True, color=GRID, zorder=0)


def _legend(fig: Figure, handles: Sequence[Artist]) -> None:
    """Below the axes, outside them, so it never covers data."""
    fig.legend(
        handles=list(handles),
        loc="outside lower center",
        ncols=len(handles),
        fontsize=NOTE_PT,
        frameon=False,
        handlelength=1.6,
        columnspacing=1.8,
    )


def _no_data_figure(title: str, hint: str) -> Figure:
    fig, ax = _figure(title)
    ax.set_axis_off()
    ax.text(0.5, 0.55, NO_DATA, ha="center", va="center", fontsize=26, color=MUTED, transform=ax.transAxes)
    ax.text(0.5, 0.42, hint, ha="center", va="center", fontsize=SUBTITLE_PT, color=GREY, transform=ax.transAxes)
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
