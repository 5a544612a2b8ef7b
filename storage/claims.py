"""Claims that make things happen once: an event id, a button action, a unit of scheduled work.

A claim is a row with a unique key, inserted before acting; whoever inserts it acts, everyone else skips. The
caller's transaction commits the claim.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import InteractionClaim, SlackEvent, SlackWorkspace


def insert_once(session: Session, table: Any, values: dict[str, Any], key: str) -> bool:
    """Insert unless the key exists; True when this call inserted it."""
    target: Table = table.__table__
    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(target)
    inserted = session.execute(
        statement.values(**values).on_conflict_do_nothing(index_elements=[key]).returning(target.c[key])
    ).first()
    return inserted is not None


def claim_event(session: Session, *, event_id: str, event_type: str, at: datetime) -> bool:
    return insert_once(
        session, SlackEvent, {"event_id": event_id, "event_type": event_type, "received_at": at}, "event_id"
    )


def claim_interaction(session: Session, *, key: str, at: datetime) -> bool:
    return insert_once(session, InteractionClaim, {"key": key[:300], "claimed_at": at}, "key")


def record_workspace_status(session: Session, *, team_id: str, status: str, at: datetime) -> None:
    session.merge(SlackWorkspace(team_id=team_id, status=status, changed_at=at))
    session.flush()


def load_workspace_status(session: Session, *, team_id: str) -> str | None:
    return session.execute(select(SlackWorkspace.status).where(SlackWorkspace.team_id == team_id)).scalar()
