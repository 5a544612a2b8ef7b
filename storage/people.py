"""Recording what we learn about people from Slack."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from storage.models import Person


def record_slack_user_id(session: Session, *, email: str, user_id: str) -> None:
    """Remember a person's Slack id once resolved from their email."""
    session.execute(update(Person).where(Person.email == email.lower()).values(slack_user_id=user_id))
