"""Chart renderers: plain data in, PNG bytes out, sized and lettered to read in Slack's image preview.

Every chart is built on `matplotlib.figure.Figure` (never pyplot: this runs inside a server) by a private
`_*_figure` function that tests can draw and measure; the public `*_png` function only saves it. Each draws a spec
from `reports.chart_specs` and computes no figure itself: its captions are the figures the text beside it shows.
Two measures on different scales get two panels sharing the x axis, never a second y axis; the layout is fixed
(`reports.chart_layout`), worked out from the texts' sizes before the figure is drawn once.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Sequence
from functools import lru_cache, wraps
from typing import ParamSpec

from matplotlib import rc_context
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from reports.chart_layout import (
    DPI,
    EDGE_PT,
    GAP_PT,
    HEIGHT_IN,
    LABEL_PAD_PT,
    TICK_SPACE_PT,
    WIDTH_IN,
    Frame,
    every_kth,
    fit_step,
    line_count,
    lines_height,
    pixels,
    place,
    renderer_of,
    text_width,
    wrap,
    y_tick_width,
)
from reports.chart_specs import FunnelChart, GoalMark, HandoffChart, RevenueChart, Shown, TrendChart, week_labels

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

# at Slack's ~360 px preview these come to 12.5, 10 and 9.2 px (chart_layout.preview_px)
TITLE_PT, SUBTITLE_PT, LABEL_PT, TICK_PT, NOTE_PT, LEGEND_PT = 15, 12, 12, 12, 12, 11

NO_DATA = "No data yet"
PART_MONTH_ALPHA = 0.5  # a month the bars show only part of (month to date, or cut by the window): lighter, hatched
TICK_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
NOTE_OFFSET_PT = 4  # between a funnel bar and its note
MARKER_OFFSET_PT = 5  # between a marker's line and its label
TWO_PANELS = (2.2, 1.0)  # heights of a chart's main panel and of the panel under it
P = ParamSpec("P")
LabelMaker = Callable[[Sequence[int]], list[str]]

# A chart is drawn once per spec: a spec holds every figure it shows (frozen and hashable), so a warm view whose
# figures did not move serves the same PNG bytes again (about 60 kB each; 0.15–0.25 s of rendering saved).
PNG_CACHE = 128


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


@lru_cache(maxsize=PNG_CACHE)
def revenue_png(spec: RevenueChart) -> bytes:
    """Won revenue by attribution per month as stacked bars, with open pipeline in a panel below."""
    return _png(_revenue_figure(spec))


@lru_cache(maxsize=PNG_CACHE)
def funnel_png(spec: FunnelChart) -> bytes:
    """The activation funnel as horizontal bars, the partners lost at each step coloured, the largest drop named."""
    return _png(_funnel_figure(spec))


@lru_cache(maxsize=PNG_CACHE)
def handoff_png(spec: HandoffChart) -> bytes:
    """Time to first response on intros: answered and still-waiting counts per bin, SLA and median marked."""
    return _png(_handoff_figure(spec))


@lru_cache(maxsize=PNG_CACHE)
def trend_png(spec: TrendChart) -> bytes:
    """The digest's trend: sourced revenue won per week (bars, first wins marked), partners in runway below."""
    return _png(_trend_figure(spec))


