"""Chart renderers: valid, deterministic PNGs of the intended size, legible in Slack's ~360 px preview (no
overlapping or clipped text, no font under 9 px there), one y axis per panel, and the numbers they point at (worst
funnel step, drops, goals, bins and their labels, money ticks) right."""

from __future__ import annotations

import itertools
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from reports.chart_layout import DPI, WIDTH_IN, preview_px
from reports.chart_specs import (
    HANDOFF_EDGES,
    FunnelChart,
    GoalMark,
    HandoffChart,
    MonthBar,
    RevenueChart,
    Shown,
    TrendChart,
    funnel_spec,
    handoff_bin_labels,
    handoff_bins,
    handoff_edges,
    handoff_spec,
    month_label,
    week_labels,
)
from reports.charts import (
    ORANGE,
    SKY_BLUE,
    VERMILLION,
    _funnel_figure,
    _handoff_figure,
    _revenue_figure,
    _trend_figure,
    funnel_png,
    handoff_png,
    money_tick,
    revenue_png,
    trend_png,
)
from reports.kpis.activation import Funnel, FunnelStep
from reports.kpis.handoffs import IntroRecord, compute_handoff_response_time, compute_sla_split
from reports.stats import Rate

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SIZE = (960, 720)
MIN_PREVIEW_PX = 9  # the smallest text a reader can make out in Slack's ~360 px preview

