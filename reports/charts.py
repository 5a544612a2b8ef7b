"""Chart renderers: plain data in, PNG bytes out, sized and lettered to read in Slack's image preview.

Every chart is built on `matplotlib.figure.Figure` (never pyplot: this runs inside a server) by a private
`_*_figure` function that tests can draw and measure; the public `*_png` function only saves it.
"""

from __future__ import annotations

import io
import itertools
import math
import textwrap
from collections.abc import Mapping, Sequence
from datetime import date

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from reports.formatting import money
from reports.stats import Distribution, Median, Rate

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

NO_DATA = "No data yet"
EN_DASH = "\u2013"  # bin ranges use an en dash, as in print
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_PT = 11  # one point smaller than other ticks, so 12 months fit side by side next to two money axes
MIN_LABEL_GAP_PX = 6  # month labels closer than this read as one another
TICK_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
SOURCED, INFLUENCED = "sourced", "influenced"
HANDOFF_EDGES: tuple[float, ...] = (0, 4, 8, 12, 24, 48, 72)  # hours; above the last edge is one overflow bin


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


def month_label(month: date) -> str:
    """'Jan 26': spelled out here so output never depends on the server's locale."""
    return f"{MONTH_ABBR[month.month - 1]} {month.year % 100:02d}"


def worst_step(steps: Sequence[tuple[str, int]]) -> int | None:
    """Index of the step with the lowest conversion from the step before it.

    Conversions from fewer than 5 partners (or from none) are not ranked, as everywhere else in the product
    (see `Rate`); ties go to the earlier step. None when no step has a rankable conversion.
    """
    ranked = [
        (value, index)
        for index in range(1, len(steps))
        if (value := Rate(steps[index][1], steps[index - 1][1]).value) is not None
    ]
    return min(ranked)[1] if ranked else None


def handoff_edges(sla_hours: float) -> tuple[float, ...]:
    """The default bin edges plus the SLA, so the SLA line always falls between two bars."""
    if sla_hours <= 0 or sla_hours in HANDOFF_EDGES:
        return HANDOFF_EDGES
    return tuple(sorted({*HANDOFF_EDGES, sla_hours}))


def handoff_bins(hours: Sequence[float], edges: Sequence[float] = HANDOFF_EDGES) -> list[int]:
    """Counts per bin (lower, upper], the first bin closed at 0, plus a last overflow bin above edges[-1]."""
    counts = [0] * len(edges)
    for value in hours:
        index = next((i for i in range(1, len(edges)) if value <= edges[i]), len(edges))
        counts[index - 1] += 1
    return counts


def bin_label(edges: Sequence[float], index: int) -> str:
    if index >= len(edges) - 1:
        return f"{edges[-1]:g}+"
    return f"{edges[index]:g}{EN_DASH}{edges[index + 1]:g}"


def scorecard_png(
    *,
    title: str,
    months: Sequence[date],
    won: Mapping[tuple[date, str], int],
    open_pipeline: Mapping[date, int],
    currency: str,
) -> bytes:
    """Won revenue by attribution per month as stacked bars, with open pipeline at month end as a line."""
    return _png(_scorecard_figure(title=title, months=months, won=won, open_pipeline=open_pipeline, currency=currency))


def funnel_png(*, title: str, steps: Sequence[tuple[str, int]]) -> bytes:
    """The activation funnel as horizontal bars with conversions, drop-offs and the largest drop named."""
    return _png(_funnel_figure(title=title, steps=steps))


def handoff_png(
    *, title: str, answered_hours: Sequence[float], waiting_hours: Sequence[float], sla_hours: float
) -> bytes:
    """Hours to first response on intros: answered and still-waiting counts per bin, SLA and median marked."""
    return _png(
        _handoff_figure(title=title, answered_hours=answered_hours, waiting_hours=waiting_hours, sla_hours=sla_hours)
    )


def trend_png(
    *,
    title: str,
    weeks: Sequence[date],
    revenue: Sequence[int],
    in_runway: Sequence[int],
    first_wins: Sequence[int],
    currency: str,
) -> bytes:
    """The digest's trend: sourced revenue won per week (bars, first wins marked) and partners in runway."""
    return _png(
        _trend_figure(
            title=title, weeks=weeks, revenue=revenue, in_runway=in_runway, first_wins=first_wins, currency=currency
        )
    )


