"""What each chart draws, as plain data taken from the computed view objects.

A chart shows the same figures as the text beside it, computed once: every figure in a caption is a `Shown`
built here from the view object (the same `WonTotal`, `SlaSplit` or count the Block Kit reads), worded with the
same formatting functions, and keyed by where the JSON export (`reports/export.py`) holds it. `reports/charts.py`
draws a spec and computes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from reports.config import step_title
from reports.formatting import count, money, number, period_label
from reports.kpis.activation import Funnel
from reports.kpis.goals import GoalProgress
from reports.kpis.handoffs import HandoffTime, SlaSplit
from reports.kpis.revenue import MonthSpan, RevenueSeries, WonTotal
from reports.model import Scope
from reports.stats import Rate
from reports.views.digest import DigestView
from reports.views.handoffs import HandoffsView
from reports.views.program import ProgramView
from reports.views.scorecard import Scorecard

MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_TO_DATE = "MTD"
HANDOFF_EDGES: tuple[float, ...] = (0, 1, 4, 24, 72, 168)  # hours; above the last edge is one overflow bin
EN_DASH = "\u2013"
GOAL_SO_FAR = "◆"  # the marker of a goal's actual so far, drawn and named alike
GOAL_PANELS = {"sourced_revenue": "won", "sourced_pipeline": "pipeline"}  # goal metric → the panel that shows it


@dataclass(frozen=True)
class Shown:
    """One figure a chart's caption shows: where the export holds it, its value there, and how it reads."""

    key: str | None  # dotted path in the export (program or partner KPIs); None when the export has no such figure
    value: float | None
    phrase: str


@dataclass(frozen=True)
class MonthBar:
    label: str  # "Jan 26"
    part: str | None  # None for a whole month; "MTD" for the month in progress, "3–31" for a month the window cuts
    sourced_minor: int
    influenced_minor: int
    pipeline_minor: int | None  # open partner pipeline at the end of the bar's span


@dataclass(frozen=True)
class GoalMark:
    """A current goal drawn on the panel of its metric: a line at its target over the bars of its period."""

    panel: str  # "won" or "pipeline"
    target_minor: float
    actual_minor: float  # the goal's actual so far in its period, as the card gives it
    first: int  # the first and last bar (index) of the goal's period
    last: int
    phrase: str  # 'sourced revenue goal 2026-Q4: $660k · ◆ $412k so far'


@dataclass(frozen=True)
class RevenueChart:
    title: str
    currency: str
    window: str  # the period the caption's totals cover, named as the card names it
    bars: tuple[MonthBar, ...]
    caption: tuple[Shown, ...]
    goals: tuple[GoalMark, ...] = ()


@dataclass(frozen=True)
class HandoffChart:
    title: str
    sla_hours: float
    edges: tuple[float, ...]
    labels: tuple[str, ...]  # one per bin, naming the hours it holds ('≤4 h', '4–24 h', '>7 d')
    answered: tuple[int, ...]  # intros per bin of hours to first response
    waiting: tuple[int, ...]  # still waiting, per bin of their age so far
    median_hours: float | None  # where the median marker goes; None below the small-sample threshold
    median: Shown
    caption: tuple[Shown, ...]


@dataclass(frozen=True)
class TrendChart:
    title: str
    currency: str
    weeks: tuple[date, ...]  # the day each week starts
    revenue: tuple[int, ...]
    in_runway: tuple[int, ...]
    first_wins: tuple[int, ...]
    sourced: Shown  # this week's bar
    sourced_week_ago: Shown
    wins: Shown
    runway: Shown

    @property
    def caption(self) -> tuple[Shown, ...]:
        return (self.sourced, self.sourced_week_ago, self.wins, self.runway)


def month_label(month: date) -> str:
    """'Jan 26': spelled out here so output never depends on the server's locale."""
    return f"{MONTH_ABBR[month.month - 1]} {month.year % 100:02d}"


def week_labels(days: Sequence[date]) -> list[str]:
    """'30 Nov', with the year below the first label and below each label whose year is not the one before's."""
    labels = []
    for index, day in enumerate(days):
        label = f"{day.day} {MONTH_ABBR[day.month - 1]}"
        if index == 0 or day.year != days[index - 1].year:
            label += f"\n{day.year}"
        labels.append(label)
    return labels


def scoped(title: str, scope: Scope) -> str:
    """A view's chart title with the filter it was asked with: 'Won partner revenue by month · region APAC'."""
    described = scope.describe()
    return title if described == Scope().describe() else f"{title} · {described}"


def month_part(span: MonthSpan) -> str | None:
    """None for a whole month, 'MTD' for the month still in progress, '3–31' for the days a window keeps."""
    if span.in_progress:
        return MONTH_TO_DATE
    if span.whole:
        return None
    return f"{span.first.day}{EN_DASH}{(span.end - timedelta(days=1)).day}"


