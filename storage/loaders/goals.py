"""Goals with their actuals measured inside each goal's period, up to as-of."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.config import STEP_FIRST_WIN, ProgramConfig
from reports.kpis.goals import GoalInput
from reports.model import Scope
from reports.timeframe import first_day_at_or_after, local_day
from storage.models import Deal, Goal, Partner, PartnerMilestone
from storage.sql import partner_scope


def load_goals(session: Session, *, scope: Scope, as_of: datetime, config: ProgramConfig) -> list[GoalInput]:
    tz = config.tz
    as_of_day = first_day_at_or_after(as_of, tz)
    goals = session.execute(
        select(Goal, Partner.name)
        .join(Partner, Partner.id == Goal.partner_id)
        .where(partner_scope(Goal.partner_id, scope))
        .order_by(Partner.name, Goal.period_start, Goal.metric)
    ).all()
    first_wins = dict(
        session.execute(
            select(PartnerMilestone.partner_id, PartnerMilestone.reached_at).where(
                PartnerMilestone.step == STEP_FIRST_WIN,
                PartnerMilestone.reached_at < as_of,
                partner_scope(PartnerMilestone.partner_id, scope),
            )
        ).all()
    )
    out = []
    for goal, partner_name in goals:
        start, end = goal.period_start, min(goal.period_end, as_of_day)
        actual: float | int | None = 0.0
        mine = (Deal.partner_id == goal.partner_id,)
        if goal.metric == "registered_deals":
            actual = session.execute(
                select(func.count()).where(*mine, Deal.registered_on >= start, Deal.registered_on < end)
            ).scalar_one()
        elif goal.metric == "sourced_pipeline":
            actual = session.execute(
                select(func.coalesce(func.sum(Deal.amount_base_minor), 0)).where(
                    *mine, Deal.attribution == "sourced", Deal.created_on >= start, Deal.created_on < end
                )
            ).scalar_one()
        elif goal.metric == "sourced_revenue":
            actual = session.execute(
                select(func.coalesce(func.sum(Deal.amount_base_minor), 0)).where(
                    *mine,
                    Deal.attribution == "sourced",
                    Deal.outcome == "won",
                    Deal.closed_on >= start,
                    Deal.closed_on < end,
                )
            ).scalar_one()
        first_win = first_wins.get(goal.partner_id)
        out.append(
            GoalInput(
                partner_id=goal.partner_id,
                partner_name=partner_name,
                metric=goal.metric,
                period=goal.period,
                period_start=goal.period_start,
                period_end=goal.period_end,
                target=goal.target,
                target_date=goal.target_date,
                actual=float(actual or 0),
                first_win_on=None if first_win is None else local_day(first_win, tz),
            )
        )
    return out
