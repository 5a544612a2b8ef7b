"""KPI results as plain JSON-ready dicts keyed by the registry's ids, and flattened rows for CSV."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from reports.kpis.activation import Dropoff, Funnel, Survival
from reports.kpis.handoffs import HandoffTime, SlaSplit
from reports.kpis.pipeline import StalledDeals
from reports.kpis.revenue import WonTotal
from reports.kpis.tiers import TierReview
from reports.stats import Median, Rate
from reports.views.program import ProgramView
from reports.views.scorecard import Comparison, Scorecard

Json = dict[str, Any]


def plain(value: Any) -> Any:
    """Rates, medians, dates and money into JSON values."""
    if isinstance(value, Rate | Median):
        return value.as_dict()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    return value


def _won(totals: Mapping[str, WonTotal]) -> Json:
    return {period: {"amount_minor": t.amount_minor, "deals": t.count} for period, t in totals.items()}


def _survival(survival: Survival) -> Json:
    return {
        "started": survival.started,
        "reached": survival.reached,
        "median_days": plain(survival.median),
        **{f"share_by_day_{day}": plain(rate) for day, rate in survival.by_day},
    }


def _funnel(funnel: Funnel) -> list[Json]:
    return [
        {
            "step": s.step,
            "reached": s.reached,
            "conversion": plain(s.conversion),
            "due_days": s.due_days,
            "too_new": s.too_new,
        }
        for s in funnel.steps
    ]


def _dropoff(dropoff: Dropoff) -> Json:
    worst = dropoff.worst_step
    return {
        "population": dropoff.population,
        "worst_step": worst.step if worst else None,
        "overall": _funnel(dropoff.overall),
        "by_cohort": {label: _funnel(f) for label, f in dropoff.by_cohort},
        "by_segment": {dim: {value: _funnel(f) for value, f in groups} for dim, groups in dropoff.by_segment},
    }


def _handoff(handoff: HandoffTime, sla: SlaSplit | None = None) -> Json:
    worst = handoff.worst
    over = {} if sla is None else {"answered": sla.answered, "over_sla": sla.over_sla, "sla_hours": sla.sla_hours}
    return {
        "intros": handoff.intros,
        "waiting": handoff.waiting,
        **over,
        "median_hours": plain(handoff.median),
        "p90_hours": plain(handoff.p90),
        "worst": None
        if worst is None
        else {
            "intro_id": worst.intro.external_id,
            "hours": round(worst.hours, 2),
            "waiting": worst.waiting,
            "seller_email": worst.intro.seller_email,
            "partner": worst.intro.partner_name,
            "partner_owner_email": worst.intro.partner_owner_email,
        },
    }


def _stalled(stalled: StalledDeals) -> Json:
    return {
        "count": stalled.count,
        "amount_minor": stalled.amount_minor,
        "deals_with_amount": stalled.with_amount,
        "largest": [
            {
                "deal_id": s.deal.external_id,
                "name": s.deal.name,
                "stage": s.deal.stage,
                "days_in_stage": round(s.days_in_stage, 1),
                "amount_minor": s.deal.amount_minor,
            }
            for s in stalled.largest
        ],
        "thresholds_days": {stage: round(days, 1) for stage, days in sorted(stalled.thresholds.items())},
    }


def program_kpis(view: ProgramView) -> Json:
    """Every program-level KPI, keyed by its registry id."""
    concentration = view.concentration
    return {
        "partner_states": dict(view.states),
        "sourced_revenue": _won(view.sourced),
        "influenced_revenue": _won(view.influenced),
        "pipeline_contribution": {
            "sourced_share": plain(view.pipeline_contribution.sourced),
            "influenced_share": plain(view.pipeline_contribution.influenced),
            "open_amount_minor": view.pipeline_contribution.total_minor,
            "partner_open_amount_minor": view.pipeline_contribution.partner_minor,
            "open_deals": view.pipeline_contribution.open_count,
            "open_deals_without_amount": view.pipeline_contribution.without_amount,
        },
        "win_rate": {attribution: plain(rate) for attribution, rate in view.win_rate.items()},
        "deal_size_vs_direct": {
            "partner_mean_minor": plain(view.deal_size.partner_mean_minor),
            "direct_mean_minor": plain(view.deal_size.direct_mean_minor),
            "ratio": plain(view.deal_size.ratio),
        },
        "time_to_close_vs_direct": {
            "partner_days": plain(view.time_to_close.partner),
            "direct_days": plain(view.time_to_close.direct),
            "ratio": plain(view.time_to_close.ratio),
        },
        "revenue_concentration": {
            "top10_share": plain(concentration.top10_share),
            "top20_share": plain(concentration.top20_share),
            "active_partners_with_revenue": plain(concentration.partners_with_revenue),
        },
        "top_partners": {
            "ranked": [
                {
                    "partner": r.name,
                    "amount_minor": r.amount_minor,
                    "deals": r.deals,
                    "type": r.type,
                    "tier": r.tier,
                    "segment": r.segment,
                }
                for r in view.top_partners.ranked
            ],
            "leading_segment": view.top_partners.leading_segment,
        },
        "time_to_first_revenue": {
            "overall": _survival(view.time_to_first_revenue.overall),
            "by_cohort": {label: _survival(s) for label, s in view.time_to_first_revenue.by_cohort},
            "onboarding_unknown": list(view.time_to_first_revenue.unknown_onboarding),
        },
        "activation_rate": plain(view.activation_rate),
        "active_revenue_partners": plain(view.active_revenue_partners),
        "activation_runway": _survival(view.activation_runway),
        "first_win_cycle": _survival(view.first_win_cycle),
        "partners_in_runway": {
            "count": view.partners_in_runway.count,
            "count_week_ago": view.partners_in_runway.count_week_ago,
            "completion": plain(view.partners_in_runway.completion),
            "by_next_step": dict(view.partners_in_runway.by_next_step),
        },
        "dropoff_by_step": _dropoff(view.dropoff),
        "wip_per_manager": {
            "limit": view.wip.limit,
            "owners": [
                {"owner_email": o.owner_email, "in_runway": o.in_runway, "over_limit": o.over_limit}
                for o in view.wip.owners
            ],
        },
        "deal_registration_velocity": plain(view.registration_velocity),
        "stage_velocity": {
            v.stage: {"partner_days": plain(v.partner), "direct_days": plain(v.direct)} for v in view.stage_velocity
        },
        "stage_conversion": {c.stage: {a: plain(r) for a, r in c.by_attribution} for c in view.stage_conversion},
        "stalled_deals": _stalled(view.stalled),
        "pipeline_movement": {
            "share": plain(view.movement.share),
            "open_amount_minor": view.movement.open_minor,
            "moved_amount_minor": view.movement.moved_minor,
            "open_deals": view.movement.open_deals,
        },
        "handoff_response_time": _handoff(view.handoff, view.handoff_sla),
        "next_step_time": _handoff(view.next_step),
        "stale_intros": [
            {
                "intro_id": s.intro.external_id,
                "partner": s.intro.partner_name,
                "account": s.intro.account,
                "seller_email": s.intro.seller_email,
                "age_hours": round(s.age_hours, 1),
                "escalate": s.escalate,
            }
            for s in view.stale
        ],
        "enablement_completion": plain(view.enablement_completion),
        # without any activity in the store the rate is unknown, not 0 %
        "active_partner_rate": {
            **plain(view.active_partner_rate),
            **({} if view.activity_recorded else {"value": None}),
            "activity_data": view.activity_recorded,
        },
        "dormant_partners": {
            "count": view.dormant.count,
            "by_diagnosis": view.dormant.by_diagnosis(),
            "partners": [
                {
                    "partner": d.partner.name,
                    "diagnosis": d.diagnosis,
                    "days_quiet": plain(d.days_quiet),
                    "step": d.step,
                    "sunset_candidate": d.sunset_candidate,
                }
                for d in view.dormant.partners
            ],
        },
        "goal_progress": {"share_on_track": plain(view.goals.on_track), "goals": view.goals.started},
        "psat": {
            "responses": view.psat.responses,
            "mean": plain(view.psat.mean),
            "nps": plain(view.psat.nps),
        },
    }


def _comparison(comparison: Comparison) -> Json:
    return {
        "partner": plain(comparison.partner),
        "program": plain(comparison.program),
        "direct": plain(comparison.direct),
    }


def partner_kpis(card: Scorecard) -> Json:
    """Every KPI that has a per-partner value, keyed by its registry id."""
    activation = card.activation
    return {
        "status": card.status,
        "sourced_revenue": _won(card.sourced),
        "influenced_revenue": _won(card.influenced),
        "pipeline_contribution": {
            "open_amount_minor": card.open_minor,
            "open_deals": card.open_deals,
            "open_deals_without_amount": card.open_without_amount,
        },
        "win_rate": _comparison(card.win_rate),
        "deal_size_vs_direct": _comparison(card.deal_size),
        "time_to_close_vs_direct": _comparison(card.time_to_close),
        "time_to_first_revenue": {
            "days": plain(activation.time_to_first_revenue),
            "program_median_days": plain(card.program_ttfr),
        },
        "partners_in_runway": {
            "days_onboarded": plain(activation.days_onboarded),
            "current_step": activation.current_step,
            "next_step": activation.next_step,
        },
        "stalled_deals": _stalled(card.stalled),
        "pipeline_movement": {"share": plain(card.movement.share), "open_deals": card.movement.open_deals},
        "handoff_response_time": _handoff(card.handoff),
        "stale_intros": [
            {
                "intro_id": s.intro.external_id,
                "account": s.intro.account,
                "age_hours": round(s.age_hours, 1),
                "escalate": s.escalate,
            }
            for s in card.stale
        ],
        "enablement_completion": {
            "required": list(card.required_courses),
            "missing": list(card.missing_courses),
        },
        "engagement_mix": {
            k.kind: {"last_30": k.last_30, "last_90": k.last_90, "last_at": plain(k.last_at)}
            for k in card.engagement.kinds
        },
        "dormant_partners": None
        if card.dormant is None
        else {
            "diagnosis": card.dormant.diagnosis,
            "days_quiet": plain(card.dormant.days_quiet),
            "step": card.dormant.step,
            "sunset_candidate": card.dormant.sunset_candidate,
        },
        "goal_progress": [
            {
                "metric": g.goal.metric,
                "period": g.goal.period,
                "status": g.status,
                "actual": g.goal.actual,
                "target": g.goal.target,
                "pace": plain(g.pace),
            }
            for g in card.goals
        ],
        "psat": {
            "responses": card.psat.responses,
            "mean": plain(card.psat.mean),
            "nps": plain(card.psat.nps),
        },
        "next_step": card.next_step,
    }


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Nested dicts and lists as (dotted path, scalar) pairs, for long-format CSV."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from flatten(item, f"{prefix}[{index}]")
    else:
        yield prefix, value


def tier_review_kpis(review: TierReview) -> Json:
    """tier_review: the counts per verdict and each partner's suggestion with the figures that decided it."""
    return {
        "window": {"start": review.window.start.isoformat(), "end": review.window.end.isoformat()},
        "counts": review.counts(),
        "partners": [
            {
                "partner": s.partner.name,
                "verdict": s.verdict,
                "current_tier": s.current,
                "suggested_tier": s.suggested,
                "nearest_metric": s.nearest.minimum.metric if s.nearest else None,
                "margin": plain(s.margin),
                "sourced_revenue_minor": s.figures.sourced_revenue_minor,
                "win_rate": plain(s.figures.win_rate),
                "certifications": s.figures.certifications,
                "psat_mean": plain(s.figures.psat.mean),
                "psat_responses": s.figures.psat.responses,
                "note": s.note,
            }
            for s in review.suggestions
        ],
    }