@literal_text
def _revenue_figure(spec: RevenueChart) -> Figure:
    code = spec.currency.upper()
    bars = spec.bars
    sourced = [bar.sourced_minor for bar in bars]
    influenced = [bar.influenced_minor for bar in bars]
    pipeline = [bar.pipeline_minor for bar in bars]
    if not any(sourced) and not any(influenced) and not any(pipeline):
        return _no_data_figure(spec.title, "Won deals and open pipeline show here once they are imported.")

    has_pipeline = any(p is not None for p in pipeline)
    fig, panels = _figure(2 if has_pipeline else 1)
    won = panels[0]
    positions = range(len(bars))
    part = [bar.part is not None for bar in bars]
    sourced_bars = won.bar(positions, sourced, width=0.72, color=BLUE, label="Sourced (won)", zorder=2)
    influenced_bars = won.bar(
        positions, influenced, width=0.72, bottom=sourced, color=SKY_BLUE, label="Influenced (won)", zorder=2
    )
    for drawn, is_part in zip([*sourced_bars, *influenced_bars], part * 2, strict=True):
        if is_part:  # a month shown only in part (month to date, or cut by the window): lighter and hatched
            drawn.set_alpha(PART_MONTH_ALPHA)
            drawn.set_hatch("///")
            drawn.set_edgecolor(INK)
            drawn.set_linewidth(0)
    goals = {goal.panel: goal for goal in spec.goals}
    totals = [s + i for s, i in zip(sourced, influenced, strict=True)]
    _money_axis(won, code, top=max(totals), goal=goals.get("won"))
    won.set_xlim(-0.6, len(bars) - 0.4)

    # the legend's swatches are whole-month ones, whatever the first bar happens to be
    handles: list[Artist] = [Patch(color=BLUE, label="Sourced (won)"), Patch(color=SKY_BLUE, label="Influenced (won)")]
    if any(part):
        handles.append(
            Patch(facecolor=BLUE, alpha=PART_MONTH_ALPHA, hatch="///", edgecolor=INK, linewidth=0, label="Part month")
        )
    if has_pipeline:
        line = panels[1]
        line.plot(
            positions,
            [float("nan") if p is None else p for p in pipeline],
            color=VERMILLION,
            linewidth=2.2,
            marker="o",
            markersize=5,
            zorder=3,
        )
        _money_axis(line, code, top=max(p for p in pipeline if p is not None), goal=goals.get("pipeline"), bins=2)
        now = ", and now" if bars[-1].part == "MTD" else ""
        _heading(line, f"Open pipeline at month end{now}", VERMILLION)
        won.tick_params(labelbottom=False)
    marked = [(won if goal.panel == "won" else panels[-1], goal) for goal in spec.goals]
    marked = [(ax, goal) for ax, goal in marked if goal.panel == "won" or has_pipeline]
    for ax, goal in marked:
        _goal_line(ax, goal)
    labels = [bar.label if bar.part is None else f"{bar.label}\n{bar.part}" for bar in bars]
    _lay_out(
        fig,
        panels,
        title=spec.title,
        caption=f"{spec.window}: {caption(spec.caption)}",
        legend=handles,
        x_labels=lambda shown: [labels[i] for i in shown],
        x_count=len(labels),
    )
    for ax, goal in marked:
        data = totals if goal.panel == "won" else [p for p in pipeline if p is not None]
        _room_at_top(fig, ax, max(*data, goal.target_minor, goal.actual_minor))
    return fig


def _goal_line(ax: Axes, goal: GoalMark) -> None:
    """The goal's target as a dashed line over the bars of its period, its actual so far as a diamond at the latest
    bar, and both worded at the panel's top right (`_room_at_top` keeps the data below the words)."""
    low, high = goal.first - 0.45, goal.last + 0.45
    (line,) = ax.plot([low, high], [goal.target_minor] * 2, color=INK, linestyle="--", linewidth=1.8, zorder=4)
    line.set_gid("goal")
    (so_far,) = ax.plot([goal.last], [goal.actual_minor], color=INK, marker="D", markersize=6, linestyle="none")
    so_far.set_gid("goal so far")
    ax.text(1.0, 1.0, goal.phrase, transform=ax.transAxes, ha="right", va="top", fontsize=NOTE_PT - 1, color=INK)


def _room_at_top(fig: Figure, ax: Axes, data_top: float) -> None:
    """Raise the y limit so nothing drawn reaches the line of text at the panel's top, keeping the ticks the layout
    measured (a taller axis must not bring a wider tick label)."""
    panel = ax.get_position().height * fig.bbox.height
    share = 1 - (lines_height(1, NOTE_PT) + pixels(GAP_PT)) / panel
    high = ax.get_ylim()[1]
    ax.yaxis.set_major_locator(FixedLocator([tick for tick in ax.get_yticks() if 0 <= tick <= high]))
    ax.set_ylim(0, max(high, data_top / share))


