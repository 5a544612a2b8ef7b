"""Snoozed alert subjects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Snooze


def load_active_snoozes(session: Session, *, as_of: datetime) -> set[tuple[str, str]]:
    """(rule, subject) pairs snoozed at as-of."""
    rows = session.execute(select(Snooze.rule, Snooze.subject).where(Snooze.until > as_of, Snooze.created_at <= as_of))
    return {(rule, subject) for rule, subject in rows}


def load_expiring_snoozes(
    session: Session, *, as_of: datetime, until: datetime, owner_email: str | None = None
) -> list[Snooze]:
    """Snoozes that end between as-of and `until`, soonest first."""
    statement = select(Snooze).where(Snooze.until > as_of, Snooze.until <= until).order_by(Snooze.until)
    if owner_email:
        statement = statement.where(Snooze.owner_email == owner_email)
    return list(session.execute(statement).scalars())