def _revenue_spec(
    title: str,
    series: RevenueSeries,
    currency: str,
    sourced: WonTotal,
    influenced: WonTotal,
    pipeline: Shown,
) -> RevenueChart:
    bars = tuple(
        MonthBar(
            label=month_label(span.month),
            part=month_part(span),
            sourced_minor=series.won.get((span.month, "sourced"), 0),
            influenced_minor=series.won.get((span.month, "influenced"), 0),
            pipeline_minor=series.open_pipeline.get(span.month),
        )
        for span in series.spans
    )
    caption = (
        Shown(
            "sourced_revenue.trailing_365.amount_minor",
            sourced.amount_minor,
            f"sourced {money(sourced.amount_minor, currency)}",
        ),
        Shown(
            "influenced_revenue.trailing_365.amount_minor",
            influenced.amount_minor,
            f"influenced {money(influenced.amount_minor, currency)}",
        ),
        pipeline,
    )
    return RevenueChart(title, currency, period_label("trailing_365"), bars, caption)


def goal_marks(goals: Sequence[GoalProgress], spans: Sequence[MonthSpan], currency: str) -> tuple[GoalMark, ...]:
    """The first current revenue goal and the first current pipeline goal, each over the bars of its period."""
    marks: dict[str, GoalMark] = {}
    for progress in goals:
        goal = progress.goal
        panel = GOAL_PANELS.get(goal.metric)
        bars = [i for i, span in enumerate(spans) if span.first < goal.period_end and span.end > goal.period_start]
        if panel is None or panel in marks or goal.target is None or not bars:
            continue
        metric = goal.metric.replace("_", " ")
        marks[panel] = GoalMark(
            panel,
            goal.target,
            goal.actual,
            bars[0],
            bars[-1],
            f"{metric} goal {goal.period}: {money(goal.target, currency)} · "
            f"{GOAL_SO_FAR} {money(goal.actual, currency)} so far",
        )
    return tuple(marks[panel] for panel in GOAL_PANELS.values() if panel in marks)


def scorecard_revenue_spec(card: Scorecard) -> RevenueChart:
    """The scorecard's chart: its caption is the card's trailing-365-day revenue and open pipeline, and its goal
    lines the card's current revenue and pipeline goals."""
    c = card.currency
    spec = _revenue_spec(
        f"{card.partner.name}: won revenue by month",
        card.revenue_series,
        c,
        card.sourced["trailing_365"],
        card.influenced["trailing_365"],
        Shown("pipeline_contribution.open_amount_minor", card.open_minor, f"open pipeline {money(card.open_minor, c)}"),
    )
    return replace(spec, goals=goal_marks(card.current_goals, card.revenue_series.spans, c))


def program_revenue_spec(view: ProgramView) -> RevenueChart:
    """The program view's chart: its caption is the view's trailing-365-day revenue and open partner pipeline."""
    c = view.currency
    partner_open = view.pipeline_contribution.partner_minor
    return _revenue_spec(
        scoped("Won partner revenue by month", view.scope),
        view.revenue_series,
        c,
        view.sourced["trailing_365"],
        view.influenced["trailing_365"],
        Shown(
            "pipeline_contribution.partner_open_amount_minor",
            partner_open,
            f"open partner pipeline {money(partner_open, c)}",
        ),
    )


def handoff_edges(sla_hours: float) -> tuple[float, ...]:
    """The default bin edges plus the SLA, so the SLA line always falls between two bars."""
    if sla_hours <= 0 or sla_hours in HANDOFF_EDGES:
        return HANDOFF_EDGES
    return tuple(sorted({*HANDOFF_EDGES, sla_hours}))


def handoff_bins(hours: Sequence[float], edges: Sequence[float] = HANDOFF_EDGES) -> list[int]:
    """Counts per bin (lower, upper], the first bin [0, edges[1]] (anything below 0 too), plus a last overflow bin
    above edges[-1]: exactly on an edge, as exactly on the SLA, is in the bin below it."""
    counts = [0] * len(edges)
    for value in hours:
        index = next((i for i in range(1, len(edges)) if value <= edges[i]), len(edges))
        counts[index - 1] += 1
    return counts


def _hours(edge: float) -> tuple[str, str]:
    """An edge as a number and its unit: whole days from a day on ('3', 'd'), hours below or between ('36', 'h')."""
    if edge >= 24 and edge % 24 == 0:
        return f"{edge / 24:g}", "d"
    return f"{edge:g}", "h"


def handoff_bin_labels(edges: Sequence[float]) -> tuple[str, ...]:
    """The hours each of `handoff_bins`' bins holds, read as its intervals are: '≤4 h' for [0, 4], '4–24 h' for
    (4, 24] (an upper edge belongs to the bin, a lower one to the bin before), '>7 d' for the overflow."""
    labels = []
    for index in range(len(edges)):
        if index == len(edges) - 1:
            number_, unit = _hours(edges[-1])
            labels.append(f">{number_} {unit}")
            continue
        (low, low_unit), (high, high_unit) = _hours(edges[index]), _hours(edges[index + 1])
        if index == 0:
            labels.append(f"≤{high} {high_unit}")
        elif low_unit == high_unit:
            labels.append(f"{low}{EN_DASH}{high} {high_unit}")
        else:  # across a day: both in hours ('12–24 h', '24–36 h')
            labels.append(f"{edges[index]:g}{EN_DASH}{edges[index + 1]:g} h")
    return tuple(labels)