@literal_text
def _trend_figure(spec: TrendChart) -> Figure:
    code = spec.currency.upper()
    revenue, in_runway, first_wins = spec.revenue, spec.in_runway, spec.first_wins
    if not spec.weeks or (not any(revenue) and not any(in_runway)):
        return _no_data_figure(spec.title, "Weekly revenue and partners in runway show here once data arrives.")
    fig, (bars, runway) = _figure(2)
    positions = list(range(len(spec.weeks)))
    bars.bar(positions, revenue, width=0.7, color=BLUE, zorder=2)
    top = max(*revenue, 1)
    _money_axis(bars, code, top=top * 1.12)  # room for the first-win stars above the tallest bar
    for x, wins in zip(positions, first_wins, strict=True):
        if wins:
            bars.text(
                x,
                revenue[x] + top * 0.03,
                f"★{wins:,}",
                ha="center",
                va="bottom",
                fontsize=NOTE_PT,
                color=ORANGE,
                fontweight="bold",
                zorder=4,
            )
    bars.set_xlim(-0.6, len(positions) - 0.4)
    bars.tick_params(labelbottom=False)
    runway.plot(positions, list(in_runway), color=VERMILLION, linewidth=2.2, marker="o", markersize=5, zorder=3)
    runway.set_ylim(0, max(*in_runway, 1) * 1.25)
    runway.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
    runway.yaxis.grid(True, color=GRID, zorder=0)
    _heading(runway, "Partners in runway at week end", VERMILLION)
    runway.set_xlabel("Week starting", fontsize=LABEL_PT, color=INK)
    handles = [
        Patch(color=BLUE, label="Sourced revenue won (week)"),
        Line2D([], [], color=ORANGE, marker="*", linestyle="none", markersize=11, label="First wins"),
    ]
    weeks = spec.weeks
    _lay_out(
        fig,
        [bars, runway],
        title=spec.title,
        caption=f"This week: {spec.sourced.phrase} ({spec.sourced_week_ago.phrase}) · {spec.wins.phrase} · "
        f"{spec.runway.phrase}",
        legend=handles,
        x_labels=lambda shown: week_labels([weeks[i] for i in shown]),
        x_count=len(weeks),
    )
    return fig


@literal_text
def _funnel_figure(spec: FunnelChart) -> Figure:
    title, rows_ = spec.title, spec.rows
    if not any(row.reached for row in rows_):
        return _no_data_figure(title, "Partners show here once they are onboarded.")

    fig, (ax,) = _figure(1)
    worst = spec.worst
    rows = range(len(rows_))
    reached = [row.reached for row in rows_]
    counted = [row.conversion.denominator if row.conversion else row.reached for row in rows_]
    dropped = [c - r for c, r in zip(counted, reached, strict=True)]
    ax.barh(rows, reached, height=0.62, color=SKY_BLUE, zorder=2)
    ax.barh(
        rows, dropped, left=reached, height=0.62, color=[VERMILLION if i == worst else ORANGE for i in rows], zorder=2
    )
    too_new = [row.too_new for row in rows_]
    young = [i for i in rows if too_new[i]]
    if young:
        ax.barh(
            young,
            [too_new[i] for i in young],
            left=[counted[i] for i in young],
            height=0.62,
            facecolor="none",
            edgecolor=GREY,
            linestyle="--",
            linewidth=1.2,
        )
    notes = [f"{row.reached:,}" if row.conversion is None else row.conversion.text() for row in rows_]
    for i, note in enumerate(notes):
        ax.annotate(
            note,
            xy=(counted[i] + too_new[i], i),
            xytext=(NOTE_OFFSET_PT, 0),
            textcoords="offset points",
            va="center",
            fontsize=NOTE_PT,
            color=VERMILLION if i == worst else INK,
            fontweight="bold" if i == worst else "normal",
        )
    ax.set_yticks(list(rows), [textwrap.fill(row.label, 20) for row in rows_])
    ax.set_ylim(len(rows_) - 0.45, -0.55)  # first step on top
    widest = max(*counted, 1)
    ax.set_xlim(0, widest)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.xaxis.grid(True, color=GRID, zorder=0)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("Partners", fontsize=LABEL_PT, color=INK)

    conversion = None if worst is None else rows_[worst].conversion
    if worst is None or conversion is None or conversion.value is None:
        subtitle = "Largest drop: not enough data yet (fewer than 5 partners at every step)"
    else:
        subtitle = f"Largest drop: {rows_[worst].label} ({conversion.value:.0%} of previous step)"
    handles: list[Artist] = [Patch(color=SKY_BLUE, label="Reached"), Patch(color=ORANGE, label="Dropped")]
    if worst is not None:
        handles.append(Patch(color=VERMILLION, label="Largest drop"))
    if any(too_new):
        handles.append(Patch(facecolor="none", edgecolor=GREY, linestyle="--", label="Too new to count"))
    _lay_out(
        fig,
        [ax],
        title=title,
        caption=subtitle,
        caption_colour=MUTED if worst is None else VERMILLION,
        legend=handles,
        footnote=spec.note,
    )
    _fit_notes(fig, ax, [counted[i] + too_new[i] for i in rows], notes)
    return fig


