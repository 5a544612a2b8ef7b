"""Intros for the handoff KPIs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from reports.kpis.handoffs import IntroRecord
from reports.model import Scope
from reports.timeframe import Window
from storage.memo import memoized, split_days
from storage.models import Intro, Partner
from storage.sql import partner_scope

_COLUMNS = (
    Intro.id,
    Intro.external_id,
    Intro.partner_id,
    Partner.name,
    Partner.owner_email,
    Intro.account,
    Intro.seller_email,
    Intro.introduced_at,
    Intro.first_response_at,
    Intro.next_step_at,
    Intro.outcome,
)


def _load(session: Session, *conditions: ColumnElement[bool]) -> list[IntroRecord]:
    rows = session.execute(
        select(*_COLUMNS).join(Partner, Partner.id == Intro.partner_id).where(*conditions).order_by(Intro.introduced_at)
    )
    return [IntroRecord(*row) for row in rows]


def load_intros(session: Session, *, scope: Scope, window: Window, tz: ZoneInfo) -> list[IntroRecord]:
    """Intros introduced in the window, oldest first. The whole program-local days in the middle of the window
    are cached for the data version (the records do not move with as-of); only its edges are read each time."""
    out: list[IntroRecord] = []
    for start, end, whole_days in split_days(session, window.start, window.end, tz):
        read = _introduced if whole_days else _introduced.fresh
        out.extend(read(session, scope=scope, start=start, end=end))
    return out


@memoized
def _introduced(session: Session, *, scope: Scope, start: datetime, end: datetime) -> tuple[IntroRecord, ...]:
    return tuple(
        _load(session, Intro.introduced_at >= start, Intro.introduced_at < end, partner_scope(Intro.partner_id, scope))
    )


def load_unanswered_intros(
    session: Session, *, scope: Scope, as_of: datetime, older_than: datetime
) -> list[IntroRecord]:
    """Intros introduced before `older_than` with no first response and no outcome as of."""
    return _load(
        session,
        Intro.introduced_at < older_than,
        or_(Intro.first_response_at.is_(None), Intro.first_response_at >= as_of),
        Intro.outcome.is_(None),
        partner_scope(Intro.partner_id, scope),
    )
