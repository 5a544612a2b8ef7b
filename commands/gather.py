"""Gathering what each view needs in one read session: loaders from storage, glued by the few pure steps that
decide what to load next (stall thresholds)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from reports.config import ProgramConfig
from reports.freshness import Freshness
from reports.kpis.activation import compute_first_revenue_days
from reports.kpis.enablement import compute_engagement_mix
from reports.kpis.pipeline import (
    StageStays,
    StalledDeals,
    compute_pipeline_movement,
    compute_stall_thresholds,
    compute_stalled_deals,
)
from reports.kpis.revenue import RevenueFacts, RevenueSeries, compute_month_spans
from reports.model import PartnerProfile, Scope
from reports.stats import Distribution
from reports.timeframe import dates_before, previous_quarter_to_date, shift_days, trailing
from reports.views.program import ProgramFacts
from reports.views.scorecard import ScorecardFacts
from storage.loaders.activation import load_first_revenue_pairs, load_milestones, load_recent_winner_ids
from storage.loaders.dormancy import load_quiet_partners
from storage.loaders.enablement import (
    load_activity_recorded,
    load_completed_courses,
    load_enabled_ids,
    load_engaged_ids,
    load_engagement_usage,
)
from storage.loaders.freshness import load_freshness
from storage.loaders.goals import load_goals
from storage.loaders.handoffs import load_intros, load_unanswered_intros
from storage.loaders.incentives import load_fast_start_wins
from storage.loaders.partners import load_partner_profiles, load_people
from storage.loaders.pipeline import (
    load_open_stages,
    load_pipeline_movement,
    load_stage_entries,
    load_stage_stays,
    load_stalled,
)
from storage.loaders.revenue import (
    load_largest_deals,
    load_monthly_revenue,
    load_open_pipeline_at,
    load_registration_days,
    load_revenue_by_partner,
    load_revenue_facts,
    load_top_partner_rows,
    revenue_windows,
)
from storage.loaders.satisfaction import load_scores
from storage.models import PARTNER_ATTRIBUTIONS

HANDOFF_WINDOW_DAYS = 90


@dataclass(frozen=True)
class Baseline:
    """Program-wide figures every scorecard compares against; gathered once per request or export."""

    revenue: RevenueFacts
    stays: StageStays
    first_revenue_days: Distribution
    freshness: Freshness


def gather_baseline(session: Session, *, as_of: datetime, config: ProgramConfig) -> Baseline:
    return Baseline(
        revenue=load_revenue_facts(session, scope=Scope(), as_of=as_of, config=config),
        stays=load_stage_stays(session, scope=Scope(), as_of=as_of, config=config),
        first_revenue_days=compute_first_revenue_days(load_first_revenue_pairs(session), as_of, config.tz),
        freshness=load_freshness(session, as_of=as_of, config=config),
    )


def gather_stalled(
    session: Session,
    *,
    scope: Scope,
    as_of: datetime,
    config: ProgramConfig,
    history: StageStays | None = None,
    limit: int = 5,
) -> StalledDeals:
    """Stall thresholds come from the whole program's history, whatever the scope."""
    if history is None:
        history = load_stage_stays(session, scope=Scope(), as_of=as_of, config=config)
    stages = load_open_stages(session, scope=scope, as_of=as_of, config=config)
    thresholds = compute_stall_thresholds(history, stages, config.stall_threshold_days)
    counts, largest = load_stalled(session, scope=scope, as_of=as_of, config=config, thresholds=thresholds, limit=limit)
    return compute_stalled_deals(counts, largest, thresholds, as_of, limit=limit)


def gather_revenue_series(session: Session, *, scope: Scope, as_of: datetime, config: ProgramConfig) -> RevenueSeries:
    """Won partner revenue by month over the very window of the trailing-365-day revenue figures (so the chart's
    bars add up to the card's totals), and open partner pipeline at each month's end."""
    first, end = revenue_windows(as_of, config)["trailing_365"].day_bounds(config.tz)
    spans = compute_month_spans(first, end, as_of, config.tz)
    open_at_end = load_open_pipeline_at(session, scope=scope, days=[span.end for span in spans])
    won = load_monthly_revenue(session, scope=scope, first=first, end=end)
    return RevenueSeries(spans, won, {span.month: open_at_end[span.end] for span in spans})


