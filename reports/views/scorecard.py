"""The partner scorecard: every figure `/partner <name>` shows, computed from gathered facts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from reports.config import STEP_FIRST_WIN, STEP_ONBOARDED, ProgramConfig, step_title
from reports.formatting import count, days, hours, money, number
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
from reports.kpis.goals import BEHIND, GoalInput, GoalProgress, compute_goal_progress
from reports.kpis.handoffs import (
    HandoffTime,
    IntroRecord,
    StaleIntro,
    compute_handoff_response_time,
    compute_stale_intros,
)
from reports.kpis.lifecycle import (
    ACTIVE,
    IN_RUNWAY,
    NOT_YET_ONBOARDED,
    ONBOARDING_UNKNOWN,
    SUNSET,
    compute_partner_state,
)
from reports.kpis.pipeline import PipelineMovement, StalledDeals
from reports.kpis.revenue import (
    DealSize,
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


@dataclass(frozen=True)
class Comparison:
    """A partner figure next to the program's partner baseline and the direct baseline."""

    partner: Rate | Median | float | None
    program: Rate | Median | float | None
    direct: Rate | Median | float | None


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
    next_step: str
    headlines: tuple[tuple[str, str], ...]
    revenue_series: RevenueSeries
    freshness: Freshness


def compute_next_step(card: Scorecard, config: ProgramConfig) -> str:
    """One line: the most useful thing to do next, drawn from the card's own figures."""
    if card.status == SUNSET:
        return "Sunset: no action needed unless the partner is coming back."
    if card.status == NOT_YET_ONBOARDED:
        return (
            f"Prepare the kickoff: onboarding starts {card.partner.onboarded_on}; agree goals and required training "
            "before then."
        )
    if card.stale:
        oldest = card.stale[0]
        who = f" with {oldest.intro.seller_email}" if oldest.intro.seller_email else ""
        what = oldest.intro.account or oldest.intro.external_id
        count = len(card.stale)
        return (
            f"Chase {count} intro{'s' if count != 1 else ''} waiting past the {config.handoff_sla_hours} h SLA: "
            f"oldest {what}{who} ({hours(oldest.age_hours)})."
        )
    if card.dormant is not None:
        return card.dormant.step
    if card.stalled.largest:
        top = card.stalled.largest[0]
        label = top.deal.name or top.deal.account or top.deal.external_id
        value = money(top.deal.amount_minor, card.currency) if top.deal.amount_minor is not None else "no amount"
        return f"Unstick {label} ({value}): {days(top.days_in_stage)} in {top.deal.stage}."
    if card.status == ONBOARDING_UNKNOWN:
        return "Record the onboarding date (partners import, column onboarded_on) so activation can be tracked."
    if card.status == ACTIVE:
        stuck = step_title(card.activation.next_step or STEP_FIRST_WIN).lower()
        return f"Review the plan: no first win after the 180-day runway (stuck at {stuck}); re-plan or sunset."
    if card.status == IN_RUNWAY:
        step = card.activation.next_step
        if step == "enabled" and card.missing_courses:
            return f"Finish required training: {', '.join(card.missing_courses)}."
        if step == "first_selling_action":
            return "Get a first intro or deal registration on the board: book an account-mapping session."
        if step == "first_qualified_opportunity":
            return "Qualify their first opportunity: review open deals together and agree the next stage."
        if step == "first_win":
            return "Push their most advanced deal to a first win: plan the close with the seller."
        return f"Help them reach {step_title(step or STEP_FIRST_WIN).lower()}."
    behind = [g for g in card.goals if g.status == BEHIND]
    if behind:
        goal = behind[0]
        return f"Catch up on the {goal.goal.metric.replace('_', ' ')} goal for {goal.goal.period}."
    return "Keep momentum: plan the next QBR and grow sourced pipeline."


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


def _headline(metric: str, card: Scorecard) -> tuple[str, str]:
    currency = card.currency
    if metric == "time_to_first_revenue":
        title, value = activation_clock(card)
        return title, f"{value} · {card.program_ttfr.text(label='program median time to first revenue')}"
    if metric == "pipeline_health":
        moved = card.movement.share
        moved_text = (
            f"{moved:.0%} moved in 14 d" if moved is not None else f"movement: {not_enough(card.movement.open_deals)}"
        )
        return "Pipeline health", (
            f"{money(card.open_minor, currency)} open · {number(card.stalled.count)} stalled · {moved_text}"
        )
    if metric == "enablement":
        done = len(card.required_courses) - len(card.missing_courses)
        courses = f"{done}/{len(card.required_courses)} courses" if card.required_courses else "no required courses"
        return "Enablement", f"{courses} · {count(card.engagement.total_30, 'activity')} in 30 d"
    if metric == "win_rate":
        rate = card.win_rate.partner
        return "Win rate", rate.text() if isinstance(rate, Rate) else "–"
    if metric == "sourced_revenue":
        return "Sourced revenue", f"{money(card.sourced['quarter'].amount_minor, currency)} this quarter"
    if metric == "handoff_response_time":
        return "Handoff response", card.handoff.median.text("h", label="median")
    return "PSAT", card.psat.text()


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
        next_step="",
        headlines=(),
        revenue_series=facts.revenue_series,
        freshness=facts.freshness,
    )
    headlines = tuple(_headline(metric, card) for metric in config.headline_metrics)
    return replace(card, next_step=compute_next_step(card, config), headlines=headlines)
