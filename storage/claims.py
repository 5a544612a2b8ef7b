"""Claims that make things happen once: an event id, a button action, a unit of scheduled work.

A claim is a row with a unique key, inserted before acting; whoever inserts it acts, everyone else skips. The
caller's transaction commits the claim.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import IngestedEvent, InteractionClaim, SlackEvent, SlackWorkspace


def _insert_new(session: Session, table: Any, rows: list[dict[str, Any]], keys: list[str], out: str) -> list[Any]:
    """Insert the rows whose keys do not exist yet (ON CONFLICT DO NOTHING, on both stores); `out` of those it
    inserted."""
    target: Table = table.__table__
    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(target)
    inserted = session.execute(
        statement.values(rows).on_conflict_do_nothing(index_elements=keys).returning(target.c[out])
    )
    return list(inserted.scalars())


def insert_once(session: Session, table: Any, values: dict[str, Any], key: str) -> bool:
    """Insert unless the key exists; True when this call inserted it."""
    return bool(_insert_new(session, table, [values], [key], key))


def claim_ingested_events(session: Session, *, source: str, event_ids: list[str], at: datetime) -> set[str]:
    """Claim a batch's event ids for `source`; returns those this call claimed (the others were applied before).

    A concurrent replay of the same batch waits at the unique key until the first commits, then claims nothing
    (PostgreSQL); on SQLite writers take turns. Either way each event is applied once and no sender sees an error.
    """
    if not event_ids:
        return set()
    rows = [{"source": source, "event_id": event_id, "received_at": at} for event_id in event_ids]
    return set(_insert_new(session, IngestedEvent, rows, ["source", "event_id"], "event_id"))


def claim_event(session: Session, *, event_id: str, event_type: str, at: datetime) -> bool:
    return insert_once(
        session, SlackEvent, {"event_id": event_id, "event_type": event_type, "received_at": at}, "event_id"
    )


def claim_interaction(session: Session, *, key: str, at: datetime) -> bool:
    return insert_once(session, InteractionClaim, {"key": key[:300], "claimed_at": at}, "key")


def record_workspace_status(session: Session, *, team_id: str, status: str, at: datetime) -> None:
    session.merge(SlackWorkspace(team_id=team_id, status=status, changed_at=at))
    session.flush()
