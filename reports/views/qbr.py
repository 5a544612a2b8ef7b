"""The quarterly business review pack as plain data: sections of lines and tables, built from the scorecard at
each trend quarter's end, so every figure in the pack is the scorecard's own for that as-of.

What a partner may read is decided here once: lines, rows and sections marked `internal` (program and direct
comparisons, dormancy diagnoses, the next step, stalled deals, accounts and sellers, the owner) are left out by
`partner_safe`, following the partner card's whitelist (reports/blocks/partner_card.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from reports.blocks.common import stalled_text
from reports.blocks.freshness import freshness_text
from reports.blocks.partner_card import journey as partner_journey
from reports.blocks.scorecard import goal_line
from reports.config import ProgramConfig, step_title
from reports.formatting import count, local_date, money, number
from reports.kpis.goals import COUNT_METRICS, GoalProgress
from reports.kpis.lifecycle import NOT_YET_ONBOARDED
from reports.kpis.qbr import (
    CAPPED,
    FALLING,
    FLAT,
    GROWTH_CAP,
    NO_HISTORY,
    NOTHING_YET,
    RISING,
    GoalSuggestion,
    Quarter,
    next_quarter,
    suggest_goal,
)
from reports.model import PartnerProfile, PersonProfile
from reports.stats import Rate
from reports.terminal import Style, mrkdwn
from reports.views.scorecard import Scorecard, activation_clock

NOT_ONBOARDED_CELL = "not yet onboarded"
SUGGESTED_METRICS = ("sourced_revenue", "sourced_pipeline", "registered_deals")


@dataclass(frozen=True)
class Line:
    label: str
    text: str
    internal: bool = False  # never in the partner-safe pack


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    internal_rows: frozenset[int] = frozenset()  # row indexes left out of the partner-safe pack


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[Line, ...] = ()
    table: Table | None = None
    note: str = ""
    internal: bool = False


@dataclass(frozen=True)
class QuarterCard:
    quarter: Quarter
    card: Scorecard

    @property
    def onboarded(self) -> bool:
        return self.card.status != NOT_YET_ONBOARDED

    @property
    def title(self) -> str:
        return f"{self.quarter.label} to date" if self.quarter.to_date else self.quarter.label


@dataclass(frozen=True)
class TrendSeries:
    """The trend chart's figures, one per quarter (None before onboarding), in minor units."""

    labels: tuple[str, ...]
    sourced: tuple[int | None, ...]
    influenced: tuple[int | None, ...]
    open_pipeline: tuple[int | None, ...]
    currency: str


@dataclass(frozen=True)
class QbrView:
    partner: PartnerProfile
    owner: PersonProfile | None
    program_name: str
    quarter: QuarterCard  # the pack's quarter, the newest of the trend
    trend: tuple[QuarterCard, ...]  # oldest first
    next_quarter: str
    suggestions: tuple[GoalSuggestion, ...]
    sections: tuple[Section, ...]
    series: TrendSeries
    as_of: datetime
    freshness: str
    partner_safe: bool = False

    @property
    def title(self) -> str:
        return f"{self.partner.name} — quarterly business review {self.quarter.title}"


def plain_goal(progress: GoalProgress, currency: str) -> str:
    """A goal as the scorecard writes it, as plain text without its icon."""
    return mrkdwn(re.sub(r"^:[a-z_]+: ", "", goal_line(progress, currency)), Style(colour=False))


def _rate(rate: object) -> str:
    return rate.text() if isinstance(rate, Rate) else "–"


def _quarter_goals(entry: QuarterCard) -> tuple[GoalProgress, ...]:
    """The goals whose period is exactly this quarter, as the scorecard measured them at the quarter's end."""
    q = entry.quarter
    return tuple(g for g in entry.card.goals if (g.goal.period_start, g.goal.period_end) == (q.first, q.end))


def _glance(entry: QuarterCard, config: ProgramConfig) -> Section:
    card, c = entry.card, config.base_currency
    goals = entry.card.current_goals if entry.onboarded else ()
    lines = [Line("Goal", plain_goal(g, c)) for g in goals] or [Line("Goals", "no goal agreed for this quarter")]
    sourced, influenced = card.sourced["quarter"], card.influenced["quarter"]
    lines += [
        Line("Status", card.status_detail, internal=True),
        Line("Journey", partner_journey(card)),
        Line("Sourced revenue", f"{money(sourced.amount_minor, c)} in {count(sourced.count, 'won deal')}"),
        Line("Influenced revenue", f"{money(influenced.amount_minor, c)} in {count(influenced.count, 'won deal')}"),
        Line("Open pipeline", _open_text(card)),
        Line("Win rate (trailing 365 d)", _rate(card.win_rate.partner)),
        Line(
            "Win rate: program · direct",
            f"{_rate(card.win_rate.program)} · {_rate(card.win_rate.direct)}",
            internal=True,
        ),
        Line("Next step", mrkdwn(card.next_step, Style(colour=False)), internal=True),
    ]
    return Section(f"{entry.title}: the quarter against its goals", tuple(lines))


