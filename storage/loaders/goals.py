"""Goals with their actuals measured inside each goal's period, up to as-of."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from reports.config import STEP_FIRST_WIN, ProgramConfig
from reports.kpis.goals import GoalInput
from reports.model import Scope
from reports.timeframe import dates_before, local_day
from storage.loaders.revenue import created_before, won
from storage.memo import memoized
from storage.models import Deal, Goal, Partner, PartnerMilestone
from storage.sql import partner_scope


def _actuals(session: Session, scope: Scope, end_day: date) -> dict[int, float]:
    """goal id → its actual inside the goal's period up to as-of: one grouped join per metric."""
    end = case((Goal.period_end < end_day, Goal.period_end), else_=end_day)
    mine = and_(Deal.partner_id == Goal.partner_id, partner_scope(Goal.partner_id, scope))
    measures: dict[str, tuple[ColumnElement[Any], ColumnElement[bool]]] = {
        "registered_deals": (
            func.count(Deal.id),
            and_(Deal.registered_on >= Goal.period_start, Deal.registered_on < end),
        ),
        "sourced_pipeline": (
            func.sum(Deal.amount_base_minor),
            and_(Deal.attribution == "sourced", Deal.created_on >= Goal.period_start, Deal.created_on < end),
        ),
        "sourced_revenue": (
            func.sum(Deal.amount_base_minor),
            and_(
                Deal.attribution == "sourced",
                won(),
                Deal.closed_on >= Goal.period_start,
                Deal.closed_on < end,
                created_before(end_day),
            ),
        ),
    }
    out: dict[int, float] = {}
    for metric, (measure, in_period) in measures.items():
        rows = session.execute(
            select(Goal.id, measure).join(Deal, and_(mine, in_period)).where(Goal.metric == metric).group_by(Goal.id)
        )
        out.update((goal_id, float(value or 0)) for goal_id, value in rows)
    return out


def load_goals(session: Session, *, scope: Scope, as_of: datetime, config: ProgramConfig) -> list[GoalInput]:
    """Every goal in scope with its actual; the actuals are whole-day figures, cached for the data version."""
    tz = config.tz
    end_day = dates_before(as_of, tz)
    goals = _goal_rows(session, scope=scope)
    first_wins = dict(
        session.execute(
            select(PartnerMilestone.partner_id, PartnerMilestone.reached_at).where(
                PartnerMilestone.step == STEP_FIRST_WIN,
                PartnerMilestone.reached_at < as_of,
                partner_scope(PartnerMilestone.partner_id, scope),
            )
        ).all()
    )
    actuals = _actual_items(session, scope=scope, end_day=end_day) if goals else ()
    by_goal = dict(actuals)
    out = []
    first_win_days = {pid: local_day(moment, tz) for pid, moment in first_wins.items()}
    for goal_id, partner_id, name, metric, period, period_start, period_end, target, target_date in goals:
        out.append(
            GoalInput(
                partner_id=partner_id,
                partner_name=name,
                metric=metric,
                period=period,
                period_start=period_start,
                period_end=period_end,
                target=target,
                target_date=target_date,
                # a first-win goal's actual is whether the first win has come (1) or not yet (0)
                actual=float(partner_id in first_win_days) if metric == "first_win_by" else by_goal.get(goal_id, 0.0),
                first_win_on=first_win_days.get(partner_id),
            )
        )
    return out


@memoized
def _goal_rows(session: Session, *, scope: Scope) -> tuple[tuple[Any, ...], ...]:
    """Every goal in scope with its partner's name, as plain tuples (they do not move with as-of)."""
    rows = session.execute(
        select(
            Goal.id,
            Goal.partner_id,
            Partner.name,
            Goal.metric,
            Goal.period,
            Goal.period_start,
            Goal.period_end,
            Goal.target,
            Goal.target_date,
        )
        .join(Partner, Partner.id == Goal.partner_id)
        .where(partner_scope(Goal.partner_id, scope))
        .order_by(Partner.name, Goal.period_start, Goal.metric)
    )
    return tuple(tuple(row) for row in rows)


@memoized
def _actual_items(session: Session, *, scope: Scope, end_day: date) -> tuple[tuple[int, float], ...]:
    return tuple(_actuals(session, scope, end_day).items())
