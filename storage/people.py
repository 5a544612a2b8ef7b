"""People: recording what we learn about them from Slack, and finding them by name."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import Person


def record_slack_user_id(session: Session, *, email: str, user_id: str) -> None:
    """Remember a person's Slack id once resolved from their email."""
    session.execute(update(Person).where(Person.email == email.lower()).values(slack_user_id=user_id))


def name_keys(names: pd.Series) -> pd.Series:
    """Names as they are matched: case and spacing ignored ("  dana  WHITFIELD " is "dana whitfield")."""
    return names.str.casefold().str.split().str.join(" ")


def load_emails_by_name(session: Session) -> dict[str, tuple[str, ...]]:
    """Every named person's email under their name's key (`name_keys`); a shared name holds several, sorted."""
    rows = session.execute(select(Person.name, Person.email).where(Person.name.is_not(None))).all()
    if not rows:
        return {}
    keys = name_keys(pd.Series([name for name, _ in rows], dtype=str))
    found: dict[str, list[str]] = defaultdict(list)
    for key, (_, email) in zip(keys, rows, strict=True):
        if key:
            found[key].append(email)
    return {key: tuple(sorted(emails)) for key, emails in found.items()}
