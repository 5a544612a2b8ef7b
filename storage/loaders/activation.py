"""Milestones per partner, from the rollup, for the activation KPIs."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.config import STEP_FIRST_WIN, ProgramConfig
from reports.kpis.activation import Milestones
from reports.model import PartnerProfile, Scope
from reports.timeframe import Window
from reports.views.wins import WinInput
from storage.loaders.partners import load_partner_profiles
from storage.loaders.revenue import created_before, won
from storage.memo import memoized
from storage.models import PARTNER_ATTRIBUTIONS, Deal, Partner, PartnerMilestone
from storage.sql import partner_scope


def load_milestones(
    session: Session, *, scope: Scope, profiles: list[PartnerProfile] | None = None
) -> list[Milestones]:
    partners = profiles if profiles is not None else load_partner_profiles(session, scope=scope)
    reached: dict[int, dict[str, datetime]] = defaultdict(dict)
    for pid, step, at in _milestone_rows(session, scope=scope):
        reached[pid][step] = at
    return [Milestones(p, reached.get(p.id, {})) for p in partners]


@memoized
def _milestone_rows(session: Session, *, scope: Scope) -> tuple[tuple[int, str, datetime], ...]:
    rows = session.execute(
        select(PartnerMilestone.partner_id, PartnerMilestone.step, PartnerMilestone.reached_at).where(
            partner_scope(PartnerMilestone.partner_id, scope)
        )
    )
    return tuple((pid, step, at) for pid, step, at in rows)


def load_recent_winner_ids(session: Session, *, scope: Scope, window: Window, config: ProgramConfig) -> frozenset[int]:
    """Partners with a won partner deal closed in the window."""
    first, end = window.day_bounds(config.tz)
    return _recent_winner_ids(session, scope=scope, first=first, end=end)


@memoized
def _recent_winner_ids(session: Session, *, scope: Scope, first: date, end: date) -> frozenset[int]:
    rows = session.execute(
        select(Deal.partner_id)
        .where(
            won(),
            Deal.attribution.in_(PARTNER_ATTRIBUTIONS),
            Deal.closed_on >= first,
            Deal.closed_on < end,
            created_before(end),
            partner_scope(Deal.partner_id, scope),
        )
        .group_by(Deal.partner_id)
    )
    return frozenset(pid for pid in rows.scalars() if pid is not None)


def load_first_revenue_pairs(session: Session) -> list[tuple[date, datetime]]:
    """(onboarded_on, first win) of every partner with both."""
    return list(_first_revenue_pairs(session))


@memoized
def _first_revenue_pairs(session: Session) -> tuple[tuple[date, datetime], ...]:
    rows = session.execute(
        select(Partner.onboarded_on, PartnerMilestone.reached_at)
        .join(Partner, Partner.id == PartnerMilestone.partner_id)
        .where(PartnerMilestone.step == STEP_FIRST_WIN, Partner.onboarded_on.is_not(None))
    )
    return tuple((onboarded, reached) for onboarded, reached in rows if onboarded is not None)


def load_first_wins(session: Session, *, scope: Scope, window: Window) -> list[WinInput]:
    """First wins reached in the window, with the winning deal."""
    rows = session.execute(
        select(
            PartnerMilestone.partner_id,
            PartnerMilestone.reached_at,
            Deal.external_id,
            Deal.name,
            Deal.amount_base_minor,
            Deal.attribution,
            Deal.id,
        )
        .outerjoin(Deal, Deal.id == PartnerMilestone.deal_id)
        .where(
            PartnerMilestone.step == STEP_FIRST_WIN,
            PartnerMilestone.reached_at >= window.start,
            PartnerMilestone.reached_at < window.end,
            partner_scope(PartnerMilestone.partner_id, scope),
        )
        .order_by(PartnerMilestone.reached_at.desc())
    )
    return [WinInput(*row) for row in rows]