def _trend_figure(
    *,
    title: str,
    weeks: Sequence[date],
    revenue: Sequence[int],
    in_runway: Sequence[int],
    first_wins: Sequence[int],
    currency: str,
) -> Figure:
    code = currency.upper()
    if not weeks or (not any(revenue) and not any(in_runway)):
        return _no_data_figure(title, "Weekly revenue and partners in runway show here once data arrives.")
    fig, ax = _figure(title)
    positions = list(range(len(weeks)))
    ax.bar(positions, revenue, width=0.7, color=BLUE, label="Sourced revenue won (week)", zorder=2)
    _money_axis(ax, code, top=max(revenue))
    top = max(*revenue, 1) * 1.12
    for x, wins in zip(positions, first_wins, strict=True):
        if wins:
            ax.text(
                x,
                min(revenue[x] + top * 0.02, top * 0.95),
                f"★{wins}",
                ha="center",
                va="bottom",
                fontsize=NOTE_PT,
                color=ORANGE,
                fontweight="bold",
                zorder=4,
            )
    ax.set_ylabel(f"Sourced revenue ({code})", fontsize=LABEL_PT, color=INK)
    ax.set_xlabel("Week starting", fontsize=LABEL_PT, color=INK)
    ax.set_xlim(-0.6, len(weeks) - 0.4)
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
        f"{len(weeks)} weeks: {money(sum(revenue), code)} sourced · {sum(first_wins)} first wins",
        loc="left",
        fontsize=SUBTITLE_PT,
        color=MUTED,
        pad=10,
    )
    _legend(fig, [*ax.get_legend_handles_labels()[0], line, wins_marker])
    labels = [f"{MONTH_ABBR[w.month - 1]} {w.day}" for w in weeks]
    step = max(1, math.ceil(len(weeks) / 8))
    shown = list(range(len(weeks) - 1, -1, -step))[::-1]
    ax.set_xticks(shown, [labels[i] for i in shown], fontsize=MONTH_PT)
    return fig


def _scorecard_figure(
    *,
    title: str,
    months: Sequence[date],
    won: Mapping[tuple[date, str], int],
    open_pipeline: Mapping[date, int],
    currency: str,
) -> Figure:
    code = currency.upper()
    sourced = [won.get((m, SOURCED), 0) for m in months]
    influenced = [won.get((m, INFLUENCED), 0) for m in months]
    pipeline = [open_pipeline.get(m) for m in months]
    if not any(sourced) and not any(influenced) and all(p is None for p in pipeline):
        return _no_data_figure(title, "Won deals and open pipeline show here once they are imported.")

    fig, ax = _figure(title)
    positions = range(len(months))
    ax.bar(positions, sourced, width=0.7, color=BLUE, label="Sourced (won)", zorder=2)
    ax.bar(positions, influenced, width=0.7, bottom=sourced, color=SKY_BLUE, label="Influenced (won)", zorder=2)
    _money_axis(ax, code, top=max(s + i for s, i in zip(sourced, influenced, strict=True)))
    ax.set_ylabel(f"Won revenue ({code})", fontsize=LABEL_PT, color=INK)
    ax.set_xlabel("Month closed", fontsize=LABEL_PT, color=INK)
    ax.set_xlim(-0.6, len(months) - 0.4)

    subtitle = (
        f"{len(months)} months won: sourced {money(sum(sourced), code)} · influenced {money(sum(influenced), code)}"
    )
    handles = ax.get_legend_handles_labels()[0]
    if any(p is not None for p in pipeline):
        handles.append(_pipeline_axis(ax, pipeline, code))
        latest = next(p for p in reversed(pipeline) if p is not None)
        subtitle += f" · open pipeline {money(latest, code)}"
    ax.set_title(subtitle, loc="left", fontsize=SUBTITLE_PT, color=MUTED, pad=10)
    _legend(fig, handles)
    _fit_month_labels(fig, ax, months)
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


def _fit_month_labels(fig: Figure, ax: Axes, months: Sequence[date]) -> None:
    """Label every k-th month (the latest always), with the smallest k whose labels do not touch."""
    labels = [month_label(m) for m in months]
    for step in range(1, len(months) + 1):
        shown = list(range(len(months) - 1, -1, -step))[::-1]
        ax.set_xticks(shown, [labels[i] for i in shown], fontsize=MONTH_PT)
        fig.draw_without_rendering()
        boxes = [label.get_window_extent() for label in ax.get_xticklabels()]
        if all(left.x1 + MIN_LABEL_GAP_PX <= right.x0 for left, right in itertools.pairwise(boxes)):
            break
    # the layout just computed is final (nothing changes after this): drop the engine so that saving draws once,
    # without solving the layout again (a placeholder engine would still make savefig draw twice)
    fig.set_layout_engine(None)


