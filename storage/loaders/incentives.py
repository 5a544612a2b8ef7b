"""Won sourced deals within the fast-start window of their partner's onboarding, for the incentive."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.kpis.incentives import SourcedWin
from reports.model import Scope
from storage.loaders.revenue import created_before, won
from storage.memo import memoized
from storage.models import Deal, Partner
from storage.sql import day_diff, partner_scope


def load_fast_start_wins(
    session: Session, *, scope: Scope, end: date, days: int, onboarded_from: date | None = None
) -> list[SourcedWin]:
    """The scope's won sourced deals closed before `end` on or after their partner's onboarding date and at most
    `days` after it; only partners onboarded on `onboarded_from` or later, when given (whole days: cached)."""
    return list(_fast_start_wins(session, scope=scope, end=end, days=days, onboarded_from=onboarded_from))


@memoized
def _fast_start_wins(
    session: Session, *, scope: Scope, end: date, days: int, onboarded_from: date | None
) -> tuple[SourcedWin, ...]:
    conditions = [
        won(),
        Deal.attribution == "sourced",
        Deal.closed_on < end,
        created_before(end),
        Deal.closed_on >= Partner.onboarded_on,
        day_diff(Deal.closed_on, Partner.onboarded_on) <= days,
        partner_scope(Deal.partner_id, scope),
    ]
    if onboarded_from is not None:
        conditions.append(Partner.onboarded_on >= onboarded_from)
    rows = session.execute(
        select(Deal.partner_id, Deal.external_id, Deal.name, Deal.created_on, Deal.closed_on, Deal.amount_base_minor)
        .join(Partner, Partner.id == Deal.partner_id)
        .where(*conditions)
        .order_by(Deal.partner_id, Deal.closed_on, Deal.external_id)
    )
    return tuple(
        SourcedWin(pid, external_id, name, created, closed, amount)
        for pid, external_id, name, created, closed, amount in rows
        if pid is not None and closed is not None
    )