def _open_text(card: Scorecard) -> str:
    text = f"{money(card.open_minor, card.currency)} in {count(card.open_deals, 'open deal')}"
    if card.open_without_amount:
        text += f" ({number(card.open_without_amount)} without an amount)"
    return text


def _cells(trend: Sequence[QuarterCard], figure: Callable[[Scorecard], str]) -> tuple[str, ...]:
    return tuple(figure(entry.card) if entry.onboarded else NOT_ONBOARDED_CELL for entry in trend)


def _trend(trend: Sequence[QuarterCard], config: ProgramConfig) -> Section:
    c = config.base_currency
    rows = (
        ("Sourced revenue (quarter)", *_cells(trend, lambda k: money(k.sourced["quarter"].amount_minor, c))),
        ("Sourced won deals (quarter)", *_cells(trend, lambda k: number(k.sourced["quarter"].count))),
        ("Influenced revenue (quarter)", *_cells(trend, lambda k: money(k.influenced["quarter"].amount_minor, c))),
        ("Open pipeline (at the end)", *_cells(trend, lambda k: money(k.open_minor, c))),
        ("Win rate (trailing 365 d)", *_cells(trend, lambda k: _rate(k.win_rate.partner))),
        ("Intros (trailing 90 d)", *_cells(trend, lambda k: number(k.handoff.intros))),
        ("PSAT (trailing 365 d)", *_cells(trend, lambda k: k.psat.text())),
        ("Program win rate (365 d)", *(_rate(e.card.win_rate.program) for e in trend)),  # whatever the partner
    )
    note = (
        "Each column is the scorecard as of that quarter's end"
        + (f"; {trend[-1].title} runs to the pack's as-of" if trend[-1].quarter.to_date else "")
        + ". Quarters before onboarding are not yet onboarded, not zero."
    )
    table = Table(("", *(e.title for e in trend)), rows, internal_rows=frozenset({7}))
    return Section("Four quarters: the trend", table=table, note=note)


def _activation(entry: QuarterCard, config: ProgramConfig) -> Section:
    card = entry.card
    title, value = activation_clock(card)
    lines = [Line("Journey", partner_journey(card)), Line(title, value)]
    lines.append(Line("Program median time to first revenue", card.program_ttfr.text(), internal=True))
    for step, reached in card.activation.steps.items():
        when = local_date(reached, config.tz) if reached is not None else "not yet"
        lines.append(Line(step_title(step), when))
    if card.required_courses:
        done = len(card.required_courses) - len(card.missing_courses)
        missing = f" · missing: {', '.join(card.missing_courses)}" if card.missing_courses else ""
        lines.append(Line("Required courses", f"{done} of {len(card.required_courses)} complete{missing}"))
    engagement = card.engagement
    lines.append(
        Line("Activity", f"{count(engagement.total_30, 'activity')} in 30 d · {number(engagement.total_90)} in 90 d")
    )
    for kind in engagement.kinds[:6]:
        last = local_date(kind.last_at, config.tz) if kind.last_at else "–"
        lines.append(
            Line(kind.kind.replace("_", " "), f"{kind.last_30} in 30 d · {kind.last_90} in 90 d · last {last}")
        )
    return Section("Activation and enablement", tuple(lines))


def _pipeline(entry: QuarterCard) -> Section:
    card = entry.card
    stalled = card.stalled
    moved = card.movement.share
    lines = [
        Line("Open pipeline", _open_text(card)),
        Line(
            "Moved stage in the last 14 d",
            f"{moved:.0%} of the open amount" if moved is not None else f"{number(card.movement.open_deals)} deals",
        ),
        Line("Stalled deals", stalled_text(stalled, card.currency), internal=True),
    ]
    for item in stalled.largest:
        deal = item.deal
        name = deal.name or deal.account or deal.external_id
        lines.append(
            Line(
                f"Stalled: {name}",
                f"{deal.stage}, {item.days_in_stage:.1f} d (over {item.threshold_days:.1f} d) · "
                f"{money(deal.amount_minor, card.currency)}",
                internal=True,
            )
        )
    return Section("Pipeline and stalls", tuple(lines))


def _intros(entry: QuarterCard, config: ProgramConfig) -> Section:
    card = entry.card
    handoff = card.handoff
    lines = [
        Line("Intros (trailing 90 d)", f"{number(handoff.intros)} · {number(handoff.waiting)} still waiting"),
        Line("First response", f"{handoff.median.text('h', label='median')} · {handoff.p90.text('h', label='p90')}"),
        Line("Open intros", number(card.open_intros)),
    ]
    if handoff.worst is not None:
        worst = handoff.worst
        seller = worst.intro.seller_email or "no seller"
        lines.append(
            Line("Slowest", f"{worst.hours:.1f} h · {worst.intro.account or 'no account'} · {seller}", internal=True)
        )
    sla = config.handoff_sla_hours
    for stale in card.stale[:5]:
        intro = stale.intro
        lines.append(
            Line(
                f"Past the {sla} h SLA",
                f"{intro.account or 'no account'} · {intro.seller_email or 'no seller'}",
                internal=True,
            )
        )
    return Section("Intros and response times", tuple(lines))