def _funnel_figure(*, title: str, steps: Sequence[tuple[str, int]]) -> Figure:
    if not any(count for _, count in steps):
        return _no_data_figure(title, "Partners show here once they are onboarded.")

    fig, ax = _figure(title)
    worst = worst_step(steps)
    counts = [count for _, count in steps]
    rows = range(len(steps))
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
    for i in rows:
        note = f"{counts[i]:,}"
        if i:
            rate = Rate(counts[i], counts[i - 1])
            note += " · " + (f"{rate.value:.0%} of previous" if rate.value is not None else _too_few(rate))
        ax.text(
            max(counts[i], previous[i]) + widest * 0.015,
            i,
            note,
            va="center",
            fontsize=NOTE_PT,
            color=VERMILLION if i == worst else INK,
            fontweight="bold" if i == worst else "normal",
        )
    ax.set_yticks(list(rows), [textwrap.fill(name, 22) for name, _ in steps])
    ax.set_ylim(len(steps) - 0.4, -0.6)  # first step on top
    ax.set_xlim(0, widest * 1.42)  # room for the notes right of the longest bar
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.xaxis.grid(True, color=GRID, zorder=0)
    ax.yaxis.grid(False)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("Partners", fontsize=LABEL_PT, color=INK)

    if worst is None:
        subtitle = "Largest drop: not enough data yet (fewer than 5 partners at every step)"
    else:
        conversion = counts[worst] / counts[worst - 1]
        subtitle = f"Largest drop: {steps[worst][0]} ({conversion:.0%} of previous step)"
    ax.set_title(subtitle, loc="left", fontsize=SUBTITLE_PT, color=MUTED if worst is None else VERMILLION, pad=10)
    handles = [
        Patch(color=BLUE, label="Partners that reached the step"),
        Patch(facecolor="#EEEEEE", edgecolor=GREY, hatch="///", label="Dropped since previous step"),
    ]
    if worst is not None:
        handles.append(Patch(color=VERMILLION, label="Largest drop"))
    _legend(fig, handles)
    return fig


def _handoff_figure(
    *, title: str, answered_hours: Sequence[float], waiting_hours: Sequence[float], sla_hours: float
) -> Figure:
    if not answered_hours and not waiting_hours:
        return _no_data_figure(title, "Intros show here once partners send them.")

    fig, ax = _figure(title)
    edges = handoff_edges(sla_hours)
    answered = handoff_bins(answered_hours, edges)
    waiting = handoff_bins(waiting_hours, edges)
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
    sla_x = _hours_position(edges, sla_hours)
    _marker(ax, sla_x, last=last, label=f"SLA {sla_hours:g} h", colour=VERMILLION, style="--", height=0.94)
    everything = [*answered_hours, *waiting_hours]
    median = Median.of(Distribution.of(everything))
    if median.value is not None:
        median_x = _hours_position(edges, median.value)
        label = f"median {median.value:.1f} h"
        _marker(ax, median_x, last=last, label=label, colour=BLACK, style=":", height=0.82)
    median_text = f"median {median.value:.1f} h" if median.value is not None else f"median: {_too_few(median)}"
    over = sum(1 for h in everything if h > sla_hours)
    ax.set_title(
        f"{len(everything):,} intros · {len(waiting_hours):,} still waiting · {over:,} over SLA · {median_text}",
        loc="left",
        fontsize=SUBTITLE_PT,
        color=MUTED,
        pad=10,
    )
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


def _too_few(statistic: Rate | Median) -> str:
    n = statistic.denominator if isinstance(statistic, Rate) else statistic.n
    return f"not enough data (n={n})"


def _figure(title: str) -> tuple[Figure, Axes]:
    layout = ConstrainedLayoutEngine(w_pad=0.12, h_pad=0.1)  # inches of margin around the plot
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout=layout, facecolor="white")
    fig.suptitle(title, x=0.012, ha="left", fontsize=TITLE_PT, fontweight="bold", color=INK)
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
