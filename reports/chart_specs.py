"""What each chart draws, as plain data taken from the computed view objects.

A chart shows the same figures as the text beside it, computed once: every figure in a caption is a `Shown`
built here from the view object (the same `WonTotal`, `SlaSplit` or count the Block Kit reads), worded with the
same formatting functions, and keyed by where the JSON export (`reports/export.py`) holds it. `reports/charts.py`
draws a spec and computes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from reports.config import step_title
from reports.formatting import count, money, number, period_label
from reports.kpis.activation import Funnel
from reports.kpis.handoffs import HandoffTime, SlaSplit
from reports.kpis.revenue import MonthSpan, RevenueSeries, WonTotal
from reports.stats import Rate
from reports.views.digest import DigestView
from reports.views.handoffs import HandoffsView
from reports.views.program import ProgramView
from reports.views.scorecard import Scorecard

MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_TO_DATE = "MTD"
HANDOFF_EDGES: tuple[float, ...] = (0, 4, 8, 12, 24, 48, 72)  # hours; above the last edge is one overflow bin
EN_DASH = "\u2013"


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
class RevenueChart:
    title: str
    currency: str
    window: str  # the period the caption's totals cover, named as the card names it
    bars: tuple[MonthBar, ...]
    caption: tuple[Shown, ...]


@dataclass(frozen=True)
class HandoffChart:
    title: str
    sla_hours: float
    edges: tuple[float, ...]
    answered: tuple[int, ...]  # intros per bin of hours to first response
    waiting: tuple[int, ...]  # still waiting, per bin of their age so far
    median_hours: float | None  # where the median marker goes; None below the small-sample threshold
    median: Shown
    caption: tuple[Shown, ...]


@dataclass(frozen=True)
class TrendChart:
    title: str
    currency: str
    week_labels: tuple[str, ...]  # the day each week starts
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


def day_label(day: date) -> str:
    """'Nov 23'."""
    return f"{MONTH_ABBR[day.month - 1]} {day.day}"


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


def scorecard_revenue_spec(card: Scorecard) -> RevenueChart:
    """The scorecard's chart: its caption is the card's trailing-365-day revenue and open pipeline."""
    c = card.currency
    return _revenue_spec(
        f"{card.partner.name}: won revenue by month",
        card.revenue_series,
        c,
        card.sourced["trailing_365"],
        card.influenced["trailing_365"],
        Shown("pipeline_contribution.open_amount_minor", card.open_minor, f"open pipeline {money(card.open_minor, c)}"),
    )


def program_revenue_spec(view: ProgramView, program_name: str) -> RevenueChart:
    """The program view's chart: its caption is the view's trailing-365-day revenue and open partner pipeline."""
    c = view.currency
    partner_open = view.pipeline_contribution.partner_minor
    return _revenue_spec(
        f"{program_name}: won partner revenue by month",
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
    """Counts per bin (lower, upper], the first bin closed at 0, plus a last overflow bin above edges[-1]."""
    counts = [0] * len(edges)
    for value in hours:
        index = next((i for i in range(1, len(edges)) if value <= edges[i]), len(edges))
        counts[index - 1] += 1
    return counts


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
        answered=tuple(handoff_bins([w.hours for w in handoff.waits if not w.waiting], edges)),
        waiting=tuple(handoff_bins([w.hours for w in handoff.waits if w.waiting], edges)),
        median_hours=handoff.median.value,
        median=figures["median"],
        caption=tuple(figures[name] for name in ("intros", "answered", "waiting", "over_sla", "median")),
    )


def handoffs_spec(view: HandoffsView) -> HandoffChart:
    """`/partner handoffs`' chart: the window's intros, with the counts its text gives."""
    return handoff_spec(view.response, view.sla, title="Hours to first response on partner intros (last 90 days)")


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
        title=f"Weekly throughput: {program_name}",
        currency=view.currency,
        week_labels=tuple(day_label(week) for week in view.weeks),
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
    conversion: Rate | None  # from the step before; None for the first step


@dataclass(frozen=True)
class FunnelChart:
    title: str
    rows: tuple[FunnelRow, ...]
    worst: int | None  # the row of the funnel's worst step (`Funnel.worst_step`), None without enough data


def funnel_spec(funnel: Funnel, *, title: str) -> FunnelChart:
    """The activation funnel as the runway text reads it: its steps, conversions and worst step, as computed."""
    worst = funnel.worst_step
    return FunnelChart(
        title=title,
        rows=tuple(FunnelRow(step_title(s.step), s.reached, s.conversion) for s in funnel.steps),
        worst=None if worst is None else funnel.steps.index(worst),
    )