def _psat(trend: Sequence[QuarterCard]) -> Section:
    lines = tuple(
        Line(entry.title, entry.card.psat.text() if entry.onboarded else NOT_ONBOARDED_CELL) for entry in trend
    )
    return Section("Partner satisfaction (PSAT, trailing 365 d at each quarter's end)", lines)


def _history(trend: Sequence[QuarterCard], metric: str) -> list[float | None]:
    """A metric's actual per quarter: sourced revenue from the scorecard; other metrics from that quarter's goal,
    where one was agreed (its actual is the goal's own measure)."""
    out: list[float | None] = []
    for entry in trend:
        if not entry.onboarded:
            out.append(None)
        elif metric == "sourced_revenue":
            out.append(float(entry.card.sourced["quarter"].amount_minor))
        else:
            found = [g.goal.actual for g in _quarter_goals(entry) if g.goal.metric == metric]
            out.append(found[0] if found else None)
    return out


def compute_suggestions(trend: Sequence[QuarterCard]) -> tuple[GoalSuggestion, ...]:
    """Sourced revenue always; pipeline and registered deals where the partner had such a goal in the trend."""
    agreed = {g.goal.metric for entry in trend for g in _quarter_goals(entry)}
    return tuple(
        suggest_goal(metric, _history(trend, metric))
        for metric in SUGGESTED_METRICS
        if metric == "sourced_revenue" or metric in agreed
    )


def _amount(value: float | None, metric: str, currency: str) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if metric in COUNT_METRICS else money(value, currency)


BASIS_TEXT = {
    NO_HISTORY: "no quarter with a figure yet: agree a first target",
    NOTHING_YET: "nothing yet in the quarters shown: agree a first target",
    FALLING: "trend below the latest quarter: hold its actual",
    FLAT: "flat: hold the latest quarter's actual",
    RISING: "trend above the latest quarter: the trend's next quarter",
    CAPPED: f"rising fast: capped at +{GROWTH_CAP:.0%} on the latest quarter",
}


def _suggestions(
    view_trend: Sequence[QuarterCard], suggestions: Sequence[GoalSuggestion], label: str, c: str
) -> Section:
    rows = []
    for s in suggestions:
        history = _history(view_trend, s.metric)
        rows.append(
            (
                s.metric.replace("_", " "),
                *(_amount(v, s.metric, c) if v is not None else "–" for v in history),
                _amount(s.target, s.metric, c),
                BASIS_TEXT[s.basis],
            )
        )
    last = view_trend[-1]
    if not last.card.activation.activated and last.onboarded:
        rows.append(("first win by", *("" for _ in view_trend), f"end of {label}", "not activated yet"))
    header = ("metric", *(e.title for e in view_trend), f"suggested {label}", "why")
    note = (
        f"Rule: the larger of the latest quarter's actual and the trend line's value for next quarter (least squares "
        f"over the quarters with a figure), at most {GROWTH_CAP:.0%} above the latest actual, rounded up (whole "
        "deals; two significant figures for amounts). A suggestion to agree with the partner, not a commitment."
    )
    return Section(f"Suggested goals for {label}", table=Table(header, tuple(rows)), note=note)


def compute_qbr(
    partner: PartnerProfile, trend: Sequence[QuarterCard], config: ProgramConfig, as_of: datetime
) -> QbrView:
    """The pack from the scorecards at the trend quarters' ends (oldest first; the last is the pack's quarter)."""
    entry = trend[-1]
    label = next_quarter(entry.quarter)[0]
    suggestions = compute_suggestions(trend)
    c = config.base_currency
    sections = (
        _glance(entry, config),
        _trend(trend, config),
        _activation(entry, config),
        _pipeline(entry),
        _intros(entry, config),
        _psat(trend),
        _suggestions(trend, suggestions, label, c),
    )
    series = TrendSeries(
        labels=tuple(e.title for e in trend),
        sourced=tuple(e.card.sourced["quarter"].amount_minor if e.onboarded else None for e in trend),
        influenced=tuple(e.card.influenced["quarter"].amount_minor if e.onboarded else None for e in trend),
        open_pipeline=tuple(e.card.open_minor if e.onboarded else None for e in trend),
        currency=c,
    )
    return QbrView(
        partner=partner,
        owner=entry.card.owner,
        program_name=config.program_name,
        quarter=entry,
        trend=tuple(trend),
        next_quarter=label,
        suggestions=suggestions,
        sections=sections,
        series=series,
        as_of=as_of,
        freshness=freshness_text(entry.card.freshness, config.tz),
    )


def partner_safe(view: QbrView) -> QbrView:
    """The pack a partner may read: without the owner, and without every internal line, row and section."""

    def keep(section: Section) -> Section:
        table = section.table
        if table is not None:
            rows = tuple(row for i, row in enumerate(table.rows) if i not in table.internal_rows)
            table = Table(table.header, rows)
        return replace(section, lines=tuple(line for line in section.lines if not line.internal), table=table)

    sections = tuple(keep(s) for s in view.sections if not s.internal)
    return replace(view, owner=None, sections=sections, partner_safe=True)
