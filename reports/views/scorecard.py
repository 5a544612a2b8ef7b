"""The partner scorecard: every figure `/partner <name>` shows, computed from gathered facts."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from reports.config import STEP_ONBOARDED, ProgramConfig, step_title
from reports.formatting import count, money, number
from reports.freshness import Freshness
from reports.kpis.activation import (
    RUNWAY_DAYS,
    Milestones,
    PartnerActivation,
    compute_partner_activation,
    in_runway_span,
)
from reports.kpis.dormancy import DormantPartner, QuietPartner, compute_dormant_partners
from reports.kpis.enablement import EngagementMix
from reports.kpis.goals import GoalInput, GoalProgress, compute_goal_progress, is_current
from reports.kpis.handoffs import (
    HandoffTime,
    IntroRecord,
    StaleIntro,
    compute_handoff_response_time,
    compute_stale_intros,
)
from reports.kpis.incentives import FastStart, SourcedWin, compute_eligible_wins, compute_fast_start
from reports.kpis.lifecycle import (
    NOT_YET_ONBOARDED,
    compute_partner_state,
)
from reports.kpis.pipeline import PipelineMovement, StalledDeals
from reports.kpis.revenue import (
    DealSize,
    LargeDeal,
    RevenueFacts,
    RevenueSeries,
    VersusDirect,
    WonTotal,
    compute_deal_size_vs_direct,
    compute_revenue,
    compute_time_to_close_vs_direct,
    compute_win_rate,
)
from reports.kpis.satisfaction import Psat, compute_psat
from reports.model import PartnerProfile, PersonProfile
from reports.stats import Distribution, Median, Rate, not_enough
from reports.views.next_step import NextStep, compute_next_step


@dataclass(frozen=True)
class ScorecardFacts:
    partner: PartnerProfile
    owner: PersonProfile | None
    revenue: RevenueFacts  # this partner, with program-wide direct deals
    program_revenue: RevenueFacts  # every partner, for the program baseline
    milestones: Milestones
    program_first_revenue_days: Distribution
    stalled: StalledDeals
    movement: PipelineMovement
    intros: Sequence[IntroRecord]  # introduced in the handoff window
    unanswered: Sequence[IntroRecord]
    engagement: EngagementMix
    completed_courses: frozenset[str]
    quiet: QuietPartner | None
    goals: Sequence[GoalInput]
    scores: Distribution
    revenue_series: RevenueSeries
    freshness: Freshness
    people: Mapping[str, PersonProfile] = field(default_factory=dict)  # the owner and intro sellers, by email
    sourced_previous_quarter_minor: int = 0  # won sourced revenue last quarter up to the same day of the quarter
    fast_start_wins: Sequence[SourcedWin] = ()  # sourced wins in the fast-start window (when the rule is on)
    largest_deals: Sequence[LargeDeal] = ()  # won this quarter or open, largest first


@dataclass(frozen=True)
class Comparison:
    """A partner figure next to the program's partner baseline and the direct baseline."""

    partner: Rate | Median | float | None
    program: Rate | Median | float | None
    direct: Rate | Median | float | None


@dataclass(frozen=True)
class Headline:
    """One of the program's headline metrics on a card: its value, and its change since the last period when the
    metric has one (plain text: '↑ $200k since 1 Dec')."""

    metric: str
    title: str
    value: str
    change: str | None = None


def change_text(now: float, before: float, *, show: Callable[[float], str], since: str) -> str:
    """'↑ $200k since 1 Dec', '↓ 12 vs the previous 30 d', 'no change since 1 Dec'."""
    if now == before:
        return f"no change {since}"
    arrow = "↑" if now > before else "↓"
    return f"{arrow} {show(abs(now - before))} {since}"