def handoff_figures(handoff: HandoffTime, split: SlaSplit) -> dict[str, Shown]:
    """The handoff counts and median as the handoffs text and the chart both say them, keyed by export name."""
    key = "handoff_response_time"
    return {
        "intros": Shown(f"{key}.intros", handoff.intros, count(handoff.intros, "intro")),
        "answered": Shown(f"{key}.answered", split.answered, f"{number(split.answered)} answered"),
        "waiting": Shown(f"{key}.waiting", split.waiting, f"{number(split.waiting)} still waiting"),
        "over_sla": Shown(
            f"{key}.over_sla", split.over_sla, f"{number(split.over_sla)} over the {split.sla_hours:g} h SLA"
        ),
        "median": Shown(f"{key}.median_hours.value", handoff.median.value, handoff.median.text("h", label="median")),
    }


def handoff_spec(handoff: HandoffTime, split: SlaSplit, *, title: str) -> HandoffChart:
    edges = handoff_edges(split.sla_hours)
    figures = handoff_figures(handoff, split)
    return HandoffChart(
        title=title,
        sla_hours=split.sla_hours,
        edges=edges,
        labels=handoff_bin_labels(edges),
        answered=tuple(handoff_bins([w.hours for w in handoff.waits if not w.waiting], edges)),
        waiting=tuple(handoff_bins([w.hours for w in handoff.waits if w.waiting], edges)),
        median_hours=handoff.median.value,
        median=figures["median"],
        caption=tuple(figures[name] for name in ("intros", "answered", "waiting", "over_sla", "median")),
    )


def handoffs_spec(view: HandoffsView) -> HandoffChart:
    """`/partner handoffs`' chart: the window's intros, with the counts its text gives."""
    return handoff_spec(
        view.response, view.sla, title=scoped("Time to first response on intros (last 90 days)", view.scope)
    )


def digest_figures(view: DigestView) -> dict[str, Shown]:
    """This week's figures as the digest's text and its trend chart both say them."""
    c = view.currency
    return {
        "sourced": Shown(None, view.sourced_minor.now, f"{money(view.sourced_minor.now, c)} sourced"),
        "sourced_week_ago": Shown(
            None, view.sourced_minor.week_ago, f"last week {money(view.sourced_minor.week_ago, c)}"
        ),
        "first_wins": Shown(None, len(view.first_wins), count(len(view.first_wins), "first win")),
        "in_runway": Shown(
            "partners_in_runway.count", view.runway.count, f"{count(view.runway.count, 'partner')} in runway"
        ),
    }


def trend_spec(view: DigestView, program_name: str) -> TrendChart:
    figures = digest_figures(view)
    return TrendChart(
        title=scoped(f"Weekly throughput: {program_name}", view.scope),
        currency=view.currency,
        weeks=tuple(view.weeks),
        revenue=tuple(view.weekly_revenue),
        in_runway=tuple(view.weekly_runway),
        first_wins=tuple(view.weekly_first_wins),
        sourced=figures["sourced"],
        sourced_week_ago=figures["sourced_week_ago"],
        wins=figures["first_wins"],
        runway=figures["in_runway"],
    )


@dataclass(frozen=True)
class FunnelRow:
    label: str
    reached: int
    conversion: Rate | None  # from the step before, over the partners counted here; None for the first step
    too_new: int = 0  # reached the step before but too new to be counted here


@dataclass(frozen=True)
class FunnelChart:
    title: str
    rows: tuple[FunnelRow, ...]
    worst: int | None  # the row of the funnel's worst step (`Funnel.worst_step`), None without enough data
    note: str | None = None  # who is left out as too new, as the runway text says it


def too_new_text(funnel: Funnel) -> str | None:
    """'Left out as too new: 6 at enabled (onboarded < 30 d ago) · 3 at first win (< 90 d)', or None."""
    left_out = [step for step in funnel.steps if step.too_new]
    parts = [
        f"{number(step.too_new)} at {step_title(step.step).lower()} "
        + (f"(onboarded < {step.due_days} d ago)" if index == 0 else f"(< {step.due_days} d)")
        for index, step in enumerate(left_out)
    ]
    return f"Left out as too new: {' · '.join(parts)}" if parts else None


def funnel_spec(funnel: Funnel, *, title: str) -> FunnelChart:
    """The activation funnel as the runway text reads it: its steps, conversions, worst step and the partners left
    out as too new, as computed."""
    worst = funnel.worst_step
    return FunnelChart(
        title=title,
        rows=tuple(FunnelRow(step_title(s.step), s.reached, s.conversion, s.too_new) for s in funnel.steps),
        worst=None if worst is None else funnel.steps.index(worst),
        note=too_new_text(funnel),
    )