MONTHS = [date(2025 + (m // 12), m % 12 + 1, 1) for m in range(2, 14)]  # Mar 25 .. Feb 26
WON = {
    **{(m, "sourced"): (i + 1) * 1_250_000 for i, m in enumerate(MONTHS) if i % 3},
    **{(m, "influenced"): 900_000 + i * 40_000 for i, m in enumerate(MONTHS) if i % 2 == 0},
}
PIPELINE = {m: 40_000_000 + i * 6_000_000 for i, m in enumerate(MONTHS) if i != 4}
STEPS = [
    ("Onboarded", 120),
    ("Enabled", 90),
    ("First selling action", 60),
    ("First qualified opportunity", 33),
    ("First win", 20),
]
ANSWERED = [0.5, 1.2, 2.0, 3.1, 3.9, 4.0, 5.2, 6.0, 7.5, 9.0, 11.0, 14.0, 20.0, 23.5, 30.0, 50.0, 900.0]
WAITING = [2.0, 6.0, 26.0, 80.0]


AS_OF = datetime(2026, 3, 1, 12, tzinfo=UTC)


def revenue_spec(
    *,
    months: Sequence[date] = MONTHS,
    won: Mapping[tuple[date, str], int] = WON,
    open_pipeline: Mapping[date, int] = PIPELINE,
    currency: str = "USD",
    title: str = "Acme — won revenue",
    parts: Mapping[int, str] | None = None,
    goals: Sequence[GoalMark] = (),
) -> RevenueChart:
    """Bars as the scorecard draws them; `parts` marks bars (by index) that show only part of their month."""
    bars = tuple(
        MonthBar(
            month_label(m),
            (parts or {}).get(i),
            won.get((m, "sourced"), 0),
            won.get((m, "influenced"), 0),
            open_pipeline.get(m),
        )
        for i, m in enumerate(months)
    )
    caption = (Shown(None, 0, "sourced $1.2M"), Shown(None, 0, "influenced $800k"), Shown(None, 0, "open pipeline $2M"))
    return RevenueChart(title, currency, "trailing 365 d", bars, caption, tuple(goals))


def scorecard(**overrides: Any) -> Figure:
    return _revenue_figure(revenue_spec(**overrides))


def funnel_of(
    counts: Sequence[int], names: Sequence[str] | None = None, too_new: Sequence[int] | None = None
) -> Funnel:
    """A computed funnel with these counts, as `compute_funnel` builds it: each step's conversion is over the step
    before's partners less those too new for this one."""
    names = names or [f"step_{i}" for i in range(len(counts))]
    young = too_new or [0] * len(counts)
    return Funnel(
        tuple(
            FunnelStep(name, n, None if i == 0 else Rate(n, counts[i - 1] - young[i]), 30 * i, young[i])
            for i, (name, n) in enumerate(zip(names, counts, strict=True))
        )
    )


def funnel_chart(steps: Sequence[tuple[str, int]] = STEPS) -> FunnelChart:
    """The spec of a funnel whose steps are titled as given (step_title of "Onboarded" is "Onboarded")."""
    return funnel_spec(
        funnel_of([n for _, n in steps], [name.lower().replace(" ", "_") for name, _ in steps]),
        title="Activation funnel",
    )


def funnel(steps: Sequence[tuple[str, int]] = STEPS) -> Figure:
    return _funnel_figure(funnel_chart(steps))


def funnel_with_young() -> Figure:
    """120 onboarded, 12 of them too new for enabled; 8 of the 90 enabled too new for the selling action."""
    return _funnel_figure(
        funnel_spec(
            funnel_of([120, 90, 60], ["onboarded", "enabled", "first_selling_action"], too_new=[0, 12, 8]),
            title="Activation funnel",
        )
    )


GOALS = (
    GoalMark("won", 3_000_000_00, 1_250_000_00, 9, 11, "sourced revenue goal 2026-Q1: $3M · ◆ $1.25M so far"),
    GoalMark("pipeline", 90_000_000_00, 60_000_000_00, 9, 11, "sourced pipeline goal 2026-Q1: $90M · ◆ $60M so far"),
)


def intro(key: str, hours: float, *, answered: bool) -> IntroRecord:
    introduced = AS_OF - timedelta(hours=hours + (1 if answered else 0))
    response = introduced + timedelta(hours=hours) if answered else None
    return IntroRecord(0, key, 1, "Acme", None, None, None, introduced, response, None, None)


def handoff_chart(
    answered_hours: Sequence[float] = ANSWERED,
    waiting_hours: Sequence[float] = WAITING,
    sla_hours: float = 24,
    title: str = "Intro response times",
) -> HandoffChart:
    """The spec the handoffs view draws, from intros answered (or waiting) after the given hours."""
    intros = [intro(f"A{i}", h, answered=True) for i, h in enumerate(answered_hours)]
    intros += [intro(f"W{i}", h, answered=False) for i, h in enumerate(waiting_hours)]
    handoff = compute_handoff_response_time(intros, AS_OF)
    return handoff_spec(handoff, compute_sla_split(handoff, sla_hours), title=title)


def handoff(**overrides: Any) -> Figure:
    return _handoff_figure(handoff_chart(**overrides))


def trend_chart(weeks: int = 12, first: date = date(2026, 9, 7)) -> TrendChart:
    return TrendChart(
        title="Weekly throughput",
        currency="USD",
        weeks=tuple(first + timedelta(days=7 * n) for n in range(weeks)),
        revenue=tuple(n * 250_000 for n in range(weeks)),
        in_runway=tuple(40 - n for n in range(weeks)),
        first_wins=tuple(n % 3 for n in range(weeks)),
        sourced=Shown(None, 0, "$27.5k sourced"),
        sourced_week_ago=Shown(None, 0, "last week $25k"),
        wins=Shown(None, 2, "2 first wins"),
        runway=Shown("partners_in_runway.count", 29, "29 partners in runway"),
    )


PNGS: dict[str, Callable[[], bytes]] = {
    "scorecard": lambda: revenue_png(revenue_spec(title="Acme")),
    "scorecard empty": lambda: revenue_png(revenue_spec(title="Acme", months=[], won={}, open_pipeline={})),
    "scorecard all zero": lambda: revenue_png(
        revenue_spec(title="Acme", won={(MONTHS[0], "sourced"): 0}, open_pipeline={}, currency="EUR")
    ),
    "funnel": lambda: funnel_png(funnel_chart()),
    "funnel empty": lambda: funnel_png(funnel_chart([])),
    "funnel nobody yet": lambda: funnel_png(funnel_chart([(name, 0) for name, _ in STEPS])),
    "handoff": lambda: handoff_png(handoff_chart(title="Intros")),
    "handoff empty": lambda: handoff_png(handoff_chart(title="Intros", answered_hours=[], waiting_hours=[])),
    "trend": lambda: trend_png(trend_chart()),
    "trend empty": lambda: trend_png(trend_chart(weeks=0)),
}


def drawn(fig: Figure) -> RendererAgg:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return cast(RendererAgg, canvas.get_renderer())


def png_size(png: bytes) -> tuple[int, int]:
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def visible_tick_labels(ax: Axes, axis: str) -> list[Text]:
    """Labels of the ticks inside the view, with text, on an axis that is drawn: the ones a reader sees (a panel
    sharing its x axis with the one below hides its own labels)."""
    which = ax.xaxis if axis == "x" else ax.yaxis
    if not which.get_visible():
        return []
    low, high = sorted(ax.get_xlim() if axis == "x" else ax.get_ylim())
    which.get_majorticklabels()  # brings the ticks up to date
    locations = which.get_majorticklocs()
    ticks = which.get_major_ticks(len(locations))
    return [
        tick.label1
        for tick, location in zip(ticks, locations, strict=True)
        if tick.label1.get_visible() and tick.label1.get_text() and low <= location <= high
    ]


def overlapping(boxes: list[tuple[str, Bbox]]) -> list[tuple[str, str]]:
    return [(a, b) for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2) if box_a.overlaps(box_b)]


def one_line(text: str) -> str:
    """A wrapped text as written: a line ends where a space was."""
    return text.replace("\n", " ")


def all_text(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


@pytest.mark.parametrize("name", PNGS)
def test_every_chart_is_a_png_of_the_intended_size(name: str) -> None:
    png = PNGS[name]()
    assert png.startswith(PNG_SIGNATURE)
    assert png_size(png) == SIZE


@pytest.mark.parametrize("name", PNGS)
def test_same_input_gives_identical_bytes(name: str) -> None:
    assert PNGS[name]() == PNGS[name]()


def test_different_input_gives_different_bytes() -> None:
    other = revenue_png(revenue_spec(title="Acme", won={}))
    assert other != PNGS["scorecard"]()


@pytest.mark.parametrize(
    "fig",
    [
        pytest.param(lambda: scorecard(months=[]), id="scorecard no months"),
        pytest.param(lambda: scorecard(won={}, open_pipeline={}), id="scorecard nothing in months"),
        pytest.param(lambda: funnel(steps=[]), id="funnel no steps"),
        pytest.param(lambda: funnel(steps=[("Onboarded", 0), ("Enabled", 0)]), id="funnel nobody"),
        pytest.param(lambda: handoff(answered_hours=[], waiting_hours=[]), id="handoff no intros"),
    ],
)
def test_empty_input_says_no_data_yet(fig: Callable[[], Figure]) -> None:
    figure = fig()
    drawn(figure)
    assert "No data yet" in all_text(figure)


FIGURES: dict[str, Callable[[], Figure]] = {
    "scorecard": scorecard,
    "scorecard wide tick labels": lambda: scorecard(
        won={(m, "sourced"): 123_456_789_00 for m in MONTHS},
        open_pipeline=dict.fromkeys(MONTHS, 98765432100),
        currency="SEK",
    ),
    "scorecard 36 months": lambda: scorecard(
        months=(months := [date(2023 + m // 12, m % 12 + 1, 1) for m in range(36)]),
        won={(m, "influenced"): 5_000_000 for m in months},
        open_pipeline=dict.fromkeys(months, 90000000),
    ),
    "funnel": funnel,
    "funnel long step names": lambda: funnel(
        steps=[("Onboarded and kicked off with the partner team", 400), ("Completed all required training", 7)]
    ),
    "funnel small samples": lambda: funnel(steps=[("Onboarded", 6), ("Enabled", 4), ("First win", 1)]),
    "handoff": handoff,
    "handoff SLA between default edges": lambda: handoff(sla_hours=36),
    "handoff median beside SLA": lambda: handoff(answered_hours=[23.0] * 9, waiting_hours=[25.0], sla_hours=24),
    "handoff all overflow": lambda: handoff(answered_hours=[100.0] * 12, waiting_hours=[500.0] * 3),
    "scorecard part months": lambda: scorecard(
        months=[date(2025, 12, 1), *MONTHS[2:], date(2026, 3, 1)], parts={0: "3–31", 11: "MTD"}
    ),
    "scorecard goals": lambda: scorecard(goals=GOALS),
    "trend": lambda: _trend_figure(trend_chart()),
    "trend across a new year": lambda: _trend_figure(trend_chart(first=date(2026, 11, 2))),
    "funnel too new": funnel_with_young,
    "long filtered title": lambda: scorecard(
        title="Won partner revenue by month · segment Mid Market, region Asia Pacific and Japan, owner olga@example.com"
    ),
}


@pytest.mark.parametrize("name", FIGURES)
def test_no_two_x_tick_labels_overlap(name: str) -> None:
    fig = FIGURES[name]()
    renderer = drawn(fig)
    for ax in fig.axes:
        labels = visible_tick_labels(ax, "x")
        boxes = [(label.get_text(), label.get_window_extent(renderer)) for label in labels]
        assert overlapping(boxes) == []
    assert visible_tick_labels(fig.axes[-1], "x"), "the x axis has labels at all"


@pytest.mark.parametrize("name", FIGURES)
def test_every_text_lies_inside_the_image_and_notes_do_not_collide(name: str) -> None:
    fig = FIGURES[name]()
    renderer = drawn(fig)
    image = fig.bbox
    texts = [
        t
        for t in fig.findobj(Text)
        if t.get_visible()
        and t.get_text()
        and not any(t in ax.get_xticklabels() for ax in fig.axes)
        and not any(t in ax.get_yticklabels() for ax in fig.axes)
    ]
    for ax in fig.axes:
        texts += visible_tick_labels(ax, "x") + visible_tick_labels(ax, "y")
    for text in texts:
        box = text.get_window_extent(renderer)
        assert image.x0 <= box.x0 and box.x1 <= image.x1, text.get_text()
        assert image.y0 <= box.y0 and box.y1 <= image.y1, text.get_text()
    notes = [(t.get_text(), t.get_window_extent(renderer)) for ax in fig.axes for t in ax.texts]
    assert overlapping(notes) == []


def test_the_preview_scale_is_the_pngs() -> None:
    """`preview_px` scales by the width the PNG really has: 360 px out of 960."""
    assert png_size(PNGS["scorecard"]())[0] == WIDTH_IN * DPI
    assert preview_px(12) == pytest.approx(12 / 72 * DPI * 360 / SIZE[0])


@pytest.mark.parametrize("name", FIGURES)
def test_text_is_large_enough_to_read_in_a_slack_preview(name: str) -> None:
    """Every tick label, note, legend entry and caption is at least 9 px tall when Slack shows the chart 360 px
    wide; the title more."""
    fig = FIGURES[name]()
    drawn(fig)
    title = next(t for t in fig.findobj(Text) if t.get_text() == fig.get_suptitle())
    assert title.get_text() and preview_px(cast(float, title.get_fontsize())) >= 12
    for ax in fig.axes:
        labels = visible_tick_labels(ax, "x") + visible_tick_labels(ax, "y")
        assert labels
        for label in labels:
            assert preview_px(cast(float, label.get_fontsize())) >= MIN_PREVIEW_PX, label.get_text()
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text():
            assert preview_px(cast(float, text.get_fontsize())) >= MIN_PREVIEW_PX, text.get_text()


@pytest.mark.parametrize("name", ["scorecard", "scorecard 36 months", "trend", "handoff"])
def test_x_labels_are_few_enough_to_keep_apart_at_preview_size(name: str) -> None:
    """Fewer ticks rather than crowded ones: neighbouring x labels are at least 4 preview pixels apart."""
    fig = FIGURES[name]()
    renderer = drawn(fig)
    boxes = [label.get_window_extent(renderer) for label in visible_tick_labels(fig.axes[-1], "x")]
    scale = 360 / SIZE[0]
    assert all((b.x0 - a.x1) * scale >= 4 for a, b in itertools.pairwise(boxes))


@pytest.mark.parametrize(
    ("minor", "currency", "expected"),
    [
        (0, "USD", "$0"),
        (50, "USD", "$0.5"),
        (12_345, "USD", "$123.45"),
        (4_000_000, "EUR", "€40k"),
        (25_000_000, "USD", "$250k"),
        (125_000_000, "USD", "$1.25M"),
        (120_000_000, "USD", "$1.2M"),
        (100_000_000, "GBP", "£1M"),
        (99_999_999, "USD", "$1M"),  # rounds up into the next unit rather than reading "$1000k"
        (350_000_000_000, "USD", "$3.5B"),
        (4_000_000, "SEK", "40k SEK"),
        (4_000_000, "jpy", "40k JPY"),
        (-2_500_000, "USD", "-$25k"),
    ],
)
def test_money_ticks_are_compact(minor: int, currency: str, expected: str) -> None:
    assert money_tick(minor, currency) == expected


def y_tick_texts(fig: Figure, axes_index: int = 0) -> list[str]:
    drawn(fig)
    return [label.get_text() for label in visible_tick_labels(fig.axes[axes_index], "y")]


def test_large_amounts_read_as_millions_on_both_axes() -> None:
    fig = scorecard(
        won={(MONTHS[-1], "sourced"): 150_000_000_00},  # $150M
        open_pipeline={MONTHS[-1]: 2_000_000_000_00},  # $2B
    )
    left, right = y_tick_texts(fig, 0), y_tick_texts(fig, 1)
    assert left[0] == "$0" and "$150M" in left
    assert all(t == "$0" or t.endswith("M") for t in left)
    assert right[0] == "$0" and all(t == "$0" or t.endswith(("M", "B")) for t in right)
    assert "$2B" in right


def test_tiny_amounts_keep_their_cents_and_never_show_fractions_of_a_cent() -> None:
    fig = scorecard(won={(MONTHS[0], "sourced"): 300}, open_pipeline={}, currency="EUR")  # €3
    left = y_tick_texts(fig)
    assert left[0] == "€0" and "€3" in left
    assert all(len(t.partition(".")[2]) <= 2 for t in left)


def test_scorecard_labels_months_and_currency() -> None:
    fig = scorecard(currency="GBP")
    drawn(fig)
    bars, line = fig.axes
    assert [t.get_text() for t in visible_tick_labels(line, "x")][-1] == "Feb 26"
    assert not visible_tick_labels(bars, "x")  # the panels share the month axis, labelled once below
    assert all(t.startswith("£") for t in y_tick_texts(fig, 0) + y_tick_texts(fig, 1))
    assert line.get_title(loc="left") == "Open pipeline at month end"


@pytest.mark.parametrize(
    "fig",
    [
        pytest.param(scorecard, id="revenue and open pipeline"),
        pytest.param(lambda: _trend_figure(trend_chart()), id="weekly revenue and partners in runway"),
    ],
)
def test_two_scales_are_two_stacked_panels_not_twin_axes(fig: Callable[[], Figure]) -> None:
    """Each measure has its own panel and its one y axis, on the left; the panels share the x axis, one above the
    other, never drawn over each other."""
    figure = fig()
    drawn(figure)
    top, bottom = figure.axes
    assert top.get_shared_x_axes().joined(top, bottom)
    upper, lower = top.get_position(), bottom.get_position()
    assert lower.y1 < upper.y0
    assert (upper.x0, upper.width) == pytest.approx((lower.x0, lower.width))
    for ax in figure.axes:
        assert ax.yaxis.get_ticks_position() == "left"
        assert visible_tick_labels(ax, "y")


def test_single_measure_charts_have_one_axes() -> None:
    for fig in (scorecard(open_pipeline={}), funnel(), handoff()):
        assert len(fig.axes) == 1


def test_the_month_in_progress_is_lighter_hatched_and_labelled_to_date() -> None:
    fig = scorecard(parts={11: "MTD"})
    drawn(fig)
    bars, line = fig.axes
    assert [t.get_text() for t in visible_tick_labels(line, "x")][-1] == "Feb 26\nMTD"
    sourced = bars.containers[0]
    assert sourced[-1].get_hatch() == "///" and sourced[-1].get_alpha() == 0.5
    assert all(not bar.get_hatch() and bar.get_alpha() is None for bar in sourced[:-1])
    assert "Part month" in [text.get_text() for text in fig.legends[0].get_texts()]
    assert line.get_title(loc="left") == "Open pipeline at month end, and now"


def test_goals_are_drawn_at_their_targets_over_their_periods() -> None:
    fig = scorecard(goals=GOALS)
    renderer = drawn(fig)
    for ax, goal in zip(fig.axes, GOALS, strict=True):
        (line,) = [line for line in ax.lines if line.get_gid() == "goal"]
        assert list(cast(Sequence[float], line.get_ydata())) == [goal.target_minor] * 2
        assert list(cast(Sequence[float], line.get_xdata())) == pytest.approx([goal.first - 0.45, goal.last + 0.45])
        (so_far,) = [line for line in ax.lines if line.get_gid() == "goal so far"]
        assert list(cast(Sequence[float], so_far.get_ydata())) == [goal.actual_minor]
        assert goal.phrase in [t.get_text() for t in ax.texts]
        # the words sit above everything the panel draws
        words = next(t for t in ax.texts if t.get_text() == goal.phrase).get_window_extent(renderer)
        highest = max(artist.get_window_extent(renderer).y1 for artist in [*ax.lines, *ax.patches])
        assert highest < words.y0
        assert ax.get_ylim()[1] > goal.target_minor


def test_no_goal_draws_and_says_nothing() -> None:
    fig = scorecard()
    drawn(fig)
    assert not [line for ax in fig.axes for line in ax.lines if line.get_gid() in ("goal", "goal so far")]
    assert not [text for text in all_text(fig) if "goal" in text]


def test_scorecard_stacks_influenced_on_sourced_and_leaves_gaps_in_pipeline() -> None:
    fig = scorecard()
    bars, line = fig.axes
    sourced, influenced = bars.containers
    assert [p.get_height() for p in sourced] == [WON.get((m, "sourced"), 0) for m in MONTHS]
    assert [p.get_y() for p in influenced] == [WON.get((m, "sourced"), 0) for m in MONTHS]
    ys = cast(Sequence[float], line.lines[0].get_ydata())
    assert ys[4] != ys[4]  # NaN: no point for a month without a pipeline snapshot
    assert ys[5] == PIPELINE[MONTHS[5]]


def test_scorecard_without_pipeline_has_no_pipeline_axis() -> None:
    fig = scorecard(open_pipeline={})
    assert len(fig.axes) == 1
    assert all(not isinstance(handle, Line2D) for handle in fig.legends[0].legend_handles)


@pytest.mark.parametrize(
    ("month", "label"),
    [(date(2026, 1, 1), "Jan 26"), (date(2025, 12, 1), "Dec 25"), (date(2009, 5, 1), "May 09")],
)
def test_month_label(month: date, label: str) -> None:
    assert month_label(month) == label


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([], None),
        ([120], None),
        ([120, 90, 60, 35, 20], 4),  # 20/35 = 57% is just below 35/60 = 58%
        ([120, 90, 60, 33, 20], 3),
        ([100, 50, 45], 1),
        ([100, 80, 80], 1),  # no loss at the last step
        ([10, 5, 5, 0], 3),  # nobody made the last step
        ([0, 0, 0], None),  # nothing to convert from
        ([10, 0, 0], 1),  # the step after a zero is not ranked; the zero itself is
        ([100, 4, 1], 1),  # 1 of 4 is below the small-sample threshold and is not ranked
        ([4, 2, 1], None),  # every conversion is from fewer than 5 partners
        ([100, 50, 25], 1),  # ties go to the earlier step
    ],
)
def test_the_chart_marks_the_funnels_own_worst_step(counts: list[int], expected: int | None) -> None:
    """The chart draws the worst step the funnel computed (the one the runway text names), found by row."""
    assert funnel_spec(funnel_of(counts), title="t").worst == expected


def test_funnel_colours_the_drop_not_the_survivors_and_names_the_worst() -> None:
    fig = funnel()
    ax = fig.axes[0]
    reached, dropped = ax.containers
    assert {to_hex(bar.get_facecolor()).upper() for bar in reached} == {SKY_BLUE}
    assert [to_hex(bar.get_facecolor()).upper() for bar in dropped] == [ORANGE, ORANGE, ORANGE, VERMILLION, ORANGE]
    assert ax.get_title(loc="left") == "Largest drop: First qualified opportunity (55% of previous step)"
    notes = [t.get_text() for t in ax.texts]
    assert notes == ["120", "75% (90 of 120)", "67% (60 of 90)", "55% (33 of 60)", "61% (20 of 33)"]


def test_funnel_leaves_out_partners_too_new_for_a_step_and_says_so() -> None:
    fig = funnel_with_young()
    ax = fig.axes[0]
    _reached, dropped, young = ax.containers
    # enabled: 90 of the 108 old enough; selling action: 60 of the 82 enabled and old enough
    assert [bar.get_width() for bar in dropped] == [0, 18, 22]
    assert [(bar.get_x(), bar.get_width()) for bar in young] == [(108, 12), (82, 8)]
    assert [t.get_text() for t in ax.texts] == ["120", "83% (90 of 108)", "73% (60 of 82)"]
    footnote = next(text for text in all_text(fig) if text.startswith("Left out"))
    assert one_line(footnote) == (
        "Left out as too new: 12 at enabled (onboarded < 30 d ago) · 8 at first selling action (< 60 d)"
    )
    assert "Too new to count" in [text.get_text() for text in fig.legends[0].get_texts()]


def test_funnel_without_young_partners_has_no_footnote() -> None:
    fig = funnel()
    assert len(fig.axes[0].containers) == 2
    assert not [text for text in all_text(fig) if "too new" in text.lower()]


def test_funnel_shows_the_drop_at_each_step_and_puts_the_first_step_on_top() -> None:
    ax = funnel().axes[0]
    _reached, dropped = ax.containers
    assert [bar.get_width() for bar in dropped] == [0, 30, 30, 27, 13]
    assert [bar.get_x() for bar in dropped] == [120, 90, 60, 33, 20]
    bottom, top = ax.get_ylim()
    assert top < bottom  # inverted: row 0 (Onboarded) is drawn at the top
    assert ax.get_xlabel() == "Partners"


def test_funnel_with_small_samples_says_so_instead_of_a_rate() -> None:
    ax = funnel(steps=[("Onboarded", 4), ("Enabled", 2)]).axes[0]
    assert [t.get_text() for t in ax.texts] == ["4", "not enough data (n=4)"]
    assert ax.get_title(loc="left").startswith("Largest drop: not enough data")
    assert all(to_hex(bar.get_facecolor()).upper() == ORANGE for bar in ax.containers[1])


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        ([], [0, 0, 0, 0, 0, 0]),
        ([0.0, 0.5, 1.0], [3, 0, 0, 0, 0, 0]),  # bins are (low, high]; 0 belongs to the first
        ([1.01, 4.0, 4.01, 24.0], [0, 2, 2, 0, 0, 0]),  # exactly on the SLA is within it
        ([24.01, 72.0, 72.01, 168.0], [0, 0, 0, 2, 2, 0]),
        ([168.01, 900.0], [0, 0, 0, 0, 0, 2]),  # beyond the last edge: the overflow bin
        ([-0.5], [1, 0, 0, 0, 0, 0]),  # clock skew lands in the first bin, never lost
    ],
)
def test_handoff_bins(hours: list[float], expected: list[int]) -> None:
    assert handoff_bins(hours) == expected
    assert sum(handoff_bins(hours)) == len(hours)


def test_handoff_bins_follow_given_edges() -> None:
    assert handoff_bins([10, 30, 40, 1000], edges=(0, 12, 36)) == [1, 1, 2]


@pytest.mark.parametrize(
    ("sla", "edges"),
    [
        (24, HANDOFF_EDGES),
        (36, (0, 1, 4, 24, 36, 72, 168)),
        (200, (0, 1, 4, 24, 72, 168, 200)),
        (0, HANDOFF_EDGES),
    ],
)
def test_handoff_edges_always_include_the_sla(sla: float, edges: tuple[float, ...]) -> None:
    assert handoff_edges(sla) == edges


@pytest.mark.parametrize(
    ("edges", "labels"),
    [
        (HANDOFF_EDGES, ("≤1 h", "1–4 h", "4–24 h", "1–3 d", "3–7 d", ">7 d")),
        ((0, 1, 4, 24, 36, 72, 168), ("≤1 h", "1–4 h", "4–24 h", "24–36 h", "36–72 h", "3–7 d", ">7 d")),
        ((0, 1, 4, 12, 24, 72, 168), ("≤1 h", "1–4 h", "4–12 h", "12–24 h", "1–3 d", "3–7 d", ">7 d")),
        ((0, 12, 36), ("≤12 h", "12–36 h", ">36 h")),
    ],
)
def test_handoff_bin_labels_name_the_hours_each_bin_holds(edges: tuple[float, ...], labels: tuple[str, ...]) -> None:
    assert handoff_bin_labels(edges) == labels


@pytest.mark.parametrize(
    ("hours", "label"),
    [(0.0, "≤1 h"), (1.0, "≤1 h"), (1.01, "1–4 h"), (24.0, "4–24 h"), (24.5, "1–3 d"), (168.0, "3–7 d"), (169, ">7 d")],
)
def test_an_intro_lands_in_the_bar_its_label_names(hours: float, label: str) -> None:
    """The labels read the bins as `handoff_bins` cuts them: an upper edge is in the bar below it."""
    assert handoff_bin_labels(HANDOFF_EDGES)[handoff_bins([hours]).index(1)] == label


def test_handoff_chart_labels_its_bars_with_the_bins_ranges() -> None:
    fig = handoff()
    drawn(fig)
    assert [t.get_text() for t in visible_tick_labels(fig.axes[0], "x")] == list(handoff_bin_labels(HANDOFF_EDGES))


def test_handoff_overflow_keeps_an_outlier_from_squashing_the_chart() -> None:
    fig = handoff(answered_hours=[1.0, 2.0, 3.0, 900.0], waiting_hours=[])
    drawn(fig)
    ax = fig.axes[0]
    assert [t.get_text() for t in visible_tick_labels(ax, "x")][-1] == ">7 d"
    assert ax.get_xlim()[1] < 7  # one bar per bin, not a 900-hour-wide axis
    answered, _waiting = ax.containers
    assert [bar.get_height() for bar in answered] == [1, 2, 0, 0, 0, 1]


def test_handoff_stacks_waiting_on_answered_and_marks_sla_and_median() -> None:
    fig = handoff()
    ax = fig.axes[0]
    _answered, waiting = ax.containers
    assert [bar.get_height() for bar in waiting] == handoff_bins(WAITING)
    assert [bar.get_y() for bar in waiting] == handoff_bins(ANSWERED)
    assert all(bar.get_hatch() for bar in waiting)
    notes = [t.get_text() for t in ax.texts]
    assert "SLA 24 h" in notes
    assert "median 7.5 h" in notes  # of the 21 answered and waiting values together
    assert ax.get_xlabel().startswith("Time to first response") and ax.get_ylabel() == "Intros"
    sla_line = next(line for line in ax.lines if line.get_linestyle() == "--")
    assert cast(Sequence[float], sla_line.get_xdata())[0] == pytest.approx(2.5)  # between the 4–24 h and 1–3 d bars


def test_handoff_median_needs_five_intros() -> None:
    ax = handoff(answered_hours=[3.0, 30.0], waiting_hours=[80.0]).axes[0]
    notes = [t.get_text() for t in ax.texts]
    assert not any(note.startswith("median") for note in notes)
    assert "median: not enough data (n=3)" in ax.get_title(loc="left")


def test_trend_labels_the_latest_week_and_the_first_with_its_year() -> None:
    figure = _trend_figure(trend_chart())
    drawn(figure)
    labels = [t.get_text() for t in visible_tick_labels(figure.axes[-1], "x")]
    assert labels[-1] == "23 Nov"  # 7 Sep + 11 weeks
    assert labels[0].endswith("\n2026") and not any("\n" in label for label in labels[1:])


def test_trend_labels_the_new_year() -> None:
    figure = _trend_figure(trend_chart(first=date(2026, 10, 12)))  # 12 Oct 2026 … 28 Dec 2026
    drawn(figure)
    labels = [t.get_text() for t in visible_tick_labels(figure.axes[-1], "x")]
    assert labels[0].endswith("\n2026")
    figure = _trend_figure(trend_chart(first=date(2026, 11, 2)))  # 2 Nov 2026 … 18 Jan 2027
    drawn(figure)
    labels = [t.get_text() for t in visible_tick_labels(figure.axes[-1], "x")]
    with_year = [label for label in labels if "\n" in label]
    assert len(with_year) == 2 and with_year[0] == labels[0] and with_year[1].endswith(" Jan\n2027")


@pytest.mark.parametrize(
    ("days", "labels"),
    [
        ([date(2026, 11, 30)], ["30 Nov\n2026"]),
        ([date(2026, 11, 30), date(2026, 12, 7)], ["30 Nov\n2026", "7 Dec"]),
        ([date(2026, 12, 21), date(2026, 12, 28), date(2027, 1, 4)], ["21 Dec\n2026", "28 Dec", "4 Jan\n2027"]),
    ],
)
def test_week_labels_carry_the_year_first_and_where_it_changes(days: list[date], labels: list[str]) -> None:
    assert week_labels(days) == labels


def test_dollar_signs_in_names_and_captions_are_drawn_as_written() -> None:
    """Two amounts in one caption ('$1.2M · $800k') or a '$' in a name must not be read as mathtext."""
    fig = scorecard(title="Cash$ & <Co> $ — won revenue")
    drawn(fig)
    caption = fig.axes[0].get_title(loc="left")
    assert one_line(caption) == "trailing 365 d: sourced $1.2M · influenced $800k · open pipeline $2M"
    texts = [t for t in fig.findobj(Text) if "$" in t.get_text() and t.get_text() in (caption, fig.get_suptitle())]
    assert len(texts) == 2
    assert not any(t.get_parse_math() for t in texts)


def test_a_chart_is_drawn_once_per_spec() -> None:
    """A warm view whose figures did not move serves the PNG it drew before; a changed figure draws anew."""
    spec = revenue_spec()
    first = revenue_png(spec)
    assert revenue_png(revenue_spec()) is first  # an equal spec, built again: the same bytes, not drawn twice
    moved = replace(spec, bars=spec.bars[:-1])
    assert revenue_png(moved) is not first and revenue_png(moved) != first