def _fit_notes(fig: Figure, ax: Axes, ends: Sequence[float], notes: Sequence[str]) -> None:
    """Widen the x axis just enough that each row's note fits right of its bar, inside the axes."""
    renderer = renderer_of(fig)
    room = ax.get_position().width * fig.bbox.width
    limit = ax.get_xlim()[1]
    for end, note in zip(ends, notes, strict=True):
        width = text_width(renderer, note, NOTE_PT, "bold") + pixels(NOTE_OFFSET_PT + 2)
        if width < room:
            limit = max(limit, end * room / (room - width))
    ax.set_xlim(0, limit)


@literal_text
def _handoff_figure(spec: HandoffChart) -> Figure:
    if not any(spec.answered) and not any(spec.waiting):
        return _no_data_figure(spec.title, "Intros show here once partners send them.")

    fig, (ax,) = _figure(1)
    edges, answered, waiting = spec.edges, spec.answered, spec.waiting
    positions = range(len(edges))
    ax.bar(positions, answered, width=0.88, color=BLUE, label="Answered", zorder=2)
    ax.bar(
        positions,
        waiting,
        width=0.88,
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
    ax.set_ylim(0, top * 1.55)  # headroom for the SLA and median labels above the bars
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.yaxis.grid(True, color=GRID, zorder=0)
    ax.set_xlim(-0.6, len(edges) - 0.4)
    ax.set_xlabel("Time to first response (a bar holds its upper edge)", fontsize=LABEL_PT, color=INK)
    ax.set_ylabel("Intros", fontsize=LABEL_PT, color=INK)

    sla = _marker(ax, _hours_position(edges, spec.sla_hours), f"SLA {spec.sla_hours:g} h", VERMILLION, "--", 0.93)
    markers = [sla]
    if spec.median_hours is not None:
        markers.append(_marker(ax, _hours_position(edges, spec.median_hours), spec.median.phrase, BLACK, ":", 0.8))
    labels = spec.labels
    _lay_out(
        fig,
        [ax],
        title=spec.title,
        caption=caption(spec.caption),
        legend=ax.get_legend_handles_labels()[0],
        x_labels=lambda shown: [labels[i] for i in shown],
        x_count=len(labels),
    )
    _side_markers(fig, ax, markers)
    return fig


def _hours_position(edges: Sequence[float], hours: float) -> float:
    """Where `hours` falls on the bar axis, whose bars are evenly spaced but span unequal hour ranges."""
    for i in range(1, len(edges)):
        if hours <= edges[i]:
            low, high = edges[i - 1], edges[i]
            return i - 1.5 + (max(hours, low) - low) / (high - low)
    return len(edges) - 1  # the overflow bar's middle


def _marker(ax: Axes, x: float, label: str, colour: str, style: str, height: float) -> Annotation:
    """A vertical line with its label at `height` (axes fraction), right of the line until `_side_markers`."""
    ax.axvline(x, color=colour, linestyle=style, linewidth=2, zorder=3)
    return ax.annotate(
        label,
        xy=(x, height),
        xycoords=("data", "axes fraction"),
        xytext=(MARKER_OFFSET_PT, 0),
        textcoords="offset points",
        ha="left",
        va="center",
        fontsize=NOTE_PT,
        fontweight="bold",
        color=colour,
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.9},
    )


