"""When each source last delivered each kind of record: kept by every import, API batch and the demo, in the
caller's transaction, so a delivery that rolls back leaves no trace."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from reports.freshness import LastDelivery
from storage.models import SourceDelivery


def record_delivery(session: Session, *, source: str, kind: str, records: int, at: datetime) -> None:
    """Keep (source, kind)'s last delivery. One upsert, so concurrent batches of one source never collide, and an
    older delivery committing late never replaces a newer one."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(SourceDelivery).values(source=source, kind=kind, delivered_at=at, records=records)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[SourceDelivery.source, SourceDelivery.kind],
            set_={"delivered_at": statement.excluded.delivered_at, "records": statement.excluded.records},
            where=SourceDelivery.delivered_at <= statement.excluded.delivered_at,
        )
    )


def load_last_deliveries(session: Session, *, as_of: datetime) -> tuple[LastDelivery, ...]:
    """Each (source, kind)'s last delivery at or before as-of; a source whose last delivery came later is left
    out (its earlier ones are not kept)."""
    rows = session.execute(
        select(SourceDelivery.source, SourceDelivery.kind, SourceDelivery.delivered_at, SourceDelivery.records)
        .where(SourceDelivery.delivered_at <= as_of)
        .order_by(SourceDelivery.source, SourceDelivery.kind)
    ).all()
    return tuple(LastDelivery(source, kind, delivered_at, records) for source, kind, delivered_at, records in rows)