@dataclass(frozen=True)
class Scorecard:
    partner: PartnerProfile
    owner: PersonProfile | None
    as_of: datetime
    currency: str
    status: str
    status_detail: str
    activation: PartnerActivation
    program_ttfr: Median
    sourced: dict[str, WonTotal]
    influenced: dict[str, WonTotal]
    open_minor: int
    open_deals: int
    open_without_amount: int
    stalled: StalledDeals
    movement: PipelineMovement
    win_rate: Comparison
    deal_size: Comparison
    time_to_close: Comparison
    handoff: HandoffTime
    stale: tuple[StaleIntro, ...]
    open_intros: int
    required_courses: tuple[str, ...]
    missing_courses: tuple[str, ...]
    engagement: EngagementMix
    psat: Psat
    goals: tuple[GoalProgress, ...]
    dormant: DormantPartner | None
    step: NextStep
    headlines: tuple[Headline, ...]
    revenue_series: RevenueSeries
    freshness: Freshness
    sourced_previous_quarter_minor: int = 0
    fast_start: FastStart | None = None
    largest_deals: tuple[LargeDeal, ...] = ()

    @property
    def next_step(self) -> str:
        return self.step.text

    @property
    def current_goals(self) -> tuple[GoalProgress, ...]:
        """The goals whose period holds as-of: what the card leads with."""
        return tuple(g for g in self.goals if is_current(g, self.as_of, self.activation.tz))

    @property
    def past_goals(self) -> tuple[GoalProgress, ...]:
        return tuple(g for g in self.goals if not is_current(g, self.as_of, self.activation.tz))


def activation_clock(card: Scorecard) -> tuple[str, str]:
    """The partner's activation clock as (title, value), by its state: time to first revenue once activated, days
    in runway within the runway span, days since onboarding once the runway ran out."""
    activation = card.activation
    if activation.time_to_first_revenue is not None:
        return "Time to first revenue", f"{activation.time_to_first_revenue:.1f} d"
    if card.status == NOT_YET_ONBOARDED:
        return "Time to first revenue", f"not started: onboarding {card.partner.onboarded_on}"
    if activation.days_onboarded is None:
        return "Time to first revenue", "onboarding date unknown"
    reached = step_title(activation.current_step or STEP_ONBOARDED).lower()
    if in_runway_span(activation, card.as_of, activation.tz):
        return "Days in runway", f"day {activation.day} of {RUNWAY_DAYS} · reached {reached}"
    return "Days since onboarding", f"{activation.day} d, no first win · reached {reached}"


def _pipeline_change(card: Scorecard) -> str | None:
    """Open partner pipeline now against the start of the month (the revenue chart's previous point)."""
    spans = card.revenue_series.spans
    before = card.revenue_series.open_pipeline.get(spans[-2].month) if len(spans) >= 2 else None
    if before is None:
        return None
    since = f"since {spans[-1].first.day} {spans[-1].first:%b}"
    return change_text(card.open_minor, before, show=lambda v: money(v, card.currency), since=since)


def _headline(metric: str, card: Scorecard) -> Headline:
    currency = card.currency
    if metric == "time_to_first_revenue":
        title, value = activation_clock(card)
        return Headline(metric, title, value, card.program_ttfr.text(label="program median"))
    if metric == "pipeline_health":
        moved = card.movement.share
        moved_text = (
            f"{moved:.0%} moved in 14 d" if moved is not None else f"moved: {not_enough(card.movement.open_deals)}"
        )
        return Headline(
            metric,
            "Pipeline health",
            f"{money(card.open_minor, currency)} open · {number(card.stalled.count)} stalled · {moved_text}",
            _pipeline_change(card),
        )
    if metric == "enablement":
        done = len(card.required_courses) - len(card.missing_courses)
        courses = f"{done}/{len(card.required_courses)} courses" if card.required_courses else "no required courses"
        engagement = card.engagement
        return Headline(
            metric,
            "Enablement",
            f"{courses} · {count(engagement.total_30, 'activity')} in 30 d",
            change_text(
                engagement.total_30,
                engagement.total_previous_30,
                show=lambda v: number(int(v)),
                since="vs the 30 d before",
            ),
        )
    if metric == "win_rate":
        rate = card.win_rate.partner
        program = card.win_rate.program
        return Headline(
            metric,
            "Win rate (365 d)",
            rate.text() if isinstance(rate, Rate) else "–",
            program.text(label="program") if isinstance(program, Rate) else None,
        )
    if metric == "sourced_revenue":
        now = card.sourced["quarter"].amount_minor
        return Headline(
            metric,
            "Sourced revenue",
            f"{money(now, currency)} this quarter",
            change_text(
                now,
                card.sourced_previous_quarter_minor,
                show=lambda v: money(v, currency),
                since="vs the same day last quarter",
            ),
        )
    if metric == "handoff_response_time":
        return Headline(metric, "Handoff response (90 d)", card.handoff.median.text("h", label="median"))
    return Headline(metric, "PSAT (365 d)", card.psat.text())