def _side_markers(fig: Figure, ax: Axes, markers: Sequence[Annotation]) -> None:
    """Put a marker's label left of its line where, on the right, it would cross another marker's line or run out
    of the axes, and the left has room."""
    renderer = renderer_of(fig)
    low, high = ax.get_xlim()
    per_unit = ax.get_position().width * fig.bbox.width / (high - low)
    lines = [float(marker.xy[0]) for marker in markers]
    for marker, x in zip(markers, lines, strict=True):
        reach = (text_width(renderer, marker.get_text(), NOTE_PT, "bold") + pixels(MARKER_OFFSET_PT + 4)) / per_unit
        right_clear = x + reach <= high and not any(x < other <= x + reach for other in lines)
        left_clear = x - reach >= low and not any(x - reach <= other < x for other in lines)
        if not right_clear and left_clear:
            marker.set_horizontalalignment("right")
            marker.xyann = (-MARKER_OFFSET_PT, 0)


def _figure(panels: int) -> tuple[Figure, list[Axes]]:
    """A figure of `panels` stacked axes sharing their x axis; `_lay_out` places them once everything is drawn."""
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    axes: list[Axes] = []
    for _ in range(panels):
        ax = fig.add_axes((0, 0, 1, 1), sharex=axes[0] if axes else None)
        ax.tick_params(labelsize=TICK_PT, colors=INK)
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
        ax.set_axisbelow(True)
        axes.append(ax)
    return fig, axes


def _heading(ax: Axes, text: str, colour: str) -> None:
    """A lower panel's name, above it on the left: it says what the panel measures instead of a y-axis label."""
    ax.set_title(text, loc="left", y=1.0, pad=GAP_PT, va="bottom", fontsize=LABEL_PT, color=colour)


def _money_axis(ax: Axes, currency: str, *, top: float, goal: GoalMark | None = None, bins: int = 4) -> None:
    """Money ticks from 0 past `top` (and past the goal's target with room for its words, when there is one)."""
    ax.yaxis.set_major_locator(MaxNLocator(nbins=bins, steps=[1, 2, 2.5, 5, 10], integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: money_tick(value, currency)))
    high = max(top, 1) * 1.12
    if goal is not None:
        high = max(high, goal.target_minor * 1.3)
    ax.set_ylim(0, high)
    ax.yaxis.grid(True, color=GRID, zorder=0)


