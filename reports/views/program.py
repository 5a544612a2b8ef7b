"""The program view: every program-level KPI for a scope, computed from gathered facts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from reports.config import ProgramConfig
from reports.freshness import Freshness
from reports.kpis.activation import (
    Dropoff,
    Milestones,
    PartnerActivation,
    PartnersInRunway,
    Survival,
    TimeToFirstRevenue,
    WipPerManager,
    compute_activation_rate,
    compute_activation_runway,
    compute_active_revenue_partners,
    compute_deal_registration_velocity,
    compute_dropoff_by_step,
    compute_first_win_cycle,
    compute_partner_activation,
    compute_partners_in_runway,
    compute_time_to_first_revenue,
    compute_wip_per_manager,
)
from reports.kpis.dormancy import DormantPartners, QuietPartner, compute_dormant_partners
from reports.kpis.enablement import compute_active_partner_rate, compute_enablement_completion
from reports.kpis.goals import GoalInput, GoalsOnTrack, compute_goals_on_track
from reports.kpis.handoffs import (
    HandoffTime,
    IntroRecord,
    SlaSplit,
    StaleIntro,
    compute_handoff_response_time,
    compute_next_step_time,
    compute_sla_split,
    compute_stale_intros,
)
from reports.kpis.lifecycle import STATES, compute_partner_state
from reports.kpis.pipeline import (
    PipelineMovement,
    StageConversion,
    StageStays,
    StageVelocity,
    StalledDeals,
    compute_stage_conversion,
    compute_stage_velocity,
)
from reports.kpis.revenue import (
    Concentration,
    DealSize,
    PartnerRevenue,
    PipelineContribution,
    RevenueFacts,
    RevenueSeries,
    TopPartners,
    VersusDirect,
    WonTotal,
    compute_deal_size_vs_direct,
    compute_pipeline_contribution,
    compute_revenue,
    compute_revenue_concentration,
    compute_time_to_close_vs_direct,
    compute_top_partners,
    compute_win_rate,
)
from reports.kpis.satisfaction import Psat, compute_psat
from reports.model import Scope
from reports.stats import Distribution, Median, Rate


@dataclass(frozen=True)
class ProgramFacts:
    scope: Scope
    revenue: RevenueFacts
    revenue_by_partner: Mapping[int, int]
    top_rows: Sequence[PartnerRevenue]
    milestones: Sequence[Milestones]
    recent_winner_ids: frozenset[int]
    registration_days: Distribution
    stays: StageStays
    entries: Mapping[tuple[str, str], tuple[int, int]]
    stalled: StalledDeals
    movement: PipelineMovement
    intros: Sequence[IntroRecord]
    unanswered: Sequence[IntroRecord]
    enabled_ids: frozenset[int]
    engaged_ids: frozenset[int]
    activity_recorded: bool  # the store holds some activity before as-of
    quiet: Sequence[QuietPartner]
    goals: Sequence[GoalInput]
    scores: Distribution
    revenue_series: RevenueSeries
    freshness: Freshness


@dataclass(frozen=True)
class ProgramView:
    scope: Scope
    as_of: datetime
    currency: str
    active_partners: int
    sourced: dict[str, WonTotal]
    influenced: dict[str, WonTotal]
    pipeline_contribution: PipelineContribution
    win_rate: dict[str, Rate]
    deal_size: DealSize
    time_to_close: VersusDirect
    concentration: Concentration
    top_partners: TopPartners
    activations: tuple[PartnerActivation, ...]
    time_to_first_revenue: TimeToFirstRevenue
    activation_rate: Rate
    active_revenue_partners: Rate
    activation_runway: Survival
    first_win_cycle: Survival
    partners_in_runway: PartnersInRunway
    dropoff: Dropoff
    wip: WipPerManager
    registration_velocity: Median
    stage_velocity: tuple[StageVelocity, ...]
    stage_conversion: tuple[StageConversion, ...]
    stalled: StalledDeals
    movement: PipelineMovement
    handoff: HandoffTime
    handoff_sla: SlaSplit
    next_step: HandoffTime
    stale: tuple[StaleIntro, ...]
    enablement_completion: Rate | None
    active_partner_rate: Rate
    activity_recorded: bool
    dormant: DormantPartners
    goals: GoalsOnTrack
    psat: Psat
    revenue_series: RevenueSeries
    freshness: Freshness
    states: Mapping[str, int] = field(default_factory=dict)  # partner state → partners in it, in STATES order


def compute_partner_states(
    activations: Sequence[PartnerActivation], dormant: DormantPartners, as_of: datetime, config: ProgramConfig
) -> dict[str, int]:
    """How many partners are in each lifecycle state (every state listed, zeros included)."""
    dormant_by_id = {d.partner.id: d for d in dormant.partners}
    counts = dict.fromkeys(STATES, 0)
    for activation in activations:
        partner = activation.partner
        counts[compute_partner_state(partner, activation, dormant_by_id.get(partner.id), as_of, config).state] += 1
    return counts


def compute_program(facts: ProgramFacts, config: ProgramConfig, as_of: datetime) -> ProgramView:
    tz = config.tz
    partners = [m.partner for m in facts.milestones]
    active = frozenset(p.id for p in partners if p.is_active(as_of, tz))
    activations = tuple(compute_partner_activation(m, config, as_of) for m in facts.milestones)
    dormant = compute_dormant_partners(facts.quiet, config, as_of)
    handoff = compute_handoff_response_time(facts.intros, as_of)
    return ProgramView(
        scope=facts.scope,
        as_of=as_of,
        currency=config.base_currency,
        active_partners=len(active),
        sourced=compute_revenue(facts.revenue, "sourced"),
        influenced=compute_revenue(facts.revenue, "influenced"),
        pipeline_contribution=compute_pipeline_contribution(facts.revenue),
        win_rate=compute_win_rate(facts.revenue),
        deal_size=compute_deal_size_vs_direct(facts.revenue),
        time_to_close=compute_time_to_close_vs_direct(facts.revenue),
        concentration=compute_revenue_concentration(facts.revenue_by_partner, active),
        top_partners=compute_top_partners(facts.top_rows),
        activations=activations,
        time_to_first_revenue=compute_time_to_first_revenue(activations, as_of, tz),
        activation_rate=compute_activation_rate(activations, as_of, tz),
        active_revenue_partners=compute_active_revenue_partners(active, facts.recent_winner_ids),
        activation_runway=compute_activation_runway(activations, as_of, tz),
        first_win_cycle=compute_first_win_cycle(activations, as_of, tz),
        partners_in_runway=compute_partners_in_runway(facts.milestones, config, as_of),
        dropoff=compute_dropoff_by_step(facts.milestones, config, as_of),
        wip=compute_wip_per_manager(facts.milestones, config, as_of),
        registration_velocity=compute_deal_registration_velocity(facts.registration_days),
        stage_velocity=compute_stage_velocity(facts.stays, config.pipeline_stages),
        stage_conversion=compute_stage_conversion(facts.entries, config.pipeline_stages),
        stalled=facts.stalled,
        movement=facts.movement,
        handoff=handoff,
        handoff_sla=compute_sla_split(handoff, config.handoff_sla_hours),
        next_step=compute_next_step_time(facts.intros, as_of),
        stale=compute_stale_intros(facts.unanswered, as_of, config.handoff_sla_hours),
        enablement_completion=compute_enablement_completion(active, facts.enabled_ids, bool(config.required_courses)),
        active_partner_rate=compute_active_partner_rate(active, facts.engaged_ids),
        activity_recorded=facts.activity_recorded,
        dormant=dormant,
        goals=compute_goals_on_track(facts.goals, as_of, tz),
        psat=compute_psat(facts.scores),
        revenue_series=facts.revenue_series,
        freshness=facts.freshness,
        states=compute_partner_states(activations, dormant, as_of, config),
    )