def compute_scorecard(facts: ScorecardFacts, config: ProgramConfig, as_of: datetime) -> Scorecard:
    activation = compute_partner_activation(facts.milestones, config, as_of)
    dormant = None
    if facts.quiet is not None:
        found = compute_dormant_partners([facts.quiet], config, as_of).partners
        dormant = found[0] if found else None
    state = compute_partner_state(facts.partner, activation, dormant, as_of, config)
    mine, program = facts.revenue, facts.program_revenue
    rates, program_rates = compute_win_rate(mine), compute_win_rate(program)
    size: DealSize = compute_deal_size_vs_direct(mine)
    program_size = compute_deal_size_vs_direct(program)
    close: VersusDirect = compute_time_to_close_vs_direct(mine)
    program_close = compute_time_to_close_vs_direct(program)
    sourced_open, influenced_open = mine.open_stats("sourced"), mine.open_stats("influenced")
    courses = config.required_courses
    card = Scorecard(
        partner=facts.partner,
        owner=facts.owner,
        as_of=as_of,
        currency=config.base_currency,
        status=state.state,
        status_detail=state.detail,
        activation=activation,
        program_ttfr=Median.of(facts.program_first_revenue_days),
        sourced=compute_revenue(mine, "sourced"),
        influenced=compute_revenue(mine, "influenced"),
        open_minor=sourced_open.amount_minor + influenced_open.amount_minor,
        open_deals=sourced_open.count + influenced_open.count,
        open_without_amount=sourced_open.without_amount + influenced_open.without_amount,
        stalled=facts.stalled,
        movement=facts.movement,
        win_rate=Comparison(rates["partner"], program_rates["partner"], rates["direct"]),
        deal_size=Comparison(size.partner_mean_minor, program_size.partner_mean_minor, size.direct_mean_minor),
        time_to_close=Comparison(close.partner, program_close.partner, close.direct),
        handoff=compute_handoff_response_time(facts.intros, as_of),
        stale=compute_stale_intros(facts.unanswered, as_of, config.handoff_sla_hours),
        open_intros=sum(1 for i in facts.unanswered if i.introduced_at < as_of),
        required_courses=courses,
        missing_courses=tuple(c for c in courses if c.casefold() not in facts.completed_courses),
        engagement=facts.engagement,
        psat=compute_psat(facts.scores),
        goals=compute_goal_progress(facts.goals, as_of, config.tz),
        dormant=dormant,
        step=NextStep(()),
        headlines=(),
        revenue_series=facts.revenue_series,
        freshness=facts.freshness,
        sourced_previous_quarter_minor=facts.sourced_previous_quarter_minor,
        fast_start=compute_fast_start(
            facts.partner, compute_eligible_wins([facts.partner], facts.fast_start_wins, config, as_of), config, as_of
        ),
        largest_deals=tuple(facts.largest_deals),
    )
    headlines = tuple(_headline(metric, card) for metric in config.headline_metrics)
    return replace(card, step=compute_next_step(card, config, facts.people), headlines=headlines)