def _lay_out(
    fig: Figure,
    panels: Sequence[Axes],
    *,
    title: str,
    caption: str | None = None,
    caption_colour: str = MUTED,
    legend: Sequence[Artist] = (),
    footnote: str | None = None,
    x_labels: LabelMaker | None = None,
    x_count: int = 0,
) -> None:
    """Place the title and caption above the panels and the legend and footnote below them, label every k-th x
    tick (the latest always) so the labels never touch, and fit the panels in what is left: all from the sizes of
    the texts, once."""
    renderer = renderer_of(fig)
    width, height = fig.bbox.width, fig.bbox.height
    edge, gap = pixels(EDGE_PT), pixels(GAP_PT)
    room = width - 2 * edge

    title_text = wrap(renderer, title, room, TITLE_PT, "bold")
    fig.suptitle(
        title_text,
        x=edge / width,
        y=1 - edge / height,
        ha="left",
        va="top",
        fontsize=TITLE_PT,
        fontweight="bold",
        color=INK,
    )
    top = edge + lines_height(line_count(title_text), TITLE_PT) + gap
    caption_text = wrap(renderer, caption, room, SUBTITLE_PT) if caption else ""
    if caption_text:
        top += lines_height(line_count(caption_text), SUBTITLE_PT) + gap

    bottom = edge
    if footnote:
        note = wrap(renderer, footnote, room, LEGEND_PT)
        fig.text(edge / width, edge / height, note, ha="left", va="bottom", fontsize=LEGEND_PT, color=MUTED)
        bottom += lines_height(line_count(note), LEGEND_PT) + gap
    if legend:
        bottom += _legend(fig, legend, y=bottom, room=room) + gap
    last = panels[-1]
    if last.get_xlabel():
        bottom += lines_height(1, LABEL_PT) + pixels(LABEL_PAD_PT)

    left = edge + max(y_tick_width(renderer, ax) for ax in panels) + pixels(TICK_SPACE_PT)
    if any(ax.get_ylabel() for ax in panels):
        left += lines_height(1, LABEL_PT) + pixels(LABEL_PAD_PT)
    right = edge
    tick_lines = 1
    if x_labels is not None and x_count:
        low, high = last.get_xlim()
        widths = [text_width(renderer, label, TICK_PT) for label in x_labels(range(x_count))]
        right = edge + max(0.0, widths[-1] / 2 - (high - (x_count - 1)) * (width - left - edge) / (high - low))
        shown = every_kth(x_count, fit_step(widths, (width - left - right) / (high - low)))
        texts = x_labels(shown)
        last.set_xticks(shown, texts, fontsize=TICK_PT)
        tick_lines = max(line_count(text) for text in texts)
    bottom += lines_height(tick_lines, TICK_PT) + pixels(TICK_SPACE_PT)

    gaps = tuple(2 * gap + (lines_height(1, LABEL_PT) if ax.get_title(loc="left") else 0.0) for ax in panels[1:])
    place(fig, panels, TWO_PANELS[: len(panels)] if len(panels) > 1 else (1.0,), Frame(top, bottom, left, right, gaps))
    if caption_text:
        first = panels[0].get_position()
        panels[0].set_title(
            caption_text,
            loc="left",
            x=(edge / width - first.x0) / first.width,  # flush with the title, not with the plot
            y=1.0,
            pad=GAP_PT,
            va="bottom",
            fontsize=SUBTITLE_PT,
            color=caption_colour,
        )


def _legend(fig: Figure, handles: Sequence[Artist], *, y: float, room: float) -> float:
    """A legend centred at `y` pixels from the bottom, in as few rows as fit `room`; returns its height."""
    renderer = renderer_of(fig)
    for columns in range(len(handles), 0, -1):
        legend = fig.legend(
            handles=list(handles),
            loc="lower center",
            bbox_to_anchor=(0.5, y / fig.bbox.height),
            ncols=columns,
            fontsize=LEGEND_PT,
            frameon=False,
            handlelength=1.4,
            handletextpad=0.5,
            columnspacing=1.2,
            borderpad=0,
            borderaxespad=0,
        )
        box = legend.get_window_extent(renderer)
        if box.width <= room or columns == 1:
            return float(box.height)
        legend.remove()
    return 0.0


def _no_data_figure(title: str, hint: str) -> Figure:
    fig, (ax,) = _figure(1)
    ax.set_axis_off()
    ax.text(0.5, 0.55, NO_DATA, ha="center", va="center", fontsize=22, color=MUTED, transform=ax.transAxes)
    ax.text(
        0.5,
        0.38,
        textwrap.fill(hint, 48),
        ha="center",
        va="center",
        fontsize=SUBTITLE_PT,
        color=GREY,
        transform=ax.transAxes,
    )
    _lay_out(fig, [ax], title=title)
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