def gather_program(session: Session, *, scope: Scope, as_of: datetime, config: ProgramConfig) -> ProgramFacts:
    tz = config.tz
    partners = load_partner_profiles(session, scope=scope)
    active = frozenset(p.id for p in partners if p.is_active(as_of, tz))
    year = trailing(as_of, 365, tz)
    return ProgramFacts(
        scope=scope,
        revenue=load_revenue_facts(session, scope=scope, as_of=as_of, config=config),
        revenue_by_partner={
            pid: amount
            for pid, (amount, _) in load_revenue_by_partner(
                session, scope=scope, window=year, config=config, attributions=PARTNER_ATTRIBUTIONS
            ).items()
        },
        top_rows=load_top_partner_rows(session, scope=scope, window=year, config=config),
        milestones=load_milestones(session, scope=scope, profiles=partners),
        recent_winner_ids=load_recent_winner_ids(session, scope=scope, window=trailing(as_of, 90, tz), config=config),
        registration_days=load_registration_days(session, scope=scope, as_of=as_of, config=config),
        stays=load_stage_stays(session, scope=scope, as_of=as_of, config=config),
        entries=load_stage_entries(session, scope=scope, as_of=as_of, config=config),
        stalled=gather_stalled(session, scope=scope, as_of=as_of, config=config),
        movement=compute_pipeline_movement(*load_pipeline_movement(session, scope=scope, as_of=as_of, config=config)),
        intros=load_intros(session, scope=scope, window=trailing(as_of, HANDOFF_WINDOW_DAYS, tz), tz=tz),
        unanswered=load_unanswered_intros(session, scope=scope, as_of=as_of, older_than=as_of),
        enabled_ids=load_enabled_ids(session, partner_ids=active, as_of=as_of),
        engaged_ids=load_engaged_ids(session, partner_ids=active, window=trailing(as_of, 30, tz)),
        activity_recorded=load_activity_recorded(session, as_of=as_of),
        quiet=load_quiet_partners(session, partners=partners, as_of=as_of, config=config),
        goals=load_goals(session, scope=scope, as_of=as_of, config=config),
        scores=load_scores(session, scope=scope, as_of=as_of, config=config),
        revenue_series=gather_revenue_series(session, scope=scope, as_of=as_of, config=config),
        freshness=load_freshness(session, as_of=as_of, config=config),
    )


def gather_scorecard(
    session: Session,
    *,
    partner: PartnerProfile,
    as_of: datetime,
    config: ProgramConfig,
    baseline: Baseline | None = None,
) -> ScorecardFacts:
    tz = config.tz
    if baseline is None:
        baseline = gather_baseline(session, as_of=as_of, config=config)
    scope = Scope.partner(partner.id)
    unanswered = load_unanswered_intros(session, scope=scope, as_of=as_of, older_than=as_of)
    emails = [e for e in [partner.owner_email, *(i.seller_email for i in unanswered)] if e]
    people = load_people(session, emails=emails)
    quiet = load_quiet_partners(session, partners=[partner], as_of=as_of, config=config)
    movement = load_pipeline_movement(session, scope=scope, as_of=as_of, config=config)
    previous_quarter = load_revenue_by_partner(
        session, scope=scope, window=previous_quarter_to_date(as_of, tz), config=config, attributions=("sourced",)
    )
    return ScorecardFacts(
        partner=partner,
        owner=people.get((partner.owner_email or "").lower()),
        revenue=load_revenue_facts(session, scope=scope, as_of=as_of, config=config),
        program_revenue=baseline.revenue,
        milestones=load_milestones(session, scope=scope, profiles=[partner])[0],
        program_first_revenue_days=baseline.first_revenue_days,
        stalled=gather_stalled(session, scope=scope, as_of=as_of, config=config, history=baseline.stays),
        movement=compute_pipeline_movement(*movement),
        intros=load_intros(session, scope=scope, window=trailing(as_of, HANDOFF_WINDOW_DAYS, tz), tz=tz),
        unanswered=unanswered,
        engagement=compute_engagement_mix(
            load_engagement_usage(
                session,
                partner_id=partner.id,
                as_of=as_of,
                last_30=shift_days(as_of, -30, tz),
                last_60=shift_days(as_of, -60, tz),
                last_90=shift_days(as_of, -90, tz),
            )
        ),
        completed_courses=frozenset(
            load_completed_courses(session, partner_id=partner.id, courses=config.required_courses, as_of=as_of)
        ),
        quiet=quiet[0] if quiet else None,
        goals=load_goals(session, scope=scope, as_of=as_of, config=config),
        scores=load_scores(session, scope=scope, as_of=as_of, config=config),
        revenue_series=gather_revenue_series(session, scope=scope, as_of=as_of, config=config),
        freshness=baseline.freshness,
        people=people,
        sourced_previous_quarter_minor=previous_quarter.get(partner.id, (0, 0))[0],
        fast_start_wins=load_fast_start_wins(
            session, scope=scope, end=dates_before(as_of, tz), days=config.fast_start_days
        )
        if config.fast_start_on
        else (),
        largest_deals=load_largest_deals(session, partner_id=partner.id, as_of=as_of, config=config),
    )
